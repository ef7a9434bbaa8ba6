"""Closed-form VaR/CVaR: normal, Student-t (fitted dof) and Cornish-Fisher.

All three are fitted to the daily portfolio return ``x_t = w^T r_t`` (sample mean, sample
standard deviation with ddof=1) and aggregated to the horizon under the same assumption,
i.i.d. days: the normal by ``mean x h``, ``std x sqrt(h)`` (exact); Cornish-Fisher by
adding cumulants (skewness / sqrt(h), excess kurtosis / h); the Student-t by the exact law
of a sum of ``h`` i.i.d. t days (:mod:`qfin.risk._tsum`), not by scaling the one-day t.
"""

from __future__ import annotations

import math
import time
import warnings
from typing import Any

import numpy as np
from scipy import optimize, special, stats

from qfin.risk._fit import fit_t_dof
from qfin.risk._result import VaRResult
from qfin.risk._validate import check_confidence, check_horizon, check_returns, check_weights

__all__ = ["parametric_var", "cornish_fisher_var", "normal_var_cvar", "t_var_cvar",
           "cornish_fisher_var_cvar", "cornish_fisher_domain", "sample_moments"]


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
    """Student-t VaR/CVaR with the given daily mean and standard deviation (needs dof > 2).

    The daily t is scaled by ``s = std sqrt((dof-2)/dof)`` so its variance is ``std^2``.
    One day: ``VaR = -mu + s q`` with ``q = t_dof^{-1}(c)`` and
    ``CVaR = -mu + s f_dof(q) (dof + q^2) / ((dof - 1)(1 - c))`` (McNeil, Frey & Embrechts
    2015, eq. 2.25). Over ``h > 1`` days the model's own assumption, i.i.d. t days, makes the
    ``h``-day loss a *sum* of ``h`` t variables, which is not a t: its exact quantile and
    expected shortfall come from :func:`qfin.risk._tsum.t_sum_var_cvar` (characteristic-
    function inversion). Scaling the one-day t by ``sqrt(h)`` would overstate both.
    """
    if horizon > 1:
        from qfin.risk._tsum import t_sum_var_cvar

        return t_sum_var_cvar(mean, std, dof, confidence, horizon)
    q = stats.t.ppf(confidence, dof)
    s = std * np.sqrt((dof - 2.0) / dof)
    var = -mean + s * q
    cvar = -mean + s * stats.t.pdf(q, dof) * (dof + q * q) / ((dof - 1.0) * (1.0 - confidence))
    return float(var), float(cvar)


def _cf_coefficients(skew: float, exkurt: float) -> np.ndarray:
    """Coefficients (highest power first) of the Cornish-Fisher map ``g`` as a cubic in z."""
    s, k = skew, exkurt
    return np.array([k / 24.0 - s * s / 18.0, s / 6.0, 1.0 - k / 8.0 + 5.0 * s * s / 36.0,
                     -s / 6.0])


def cornish_fisher_domain(skew: float, exkurt: float) -> bool:
    """Whether the fourth-order Cornish-Fisher map is increasing (Maillard 2012).

    ``g(z) = z + (z^2-1) S/6 + (z^3-3z) K/24 - (2z^3-5z) S^2/36`` is a quantile function
    only where it is increasing, i.e. where ``g'(z) > 0`` for every ``z``: Maillard (2012),
    "A user's guide to the Cornish Fisher expansion", SSRN 1997178, eq. (7):
    ``S^2/9 - 4 (K/8 - S^2/6)(1 - K/8 + 5 S^2/36) <= 0`` (which needs ``K/8 >= S^2/6``;
    with ``S = 0``, ``0 <= K <= 8``).

    Parameters
    ----------
    skew, exkurt : float
        Skewness ``S`` and excess kurtosis ``K`` of the (horizon) return.

    Returns
    -------
    bool
    """
    a = exkurt / 8.0 - skew * skew / 6.0
    b = 1.0 - exkurt / 8.0 + 5.0 * skew * skew / 36.0
    return bool(a >= 0.0 and skew * skew / 9.0 - 4.0 * a * b <= 0.0)


_SQRT_2PI = math.sqrt(2.0 * math.pi)

