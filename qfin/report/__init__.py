"""Reports: plotly figures that render offline, run reports and the pipeline index page.

``show(fig)`` displays a figure in a notebook (JupyterLab renders it natively; exported
reports carry plotly.js inline). :func:`build_reports` turns a pipeline output folder into
one HTML report per run (code hidden) and an ``index.html``; :func:`html_to_pdf` prints
with headless Chromium where the machine has it.

>>> from qfin.report import find_chromium
>>> find_chromium() is None or isinstance(find_chromium(), str)
True
"""

from qfin.report._build import ReportBuild, build_reports
from qfin.report._export import TEMPLATE_DIR, notebook_to_html
from qfin.report._figures import correlation_heatmap, drawdown_figure, drawdowns
from qfin.report._index import write_index
from qfin.report._pdf import chromium_offline_flags, find_chromium, html_to_pdf
from qfin.report._show import figure_html, show

__all__ = [
    "show",
    "figure_html",
    "notebook_to_html",
    "write_index",
    "build_reports",
    "ReportBuild",
    "find_chromium",
    "chromium_offline_flags",
    "html_to_pdf",
    "drawdowns",
    "drawdown_figure",
    "correlation_heatmap",
    "TEMPLATE_DIR",
]
