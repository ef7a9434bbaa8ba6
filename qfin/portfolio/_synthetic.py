"""Seeded synthetic universes shaped like real equity data."""

from __future__ import annotations

from typing import Any

import numpy as np

from qfin.errors import ProblemError
from qfin.portfolio._problem import DEFAULT_RISK_AVERSION, PortfolioProblem

__all__ = ["synthetic_problem"]


def synthetic_problem(n_assets: int, *, cardinality: int | None = None, seed: int = 0,
                      n_factors: int = 3, risk_aversion: float = DEFAULT_RISK_AVERSION,
                      **options: Any) -> PortfolioProblem:
    """A factor-model universe: ``Σ = B Bᵀ + D``, annualised, seeded.

    One market factor (vol 16 %, loadings 0.6–1.4) plus ``n_factors − 1`` style factors
    (vol 8 %, loadings N(0, 0.5²)) and idiosyncratic vols 10–35 % give annualised
    volatilities of about 15–50 % and pairwise correlations of about 0.1–0.6.
    Expected returns follow the factors (2 % + 6 % × market loading) plus N(0, 5 %²) alpha.

    Parameters
    ----------
    n_assets : int
        Number of assets (≥ 2).
    cardinality : int, optional
        Default ``max(1, n_assets // 4)``.
    seed : int
    n_factors : int
        Number of factors (≥ 1).
    risk_aversion : float
    **options
        Passed to :class:`PortfolioProblem` (``bits``, ``bounds``, ...).

    Returns
    -------
    PortfolioProblem
        Tickers ``S000, S001, ...``.

    Examples
    --------
    >>> synthetic_problem(40, seed=1).cardinality
    10
    """
    if isinstance(n_assets, bool) or not isinstance(n_assets, int | np.integer) or n_assets < 2:
        raise ProblemError(f"n_assets must be an integer ≥ 2; got {n_assets!r}")
    if isinstance(n_factors, bool) or not isinstance(n_factors, int | np.integer) or n_factors < 1:
        raise ProblemError(f"n_factors must be an integer ≥ 1; got {n_factors!r}")
    rng = np.random.default_rng(seed)
    loadings = np.empty((n_assets, n_factors))
    loadings[:, 0] = rng.uniform(0.6, 1.4, n_assets)
    loadings[:, 1:] = rng.normal(0.0, 0.5, (n_assets, n_factors - 1))
    factor_vol = np.array([0.16] + [0.08] * (n_factors - 1))
    B = loadings * factor_vol
    idio = rng.uniform(0.10, 0.35, n_assets)
    cov = B @ B.T + np.diag(idio**2)
    mu = 0.02 + 0.06 * loadings[:, 0] + rng.normal(0.0, 0.05, n_assets)
    if cardinality is None:
        cardinality = max(1, n_assets // 4)
    tickers = [f"S{i:03d}" for i in range(n_assets)]
    return PortfolioProblem(mu, cov, risk_aversion=risk_aversion, cardinality=cardinality,
                            tickers=tickers, **options)