#: |z| beyond which the standard normal's mass is below the smallest double (Phi(-38.5)).
_Z_MAX = 38.5


def _increasing_where_it_matters(skew: float, exkurt: float) -> bool:
    """Whether ``g`` is increasing on [-38.5, 38.5], all the mass a double can resolve.

    Maillard's condition is about every real ``z``; a map that turns down only where
    ``Phi(z)`` underflows (e.g. a skewness of 1e-90 with zero excess kurtosis) gives the
    classical values exactly, and its rearrangement would only add rounding.
    """
    c3, c2, c1, _ = _cf_coefficients(skew, exkurt)
    a, b = 3.0 * c3, 2.0 * c2  # g'(z) = a z^2 + b z + c1

    def slope(z: float) -> float:
        return a * z * z + b * z + c1

    points = [-_Z_MAX, _Z_MAX]
    if a > 0 and abs(b / (2 * a)) < _Z_MAX:
        points.append(-b / (2 * a))
    return min(slope(z) for z in points) > 0.0


def _partial_moments(a: float, b: float) -> np.ndarray:
    """``int_a^b z^k phi(z) dz`` for k = 0..3 (a, b may be infinite)."""
    def terms(x: float) -> tuple[float, float, float, float]:
        if math.isinf(x):
            return (1.0 if x > 0 else 0.0), 0.0, 0.0, 0.0
        p = math.exp(-0.5 * x * x) / _SQRT_2PI  # scipy.stats' scalar calls cost ~50 us each
        return float(special.ndtr(x)), p, x * p, (x * x + 2.0) * p

    ca, pa, xpa, x3a = terms(a)
    cb, pb, xpb, x3b = terms(b)
    m0 = cb - ca
    return np.array([m0, pa - pb, m0 + xpa - xpb, x3a - x3b])


class _RearrangedCF:
    """The law of ``g(Z)``, ``Z ~ N(0,1)``: the monotone rearrangement of the CF map.

    Chernozhukov, Fernandez-Val & Galichon (2010), "Quantile and probability curves without
    crossing", Econometrica 78(3): sorting the values of ``g`` (the increasing rearrangement)
    gives the quantile function of ``g(Z)``. It equals ``g(Phi^{-1}(p))`` wherever ``g`` is
    increasing, and is a genuine quantile function everywhere, so VaR rises with the
    confidence and CVaR (the tail mean of the same law) is at least VaR.
    """

    def __init__(self, skew: float, exkurt: float) -> None:
        self.coef = _cf_coefficients(skew, exkurt)
        self._c = [float(c) for c in self.coef]

    def poly(self, z: float) -> float:
        c3, c2, c1, c0 = self._c
        return ((c3 * z + c2) * z + c1) * z + c0

    def _below(self, y: float) -> list[tuple[float, float]]:
        """The intervals of z where ``g(z) <= y``."""
        shifted = self.coef.copy()
        shifted[-1] -= y
        roots = np.roots(np.trim_zeros(shifted, "f"))
        real = np.sort(roots[np.abs(roots.imag) <= 1e-9 * np.maximum(1.0, np.abs(roots))]
                       .real)
        real = real[np.abs(real) < _Z_MAX]  # beyond, the normal has no mass in doubles
        cuts = [-math.inf, *real.tolist(), math.inf]
        out = []
        for a, b in zip(cuts[:-1], cuts[1:], strict=True):
            if a == b:
                continue
            mid = (a + b) / 2 if math.isfinite(a) and math.isfinite(b) else (
                b - 1.0 if math.isfinite(b) else a + 1.0 if math.isfinite(a) else 0.0)
            if self.poly(mid) <= y:
                out.append((a, b))
        return out

    def cdf(self, y: float) -> float:
        return float(sum(_partial_moments(a, b)[0] for a, b in self._below(y)))

    def quantile(self, p: float) -> float:
        y0 = float(self.poly(special.ndtri(p)))
        step = max(1.0, abs(y0))
        lo, hi = y0 - step, y0 + step
        while self.cdf(lo) > p:
            lo -= step
            step *= 2.0
        step = max(1.0, abs(y0))
        while self.cdf(hi) < p:
            hi += step
            step *= 2.0
        return float(optimize.brentq(lambda y: self.cdf(y) - p, lo, hi, xtol=1e-14,
                                     rtol=1e-14))

    def lower_tail_mean(self, q: float) -> float:
        """``E[g(Z) | g(Z) <= q]``."""
        parts = self._below(q)
        mass = sum(_partial_moments(a, b)[0] for a, b in parts)
        first = sum(float(self.coef[::-1] @ _partial_moments(a, b)) for a, b in parts)
        return first / mass


