"""Historical simulation: the empirical quantile of past (overlapping) horizon losses."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from qfin.errors import ProblemError
from qfin.risk._result import VaRResult
from qfin.risk._validate import (
    check_confidence,
    check_horizon,
    check_returns,
    check_weights,
    min_samples,
)

__all__ = ["historical_var", "horizon_losses", "empirical_var_cvar", "QUANTILE_METHOD"]

QUANTILE_METHOD = "inverted_cdf"
CVAR_DEFINITION = "mean of the losses >= VaR"


def horizon_losses(values: np.ndarray, weights: np.ndarray, horizon: int) -> np.ndarray:
    """Portfolio losses over overlapping ``horizon``-day windows (buy and hold).

    Each asset's horizon return is compounded, ``prod(1 + r) - 1`` over ``horizon``
    consecutive days (windows overlap, step one day); the loss is ``-w^T R``. With
    ``horizon=1`` this is ``-returns @ weights``.
    """
    if horizon == 1:
        return -(values @ weights)
    growth = np.log1p(values)
    csum = np.vstack([np.zeros((1, values.shape[1])), np.cumsum(growth, axis=0)])
    compounded = np.expm1(csum[horizon:] - csum[:-horizon])
    return -(compounded @ weights)


def inverted_cdf_index(n: int, confidence: float) -> int:
    """0-based index of ``numpy.quantile(x, confidence, method="inverted_cdf")`` in sorted x.

    The same floating-point steps as numpy (``n * confidence - 1``, rounded up unless it is
    a whole number), so the order statistic is the one numpy picks, bit for bit.
    """
    x = n * confidence - 1.0
    k = math.floor(x)
    if x != k:
        k += 1
    return min(max(int(k), 0), n - 1)


def empirical_var_cvar(losses: np.ndarray, confidence: float,
                       quantile_method: str = QUANTILE_METHOD) -> tuple[float, float]:
    """VaR = ``np.quantile(losses, confidence, method=quantile_method)``.

    CVaR is the mean of the losses ``>= VaR``. For the default ``"inverted_cdf"`` the VaR is
    one order statistic, found by a single ``np.partition`` (O(N), what ``np.quantile``
    does after a good deal of generic set-up); other methods call ``np.quantile``.
    """
    if quantile_method == QUANTILE_METHOD:
        k = inverted_cdf_index(losses.size, confidence)
        part = losses.copy()
        part.partition(k)
        var = float(part[k])
    else:
        var = float(np.quantile(losses, confidence, method=quantile_method))
    tail = losses[losses >= var]
    return var, float(tail.sum() / tail.size)


def historical_var(returns: Any, weights: Any = None, *, confidence: float = 0.99,
                   horizon: int = 1, allow_leverage: bool = False,
                   quantile_method: str = QUANTILE_METHOD) -> VaRResult:
    """VaR and CVaR by historical simulation.

    Losses are ``L_t = -w^T r_t`` for each observed day (``horizon=1``) or, for longer
    horizons, over every overlapping window of ``horizon`` days with compounded asset returns
    (step one day). Overlapping windows are not independent: ``N`` days hold only
    ``N // horizon`` non-overlapping windows, and at least ``ceil(1/(1 - confidence))`` of
    those are required (``info["independent_scenarios"]``).

    Convention (stated so that anyone can reproduce it to the last bit):
    ``VaR = numpy.quantile(L, confidence, method="inverted_cdf")``, i.e. the order statistic
    ``L_(k)`` with ``k = ceil(confidence * N)`` (the smallest loss whose empirical CDF reaches
    ``confidence``), and ``CVaR = mean(L[L >= VaR])``, the mean of the worst ``N - k + 1``
    losses. Another numpy ``quantile_method`` may be chosen; CVaR stays "mean of losses >= VaR".

    Parameters
    ----------
    returns : array-like of shape (n_observations, n_assets)
        Daily simple returns.
    weights : array-like of shape (n_assets,), optional
        Portfolio weights (default equal); they must sum to 1 unless ``allow_leverage``.
    confidence : float
        VaR level in (0, 1).
    horizon : int
        Trading days.
    allow_leverage : bool
        Accept weights not summing to 1.
    quantile_method : str
        numpy quantile method (default ``"inverted_cdf"``).

    Returns
    -------
    VaRResult

    Examples
    --------
    >>> import numpy as np
    >>> r = np.linspace(-0.05, 0.05, 101)[:, None]
    >>> round(historical_var(r, [1.0], confidence=0.9).value, 4)
    0.04
    """
    t0 = time.perf_counter()
    c = check_confidence(confidence)
    h = check_horizon(horizon)
    values, labels = check_returns(returns)
    w = check_weights(weights, values.shape[1], allow_leverage=allow_leverage,
                      labels=labels)
    if h >= values.shape[0]:
        raise ProblemError(f"horizon ({h}) must be shorter than the history "
                           f"({values.shape[0]} observations)")
    losses = horizon_losses(values, w, h)
    need = min_samples(c)
    # Overlapping h-day windows share h-1 days with their neighbours: only N // h of them
    # are independent, and that is the count a tail estimate can rest on.
    independent = values.shape[0] // h
    if independent < need:
        detail = (f"; the {losses.size} overlapping {h}-day windows hold only {independent} "
                  "independent (non-overlapping) ones" if h > 1 else "")
        raise ProblemError(f"historical VaR at confidence {c:g} needs at least {need} "
                           f"independent scenarios; the data give {independent}{detail}. Use "
                           "a longer history, a lower confidence, or a model-based method "
                           "(normal, t, cornish-fisher, mc) whose horizon comes from the "
                           "daily model")
    try:
        var, cvar = empirical_var_cvar(losses, c, quantile_method)
    except (ValueError, TypeError) as exc:
        raise ProblemError(f"quantile_method must be a numpy quantile method such as "
                           f"'inverted_cdf' or 'linear'; got {quantile_method!r}") from exc
    return VaRResult(
        value=var, cvar=cvar, confidence=c, method="historical", horizon=h,
        samples=int(losses.size), seconds=time.perf_counter() - t0,
        info={"quantile_method": quantile_method, "cvar_definition": CVAR_DEFINITION,
              "horizon_scenarios": (f"{losses.size} overlapping {h}-day compounded windows "
                                    f"(step 1 day), {independent} independent"
                                    if h > 1 else "daily"),
              "independent_scenarios": independent},
    )
