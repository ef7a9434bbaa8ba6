"""The pipeline's index page: findings first, then key figures, runs and the raw rows.

The page references the folder's shared ``_assets/plotly.min.js`` (one copy for every page
of the folder, still offline) instead of inlining plotly.js.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pandas as pd

from qfin.report._export import ASSETS_DIR, PLOTLY_JS, write_assets
from qfin.report._findings import findings_html
from qfin.report._format import format_number
from qfin.report._show import figure_html
from qfin.report._tables import TABLE_CSS, Column, format_table

__all__ = ["write_index", "MAX_KEY_FIGURES", "read_results"]

#: Key figures shown on the index page (each step's first run first); the rest are on the
#: run pages. Few figures keep the page quick to open.
MAX_KEY_FIGURES = 6
#: A key figure heavier than this (its JSON, bytes) is linked, not drawn, on the index.
MAX_INDEX_FIGURE_BYTES = 40_000
_PROVENANCE = ("pipeline", "pipeline_run", "qfin_version", "numpy_version", "mlx_version",
               "python_version", "machine", "git_revision", "data_hash", "code_version")

_STYLE = """
body { font-family: -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em auto;
       max-width: 1200px; color: #222; padding: 0 1em; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.6em; }
.failed { color: #b00020; font-weight: bold; }
.ok { color: #1b5e20; }
.skipped { color: #555; }
.figure { margin: 1.5em 0; }
.note { color: #555; font-size: 0.9em; }
ul.qfin-verdicts li { margin: 0.3em 0; }
details { margin: 0.6em 0; }
details > summary { cursor: pointer; font-weight: 600; }
""" + TABLE_CSS


def _runtime_figure(runs: list[dict[str, Any]]) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure()
    for status, colour in (("ok", "#2e7d32"), ("skipped", "#9e9e9e"), ("failed", "#c62828")):
        chosen = [r for r in runs if r["status"] == status and r.get("seconds") is not None]
        if chosen:
            fig.add_bar(x=[r["key"] for r in chosen], y=[r["seconds"] for r in chosen],
                        name=status, marker_color=colour)
    fig.update_layout(title="Wall time per run (papermill, kernel start included)",
                      yaxis_title="wall time (s)", xaxis_title="run", height=380,
                      barmode="group")
    return fig


def read_results(out_dir: str | Path) -> pd.DataFrame:
    """The combined result rows of a pipeline output folder (``results.parquet`` or ``.csv``)."""
    out_dir = Path(out_dir)
    for name, reader in (("results.parquet", pd.read_parquet),
                         ("results.csv", lambda p: pd.read_csv(p, low_memory=False))):
        path = out_dir / name
        if path.is_file() and path.stat().st_size > 1:
            try:
                return reader(path)
            except (ValueError, OSError, pd.errors.EmptyDataError):
                continue
    return pd.DataFrame()


def _runs_table(runs: list[dict[str, Any]]) -> str:
    frame = pd.DataFrame({
        "run": [r["key"] for r in runs],
        "status": [r["status"] for r in runs],
        "seconds": [r.get("seconds") for r in runs],
        "links": [" ".join(f"<a href='{html.escape(r[k])}'>{label}</a>"
                           for k, label in (("report", "report"), ("notebook", "notebook"))
                           if r.get(k)) for r in runs],
        "parameters": [", ".join(f"{k}={json.dumps(v)}"
                                 for k, v in (r.get("parameters") or {}).items()) for r in runs],
        "error": [r.get("error") or "" for r in runs],
    })
    styler = format_table(frame, columns={"seconds": Column("wall time (s)", "seconds"),
                                          "links": Column("links", "text"),
                                          "parameters": Column("parameters", "text")},
                          html_columns=("links",))
    return styler.to_html()


def _results_section(results: pd.DataFrame, runs: list[dict[str, Any]]) -> str:
    """What the folder's result rows hold, per step and task, with links to every row.

    The rows themselves are on the run pages (formatted) and in results.csv/.parquet; the
    index only says where they are.
    """
    if results.empty:
        return "<p class='note'>no result rows</p>"
    keys = [c for c in ("step", "task") if c in results.columns]
    pages = {r["key"].split("/", 1)[0]: [] for r in runs}
    for run in runs:
        if run.get("report"):
            pages[run["key"].split("/", 1)[0]].append(
                f"<a href='{html.escape(run['report'])}'>"
                f"{html.escape(run['key'].split('/', 1)[-1])}</a>")
    hidden = set(_PROVENANCE) | {"step", "run", "run_seconds", "task"}
    rows = []
    groups = results.groupby(keys, sort=False, dropna=False) if keys else [((None,), results)]
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        step = str(key[0]) if keys and keys[0] == "step" and pd.notna(key[0]) else ""
        task = str(key[-1]) if keys and keys[-1] == "task" and pd.notna(key[-1]) else ""
        columns = [c for c in part.columns if c not in hidden and not str(c).startswith("param_")
                   and part[c].notna().any()]
        rows.append({"step": step, "task": task, "rows": len(part), "columns": len(columns),
                     "run pages": " ".join(pages.get(step, []))})
    table = format_table(pd.DataFrame(rows), columns={"run pages": Column("run pages", "text"),
                                                      "columns": Column("columns", "integer")},
                         html_columns=("run pages",)).to_html()
    first = results.iloc[0]
    prov = {c: first[c] for c in _PROVENANCE if c in results.columns}
    return (table + "<p class='note'>every row with its parameters and provenance: "
            "<a href='results.csv'>results.csv</a> &middot; "
            "<a href='results.parquet'>results.parquet</a> &middot; "
            "<a href='cell_timings.csv'>cell_timings.csv</a>; provenance (first row): "
            + html.escape(", ".join(f"{k}={v}" for k, v in prov.items())) + "</p>")


def _key_figures(out_dir: Path, runs: list[dict[str, Any]]
                 ) -> tuple[list[Any], list[str], int]:
    import plotly.graph_objects as go

    # Round robin, so no step crowds out the rest: every step's first run before any
    # step's second one; within a run, its figures in the order the notebook showed them,
    # each step's first figure before any step's second; later steps first (they summarise
    # the earlier ones: the findings' figures lead).
    ranked = []
    seen_in_step: dict[str, int] = {}
    steps: dict[str, int] = {}
    for run in runs:
        if run["status"] == "failed":
            continue
        step = run["key"].split("/", 1)[0]
        position = steps.setdefault(step, len(steps))
        rank = seen_in_step.get(step, 0)
        seen_in_step[step] = rank + 1
        paths = sorted((out_dir / run["key"] / "figures").glob("*.json"),
                       key=lambda p: (p.stat().st_mtime_ns, p.name))
        for order, path in enumerate(paths):
            ranked.append((rank, order, -position, f"{run['key']}: {path.stem}", path))
    key_figures = [(label, path) for *_, label, path in sorted(ranked, key=lambda r: r[:3])]
    shown, linked = [], []
    for label, path in key_figures[:MAX_KEY_FIGURES]:
        try:
            fig = go.Figure(json.loads(path.read_text(encoding="utf-8")), skip_invalid=True)
        except ValueError:
            continue
        title = fig.layout.title.text or path.stem
        if path.stat().st_size > MAX_INDEX_FIGURE_BYTES:  # heavy: on its run page only
            run_key = label.split(": ", 1)[0]
            linked.append(f"<a href='{html.escape(run_key)}/report.html'>"
                          f"{html.escape(str(title))}</a> ({html.escape(label)})")
            continue
        fig.update_layout(title=f"{title} <span style='font-size:11px'>({label})</span>")
        shown.append(fig)
    return shown, linked, max(0, len(key_figures) - MAX_KEY_FIGURES)


def write_index(out_dir: str | Path, runs: list[dict[str, Any]], *,
                pdf_name: str | None = None) -> Path:
    """Write ``index.html`` for a pipeline output folder.

    The page opens with the **Findings** (:func:`qfin.report.findings_html` of the result
    rows: per question a verdict table and one sentence per verdict), then the key figures,
    the runs with links to their reports, and where the result rows are (per step and
    task: how many, and links; the rows themselves are on the run pages and in
    ``results.csv``).

    Parameters
    ----------
    out_dir : path
        The pipeline's output folder.
    runs : list of dict
        One dict per run: ``key``, ``status``, ``seconds``, ``error``, ``parameters``,
        ``report`` (relative link or ``None``), ``notebook`` (relative link or ``None``).
    pdf_name : str, optional
        A PDF of this page to link to.

    Returns
    -------
    Path
        ``out_dir/index.html``.
    """
    out_dir = Path(out_dir)
    write_assets(out_dir)
    summary_path = out_dir / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
    name = summary.get("pipeline") or out_dir.parent.name
    counts = {s: sum(1 for r in runs if r["status"] == s) for s in ("ok", "failed", "skipped")}
    results = read_results(out_dir)

    figures, linked, more_figures = _key_figures(out_dir, runs)
    figures.append(_runtime_figure(runs))
    figure_parts = "".join(f"<div class='figure'>{figure_html(fig)}</div>" for fig in figures)
    more = ""
    if linked:
        more += ("<p class='note'>on their run pages (too heavy for this page): "
                 + " &middot; ".join(linked) + "</p>")
    if more_figures:
        more += f"<p class='note'>{more_figures} more key figures are on the run pages</p>"

    seconds = summary.get("seconds")
    facts = [f"output folder <code>{html.escape(str(out_dir))}</code>",
             f"runs: {counts['ok']} ok, {counts['failed']} failed, {counts['skipped']} skipped "
             "(resumed)"]
    if seconds is not None:
        facts.append(f"wall time {format_number(seconds, 3)} s")
    if pdf_name:
        facts.append(f"<a href='{html.escape(pdf_name)}'>PDF</a>")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>qfin pipeline {html.escape(name)}</title>
<style>{_STYLE}</style>
<script type="text/javascript" src="{ASSETS_DIR}/{PLOTLY_JS}"></script>
</head><body>
<h1>Pipeline <code>{html.escape(name)}</code></h1>
<p>{" &middot; ".join(facts)}</p>
<p class="note">Everything labelled quantum is a classical simulation; oracle queries are
reported separately from seconds. Each verdict below is computed from the result rows:
among the methods as accurate as the best one against the named ground truth, the fastest
whole call wins.</p>
<h2 id="findings">Findings</h2>
{findings_html(results, heading_level=3)}
<h2 id="figures">Key figures</h2>
{figure_parts}
{more}
<h2 id="runs">Runs</h2>
{_runs_table(runs)}
<h2 id="results">Result rows</h2>
{_results_section(results, runs)}
</body></html>
"""
    index = out_dir / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