def cornish_fisher_var_cvar(mean: float, std: float, skew: float, exkurt: float,
                            confidence: float, horizon: int = 1) -> tuple[float, float]:
    """Cornish-Fisher VaR and the CVaR of the same quantile function.

    The return quantile is ``mu h + sigma sqrt(h) g(z)``, ``z = Phi^{-1}(1 - c)``,
    ``g(z) = z + (z^2-1) S/6 + (z^3-3z) K/24 - (2z^3-5z) S^2/36`` (Cornish & Fisher 1938;
    Zangari 1996), with the horizon skewness ``S = skew/sqrt(h)`` and excess kurtosis
    ``K = exkurt/h`` (cumulants of i.i.d. days add up). Inside Maillard's domain
    (:func:`cornish_fisher_domain`) ``g`` is increasing and CVaR is the closed form
    ``E[g(Z) | Z <= z]`` from the truncated normal moments. Outside it ``g`` is not a
    quantile function (VaR could fall as confidence rises and CVaR come out below VaR), so
    qfin uses its monotone rearrangement (:class:`_RearrangedCF`, Chernozhukov et al. 2010):
    the quantile and tail mean of the law of ``g(Z)``, computed exactly from the real roots
    of the cubic ``g(z) = y``. Either way VaR increases with the confidence and
    ``CVaR >= VaR``.
    """
    return _cornish_fisher(mean, std, skew, exkurt, confidence, horizon)[:2]


def _cornish_fisher(mean: float, std: float, skew: float, exkurt: float, confidence: float,
                    horizon: int) -> tuple[float, float, float, float, bool]:
    """(VaR, CVaR, classical VaR, classical CVaR, inside Maillard's domain)."""
    s = skew / math.sqrt(horizon)
    k = exkurt / horizon
    a = float(special.ndtri(1.0 - confidence))
    cdf = 1.0 - confidence
    scale = std * math.sqrt(horizon)
    coef = _cf_coefficients(s, k)
    g0 = float(np.polyval(coef, a))
    tail0 = float(coef[::-1] @ _partial_moments(-math.inf, a)) / cdf
    inside = cornish_fisher_domain(s, k)
    if inside or _increasing_where_it_matters(s, k):
        g, tail = g0, tail0
    else:
        law = _RearrangedCF(s, k)
        below = law._below(g0)
        if len(below) == 1 and below[0][0] == -math.inf and abs(below[0][1] - a) <= 1e-9:
            # {z : g(z) <= g(a)} is exactly (-inf, a]: the rearranged quantile and tail mean
            # at this level are the classical ones (g turns down only away from this tail)
            g, tail = g0, tail0
        else:
            g = law.quantile(cdf)
            tail = law.lower_tail_mean(g)
    base = -mean * horizon
    return (float(base - scale * g), float(base - scale * tail), float(base - scale * g0),
            float(base - scale * tail0), inside)


