"""The plotly figures the notebooks and reports share (units on every axis)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from qfin.errors import DataError

__all__ = ["drawdowns", "drawdown_figure", "correlation_heatmap", "accuracy_latency_figure",
           "loss_distribution_figure", "held_weights_figure", "efficient_frontier_figure"]


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
    fig.update_yaxes(tickformat=".0%", title_text="drawdown from the running peak (%)")
    return fig


def correlation_heatmap(returns: pd.DataFrame, title: str = "Return correlations") -> Any:
    """Heatmap of the Pearson correlation matrix of ``returns``."""
    import plotly.express as px

    if not isinstance(returns, pd.DataFrame) or returns.shape[1] < 2:
        raise DataError("returns must be a DataFrame with at least two columns")
    corr = returns.corr()
    fig = px.imshow(corr, zmin=-1, zmax=1, color_continuous_scale="RdBu_r", title=title,
                    aspect="auto", labels={"color": "Pearson correlation"})
    return fig


# ----------------------------------------------------------------- accuracy vs latency
_EXACT_LABEL = "exact"


def accuracy_latency_figure(summary: pd.DataFrame, *, error: str = "median_error",
                            seconds: str = "median_seconds", panel: str = "task",
                            ground_truth: str | None = "ground_truth_kind",
                            color: str = "method", exact_tolerance: float = 1e-9,
                            title: str | None = None) -> Any:
    """Accuracy against latency: one panel per question and ground truth, log axes.

    A result whose error is at most ``exact_tolerance`` is drawn on a separate "exact"
    strip under its panel (a log axis has no zero, and drawing it at 1e-12 would invent a
    number). Each panel has one ground truth, so no axis mixes two.

    Parameters
    ----------
    summary : DataFrame
        One row per method (and panel): relative error (fraction) in ``error``, seconds of
        one whole call in ``seconds``.
    error, seconds : str
        Column names.
    panel : str
        Column separating questions (e.g. ``task``: portfolio and VaR on separate panels).
    ground_truth : str or None
        Column naming each row's ground truth (panels split by it too).
    color : str
        Column giving the colour (and legend entry).
    exact_tolerance : float
        Errors at most this are "exact".
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure

    Raises
    ------
    DataError
        When a named column is missing or no row has both an error and seconds.
    """
    import plotly.graph_objects as go
    from plotly.colors import qualitative
    from plotly.subplots import make_subplots

    if not isinstance(summary, pd.DataFrame):
        raise DataError(f"summary must be a DataFrame; got {type(summary).__name__}")
    for name in (error, seconds, panel, color):
        if name not in summary.columns:
            raise DataError(f"summary has no column {name!r}; columns: {list(summary.columns)}")
    frame = summary.assign(_e=pd.to_numeric(summary[error], errors="coerce").abs(),
                           _s=pd.to_numeric(summary[seconds], errors="coerce"))
    frame = frame[frame["_e"].notna() & frame["_s"].notna() & (frame["_s"] > 0)]
    if frame.empty:
        raise DataError(f"no row of summary has both {error!r} and a positive {seconds!r}")
    from qfin.report._findings import QUESTIONS

    defaults = {task: q.ground_truth for q in QUESTIONS.values() for task in q.tasks}
    given = (frame[ground_truth] if ground_truth and ground_truth in frame.columns
             else pd.Series(None, index=frame.index, dtype=object))
    truth = [str(t) if isinstance(t, str) and t.strip() not in ("", "-") else
             defaults.get(str(p), "ground truth") for t, p in zip(given, frame[panel],
                                                                  strict=True)]
    frame = frame.assign(_panel=frame[panel].astype(str), _truth=truth)
    panels = list(dict.fromkeys(zip(frame["_panel"], frame["_truth"], strict=True)))
    names = [f"{p}<br><sub>vs {t}</sub>" for p, t in panels]
    fig = make_subplots(rows=2, cols=len(panels), shared_xaxes=True, row_heights=[0.82, 0.18],
                        vertical_spacing=0.04, horizontal_spacing=0.08, subplot_titles=names)
    palette = qualitative.Plotly + qualitative.D3
    colours = {m: palette[i % len(palette)]
               for i, m in enumerate(dict.fromkeys(frame[color].astype(str)))}
    shown: set[str] = set()
    for col, (name, truth_name) in enumerate(panels, start=1):
        part = frame[(frame["_panel"] == name) & (frame["_truth"] == truth_name)]
        for method, rows in part.groupby(part[color].astype(str), sort=False):
            exact = rows["_e"] <= exact_tolerance
            hover = ("%{text}<br>time per call %{x:.3g} s<br>error %{customdata}"
                     "<extra></extra>")
            common = {"name": method, "legendgroup": method, "mode": "markers",
                      "marker": {"color": colours[method], "size": 10},
                      "text": [method] * len(rows)}
            if (~exact).any():
                inexact = rows[~exact]
                fig.add_trace(go.Scatter(
                    x=inexact["_s"], y=100 * inexact["_e"], showlegend=method not in shown,
                    customdata=[f"{100 * e:.3g} %" for e in inexact["_e"]],
                    hovertemplate=hover, **{**common, "text": [method] * len(inexact)}),
                    row=1, col=col)
                shown.add(method)
            if exact.any():
                hits = rows[exact]
                fig.add_trace(go.Scatter(
                    x=hits["_s"], y=[_EXACT_LABEL] * len(hits), showlegend=method not in shown,
                    customdata=[_EXACT_LABEL] * len(hits), hovertemplate=hover,
                    **{**common, "marker": {**common["marker"], "symbol": "diamond"},
                       "text": [method] * len(hits)}), row=2, col=col)
                shown.add(method)
        fig.update_yaxes(type="log", row=1, col=col,
                         title_text="relative error (%, log scale)" if col == 1 else None)
        fig.update_yaxes(type="category", row=2, col=col, categoryorder="array",
                         categoryarray=[_EXACT_LABEL], showgrid=False)
        fig.update_xaxes(type="log", row=2, col=col,
                         title_text="time per call (s, log scale)")
        fig.update_xaxes(type="log", row=1, col=col)
    fig.update_layout(title=title or "Accuracy against latency (errors of exactly 0 on the "
                      "'exact' strip)", height=500, legend_title_text=color,
                      margin={"t": 120}, title_y=0.97)
    return fig


# ----------------------------------------------------------------- loss distribution
def loss_distribution_figure(losses: Any, confidence: float, *, var: float | None = None,
                             cvar: float | None = None, grid: Any = None, pmf: Any = None,
                             grid_var: float | None = None, grid_cvar: float | None = None,
                             title: str | None = None, bins: int = 80) -> Any:
    """The loss distribution with VaR and CVaR marked, and its 2ⁿ-point discretisation.

    Parameters
    ----------
    losses : array-like of shape (n_scenarios,)
        Loss scenarios as fractions of the portfolio's value (0.02 = 2 % lost).
    confidence : float
        VaR level in (0, 1), shown in labels as a percentage (0.975 → "97.5 %").
    var, cvar : float, optional
        VaR and CVaR of the scenarios (solid and dotted red lines).
    grid, pmf : array-like of shape (2**n,), optional
        The discretisation amplitude estimation works on: grid points and probabilities
        (drawn as stems, as a density: probability / grid step).
    grid_var, grid_cvar : float, optional
        Exact VaR and CVaR of the discretisation (purple lines).
    title : str, optional
    bins : int
        Histogram bins of the scenarios.

    Returns
    -------
    plotly.graph_objects.Figure

    Raises
    ------
    DataError
        For empty or non-finite losses, a confidence outside (0, 1), or a grid and pmf of
        different lengths.
    """
    import numpy as np
    import plotly.graph_objects as go

    from qfin.report._format import format_percent

    x = np.asarray(losses, dtype=float).ravel()
    if x.size == 0 or not np.all(np.isfinite(x)):
        raise DataError("losses must be a non-empty array of finite numbers")
    if not 0 < float(confidence) < 1:
        raise DataError(f"confidence must be in (0, 1), e.g. 0.99; got {confidence!r}")
    level = format_percent(confidence)
    fig = go.Figure()
    fig.add_trace(go.Histogram(x=x, nbinsx=int(bins), histnorm="probability density",
                               name=f"scenarios ({x.size:,})", marker_color="#9ecae1",
                               opacity=0.8))
    if grid is not None or pmf is not None:
        g = np.asarray(grid, dtype=float).ravel()
        p = np.asarray(pmf, dtype=float).ravel()
        if g.size != p.size or g.size < 2:
            raise DataError(f"grid and pmf must have the same length >= 2; got {g.size} and "
                            f"{p.size}")
        step = float(np.median(np.diff(g)))
        density = p / step
        stems_x = np.repeat(g, 3)
        stems_y = np.column_stack([np.zeros_like(density), density,
                                   np.full_like(density, np.nan)]).ravel()
        fig.add_trace(go.Scatter(x=stems_x, y=stems_y, mode="lines",
                                 line={"color": "#6a3d9a", "width": 1},
                                 name=f"discretisation ({g.size} points)", hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=g, y=density, mode="markers", showlegend=False,
                                 marker={"color": "#6a3d9a", "size": 4},
                                 hovertemplate="loss %{x:.3%}<extra></extra>"))
    counts, _ = np.histogram(x, bins=int(bins), density=True)
    top = float(counts.max())
    if grid is not None:
        top = max(top, float(density.max()))
    lines = [(var, f"VaR {level}", "#c62828", "solid"),
             (cvar, f"CVaR {level}", "#c62828", "dot"),
             (grid_var, f"VaR {level} of the grid", "#6a3d9a", "dash"),
             (grid_cvar, f"CVaR {level} of the grid", "#6a3d9a", "dashdot")]
    for value, label, colour, dash in lines:
        if value is None or not np.isfinite(value):
            continue
        fig.add_trace(go.Scatter(
            x=[float(value)] * 2, y=[0.0, 1.08 * top], mode="lines",
            name=f"{label} = {format_percent(float(value), 3, trim=False)}",
            line={"color": colour, "dash": dash, "width": 2},
            hovertemplate=f"{label}: %{{x:.3%}}<extra></extra>"))
    fig.update_layout(
        title=title or f"Loss distribution with VaR and CVaR at {level}",
        xaxis_title="loss (% of portfolio value)", xaxis_tickformat=".1%",
        yaxis_title="probability density (per unit of loss)", bargap=0.02, height=460,
        legend={"orientation": "h", "y": -0.22})
    return fig


# ----------------------------------------------------------------- portfolios
def held_weights_figure(weights: pd.DataFrame, *, threshold: float = 1e-6,
                        title: str = "Weights of the chosen portfolios (held assets only)"
                        ) -> Any:
    """Heatmap of weights by method (rows), listing only assets some method holds.

    Parameters
    ----------
    weights : DataFrame of shape (n_assets, n_methods)
        Weights (fractions) indexed by ticker, one column per method.
    threshold : float
        A weight at most this is "not held".
    title : str

    Returns
    -------
    plotly.graph_objects.Figure

    Raises
    ------
    DataError
        When no asset is held.
    """
    import plotly.express as px

    if not isinstance(weights, pd.DataFrame) or weights.empty:
        raise DataError("weights must be a non-empty DataFrame (assets × methods)")
    held = weights[(weights.abs() > threshold).any(axis=1)]
    if held.empty:
        raise DataError("no method holds any asset (every weight is 0)")
    fig = px.imshow(100 * held.T, aspect="auto", color_continuous_scale="Blues",
                    text_auto=".3g", title=title,
                    labels={"x": "asset", "y": "method", "color": "weight (%)"})
    fig.update_layout(height=140 + 40 * held.shape[1])
    return fig


def efficient_frontier_figure(table: pd.DataFrame, *, markers_only: tuple[str, ...] = (),
                              title: str = "Efficient frontier (annualised)") -> Any:
    """Expected return against volatility: lines for dense frontiers, markers for others.

    Parameters
    ----------
    table : DataFrame
        Rows of :func:`qfin.portfolio.efficient_frontier`: ``method``, ``risk_aversion``,
        ``expected_return`` and ``volatility`` (annualised fractions); a method whose
        ``role`` is "lower bound" (the convex relaxation) is drawn dotted and labelled so.
    markers_only : tuple of str
        Methods drawn as markers (sparse points on top of the frontier lines).
    title : str

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import plotly.graph_objects as go

    required = {"method", "risk_aversion", "expected_return", "volatility"}
    if not isinstance(table, pd.DataFrame) or not required <= set(table.columns):
        raise DataError(f"table must be a DataFrame with columns {sorted(required)}")
    fig = go.Figure()
    for method, part in table.groupby(table["method"].astype(str), sort=False):
        part = part.sort_values(["volatility", "risk_aversion"])
        distinct = len(part[["volatility", "expected_return"]].round(6).drop_duplicates())
        label = (f"{method} ({len(part)} points)" if distinct == len(part)
                 else f"{method} ({distinct} distinct of {len(part)} points)")
        bound = "role" in part and bool((part["role"] == "lower bound").all())
        if bound:
            label += ": a bound, not a portfolio of this problem"
        fig.add_trace(go.Scatter(
            x=part["volatility"], y=part["expected_return"],
            mode="markers" if method in markers_only else "lines+markers", name=label,
            marker={"size": 10 if method in markers_only else 5},
            line={"dash": "dot"} if bound else None,
            customdata=part["risk_aversion"],
            hovertemplate="q = %{customdata:.3g}<br>volatility %{x:.2%}<br>return %{y:.2%}"
                          "<extra>" + method + "</extra>"))
    fig.update_layout(title=title, xaxis_title="volatility (annualised, %)",
                      yaxis_title="expected return (annualised, %)", xaxis_tickformat=".1%",
                      yaxis_tickformat=".1%", height=460)
    return fig
