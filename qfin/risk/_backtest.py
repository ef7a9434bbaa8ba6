"""Rolling-window VaR backtests: forecasts, exceedances, Kupiec and Christoffersen tests."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from qfin.errors import ProblemError
from qfin.risk._api import METHODS, SAMPLING_METHODS, value_at_risk
from qfin.risk._fit import fit_t_dof
from qfin.risk._historical import QUANTILE_METHOD, empirical_var_cvar
from qfin.risk._names import DEFAULT_BACKTEST_METHODS
from qfin.risk._parametric import (
    cornish_fisher_var_cvar,
    normal_var_cvar,
    sample_moments,
    t_var_cvar,
)
from qfin.risk._tests_stat import christoffersen_test, kupiec_test
from qfin.risk._validate import check_confidence, check_returns, check_weights, min_samples

__all__ = ["BacktestResult", "backtest_var", "DEFAULT_BACKTEST_METHODS"]



@dataclass(frozen=True)
class BacktestResult:
    """A rolling VaR backtest.

    Attributes
    ----------
    frame : DataFrame
        Indexed by forecast date: ``loss`` (realised portfolio loss that day) and, per
        method, ``var_<method>``, ``cvar_<method>``, ``exceed_<method>`` (loss > VaR).
    summary : DataFrame
        One row per method: days, exceedances, expected, rate, Kupiec ``lr``/``p_value``,
        Christoffersen ``lr_ind``/``p_value_ind``, conditional coverage ``lr_cc``/``p_value_cc``.
    confidence : float
    window, step : int
        Estimation window and re-estimation interval (trading days).
    seconds : float
    info : dict
    """

    frame: pd.DataFrame
    summary: pd.DataFrame
    confidence: float
    window: int
    step: int
    seconds: float
    info: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (not the daily series)."""
        return {"confidence": self.confidence, "window": self.window, "step": self.step,
                "seconds": self.seconds, "first_date": str(self.frame.index[0].date())
                if isinstance(self.frame.index, pd.DatetimeIndex) else None,
                "last_date": str(self.frame.index[-1].date())
                if isinstance(self.frame.index, pd.DatetimeIndex) else None,
                "methods": self.summary.reset_index().to_dict(orient="records"),
                "info": self.info}


def _closed_form(method: str, c: float) -> Callable[[np.ndarray], tuple[float, float]]:
    """A forecaster from the window's daily portfolio returns ``x``."""
    if method == "historical":
        return lambda x: empirical_var_cvar(-x, c, QUANTILE_METHOD)
    if method == "normal":
        return lambda x: normal_var_cvar(float(x.mean()), float(x.std(ddof=1)), c)
    if method == "t":
        return lambda x: t_var_cvar(float(x.mean()), float(x.std(ddof=1)), fit_t_dof(x), c)

    return lambda x: cornish_fisher_var_cvar(*sample_moments(x), c)