def _portfolio_series(returns: Any, weights: Any, confidence: float, horizon: int,
                      allow_leverage: bool, min_rows: int = 3
                      ) -> tuple[np.ndarray, float, int, np.ndarray]:
    c = check_confidence(confidence)
    h = check_horizon(horizon)
    values, labels = check_returns(returns, min_rows=min_rows)
    w = check_weights(weights, values.shape[1], allow_leverage=allow_leverage,
                      labels=labels)
    return values @ w, c, h, values


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
        Trading days. i.i.d. days: the normal scales by sqrt(h); the t aggregates exactly
        (the sum of h i.i.d. t days, see :func:`t_var_cvar`).
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
    x, c, h, values = _portfolio_series(returns, weights, confidence, horizon, allow_leverage)
    mean, std = float(x.mean()), float(x.std(ddof=1))
    if distribution == "normal":
        var, cvar = normal_var_cvar(mean, std, c, h)
        info: dict[str, Any] = {"mean": mean, "std": std,
                                "horizon_scaling": "mean x h, std x sqrt(h) (exact for "
                                                   "i.i.d. normal days)"}
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
        info = {"mean": mean, "std": std, "dof": nu, "dof_fitted": fitted,
                **dof_comparison(x, values, nu if fitted else None),
                "horizon_scaling": "one day" if h == 1 else
                "exact law of the sum of h i.i.d. t days (characteristic-function "
                "inversion), not sqrt(h) x the one-day t"}
        method = "t"
    else:
        raise ProblemError(f"distribution must be 'normal' or 't'; got {distribution!r}")
    return VaRResult(value=var, cvar=cvar, confidence=c, method=method, horizon=h,
                     samples=int(x.size), seconds=time.perf_counter() - t0, info=info)


DOF_NOTE = ("the t method fits one dof to the portfolio's daily returns (the tail of the "
            "weighted sum); the t copula (mc/qmc/is --copula t) fits one dof shared by all "
            "assets of a multivariate t (their joint tails). Under a true multivariate t both "
            "would agree (every portfolio of a multivariate t is a t with the same dof); on "
            "real data they differ because assets have different tail weights and "
            "diversification thins the portfolio's tails")


def dof_comparison(x: np.ndarray, values: np.ndarray, portfolio_dof: float | None = None,
                   multivariate_dof: float | None = None) -> dict[str, Any]:
    """The two fitted degrees of freedom side by side, and why they differ.

    Parameters
    ----------
    x : ndarray of shape (n_observations,)
        Daily portfolio returns (what the t method fits).
    values : ndarray of shape (n_observations, n_assets)
        Daily asset returns (what the t copula fits).
    portfolio_dof, multivariate_dof : float, optional
        The fits when already computed (or given).

    Returns
    -------
    dict
        ``dof_portfolio`` (univariate t fit of ``x``), ``dof_multivariate`` (the t copula's
        multivariate fit) and ``dof_note``.
    """
    uni = fit_t_dof(x) if portfolio_dof is None else float(portfolio_dof)
    multi = (float(multivariate_dof) if multivariate_dof is not None
             else fit_t_dof(values) if values.shape[1] > 1 else uni)
    return {"dof_portfolio": uni, "dof_multivariate": multi, "dof_note": DOF_NOTE}


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
    x, c, h, _ = _portfolio_series(returns, weights, confidence, horizon, allow_leverage,
                                   min_rows=4)
    mean, std, skew, exkurt = sample_moments(x)
    var, cvar, var0, cvar0, inside = _cornish_fisher(mean, std, skew, exkurt, c, h)
    changed = not inside and max(abs(var - var0), abs(cvar - cvar0)) > 1e-9 * std
    if changed:
        warnings.warn(f"Cornish-Fisher: skewness {skew / math.sqrt(h):.3g} and excess kurtosis "
                      f"{exkurt / h:.3g} (horizon {h}) lie outside the domain where the "
                      "expansion is a quantile function (Maillard 2012); the classical formula "
                      f"would give VaR {var0:.6g} and CVaR {cvar0:.6g}, qfin reports its "
                      f"monotone rearrangement (Chernozhukov et al. 2010): VaR {var:.6g}, "
                      f"CVaR {cvar:.6g}. 't' or 'historical' may suit these tails better.",
                      UserWarning, stacklevel=2)
    return VaRResult(value=var, cvar=cvar, confidence=c, method="cornish-fisher", horizon=h,
                     samples=int(x.size), seconds=time.perf_counter() - t0,
                     info={"mean": mean, "std": std, "skewness": skew,
                           "excess_kurtosis": exkurt,
                           "cf_domain": "inside" if inside else "outside",
                           "cf_classical_var": var0, "cf_classical_cvar": cvar0,
                           "cf_version": "classical (increasing inside Maillard's domain)"
                           if inside else "monotone rearrangement (outside Maillard's "
                                          "domain, Chernozhukov et al. 2010)",
                           "horizon_scaling": "mean x h, std x sqrt(h), skew/sqrt(h), "
                                              "kurtosis/h"})
