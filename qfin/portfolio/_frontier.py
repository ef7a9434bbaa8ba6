"""Efficient frontiers: sweep the risk aversion q for convex and QUBO methods."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from qfin.errors import ProblemError
from qfin.portfolio._problem import PortfolioProblem

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

__all__ = ["efficient_frontier", "frontier_figure"]


def efficient_frontier(problem: PortfolioProblem, risk_aversions: Sequence[float], *,
                       methods: Sequence[Any] = ("convex", "neal"), seed: int | None = 0,
                       **options: Any) -> pd.DataFrame:
    """Solve the problem for each risk aversion q with each method.

    Parameters
    ----------
    problem : PortfolioProblem
        Its constraints (cardinality, bits, bounds) are kept; only q changes.
    risk_aversions : sequence of float
    methods : sequence of str or dimod.Sampler
    seed : int, optional
    **options
        Passed to :func:`qfin.portfolio.solve` (e.g. ``num_reads``, ``formulation``).

    Returns
    -------
    DataFrame
        One row per (method, q): ``expected_return``, ``volatility``, ``variance``,
        ``objective``, ``feasible``, ``gap``, ``role`` ("lower bound" for the convex
        relaxation, "solution" otherwise), ``seconds``, ``weights``.
    """
    from qfin.portfolio._solve import solve

    qs = [float(q) for q in risk_aversions]
    if not qs or any(not np.isfinite(q) or q < 0 for q in qs):
        raise ProblemError(f"risk_aversions must be non-empty finite numbers ≥ 0; got {qs}")
    rows = []
    for method in methods:
        for q in qs:
            res = solve(problem.replace(risk_aversion=q), method=method, seed=seed, **options)
            rows.append({"method": res.method, "risk_aversion": q,
                         "expected_return": res.info["expected_return"],
                         "volatility": res.info["volatility"], "variance": res.info["variance"],
                         "objective": res.objective, "feasible": res.feasible, "gap": res.gap,
                         "role": "lower bound" if res.is_bound else "solution",
                         "seconds": res.timings["seconds"], "weights": res.weights})
    return pd.DataFrame(rows)


def frontier_figure(table: pd.DataFrame) -> go.Figure:
    """Expected return against volatility, one line per method (plotly)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for method, part in table.groupby("method", sort=False):
        part = part.sort_values("volatility")
        bound = "role" in part and (part["role"] == "lower bound").all()
        fig.add_trace(go.Scatter(
            x=part["volatility"], y=part["expected_return"], mode="lines+markers",
            name=f"{method} (relaxation: a bound)" if bound else str(method),
            line={"dash": "dot"} if bound else None,
            text=[f"q = {q:g}" for q in part["risk_aversion"]]))
    fig.update_layout(title="Efficient frontier (annualised)", xaxis_title="volatility",
                      yaxis_title="expected return", xaxis_tickformat=".0%",
                      yaxis_tickformat=".0%")
    return fig
