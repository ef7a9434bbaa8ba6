"""Which error dominates a VaR on real data: discretisation, data sampling or AE.

A VaR computed by amplitude estimation on a portfolio's losses carries three errors:

1. **discretisation**: the losses become a histogram on ``2**n`` grid points
   (:meth:`DiscreteDistribution.from_samples`); the encoded VaR differs from the data's own
   VaR (the ``inverted_cdf`` quantile of the scenarios) by up to half a grid step;
2. **sampling of the data**: the scenarios are one sample of the loss distribution; a
   bootstrap interval of their VaR (Efron & Tibshirani 1993, percentile interval, Ch. 13)
   shows how far the "true" VaR may be;
3. **estimation**: the AE bracket around the encoded VaR.

:func:`encoding_error_table` reports the three side by side for ``n = 8 ... 20`` with the
fault-tolerant cost of each register size, so a user sees which error to reduce first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from qfin.errors import DataError, ProblemError
from qfin.qae._distribution import DiscreteDistribution
from qfin.qae._estimators import AmplitudeEstimator, IterativeAE
from qfin.qae._resources import estimate_resources
from qfin.qae._risk import value_at_risk
from qfin.qae._validate import check_open_unit, check_positive_int, check_qubits

__all__ = ["t_copula_losses", "bootstrap_var_interval", "encoding_error_table"]


def t_copula_losses(returns: Any, weights: Any = None, n_scenarios: int = 100_000, *,
                    seed: int | None = None, dof: float | None = None) -> np.ndarray:
    """Monte Carlo portfolio losses from a Student-t scenario model fitted to returns.

    The returns ``r = mu + A z sqrt((nu - 2) / W)`` with ``z ~ N(0, I)``, ``W ~ chi2(nu)``,
    ``A A^T`` the sample covariance (so the scenarios keep it) and ``nu`` fitted by
    :func:`qfin.risk.fit_t_dof` (profile maximum likelihood) unless given; the loss is
    ``L = -w^T r``. This is the ``"t"`` scenario model of ``qfin var --method mc``.

    Parameters
    ----------
    returns : DataFrame or ndarray of shape (n_observations, n_assets)
        Daily simple returns.
    weights : array-like of shape (n_assets,), optional
        Default equal weights.
    n_scenarios : int
        Scenarios to draw.
    seed : int, optional
    dof : float, optional
        Degrees of freedom (> 2); default fitted.

    Returns
    -------
    ndarray of shape (n_scenarios,)
    """
    from qfin.risk import fit_t_dof

    r = np.asarray(returns, dtype=np.float64)
    if r.ndim != 2 or r.shape[0] < 3 or not np.all(np.isfinite(r)):
        raise DataError(f"returns must be a finite 2-D table with at least 3 observations; "
                        f"got shape {r.shape}")
    w = np.full(r.shape[1], 1.0 / r.shape[1]) if weights is None else np.asarray(
        weights, dtype=np.float64).ravel()
    if w.shape != (r.shape[1],):
        raise ProblemError(f"weights must have shape ({r.shape[1]},); got {w.shape}")
    n = check_positive_int(n_scenarios, "n_scenarios")
    nu = fit_t_dof(r) if dof is None else float(dof)
    if not nu > 2:
        raise ProblemError(f"dof must be > 2; got {dof!r}")
    cov = np.atleast_2d(np.cov(r, rowvar=False, ddof=1))
    vals, vecs = np.linalg.eigh(0.5 * (cov + cov.T))
    factor = vecs * np.sqrt(np.clip(vals, 0.0, None))
    v = factor.T @ w
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, r.shape[1])) @ v
    scale = np.sqrt((nu - 2.0) / rng.chisquare(nu, n))
    return -(float(r.mean(axis=0) @ w) + z * scale)


def bootstrap_var_interval(losses: Any, confidence: float = 0.99, *, n_boot: int = 1000,
                           alpha: float = 0.05, seed: int | None = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the ``inverted_cdf`` VaR of a loss sample.

    Parameters
    ----------
    losses : array-like of shape (n_scenarios,)
    confidence : float
        VaR level in (0, 1).
    n_boot : int
        Bootstrap resamples.
    alpha : float
        The interval has level ``1 - alpha``.
    seed : int, optional

    Returns
    -------
    (low, high) : tuple of float
        In loss units.
    """
    x = np.asarray(losses, dtype=np.float64).ravel()
    if x.size < 2 or not np.all(np.isfinite(x)):
        raise DataError("losses must hold at least 2 finite scenarios")
    c = check_open_unit(confidence, "confidence")
    a = check_open_unit(alpha, "alpha")
    b = check_positive_int(n_boot, "n_boot")
    rng = np.random.default_rng(seed)
    rank = max(int(np.ceil(c * x.size)) - 1, 0)
    stats = np.empty(b)
    chunk = max(1, min(b, 2_000_000 // x.size))
    for start in range(0, b, chunk):
        m = min(chunk, b - start)
        sample = x[rng.integers(0, x.size, size=(m, x.size))]
        stats[start:start + m] = np.partition(sample, rank, axis=1)[:, rank]
    lo, hi = np.quantile(stats, [a / 2, 1 - a / 2])
    return float(lo), float(hi)


def encoding_error_table(losses: Any, confidence: float = 0.99,
                         qubits: Iterable[int] = range(8, 21), *,
                         estimator: Callable[[int], AmplitudeEstimator] | None = None,
                         n_boot: int = 1000, alpha: float = 0.05, seed: int = 0,
                         source: str = "") -> pd.DataFrame:
    """Discretisation error, bootstrap interval and AE bracket of the VaR, per register size.

    Parameters
    ----------
    losses : array-like of shape (n_scenarios,)
        The portfolio's loss scenarios (historical or Monte Carlo).
    confidence : float
        VaR level in (0, 1).
    qubits : iterable of int
        Register sizes ``n`` (1..24), default 8..20.
    estimator : callable ``seed -> AmplitudeEstimator``, optional
        Default ``IterativeAE(epsilon=1e-3, alpha)``.
    n_boot : int
        Bootstrap resamples of the data's VaR.
    alpha : float
        Level ``1 - alpha`` of the bootstrap interval (and of the default estimator).
    seed : int
    source : str
        A label for the rows (e.g. ``"historical"``).

    Returns
    -------
    DataFrame
        One row per ``n``: ``grid_step``, ``data_var`` (the scenarios' VaR),
        ``encoded_var`` (exact VaR of the histogram), ``discretisation_error``,
        ``bootstrap_low``/``bootstrap_high``/``bootstrap_half_width``, ``ae_var``,
        ``ae_bracket_low``/``ae_bracket_high``/``ae_half_width``, ``dominant_error``
        (which of the three half-widths is largest), ``ae_grover_calls`` and the logical
        cost of the VaR search (``t_count_grover_rudolph``, ``t_count_qrom``,
        ``logical_qubits_grover_rudolph``, ``logical_qubits_qrom``).
    """
    x = np.asarray(losses, dtype=np.float64).ravel()
    c = check_open_unit(confidence, "confidence")
    a = check_open_unit(alpha, "alpha")
    sizes = [check_qubits(n) for n in qubits]
    if not sizes:
        raise ProblemError("qubits must name at least one register size")
    factory = estimator or (lambda s: IterativeAE(1e-3, a, seed=s))
    data_var = float(np.quantile(x, c, method="inverted_cdf"))
    b_lo, b_hi = bootstrap_var_interval(x, c, n_boot=n_boot, alpha=a, seed=seed)
    b_half = 0.5 * (b_hi - b_lo)
    rows = []
    for n in sizes:
        dist = DiscreteDistribution.from_samples(x, n)
        step = (dist.l_max - dist.l_min) / (dist.size - 1)
        encoded = dist.value_at_risk(c)
        var = value_at_risk(dist, c, factory(seed))
        lo, hi = var.bracket
        ae_half = 0.5 * (hi - lo)
        disc = abs(encoded - data_var)
        errors = {"discretisation": disc, "data sampling": b_half, "amplitude estimation":
                  ae_half}
        gr = estimate_resources(var, n, qubit_models=None)
        qrom = estimate_resources(var, n, qubit_models=None, state_preparation="qrom")
        rows.append({
            "source": source, "n_qubits": n, "grid_points": dist.size, "scenarios": x.size,
            "confidence": c, "grid_step": step, "half_step": step / 2,
            "data_var": data_var, "encoded_var": encoded, "discretisation_error": disc,
            "bootstrap_low": b_lo, "bootstrap_high": b_hi, "bootstrap_half_width": b_half,
            "ae_var": var.value, "ae_bracket_low": lo, "ae_bracket_high": hi,
            "ae_half_width": ae_half, "dominant_error": max(errors, key=errors.get),
            "ae_grover_calls": var.oracle_queries,
            "t_count_grover_rudolph": gr.t_count(), "t_count_qrom": qrom.t_count(),
            "logical_qubits_grover_rudolph": gr.logical_qubits,
            "logical_qubits_qrom": qrom.logical_qubits})
    return pd.DataFrame(rows)