def backtest_var(returns: Any, weights: Any = None, *,
                 methods: Sequence[str] = DEFAULT_BACKTEST_METHODS, window: int = 500,
                 confidence: float = 0.99, step: int = 1, sampling_step: int = 20,
                 paths: int = 10_000, seed: int = 0, copula: str = "gaussian",
                 allow_leverage: bool = False, progress: bool | None = None) -> BacktestResult:
    """Backtest one-day VaR forecasts over a rolling window.

    On re-estimation day ``t`` each method is fitted to the ``window`` returns before ``t``
    and its VaR forecast is compared with the realised loss ``-w^T r`` on each of the next
    ``step`` days (``sampling_step`` for the sampling methods mc/qmc/is, which are slower).
    Weights are rebalanced daily to ``weights``.

    Parameters
    ----------
    returns : DataFrame of shape (n_days, n_assets)
        Daily simple returns (e.g. the full 1990-2022 history).
    weights : array-like of shape (n_assets,), optional
        Default equal weights.
    methods : sequence of str
        Any of ``qfin.risk.METHODS``.
    window : int
        Estimation window in days (at least ``1/(1-confidence)``).
    confidence : float
        VaR level.
    step, sampling_step : int
        Re-estimation intervals (days) for the fast and the sampling methods.
    paths : int
        Paths per forecast for the sampling methods.
    seed : int
        Base seed; re-estimation ``k`` uses ``seed + k``.
    copula : {"gaussian", "t"}
        Scenario model of the sampling methods.
    allow_leverage : bool
        Accept weights not summing to 1.
    progress : bool, optional
        Progress bar (None: only on a terminal).

    Returns
    -------
    BacktestResult
    """
    t0 = time.perf_counter()
    c = check_confidence(confidence)
    if isinstance(methods, str):
        methods = [methods]
    methods = [str(m).lower() for m in methods]
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        raise ProblemError(f"methods must be among {', '.join(METHODS)}; got {list(methods)}")
    values, labels = check_returns(returns)
    w = check_weights(weights, values.shape[1], allow_leverage=allow_leverage,
                      labels=labels)
    index = returns.index if isinstance(returns, pd.DataFrame) else pd.RangeIndex(len(values))
    for name, val in (("window", window), ("step", step), ("sampling_step", sampling_step)):
        if isinstance(val, bool) or not isinstance(val, int | np.integer) or val < 1:
            raise ProblemError(f"{name} must be a positive integer; got {val!r}")
    need = max(min_samples(c), 3)
    if window < need:
        raise ProblemError(f"window must be at least {need} days at confidence {c:g}; "
                           f"got {window}")
    if window >= len(values):
        raise ProblemError(f"window ({window}) must be shorter than the history "
                           f"({len(values)} days)")
    x = values @ w
    n_days = len(values) - window
    frame = pd.DataFrame({"loss": -x[window:]}, index=index[window:])
    rows = []
    jobs = []
    for m in methods:
        every = sampling_step if m in SAMPLING_METHODS else step
        jobs.append((m, list(range(window, len(values), every)), every))
    total = sum(len(days) for _, days, _ in jobs)
    # tqdm's disable=None shows the bar only on a terminal
    disable = None if progress is None else not progress
    with tqdm(total=total, desc="backtest", unit="forecast", disable=disable,
              leave=False) as bar:
        for m, days, every in jobs:
            var = np.empty(n_days)
            cvar = np.empty(n_days)
            fast = None if m in SAMPLING_METHODS else _closed_form(m, c)
            for k, t in enumerate(days):
                if fast is not None:
                    v, cv = fast(x[t - window:t])
                else:
                    res = value_at_risk(values[t - window:t], w, method=m, confidence=c,
                                        paths=paths, seed=seed + k, copula=copula,
                                        allow_leverage=allow_leverage)
                    v, cv = res.value, res.cvar
                lo, hi = t - window, min(t - window + every, n_days)
                var[lo:hi], cvar[lo:hi] = v, cv
                bar.update(1)
            frame[f"var_{m}"] = var
            frame[f"cvar_{m}"] = cvar
            hits = frame["loss"].to_numpy() > var
            frame[f"exceed_{m}"] = hits
            pof = kupiec_test(hits, c)
            ind = christoffersen_test(hits, c)
            rows.append({"method": m, "days": pof["n"], "exceedances": pof["exceedances"],
                         "expected": pof["expected"], "rate": pof["rate"],
                         "kupiec_lr": pof["lr"], "kupiec_p_value": pof["p_value"],
                         "christoffersen_lr": ind["lr_ind"],
                         "christoffersen_p_value": ind["p_value_ind"],
                         "cc_lr": ind["lr_cc"], "cc_p_value": ind["p_value_cc"],
                         "reestimation_step": every, "forecasts": len(days)})
    summary = pd.DataFrame(rows).set_index("method")
    info = {"paths": paths if any(m in SAMPLING_METHODS for m in methods) else None,
            "seed": seed, "copula": copula, "rebalancing": "daily to the given weights",
            "quantile_method": QUANTILE_METHOD}
    return BacktestResult(frame=frame, summary=summary, confidence=c, window=window, step=step,
                          seconds=time.perf_counter() - t0, info=info)
