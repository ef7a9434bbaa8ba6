"""Fitted loss models shared by the closed forms and the simulators.

The loss of a portfolio with weights ``w`` is ``L = -w^T r`` with ``r`` the assets' simple
returns over the horizon. The daily model is fitted from the data; horizons longer than a
day use the i.i.d. scaling ``mean x h`` and ``covariance x h`` (square-root-of-time for
volatilities), exact for a Gaussian model and an approximation otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

__all__ = ["GaussianFit", "fit_gaussian", "fit_t_dof", "factor", "DOF_BOUNDS"]

DOF_BOUNDS = (2.05, 500.0)


@dataclass(frozen=True)
class GaussianFit:
    """Sample mean (per day) and unbiased sample covariance (ddof=1) of asset returns."""

    mean: np.ndarray
    cov: np.ndarray
    n_observations: int


def fit_gaussian(values: np.ndarray) -> GaussianFit:
    """Fit the sample mean and covariance (ddof=1) of ``values`` (n_obs, n_assets)."""
    mean = values.mean(axis=0)
    cov = np.atleast_2d(np.cov(values, rowvar=False, ddof=1))
    return GaussianFit(mean=mean, cov=0.5 * (cov + cov.T), n_observations=values.shape[0])


def factor(cov: np.ndarray) -> np.ndarray:
    """A matrix ``A`` with ``A A^T = cov``: Cholesky, or a PSD eigen-factor if singular."""
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        vals, vecs = np.linalg.eigh(cov)
        return vecs * np.sqrt(np.clip(vals, 0.0, None))


def fit_t_dof(values: np.ndarray) -> float:
    """Degrees of freedom of a Student-t with the sample mean and covariance, by profile MLE.

    The location is the sample mean and the dispersion matrix is ``cov (nu - 2) / nu`` so the
    fitted distribution keeps the sample covariance; only ``nu`` is estimated, by maximising
    the (multivariate) t log-likelihood over ``nu`` in [2.05, 500].

    Parameters
    ----------
    values : ndarray of shape (n_observations,) or (n_observations, n_assets)

    Returns
    -------
    float
    """
    x = values[:, None] if values.ndim == 1 else values
    n_obs, dim = x.shape
    centred = x - x.mean(axis=0)
    cov = np.atleast_2d(np.cov(x, rowvar=False, ddof=1))
    try:
        sol = np.linalg.solve(cov, centred.T)
    except np.linalg.LinAlgError:
        sol = np.linalg.pinv(cov) @ centred.T
    d2 = np.einsum("ij,ji->i", centred, sol)
    # log|cov| and pi terms are constant in nu except through (nu - 2)
    def negloglik(nu: float) -> float:
        ll = (special.gammaln((nu + dim) / 2) - special.gammaln(nu / 2)
              - 0.5 * dim * np.log(nu - 2.0)) * n_obs
        ll -= 0.5 * (nu + dim) * np.log1p(d2 / (nu - 2.0)).sum()
        return -float(ll)

    res = optimize.minimize_scalar(negloglik, bounds=DOF_BOUNDS, method="bounded",
                                   options={"xatol": 1e-3})
    return float(res.x)
