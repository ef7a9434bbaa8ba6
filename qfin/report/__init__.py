"""Reports: findings, tables and plotly figures that render offline, run and index pages.

``show(fig)`` displays a figure in a notebook (JupyterLab renders it natively; reports draw
it with plotly.js). ``table(frame)`` formats a result table for people (units in headers,
percentages, significant digits); ``show_findings(rows)`` states the verdicts of a
notebook's rows, and its report page leads with them. :func:`build_reports` turns a
pipeline output folder into one HTML report per run (code hidden) and an ``index.html``
that opens with the findings, all sharing one copy of plotly.js; :func:`html_to_pdf` prints
with headless Chromium where the machine has it.

>>> from qfin.report import find_chromium
>>> find_chromium() is None or isinstance(find_chromium(), str)
True
"""

from qfin.report._build import ReportBuild, build_reports
from qfin.report._export import ASSETS_DIR, TEMPLATE_DIR, notebook_to_html, write_assets
from qfin.report._figures import (
    accuracy_latency_figure,
    correlation_heatmap,
    drawdown_figure,
    drawdowns,
    efficient_frontier_figure,
    held_weights_figure,
    loss_distribution_figure,
)
from qfin.report._findings import (
    QUESTIONS,
    Question,
    Verdict,
    findings_html,
    register_question,
    show_findings,
    verdicts,
)
from qfin.report._format import format_number, format_percent, format_seconds
from qfin.report._index import write_index
from qfin.report._measure import folder_breakdown, folder_bytes, page_load_times
from qfin.report._pdf import chromium_offline_flags, find_chromium, html_to_pdf
from qfin.report._portfolio import dense_frontier, portfolio_summary
from qfin.report._show import compact_figure, figure_html, show
from qfin.report._tables import Column, format_table, is_developer_column

table = format_table

__all__ = [
    "show",
    "table",
    "format_table",
    "Column",
    "is_developer_column",
    "show_findings",
    "findings_html",
    "verdicts",
    "Verdict",
    "Question",
    "QUESTIONS",
    "register_question",
    "format_percent",
    "format_number",
    "format_seconds",
    "figure_html",
    "compact_figure",
    "write_assets",
    "ASSETS_DIR",
    "folder_bytes",
    "folder_breakdown",
    "page_load_times",
    "notebook_to_html",
    "write_index",
    "build_reports",
    "ReportBuild",
    "find_chromium",
    "chromium_offline_flags",
    "html_to_pdf",
    "accuracy_latency_figure",
    "loss_distribution_figure",
    "held_weights_figure",
    "efficient_frontier_figure",
    "portfolio_summary",
    "dense_frontier",
    "drawdowns",
    "drawdown_figure",
    "correlation_heatmap",
    "TEMPLATE_DIR",
]
