"""The pipeline's index page: summary table, key figures, links to every run's report."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pandas as pd

from qfin.report._export import _plotly_js
from qfin.report._show import figure_html

__all__ = ["write_index", "MAX_KEY_FIGURES"]

MAX_KEY_FIGURES = 12
_ROWS_PER_STEP = 25
_PROVENANCE = ("pipeline", "pipeline_run", "qfin_version", "numpy_version", "mlx_version",
               "python_version", "machine", "git_revision", "data_hash", "code_version")

_STYLE = """
body { font-family: -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em auto;
       max-width: 1200px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { padding: 4px 10px; border-bottom: 1px solid #ddd; text-align: left; }
th { background: #f3f3f3; }
.failed { color: #b00020; font-weight: bold; }
.ok { color: #1b5e20; }
.skipped { color: #555; }
.figure { margin: 1.5em 0; }
.note { color: #555; font-size: 0.9em; }
"""


def _runtime_figure(runs: list[dict[str, Any]]) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure()
    for status, colour in (("ok", "#2e7d32"), ("skipped", "#9e9e9e"), ("failed", "#c62828")):
        chosen = [r for r in runs if r["status"] == status and r.get("seconds") is not None]
        if chosen:
            fig.add_bar(x=[r["key"] for r in chosen], y=[r["seconds"] for r in chosen],
                        name=status, marker_color=colour)
    fig.update_layout(title="Wall time per run (papermill, including kernel start)",
                      yaxis_title="seconds", xaxis_title="run", height=420, barmode="group")
    return fig


def _cell_figure(cells: pd.DataFrame) -> Any:
    import plotly.express as px

    frame = cells.dropna(subset=["seconds"]).copy()
    frame["run"] = frame["step"] + "/" + frame["run"]
    frame["cell"] = frame["cell"].astype(str)
    fig = px.bar(frame, x="run", y="seconds", color="cell",
                 title="Per-cell latency (papermill cell timings)",
                 hover_data=["first_line"])
    fig.update_layout(height=420, barmode="stack", showlegend=False)
    return fig


def _table_html(frame: pd.DataFrame, max_rows: int = 60) -> str:
    shown = frame.head(max_rows)
    text = shown.to_html(index=False, border=0, na_rep="", escape=True,
                         float_format=lambda v: f"{v:.6g}")
    if len(frame) > max_rows:
        text += f"<p class='note'>first {max_rows} of {len(frame)} rows</p>"
    return text


def write_index(out_dir: str | Path, runs: list[dict[str, Any]], *,
                pdf_name: str | None = None) -> Path:
    """Write ``index.html`` for a pipeline output folder.

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
    import plotly.graph_objects as go

    out_dir = Path(out_dir)
    summary_path = out_dir / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
    name = summary.get("pipeline") or out_dir.parent.name
    counts = {s: sum(1 for r in runs if r["status"] == s) for s in ("ok", "failed", "skipped")}

    rows = []
    for run in runs:
        link = (f"<a href='{html.escape(run['report'])}'>report</a>" if run.get("report")
                else "")
        nb_link = (f"<a href='{html.escape(run['notebook'])}'>notebook</a>"
                   if run.get("notebook") else "")
        params = ", ".join(f"{k}={json.dumps(v)}" for k, v in (run.get("parameters") or {})
                           .items())
        seconds = f"{run['seconds']:.1f}" if run.get("seconds") is not None else ""
        error = html.escape(run.get("error") or "")
        rows.append(f"<tr><td>{html.escape(run['key'])}</td>"
                    f"<td class='{run['status']}'>{run['status']}</td><td>{seconds}</td>"
                    f"<td>{link} {nb_link}</td><td><code>{html.escape(params)}</code></td>"
                    f"<td class='failed'>{error}</td></tr>")
    runs_table = ("<table><tr><th>run</th><th>status</th><th>seconds</th><th>links</th>"
                  "<th>parameters</th><th>error</th></tr>" + "".join(rows) + "</table>")

    figures = [("runtime", _runtime_figure(runs))]
    cells_path = out_dir / "cell_timings.csv"
    if cells_path.is_file() and cells_path.stat().st_size > 1:
        try:
            cells = pd.read_csv(cells_path)
        except pd.errors.EmptyDataError:
            cells = pd.DataFrame()
        if not cells.empty and cells["seconds"].notna().any():
            figures.append(("cells", _cell_figure(cells)))
    # every step's first run before any step's second one, so no step crowds out the rest
    ranked = []
    seen_in_step: dict[str, int] = {}
    for order, run in enumerate(runs):
        if run["status"] == "failed":
            continue
        step = run["key"].split("/", 1)[0]
        rank = seen_in_step.get(step, 0)
        seen_in_step[step] = rank + 1
        for path in sorted((out_dir / run["key"] / "figures").glob("*.json")):
            ranked.append((rank, order, f"{run['key']}: {path.stem}", path))
    key_figures = [(label, path) for _, _, label, path in sorted(ranked, key=lambda r: r[:2])]
    shown_keys = key_figures[:MAX_KEY_FIGURES]
    for label, path in shown_keys:
        fig = go.Figure(json.loads(path.read_text(encoding="utf-8")))
        title = fig.layout.title.text or path.stem
        fig.update_layout(title=f"{title} <span style='font-size:11px'>({label})</span>")
        figures.append((label, fig))

    results_html = "<p class='note'>no result rows</p>"
    results_path = out_dir / "results.csv"
    if results_path.is_file() and results_path.stat().st_size > 1:
        results = pd.read_csv(results_path)
        parts = []
        keys = [c for c in ("step", "task") if c in results.columns]
        groups = results.groupby(keys, sort=False, dropna=False) if keys else [(None, results)]
        for step, part in groups:
            if isinstance(step, tuple):
                step = " / ".join(str(v) for v in step if pd.notna(v))
            hidden = set(_PROVENANCE) | {"step", "run_seconds"} | {
                c for c in part.columns if str(c).startswith("param_")}
            visible = [c for c in part.columns
                       if c not in hidden and part[c].notna().any()]
            if "run" in visible:  # the grid point first
                visible.remove("run")
                visible.insert(0, "run")
            title = f"<h3>{html.escape(str(step))}</h3>" if step is not None else ""
            parts.append(title + _table_html(part[visible], max_rows=_ROWS_PER_STEP))
        results_html = "".join(parts)
        first = results.iloc[0]
        prov = {c: first[c] for c in _PROVENANCE if c in results.columns}
        results_html += ("<p class='note'>provenance (first row): "
                         + html.escape(", ".join(f"{k}={v}" for k, v in prov.items()))
                         + " &middot; every row with its parameters and provenance: "
                         "<a href='results.csv'>results.csv</a> &middot; "
                         "<a href='results.parquet'>results.parquet</a> &middot; "
                         "<a href='cell_timings.csv'>cell_timings.csv</a></p>")

    seconds = summary.get("seconds")
    facts = [f"output folder <code>{html.escape(str(out_dir))}</code>",
             f"runs: {counts['ok']} ok, {counts['failed']} failed, {counts['skipped']} skipped "
             "(resumed)"]
    if seconds is not None:
        facts.append(f"wall time {seconds:.1f} s")
    if pdf_name:
        facts.append(f"<a href='{html.escape(pdf_name)}'>PDF</a>")
    more = ""
    if len(key_figures) > len(shown_keys):
        more = (f"<p class='note'>{len(key_figures) - len(shown_keys)} more key figures are "
                "in the run reports</p>")
    figure_html_parts = "".join(
        f"<div class='figure'>{figure_html(fig)}</div>" for _, fig in figures)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>qfin pipeline {html.escape(name)}</title>
<style>{_STYLE}</style>
<script type="text/javascript">{_plotly_js()}</script>
</head><body>
<h1>Pipeline <code>{html.escape(name)}</code></h1>
<p>{" &middot; ".join(facts)}</p>
<p class="note">Everything labelled quantum is a classical simulation; oracle queries are
reported separately from seconds.</p>
<h2>Runs</h2>
{runs_table}
<h2>Results</h2>
{results_html}
<h2>Key figures</h2>
{figure_html_parts}
{more}
</body></html>
"""
    index = out_dir / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
