"""The exceedance chart of a backtest (plotly)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qfin.errors import ProblemError
from qfin.risk._backtest import BacktestResult

__all__ = ["exceedance_chart"]


def exceedance_chart(result: BacktestResult, methods: Sequence[str] | None = None,
                     title: str | None = None) -> Any:
    """Realised daily losses, each method's VaR forecast, and its exceedances.

    Parameters
    ----------
    result : BacktestResult
        From :func:`qfin.risk.backtest_var`.
    methods : sequence of str, optional
        Methods to draw (default: all in the backtest).
    title : str, optional
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure
        Write it with ``fig.write_html(path, include_plotlyjs=True)`` to open offline.
    """
    import plotly.graph_objects as go

    available = list(result.summary.index)
    chosen = list(methods) if methods is not None else available
    missing = [m for m in chosen if m not in available]
    if missing:
        raise ProblemError(f"methods {missing} are not in this backtest; it has {available}")
    frame = result.frame
    fig = go.Figure()
    fig.add_trace(go.Scattergl(x=frame.index, y=frame["loss"], mode="lines",
                               name="realised loss", line={"color": "#b0b0b0", "width": 1}))
    for m in chosen:
        row = result.summary.loc[m]
        fig.add_trace(go.Scattergl(
            x=frame.index, y=frame[f"var_{m}"], mode="lines",
            name=f"VaR {m} ({int(row['exceedances'])} exc., Kupiec p={row['kupiec_p_value']:.3f})",
            line={"width": 1.5}))
        hit = frame[frame[f"exceed_{m}"]]
        fig.add_trace(go.Scattergl(x=hit.index, y=hit["loss"], mode="markers",
                                   name=f"exceedances {m}", marker={"size": 5}))
    fig.update_layout(
        title=title or (f"{result.confidence:g} VaR backtest: window {result.window} days, "
                        f"expected {result.summary['expected'].iloc[0]:.1f} exceedances"),
        xaxis_title="date", yaxis_title="loss (fraction of portfolio value)",
        legend={"orientation": "h", "y": -0.2}, template="plotly_white")
    return fig
