"""One executed notebook as an HTML report (code hidden, figures drawn offline).

A report stands alone (plotly.js and the page style inline, about 5 MB) or, inside a
pipeline output folder, points at the folder's one shared copy of plotly.js and of the style
sheet (:func:`write_assets`), so nine pages cost one plotly.js instead of nine.
"""

from __future__ import annotations

import html
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import nbformat

from qfin.errors import DataError
from qfin.report._findings import FINDINGS_METADATA
from qfin.report._tables import TABLE_CSS

__all__ = ["notebook_to_html", "write_assets", "TEMPLATE_DIR", "ASSETS_DIR", "PLOTLY_JS",
           "REPORT_CSS"]

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
#: Folder of a pipeline output folder holding what every page shares.
ASSETS_DIR = "_assets"
PLOTLY_JS = "plotly.min.js"
REPORT_CSS = "report.css"

_PLOTLY_MIME = "application/vnd.plotly.v1+json"

# The page style of a report: the lab template's markup (a notebook of output cells), kept
# small on purpose instead of JupyterLab's 250 kB style sheet, which styles an editor no
# report shows.
_PAGE_CSS = """
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body.jp-Notebook { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; color: #222; background: #fff; margin: 0; line-height: 1.45; }
body.jp-Notebook main { max-width: 1200px; margin: 0 auto; padding: 1.5em 1.5em 3em; }
.jp-Cell { margin: 0.3em 0; }
.jp-Collapser, .jp-InputArea, .jp-InputPrompt, .jp-OutputPrompt, a.anchor-link { display: none; }
.jp-OutputArea-output { overflow-x: auto; }
.jp-RenderedHTMLCommon h1 { font-size: 1.8em; font-weight: 500; margin: 0.8em 0 0.4em; }
.jp-RenderedHTMLCommon h2 { font-size: 1.4em; font-weight: 500; margin: 1.2em 0 0.4em;
  border-bottom: 1px solid #e3e3e3; padding-bottom: 0.15em; }
.jp-RenderedHTMLCommon h3 { font-size: 1.15em; font-weight: 600; margin: 1em 0 0.3em; }
.jp-RenderedHTMLCommon p, .jp-RenderedHTMLCommon ul { margin: 0.4em 0 0.6em; }
.jp-RenderedHTMLCommon code { font-family: ui-monospace, Menlo, Consolas, monospace;
  font-size: 0.9em; background: #f5f5f5; padding: 0 0.2em; }
.jp-RenderedHTMLCommon table { border-collapse: collapse; font-size: 0.88em; margin: 0.5em 0; }
.jp-RenderedHTMLCommon th, .jp-RenderedHTMLCommon td { padding: 3px 9px;
  border-bottom: 1px solid #e3e3e3; text-align: right; }
.jp-RenderedHTMLCommon th { background: #f4f4f4; }
.jp-RenderedText pre, .jp-OutputArea-output pre { font-family: ui-monospace, Menlo,
  Consolas, monospace; font-size: 0.85em; white-space: pre-wrap; margin: 0.3em 0; }
@page { margin: 0.5in; }
.qfin-run-header { margin: 0 0 1.5em 0; }
.qfin-run-header h1 { margin-top: 0; }
.qfin-run-header td { padding: 2px 10px; border-bottom: 1px solid #ddd; text-align: left; }
.qfin-failed { color: #b00020; font-weight: bold; }
.qfin-findings { border: 1px solid #cfe3cf; background: #fafdfa; padding: 0.2em 1.2em 0.8em;
  margin: 0 0 2em 0; }
.qfin-findings .note, .note { color: #555; font-size: 0.9em; }
""" + TABLE_CSS


@cache
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _write_if_changed(path: Path, text: str) -> None:
    data = text.encode("utf-8")
    if not path.is_file() or path.stat().st_size != len(data) or path.read_bytes() != data:
        path.write_bytes(data)


def write_assets(folder: str | Path) -> Path:
    """Write the shared ``_assets/plotly.min.js`` and ``_assets/report.css`` into ``folder``.

    ``report.css`` is qfin's page style for the lab template's markup (a few kB).

    Parameters
    ----------
    folder : path
        A pipeline output folder (its pages reference these files by relative path, so the
        folder opens offline and can be zipped and sent as a whole).

    Returns
    -------
    Path
        The assets folder.
    """
    assets = Path(folder) / ASSETS_DIR
    assets.mkdir(parents=True, exist_ok=True)
    _write_if_changed(assets / PLOTLY_JS, _plotly_js())
    _write_if_changed(assets / REPORT_CSS, _PAGE_CSS)
    return assets


