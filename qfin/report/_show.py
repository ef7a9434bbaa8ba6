"""Showing plotly figures so that they render in JupyterLab and in offline HTML reports."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

__all__ = ["show", "figure_html", "compact_figure", "QFIN_TEMPLATE"]

#: The name qfin's compact plotly template is registered under (``plotly.io.templates``).
QFIN_TEMPLATE = "qfin"

_GRID = "#e6e6e6"


@cache
def _template() -> Any:
    """A small template (about 0.3 kB) in place of plotly's default (about 7 kB per figure).

    plotly.js's own defaults (white background, light grid) do the rest; the colour cycle is
    plotly's, so traces keep the colours plotly express gave them.
    """
    import plotly.graph_objects as go
    import plotly.io as pio

    axis = {"gridcolor": _GRID, "zerolinecolor": "#bbb", "automargin": True}
    template = go.layout.Template(layout={
        "colorway": list(pio.templates["plotly"].layout.colorway), "xaxis": axis,
        "yaxis": axis})
    pio.templates[QFIN_TEMPLATE] = template
    return template


def _epoch_milliseconds(values: Any) -> Any:
    """Dates as milliseconds since the epoch (float64), or ``None`` for anything else.

    plotly writes a numeric array as one base64 string; a date array as one
    ``"2021-07-19T00:00:00.000000"`` string per point (31 bytes, and a line of its own in an
    executed notebook). A date axis reads numbers as milliseconds since the epoch.
    """
    import numpy as np

    if not isinstance(values, np.ndarray) or not np.issubdtype(values.dtype, np.datetime64):
        return None
    if values.size == 0 or np.any(np.isnat(values)):
        return None
    return values.astype("datetime64[ms]").astype(np.int64).astype(np.float64)


def _single_precision(values: Any) -> Any:
    """A long float64 array as float32 (7 significant digits: plenty for a plot)."""
    import numpy as np

    if (isinstance(values, np.ndarray) and values.dtype == np.float64 and values.size >= 16
            and np.all(np.isfinite(values) | np.isnan(values))
            and np.nanmax(np.abs(values), initial=0.0) < 1e38):
        return values.astype(np.float32)
    return None


def compact_figure(figure: Any) -> Any:
    """The figure made small for reports, without changing what it shows.

    plotly copies its whole default template (about 7 kB) into every figure; reports hold
    dozens of figures, so a figure still on the default template gets qfin's small one
    (same colours, white background); a template chosen on purpose is kept. Dates are
    written as milliseconds since the epoch on a date axis (one base64 array instead of
    one timestamp string per point), and long float arrays in single precision (7
    significant digits).

    Parameters
    ----------
    figure : plotly.graph_objects.Figure

    Returns
    -------
    Figure
        ``figure`` itself (changed in place) or, when nothing changes, unchanged.
    """
    import plotly.io as pio

    default = pio.templates.default
    if default and default != QFIN_TEMPLATE and figure.layout.template == pio.templates[default]:
        figure.update_layout(template=_template())
    for trace in figure.data:
        for axis in ("x", "y", "z"):
            if axis not in trace:
                continue
            values = trace[axis]
            dates = _epoch_milliseconds(values) if axis in ("x", "y") else None
            if dates is not None and f"{axis}axis" in trace:
                trace[axis] = dates
                ref = str(trace[f"{axis}axis"] or axis)  # "x", "x2", ...
                figure.layout[f"{axis}axis{ref[1:]}"].type = "date"
                continue
            short = _single_precision(values)
            if short is not None:
                trace[axis] = short
    return figure


def figure_html(figure: Any, *, include_plotlyjs: bool = False) -> str:
    """A figure as an HTML ``<div>`` with its plotting script (no CDN, no MathJax).

    Parameters
    ----------
    figure : plotly.graph_objects.Figure
        The figure.
    include_plotlyjs : bool
        Embed the plotly.js library itself (about 4.8 MB) instead of relying on a page
        that already holds it.

    Returns
    -------
    str
        HTML fragment.

    Raises
    ------
    DataError
        When ``figure`` is not a plotly figure.
    """
    import plotly.io as pio

    from qfin.errors import DataError

    if not hasattr(figure, "to_plotly_json"):
        raise DataError(f"figure must be a plotly Figure; got {type(figure).__name__}")
    return pio.to_html(compact_figure(figure), include_plotlyjs=include_plotlyjs,
                       full_html=False, include_mathjax=False,
                       config={"displaylogo": False, "responsive": True})


class _FigureOutput:
    """What :func:`show` displays: plotly's own MIME type, and text for everything else.

    JupyterLab (and VS Code) draw the MIME type natively; qfin's reports draw it with the
    page's plotly.js (:func:`qfin.report.notebook_to_html`). No HTML copy of the figure is
    stored, so an executed notebook holds each figure once.
    """

    def __init__(self, figure: Any) -> None:
        self.figure = figure

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        title = self.figure.layout.title.text or "figure"
        return {
            "application/vnd.plotly.v1+json": json.loads(self.figure.to_json()),
            "text/plain": f"<plotly figure: {title}, {len(self.figure.data)} traces>",
        }


def show(figure: Any, name: str | None = None) -> Any:
    """Display a plotly figure in a notebook; with ``name``, also mark it a key figure.

    Parameters
    ----------
    figure : plotly.graph_objects.Figure
        The figure.
    name : str, optional
        Key-figure label: in a pipeline run the figure is also saved for the index page
        (:func:`qfin.results.record_figure`).

    Returns
    -------
    None
        The figure is displayed (nothing is returned so it is not shown twice).

    Raises
    ------
    DataError
        When ``figure`` is not a plotly figure.
    """
    from qfin.errors import DataError

    if not hasattr(figure, "to_plotly_json"):
        raise DataError(f"figure must be a plotly Figure; got {type(figure).__name__}")
    compact_figure(figure)
    if name is not None:
        from qfin.results import record_figure

        record_figure(figure, name)
    try:
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython ships with ipykernel
        return None
    display(_FigureOutput(figure))
    return None
