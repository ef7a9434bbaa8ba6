"""``qfin report RUN_DIR``: every run's HTML report, the index page, and a PDF."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qfin.errors import DataError
from qfin.report._export import notebook_to_html, write_assets
from qfin.report._index import write_index
from qfin.report._pdf import html_to_pdf

__all__ = ["ReportBuild", "build_reports"]


@dataclass
class ReportBuild:
    """What :func:`build_reports` wrote."""

    index: Path
    reports: list[Path] = field(default_factory=list)
    pdf: Path | None = None
    pdfs: list[Path] = field(default_factory=list)


def _find_runs(out_dir: Path) -> list[tuple[Path, dict[str, Any]]]:
    found = []
    for path in sorted(out_dir.glob("*/*/run.json")):
        try:
            found.append((path.parent, json.loads(path.read_text(encoding="utf-8"))))
        except ValueError:
            continue
    return found


def build_reports(out_dir: str | Path, *, pdf: str = "auto") -> ReportBuild:
    """Write ``report.html`` for every run of a pipeline output folder, and ``index.html``.

    Every page references the folder's one copy of plotly.js and of the style sheet
    (``_assets/``), so the folder opens offline and stays small; send the folder as a whole
    (or :func:`notebook_to_html` without ``assets`` for one self-contained page).

    Parameters
    ----------
    out_dir : path
        A folder written by :func:`qfin.pipeline.run_pipeline`
        (``runs/<pipeline>/<timestamp>/``).
    pdf : {"auto", "none", "all"}
        ``"auto"``: ``index.pdf`` where headless Chromium exists; ``"all"``: also each run's
        report; ``"none"``: no PDF.

    Returns
    -------
    ReportBuild
    """
    out_dir = Path(out_dir)
    if pdf not in ("auto", "none", "all"):
        raise DataError(f"pdf must be 'auto', 'none' or 'all'; got {pdf!r}")
    if not out_dir.is_dir():
        raise DataError(f"RUN_DIR {str(out_dir)!r} is not a folder")
    found = _find_runs(out_dir)
    if not found:
        raise DataError(f"RUN_DIR {str(out_dir)!r} holds no pipeline runs (no "
                        "<step>/<run>/run.json); give the folder `qfin pipeline run` wrote")
    build = ReportBuild(index=out_dir / "index.html")
    assets = write_assets(out_dir)
    runs = []
    for run_dir, info in found:
        key = f"{run_dir.parent.name}/{run_dir.name}"
        notebook = run_dir / "notebook.ipynb"
        report = None
        if notebook.is_file():
            report = notebook_to_html(notebook, run_dir / "report.html", title=key, info=info,
                                      assets=assets, index=build.index)
            build.reports.append(report)
            if pdf == "all":
                made = html_to_pdf(report)
                if made:
                    build.pdfs.append(made)
        runs.append({
            "key": key, "status": info.get("status", "unknown"), "seconds": info.get("seconds"),
            "error": info.get("error"), "parameters": info.get("parameters") or {},
            "report": f"{key}/report.html" if report else None,
            "notebook": f"{key}/notebook.ipynb" if notebook.is_file() else None,
        })
    pdf_name = "index.pdf" if pdf != "none" else None
    write_index(out_dir, runs, pdf_name=None)
    if pdf_name:
        build.pdf = html_to_pdf(build.index, out_dir / pdf_name)
        if build.pdf:  # link the PDF from the page it was printed from
            write_index(out_dir, runs, pdf_name=pdf_name)
    return build
