"""Showing plotly figures so that they render in JupyterLab and in offline HTML reports."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["show", "figure_html"]


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
    """
    import plotly.io as pio

    from qfin.errors import DataError

    if not hasattr(figure, "to_plotly_json"):
        raise DataError(f"figure must be a plotly Figure; got {type(figure).__name__}")
    return pio.to_html(figure, include_plotlyjs=include_plotlyjs, full_html=False,
                       include_mathjax=False, config={"displaylogo": False})


class _FigureOutput:
    """What :func:`show` displays: plotly's own MIME type plus a portable HTML fallback."""

    def __init__(self, figure: Any) -> None:
        self.figure = figure

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {
            # JupyterLab renders this natively (the jupyterlab-plotly extension)
            "application/vnd.plotly.v1+json": json.loads(self.figure.to_json()),
            # nbconvert reports use this; plotly.js itself is inlined once per report page
            "text/html": figure_html(self.figure),
            "text/plain": f"<plotly figure: {len(self.figure.data)} traces>",
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
    """
    from qfin.errors import DataError

    if not hasattr(figure, "to_plotly_json"):
        raise DataError(f"figure must be a plotly Figure; got {type(figure).__name__}")
    if name is not None:
        from qfin.results import record_figure

        record_figure(figure, name)
    try:
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython ships with ipykernel
        return None
    display(_FigureOutput(figure))
    return None
