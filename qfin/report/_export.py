"""One executed notebook as a self-contained HTML report (code hidden, figures inline)."""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path
from typing import Any

import nbformat

from qfin.errors import DataError

__all__ = ["notebook_to_html", "TEMPLATE_DIR"]

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


@cache
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _header_cell(title: str, info: dict[str, Any] | None) -> nbformat.NotebookNode:
    rows = []
    if info:
        status = info.get("status", "")
        css = ' class="qfin-failed"' if status == "failed" else ""
        rows.append(f"<tr><td>status</td><td{css}>{html.escape(str(status))}</td></tr>")
        if info.get("error"):
            rows.append(f"<tr><td>error</td><td class='qfin-failed'>"
                        f"{html.escape(str(info['error']))}</td></tr>")
        if info.get("seconds") is not None:
            rows.append(f"<tr><td>seconds</td><td>{float(info['seconds']):.2f}</td></tr>")
        for name, value in (info.get("parameters") or {}).items():
            rows.append(f"<tr><td>{html.escape(str(name))}</td>"
                        f"<td><code>{html.escape(json.dumps(value))}</code></td></tr>")
        for name in ("code_version", "data_hash"):
            if info.get(name):
                rows.append(f"<tr><td>{name}</td><td><code>{html.escape(str(info[name]))}"
                            f"</code></td></tr>")
    body = (f"<div class='qfin-run-header'><h1>{html.escape(title)}</h1>"
            f"<p><a href='../../index.html'>&larr; pipeline index</a></p>"
            f"<table>{''.join(rows)}</table></div>")
    cell = nbformat.v4.new_code_cell(source="")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": body})]
    return cell


def notebook_to_html(notebook: str | Path, out: str | Path | None = None, *,
                     title: str | None = None, info: dict[str, Any] | None = None) -> Path:
    """Export an executed notebook to HTML that opens offline.

    Code cells are hidden (outputs only), plotly.js is inlined once in the page, and no
    ``<script src=...>`` points at the network.

    Parameters
    ----------
    notebook : path
        An executed notebook.
    out : path, optional
        Output file (default: ``report.html`` beside the notebook).
    title : str, optional
        Page title (default: the notebook's folder names).
    info : dict, optional
        Run facts shown in a header table (``status``, ``error``, ``seconds``,
        ``parameters``, ``code_version``, ``data_hash``).

    Returns
    -------
    Path
        The HTML file.
    """
    from nbconvert import HTMLExporter

    notebook = Path(notebook)
    if not notebook.is_file():
        raise DataError(f"notebook {str(notebook)!r} does not exist")
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:  # warnings on stderr are for the notebook's author, not its reader
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    title = title or f"{notebook.parent.parent.name} / {notebook.parent.name}"
    nb.cells.insert(0, _header_cell(title, info))
    nb.metadata["title"] = title
    exporter = HTMLExporter(template_name="qfin_offline",
                            extra_template_basedirs=[str(TEMPLATE_DIR)],
                            exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb, resources={"qfin_plotly_js": _plotly_js()})
    out = Path(out) if out else notebook.with_name("report.html")
    out.write_text(body, encoding="utf-8")
    return out
