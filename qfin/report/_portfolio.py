"""What each chosen portfolio is: held assets, annualised return, volatility, Sharpe ratio."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from qfin.errors import DataError

__all__ = ["portfolio_summary", "dense_frontier"]


def portfolio_summary(problem: Any, results: Mapping[str, Any], *, risk_free: float = 0.0,
                      threshold: float = 1e-6) -> pd.DataFrame:
    """One row per method: the assets it holds and its annualised figures.

    The Sharpe ratio is ``(E[r] − r_f) / σ`` with the problem's annualised mean returns
    and covariance (Sharpe, "The Sharpe Ratio", J. Portfolio Management 21(1), 1994), from
    ``problem.terms(weights)``; ``r_f`` defaults to 0 (say so where it matters).

    Parameters
    ----------
    problem : qfin.portfolio.PortfolioProblem
        Its ``terms(weights)`` give ``expected_return`` and ``volatility`` (annualised).
    results : mapping of str to PortfolioResult
        Label → result (``weights``, ``tickers``, ``feasible``).
    risk_free : float
        Annual risk-free rate as a fraction.
    threshold : float
        A weight at most this is "not held" (a solver's round-off, not a position).

    Returns
    -------
    DataFrame
        Columns ``method``, ``held`` ("AAPL 33.3 %, ...", largest first), ``n_held``,
        ``expected_return``, ``volatility``, ``sharpe``, ``feasible``.

    Raises
    ------
    DataError
        When ``results`` is empty or a result lacks weights.
    """
    from qfin.report._format import format_percent

    if not results:
        raise DataError("results must map at least one method label to a PortfolioResult")
    rows = []
    for label, result in results.items():
        weights = getattr(result, "weights", None)
        tickers = getattr(result, "tickers", None)
        if weights is None or tickers is None:
            raise DataError(f"results[{label!r}] must be a PortfolioResult with weights and "
                            f"tickers; got {type(result).__name__}")
        w = np.asarray(weights, dtype=float)
        terms = problem.terms(w)
        vol = float(terms["volatility"])
        ret = float(terms["expected_return"])
        held = [(t, x) for t, x in zip(tickers, w, strict=True) if abs(x) > threshold]
        held.sort(key=lambda item: -abs(item[1]))
        rows.append({
            "method": str(label),
            "held": ", ".join(f"{t} {format_percent(x, 3, trim=False)}" for t, x in held),
            "n_held": len(held),
            "expected_return": ret,
            "volatility": vol,
            "sharpe": (ret - risk_free) / vol if vol > 0 else math.nan,
            "feasible": bool(getattr(result, "feasible", True)),
        })
    return pd.DataFrame(rows)


def dense_frontier(problem: Any, *, method: Any = "convex", n_points: int = 24,
                   q_range: tuple[float, float] = (1e-2, 1e3), max_solves: int = 80,
                   resolution: float = 2e-3, seed: int | None = 0,
                   **options: Any) -> pd.DataFrame:
    """An efficient frontier with at least ``n_points`` distinct points, where it has them.

    A grid of risk aversions q spaced evenly in log wastes most points where the answer
    does not move (all in the highest-return asset at small q, the minimum-variance
    portfolio at large q). This starts from 8 log-spaced q and bisects (geometric mean) the
    widest gaps between neighbouring points, until ``n_points`` visibly distinct points
    are found, no gap is left, or ``max_solves`` solves are spent.

    Parameters
    ----------
    problem : qfin.portfolio.PortfolioProblem
    method : str or dimod.Sampler
        Passed to :func:`qfin.portfolio.efficient_frontier` (default the convex frontier).
    n_points : int
        Distinct points wanted (at least 2).
    q_range : (float, float)
        Smallest and largest risk aversion, ``0 < q_min < q_max``.
    max_solves : int
        Upper bound on solves.
    resolution : float
        Two neighbours are distinct points when they lie further apart than this fraction
        of the frontier's extent (in the volatility-return plane).
    seed : int, optional
    **options
        Passed on (e.g. ``num_reads``).

    Returns
    -------
    DataFrame
        The rows of :func:`qfin.portfolio.efficient_frontier`, sorted by q.

    Raises
    ------
    DataError
        For ``n_points < 2``, a bad ``q_range`` or ``max_solves < n_points``.
    """
    from qfin.portfolio import efficient_frontier

    lo, hi = (float(v) for v in q_range)
    if n_points < 2:
        raise DataError(f"n_points must be at least 2; got {n_points}")
    if not (0 < lo < hi and math.isfinite(hi)):
        raise DataError(f"q_range must be (q_min, q_max) with 0 < q_min < q_max; got {q_range}")
    if max_solves < n_points:
        raise DataError(f"max_solves must be at least n_points ({n_points}); got {max_solves}")

    def solve_at(qs: list[float]) -> pd.DataFrame:
        return efficient_frontier(problem, qs, methods=(method,), seed=seed, **options)

    frame = solve_at(np.geomspace(lo, hi, 8).tolist())
    while len(frame) < max_solves:
        frame = frame.sort_values("risk_aversion").reset_index(drop=True)
        points = frame[["volatility", "expected_return"]].to_numpy(dtype=float)
        extent = float(np.hypot(*(points.max(axis=0) - points.min(axis=0)))) or 1.0
        span = np.hypot(*np.diff(points, axis=0).T)
        apart = span > resolution * extent  # neighbours that are visibly different points
        if 1 + int(apart.sum()) >= n_points or not apart.any():
            break
        gaps = [int(g) for g in np.argsort(-span) if apart[g]]
        budget = min(len(gaps), n_points - 1 - int(apart.sum()), max_solves - len(frame))
        qs = frame["risk_aversion"].to_numpy(dtype=float)
        frame = pd.concat([frame, solve_at([float(np.sqrt(qs[g] * qs[g + 1]))
                                            for g in gaps[:max(1, budget)]])],
                          ignore_index=True)
    return frame.sort_values("risk_aversion").reset_index(drop=True)
