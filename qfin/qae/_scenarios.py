"""Portfolio loss scenarios from returns (what the sample studies and ``qfin var`` encode)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from qfin.errors import DataError, ProblemError

__all__ = ["portfolio_losses"]


def portfolio_losses(returns: pd.DataFrame | np.ndarray, weights: Any = None,
                     horizon: int = 1) -> np.ndarray:
    """Historical portfolio losses ``L = -w^T r`` from simple returns.

    Parameters
    ----------
    returns : DataFrame or ndarray of shape (n_observations, n_assets)
        Periodic (daily) simple returns, aligned.
    weights : array-like of shape (n_assets,), Series or mapping, optional
        Portfolio weights (default: equal weights); a Series or mapping is aligned to the
        return columns by label (missing or extra labels are refused).
    horizon : int
        Holding period in periods: losses of overlapping ``horizon``-period compounded
        returns ``prod(1 + r) - 1`` (1 = the daily losses themselves).

    Returns
    -------
    ndarray of shape (n_observations - horizon + 1,)
    """
    from qfin._labels import align_vector, labels_of

    weights = align_vector(weights, labels_of(returns), name="weights",
                           target="return columns")
    r = np.asarray(returns, dtype=np.float64)
    if r.ndim != 2 or r.shape[0] == 0 or r.shape[1] == 0:
        raise DataError(f"returns must be a non-empty 2-D table (observations x assets); "
                        f"got shape {r.shape}")
    if not np.all(np.isfinite(r)):
        raise DataError("returns must be finite; got NaN or inf")
    n_assets = r.shape[1]
    w = np.full(n_assets, 1.0 / n_assets) if weights is None else np.asarray(
        weights, dtype=np.float64).ravel()
    if w.shape != (n_assets,):
        raise ProblemError(f"weights must have shape ({n_assets},) to match returns; "
                           f"got {w.shape}")
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ProblemError(f"horizon must be an integer >= 1; got {horizon!r}")
    if horizon > r.shape[0]:
        raise DataError(f"horizon ({horizon}) exceeds the {r.shape[0]} observations")
    if horizon > 1:
        growth = np.log1p(r)
        csum = np.vstack([np.zeros((1, n_assets)), np.cumsum(growth, axis=0)])
        r = np.expm1(csum[horizon:] - csum[:-horizon])
    return -(r @ w)
