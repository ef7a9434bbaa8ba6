"""Mean and covariance estimators: sample, EWMA, Ledoit-Wolf shrinkage.

Annualisation is explicit: every estimator returns per-period figures unless
``periods_per_year`` is given (252 for daily data, 52 for weekly), which scales means and
covariances linearly. ``periods_per_year="auto"`` takes it from the returns' own
``attrs["periods_per_year"]``, which :meth:`MarketStore.returns` sets from the dataset's
recorded sampling frequency (so weekly data is never annualised with 252).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from qfin.errors import DataError

__all__ = ["mean_returns", "covariance", "ewma_weights", "MEAN_METHODS", "COV_METHODS"]

MEAN_METHODS = ("sample", "ewma")
COV_METHODS = ("sample", "ledoit-wolf", "ewma")


def _check(returns: pd.DataFrame, min_rows: int) -> np.ndarray:
    if not isinstance(returns, pd.DataFrame):
        returns = pd.DataFrame(returns)
    values = returns.to_numpy(dtype=float)
    if values.ndim != 2 or values.shape[1] == 0:
        raise DataError(f"returns must be a 2-D table (n_observations, n_assets); "
                        f"got shape {values.shape}")
    if values.shape[0] < min_rows:
        raise DataError(f"need at least {min_rows} observations; got {values.shape[0]}")
    if not np.isfinite(values).all():
        raise DataError("returns contain NaN or inf; align prices first")
    return values


def _scale(periods_per_year: float | str | None, returns: object = None) -> float:
    if periods_per_year is None:
        return 1.0
    if isinstance(periods_per_year, str):
        if periods_per_year != "auto":
            raise DataError(f"periods_per_year must be a number, 'auto' or None; got "
                            f"{periods_per_year!r}")
        found = getattr(returns, "attrs", {}).get("periods_per_year")
        if not found:
            raise DataError("periods_per_year='auto' needs returns from MarketStore.returns "
                            "(attrs['periods_per_year']); pass the number instead (252 daily, "
                            "52 weekly)")
        periods_per_year = float(found)
    if not np.isfinite(periods_per_year) or periods_per_year <= 0:
        raise DataError(f"periods_per_year must be positive (252 for daily data); "
                        f"got {periods_per_year!r}")
    return float(periods_per_year)


def ewma_weights(n_observations: int, halflife: float) -> np.ndarray:
    """Normalised exponential weights, newest observation last.

    ``w_t ∝ λ^(T-1-t)`` with ``λ = 0.5 ** (1 / halflife)``; they sum to 1.
    """
    if not np.isfinite(halflife) or halflife <= 0:
        raise DataError(f"halflife must be a positive number of observations; got {halflife!r}")
    decay = 0.5 ** (1.0 / halflife)
    w = decay ** np.arange(n_observations - 1, -1, -1, dtype=float)
    return w / w.sum()


def mean_returns(
    returns: pd.DataFrame,
    method: str = "sample",
    *,
    halflife: float = 63.0,
    periods_per_year: float | str | None = None,
) -> pd.Series:
    """Expected returns.

    Parameters
    ----------
    returns : DataFrame of shape (n_observations, n_assets)
    method : {"sample", "ewma"}
        Arithmetic mean, or exponentially weighted mean with ``halflife`` observations.
    halflife : float
        EWMA half-life in observations.
    periods_per_year : float or "auto", optional
        Annualise by this factor (252 daily, 52 weekly); ``"auto"``: the returns'
        ``attrs["periods_per_year"]`` (set by ``MarketStore.returns``); ``None`` keeps
        per-period figures.

    Returns
    -------
    Series of length n_assets
    """
    values = _check(returns, 1)
    if method == "sample":
        mu = values.mean(axis=0)
    elif method == "ewma":
        mu = ewma_weights(len(values), halflife) @ values
    else:
        raise DataError(f"mean method must be one of {MEAN_METHODS}; got {method!r}")
    return pd.Series(mu * _scale(periods_per_year, returns), index=_columns(returns))


def covariance(
    returns: pd.DataFrame,
    method: str = "sample",
    *,
    halflife: float = 63.0,
    periods_per_year: float | str | None = None,
) -> pd.DataFrame:
    """Covariance matrix.

    Parameters
    ----------
    returns : DataFrame of shape (n_observations, n_assets)
    method : {"sample", "ledoit-wolf", "ewma"}
        Unbiased sample covariance (ddof=1); Ledoit-Wolf shrinkage towards a scaled
        identity (scikit-learn's ``LedoitWolf``, which normalises by n); or the
        exponentially weighted covariance around the EWMA mean (weights sum to 1).
    halflife : float
        EWMA half-life in observations.
    periods_per_year : float or "auto", optional
        Annualise by this factor; ``"auto"``: the returns' ``attrs["periods_per_year"]``;
        ``None`` keeps per-period figures.

    Returns
    -------
    DataFrame of shape (n_assets, n_assets)
    """
    values = _check(returns, 2)
    if method == "sample":
        cov = np.cov(values, rowvar=False, ddof=1)
    elif method in ("ledoit-wolf", "ledoit_wolf", "lw"):
        from sklearn.covariance import LedoitWolf  # imported here: it adds ~1 s to start-up

        cov = LedoitWolf().fit(values).covariance_
    elif method == "ewma":
        w = ewma_weights(len(values), halflife)
        centred = values - w @ values
        cov = (centred * w[:, None]).T @ centred
    else:
        raise DataError(f"covariance method must be one of {COV_METHODS}; got {method!r}")
    cov = np.atleast_2d(cov) * _scale(periods_per_year, returns)
    cov = 0.5 * (cov + cov.T)
    cols = _columns(returns)
    return pd.DataFrame(cov, index=cols, columns=cols)


def _columns(returns: pd.DataFrame) -> pd.Index:
    if isinstance(returns, pd.DataFrame):
        return returns.columns
    return pd.RangeIndex(np.asarray(returns).shape[1])
