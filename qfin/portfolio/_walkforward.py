"""Walk-forward (out-of-sample) test of a selection rule on a returns history.

At each re-selection date ``t`` the rule sees only the trailing ``window`` periods of returns
(rows ``t−window … t−1``), returns weights, and the portfolio is held buy-and-hold for the
next ``hold`` periods (weights drift with prices), then re-selected. Figures of the
realised (out-of-sample) returns, with ``P`` periods a year (52 for weekly data):

* annualised return ``(Π(1+r_t))^(P/T) − 1`` (geometric);
* annualised volatility ``std(r)·√P``;
* Sharpe ratio ``mean(r)·P / (std(r)·√P)`` (risk-free rate 0);
* maximum drawdown ``max_t (1 − W_t / max_{s≤t} W_s)`` of the wealth ``W``;
* turnover: mean one-way turnover ``½·Σ|w_new − w_drifted|`` per re-selection after the
  first.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from qfin.errors import ProblemError

__all__ = ["walk_forward", "performance_summary"]


def performance_summary(returns: pd.Series, periods_per_year: float) -> dict[str, float]:
    """Annualised return, volatility, Sharpe ratio and maximum drawdown of simple returns.

    Parameters
    ----------
    returns : Series of shape (n_periods,)
        Simple returns per period.
    periods_per_year : float
        52 for weekly, 252 for daily data.

    Returns
    -------
    dict
        ``annual_return``, ``annual_volatility``, ``sharpe``, ``max_drawdown`` (fractions).
    """
    r = np.asarray(returns, dtype=float)
    if r.size == 0:
        raise ProblemError("returns must not be empty")
    wealth = np.cumprod(1 + r)
    years = r.size / periods_per_year
    vol = float(np.std(r, ddof=1) * math.sqrt(periods_per_year)) if r.size > 1 else math.nan
    mean = float(np.mean(r) * periods_per_year)
    peak = np.maximum.accumulate(np.concatenate([[1.0], wealth]))[1:]
    return {"annual_return": float(wealth[-1] ** (1 / years) - 1),
            "annual_volatility": vol,
            "sharpe": mean / vol if vol and math.isfinite(vol) and vol > 0 else math.nan,
            "max_drawdown": float(np.max(1 - wealth / peak))}


def walk_forward(returns: pd.DataFrame, rules: Mapping[str, Callable[[pd.DataFrame], Any]], *,
                 window: int = 104, hold: int = 13, periods_per_year: float = 52,
                 benchmarks: Mapping[str, pd.Series] | None = None,
                 progress: bool | None = None) -> dict[str, Any]:
    """Run every selection rule through the same re-selection dates.

    Parameters
    ----------
    returns : DataFrame of shape (n_periods, n_assets)
        Simple returns, oldest first.
    rules : mapping of str to callable
        ``rule(trailing_returns) -> weights`` (array-like of shape (n_assets,), summing to 1).
    window, hold : int
        Estimation window and holding period, in periods.
    periods_per_year : float
        Annualisation (52 for weekly data: never a silent 252).
    benchmarks : mapping of str to Series, optional
        Return series shown beside the rules over the same out-of-sample periods (e.g. the
        S&P 500 index column of INDTRACK6).

    Returns
    -------
    dict
        ``table`` (one row per portfolio: the figures of the module docstring plus
        ``seconds`` spent selecting), ``returns`` (DataFrame of realised returns),
        ``weights`` (rule -> list of (date label, weights Series)).

    Raises
    ------
    ProblemError
        A window or holding period that leaves no out-of-sample period.
    """
    import time

    from tqdm.auto import tqdm

    values = returns.to_numpy(dtype=float)
    T, n = values.shape
    for name, value in (("window", window), ("hold", hold)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ProblemError(f"{name} must be a positive integer number of periods; got "
                               f"{value!r}")
    if window + 1 > T:
        raise ProblemError(f"window = {window} periods leaves no out-of-sample period in "
                           f"{T} periods of returns; shorten it")
    starts = list(range(window, T, hold))
    realised = {name: np.full(T - window, np.nan) for name in rules}
    turnover = {name: [] for name in rules}
    weights_log: dict[str, list] = {name: [] for name in rules}
    seconds = dict.fromkeys(rules, 0.0)
    drifted: dict[str, np.ndarray | None] = dict.fromkeys(rules)
    bar = tqdm(total=len(starts) * len(rules), desc="walk-forward",
               disable=None if progress is None else not progress, leave=False)
    for start in starts:
        trailing = returns.iloc[start - window:start]
        block = values[start:min(start + hold, T)]
        for name, rule in rules.items():
            t0 = time.perf_counter()
            w = np.asarray(rule(trailing), dtype=float)
            seconds[name] += time.perf_counter() - t0
            if w.shape != (n,) or not math.isclose(w.sum(), 1.0, abs_tol=1e-6):
                raise ProblemError(f"rule {name!r} must return {n} weights summing to 1; got "
                                   f"shape {w.shape}, sum {w.sum():.6g}")
            if drifted[name] is not None:
                turnover[name].append(0.5 * float(np.abs(w - drifted[name]).sum()))
            weights_log[name].append((str(returns.index[start]), pd.Series(
                w, index=returns.columns)))
            current = w.copy()
            for t, r in enumerate(block):
                gross = current * (1 + r)
                realised[name][start - window + t] = gross.sum() - 1
                current = gross / gross.sum()
            drifted[name] = current
            bar.update()
    bar.close()
    index = returns.index[window:]
    frame = pd.DataFrame(realised, index=index)
    for name, series in (benchmarks or {}).items():
        frame[name] = series.reindex(index).to_numpy(dtype=float)
    rows = []
    for name in frame.columns:
        row = {"portfolio": name, **performance_summary(frame[name], periods_per_year)}
        row["turnover"] = (float(np.mean(turnover[name])) if turnover.get(name) else math.nan)
        row["seconds"] = seconds.get(name, math.nan)
        rows.append(row)
    return {"table": pd.DataFrame(rows), "returns": frame, "weights": weights_log,
            "rebalances": len(starts)}
