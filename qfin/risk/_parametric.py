"""Closed-form VaR/CVaR: normal, Student-t (fitted dof) and Cornish-Fisher.

All three are fitted to the daily portfolio return ``x_t = w^T r_t`` (sample mean, sample
standard deviation with ddof=1) and scaled to the horizon by ``mean x h``,
``std x sqrt(h)`` (i.i.d. days; square-root-of-time).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from scipy import stats

from qfin.risk._fit import fit_t_dof
from qfin.risk._result import VaRResult
from qfin.risk._validate import check_confidence, check_horizon, check_returns, check_weights

__all__ = ["parametric_var", "cornish_fisher_var", "normal_var_cvar", "t_var_cvar",
           "cornish_fisher_var_cvar", "sample_moments"]


def sample_moments(x: np.ndarray) -> tuple[float, float, float, float]:
    """Mean, std (ddof=1), skewness and excess kurtosis of ``x`` (bias-corrected).

    The same values as ``scipy.stats.skew(x, bias=False)`` and
    ``scipy.stats.kurtosis(x, bias=False)``, computed in one pass (needs 4+ observations).
    """
    n = x.size
    mean = float(x.mean())
    d = x - mean
    d2 = d * d
    m2 = float(d2.mean())
    m3 = float((d2 * d).mean())
    m4 = float((d2 * d2).mean())
    std = float(np.sqrt(m2 * n / (n - 1)))
    if m2 <= 0.0:
        return mean, std, 0.0, 0.0
    g1 = m3 / m2**1.5
    g2 = m4 / (m2 * m2) - 3.0
    skew = g1 * np.sqrt(n * (n - 1.0)) / (n - 2.0)
    exkurt = ((n + 1.0) * g2 + 6.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0))
    return mean, std, float(skew), float(exkurt)


def normal_var_cvar(mean: float, std: float, confidence: float, horizon: int = 1
                    ) -> tuple[float, float]:
    """Gaussian VaR ``-h mu + sqrt(h) sigma z_c``.

    CVaR is ``-h mu + sqrt(h) sigma phi(z_c) / (1 - c)``, with ``z_c = Phi^{-1}(c)``.
    """
    z = stats.norm.ppf(confidence)
    scale = std * np.sqrt(horizon)
    var = -mean * horizon + scale * z
    cvar = -mean * horizon + scale * stats.norm.pdf(z) / (1.0 - confidence)
    return float(var), float(cvar)


def t_var_cvar(mean: float, std: float, dof: float, confidence: float, horizon: int = 1
               ) -> tuple[float, float]:
    """Student-t VaR/CVaR with the given mean and standard deviation (needs dof > 2).

    The t is scaled by ``s = std sqrt((dof-2)/dof)`` so its variance is ``std^2``.
    ``VaR = -h mu + sqrt(h) s q`` with ``q = t_dof^{-1}(c)`` and
    ``CVaR = -h mu + sqrt(h) s f_dof(q) (dof + q^2) / ((dof - 1)(1 - c))``.
    """
    q = stats.t.ppf(confidence, dof)
    s = std * np.sqrt((dof - 2.0) / dof) * np.sqrt(horizon)
    var = -mean * horizon + s * q
    cvar = -mean * horizon + s * stats.t.pdf(q, dof) * (dof + q * q) / ((dof - 1.0)
                                                                        * (1.0 - confidence))
    return float(var), float(cvar)


def cornish_fisher_var_cvar(mean: float, std: float, skew: float, exkurt: float,
                            confidence: float, horizon: int = 1) -> tuple[float, float]:
    """Cornish-Fisher VaR and the CVaR of the same quantile function (closed form).

    The return quantile is ``mu h + sigma sqrt(h) g(z)``, ``z = Phi^{-1}(1 - c)``,
    ``g(z) = z + (z^2-1) S/6 + (z^3-3z) K/24 - (2z^3-5z) S^2/36`` with the horizon skewness
    ``S = skew/sqrt(h)`` and excess kurtosis ``K = exkurt/h``. CVaR averages that quantile
    over the tail, ``E[g(Z) | Z <= z]``, using the truncated normal moments.
    """
    s = skew / np.sqrt(horizon)
    k = exkurt / horizon
    a = stats.norm.ppf(1.0 - confidence)

    def g(z: float) -> float:
        return z + (z * z - 1) * s / 6 + (z**3 - 3 * z) * k / 24 - (2 * z**3 - 5 * z) * s * s / 36

    phi, cdf = stats.norm.pdf(a), 1.0 - confidence
    m0, m1 = cdf, -phi
    m2 = cdf - a * phi
    m3 = -(a * a + 2.0) * phi
    tail = m1 + (m2 - m0) * s / 6 + (m3 - 3 * m1) * k / 24 - (2 * m3 - 5 * m1) * s * s / 36
    scale = std * np.sqrt(horizon)
    var = -mean * horizon - scale * g(a)
    cvar = -mean * horizon - scale * tail / cdf
    return float(var), float(cvar)


def _portfolio_series(returns: Any, weights: Any, confidence: float, horizon: int,
                      allow_leverage: bool, min_rows: int = 3) -> tuple[np.ndarray, float, int]:
    c = check_confidence(confidence)
    h = check_horizon(horizon)
    values, _ = check_returns(returns, min_rows=min_rows)
    w = check_weights(weights, values.shape[1], allow_leverage=allow_leverage)
    return values @ w, c, h


def parametric_var(returns: Any, weights: Any = None, *, distribution: str = "normal",
                   confidence: float = 0.99, horizon: int = 1, dof: float | None = None,
                   allow_leverage: bool = False) -> VaRResult:
    """Closed-form normal or Student-t VaR/CVaR of the portfolio.

    Parameters
    ----------
    returns : array-like of shape (n_observations, n_assets)
        Daily simple returns.
    weights : array-like of shape (n_assets,), optional
        Default equal weights; must sum to 1 unless ``allow_leverage``.
    distribution : {"normal", "t"}
        Gaussian, or Student-t with the sample mean and variance and ``dof`` degrees of
        freedom (fitted by profile maximum likelihood when None, see
        :func:`qfin.risk.fit_t_dof`).
    confidence : float
        VaR level in (0, 1).
    horizon : int
        Trading days (square-root-of-time scaling).
    dof : float, optional
        Fixed degrees of freedom (> 2) for ``distribution="t"``.
    allow_leverage : bool
        Accept weights not summing to 1.

    Returns
    -------
    VaRResult

    Examples
    --------
    >>> import numpy as np
    >>> r = np.random.default_rng(0).normal(0, 0.01, size=(500, 2))
    >>> parametric_var(r, confidence=0.99).value > 0
    True
    """
    from qfin.errors import ProblemError

    t0 = time.perf_counter()
    x, c, h = _portfolio_series(returns, weights, confidence, horizon, allow_leverage)
    mean, std = float(x.mean()), float(x.std(ddof=1))
    if distribution == "normal":
        var, cvar = normal_var_cvar(mean, std, c, h)
        info: dict[str, Any] = {"mean": mean, "std": std}
        method = "normal"
    elif distribution == "t":
        if dof is None:
            nu = fit_t_dof(x)
            fitted = True
        else:
            if not np.isfinite(dof) or dof <= 2:
                raise ProblemError(f"dof must be > 2 (finite variance); got {dof!r}")
            nu, fitted = float(dof), False
        var, cvar = t_var_cvar(mean, std, nu, c, h)
        info = {"mean": mean, "std": std, "dof": nu, "dof_fitted": fitted}
        method = "t"
    else:
        raise ProblemError(f"distribution must be 'normal' or 't'; got {distribution!r}")
    info["horizon_scaling"] = "mean x h, std x sqrt(h)"
    return VaRResult(value=var, cvar=cvar, confidence=c, method=method, horizon=h,
                     samples=int(x.size), seconds=time.perf_counter() - t0, info=info)


def cornish_fisher_var(returns: Any, weights: Any = None, *, confidence: float = 0.99,
                       horizon: int = 1, allow_leverage: bool = False) -> VaRResult:
    """Cornish-Fisher (modified) VaR and its CVaR from the portfolio's first four moments.

    Sample skewness and excess kurtosis are bias-corrected (equal to ``scipy.stats.skew`` /
    ``kurtosis`` with ``bias=False``, see :func:`sample_moments`); the formulas are in
    :func:`cornish_fisher_var_cvar`.

    Parameters
    ----------
    returns : array-like of shape (n_observations, n_assets)
        Daily simple returns.
    weights : array-like of shape (n_assets,), optional
        Default equal weights.
    confidence : float
        VaR level in (0, 1).
    horizon : int
        Trading days.
    allow_leverage : bool
        Accept weights not summing to 1.

    Returns
    -------
    VaRResult
    """
    t0 = time.perf_counter()
    x, c, h = _portfolio_series(returns, weights, confidence, horizon, allow_leverage,
                                min_rows=4)
    mean, std, skew, exkurt = sample_moments(x)
    var, cvar = cornish_fisher_var_cvar(mean, std, skew, exkurt, c, h)
    return VaRResult(value=var, cvar=cvar, confidence=c, method="cornish-fisher", horizon=h,
                     samples=int(x.size), seconds=time.perf_counter() - t0,
                     info={"mean": mean, "std": std, "skewness": skew,
                           "excess_kurtosis": exkurt,
                           "horizon_scaling": "mean x h, std x sqrt(h), skew/sqrt(h), "
                                              "kurtosis/h"})