def _header_cell(title: str, info: dict[str, Any] | None, index_href: str | None
                 ) -> nbformat.NotebookNode:
    from qfin.report._format import format_number

    rows = []
    if info:
        status = info.get("status", "")
        css = ' class="qfin-failed"' if status == "failed" else ""
        rows.append(f"<tr><td>status</td><td{css}>{html.escape(str(status))}</td></tr>")
        if info.get("error"):
            rows.append(f"<tr><td>error</td><td class='qfin-failed'>"
                        f"{html.escape(str(info['error']))}</td></tr>")
        if info.get("seconds") is not None:
            rows.append(f"<tr><td>wall time (s)</td>"
                        f"<td>{format_number(info['seconds'], 3)}</td></tr>")
        for name, value in (info.get("parameters") or {}).items():
            rows.append(f"<tr><td>{html.escape(str(name))}</td>"
                        f"<td><code>{html.escape(json.dumps(value))}</code></td></tr>")
        for name in ("code_version", "data_hash"):
            if info.get(name):
                rows.append(f"<tr><td>{name}</td><td><code>{html.escape(str(info[name]))}"
                            f"</code></td></tr>")
    back = (f"<p><a href='{html.escape(index_href)}'>&larr; pipeline index</a></p>"
            if index_href else "")
    body = (f"<div class='qfin-run-header'><h1>{html.escape(title)}</h1>{back}"
            f"<table>{''.join(rows)}</table></div>")
    cell = nbformat.v4.new_code_cell(source="")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": body})]
    return cell


def _figures_to_html(nb: nbformat.NotebookNode) -> None:
    """Draw plotly outputs (the ``application/vnd.plotly.v1+json`` MIME type) as HTML."""
    import plotly.graph_objects as go

    from qfin.report._show import figure_html

    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            data = output.get("data") or {}
            if _PLOTLY_MIME in data:
                spec = data[_PLOTLY_MIME]
                if isinstance(spec, str):
                    spec = json.loads(spec)
                figure = go.Figure(spec, skip_invalid=True)
                data["text/html"] = figure_html(figure)
                del data[_PLOTLY_MIME]


def _take_findings(nb: nbformat.NotebookNode) -> nbformat.NotebookNode | None:
    """Remove the outputs of :func:`qfin.report.show_findings`; a cell holding them all."""
    taken = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        keep = []
        for output in cell.get("outputs", []):
            if (output.get("metadata") or {}).get(FINDINGS_METADATA):
                taken.append(output)
            else:
                keep.append(output)
        cell.outputs = keep
    if not taken:
        return None
    cell = nbformat.v4.new_code_cell(source="")
    cell.outputs = taken
    return cell


def notebook_to_html(notebook: str | Path, out: str | Path | None = None, *,
                     title: str | None = None, info: dict[str, Any] | None = None,
                     assets: str | Path | None = None, index: str | Path | None = None
                     ) -> Path:
    """Export an executed notebook to HTML that opens offline.

    Code cells are hidden (outputs only), warnings on stderr are dropped, plotly figures
    are drawn with plotly.js, and no ``<script src=...>`` points at the network. Findings
    shown with :func:`qfin.report.show_findings` move to the top of the page.

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
    assets : path, optional
        A folder written by :func:`write_assets`: the page references its plotly.js and
        style sheet by relative path. Default: both inline (one self-contained file).
    index : path, optional
        The pipeline's ``index.html``, linked from the page header.

    Returns
    -------
    Path
        The HTML file.

    Raises
    ------
    DataError
        When the notebook does not exist or ``assets`` lacks the shared files.
    """
    from nbconvert import HTMLExporter

    notebook = Path(notebook)
    if not notebook.is_file():
        raise DataError(f"notebook {str(notebook)!r} does not exist")
    out = Path(out) if out else notebook.with_name("report.html")
    resources: dict[str, Any] = {}
    if assets is not None:
        assets = Path(assets)
        if not (assets / PLOTLY_JS).is_file() or not (assets / REPORT_CSS).is_file():
            raise DataError(f"assets folder {str(assets)!r} lacks {PLOTLY_JS} or {REPORT_CSS}; "
                            "create it with qfin.report.write_assets(run_folder)")
        resources["qfin_assets"] = Path(os.path.relpath(assets, out.parent)).as_posix()
    else:
        resources["qfin_plotly_js"] = _plotly_js()
        resources["qfin_css"] = _PAGE_CSS
    index_href = (Path(os.path.relpath(Path(index), out.parent)).as_posix()
                  if index is not None else None)
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:  # warnings on stderr are for the notebook's author, not its reader
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    _figures_to_html(nb)
    findings = _take_findings(nb)
    title = title or f"{notebook.parent.parent.name} / {notebook.parent.name}"
    nb.cells.insert(0, _header_cell(title, info, index_href))
    if findings is not None:  # the page leads with the notebook's verdicts
        nb.cells.insert(1, findings)
    nb.metadata["title"] = title
    exporter = HTMLExporter(template_name="qfin_offline",
                            extra_template_basedirs=[str(TEMPLATE_DIR)],
                            exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    out.write_text(body, encoding="utf-8")
    return out
