"""Small plotly figures the notebooks share."""

from __future__ import annotations

from typing import Any

import pandas as pd

from qfin.errors import DataError

__all__ = ["drawdowns", "drawdown_figure", "correlation_heatmap"]


def drawdowns(prices: pd.DataFrame) -> pd.DataFrame:
    """Drawdown from the running peak, per column: ``price / cummax(price) - 1`` (<= 0).

    Parameters
    ----------
    prices : DataFrame of shape (n_dates, n_assets)
        Positive prices.

    Returns
    -------
    DataFrame
        Same shape; 0 at a new high, -0.25 a quarter below the previous peak.

    Examples
    --------
    >>> drawdowns(pd.DataFrame({"A": [1.0, 2.0, 1.5, 3.0]}))["A"].tolist()
    [0.0, 0.0, -0.25, 0.0]
    """
    if not isinstance(prices, pd.DataFrame) or prices.empty:
        raise DataError("prices must be a non-empty DataFrame of shape (n_dates, n_assets)")
    if (prices <= 0).any().any():
        raise DataError("prices must be positive to compute drawdowns")
    return prices / prices.cummax() - 1.0


def drawdown_figure(prices: pd.DataFrame, title: str = "Drawdown from running peak") -> Any:
    """Line chart of :func:`drawdowns`."""
    import plotly.express as px

    frame = drawdowns(prices).reset_index().melt(id_vars=prices.index.name or "index",
                                                 var_name="ticker", value_name="drawdown")
    # SVG, not WebGL: reports must render in any browser and print to PDF
    fig = px.line(frame, x=prices.index.name or "index", y="drawdown", color="ticker",
                  title=title, render_mode="svg")
    fig.update_yaxes(tickformat=".0%")
    return fig


def correlation_heatmap(returns: pd.DataFrame, title: str = "Return correlations") -> Any:
    """Heatmap of the Pearson correlation matrix of ``returns``."""
    import plotly.express as px

    if not isinstance(returns, pd.DataFrame) or returns.shape[1] < 2:
        raise DataError("returns must be a DataFrame with at least two columns")
    corr = returns.corr()
    fig = px.imshow(corr, zmin=-1, zmax=1, color_continuous_scale="RdBu_r", title=title,
                    aspect="auto")
    return fig
