"""Prices to returns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from qfin.errors import DataError

__all__ = ["compute_returns"]


def compute_returns(prices: pd.DataFrame, kind: str = "simple") -> pd.DataFrame:
    """Periodic returns of aligned prices.

    Parameters
    ----------
    prices : DataFrame of shape (n_dates, n_assets)
        Positive prices, no missing values.
    kind : {"simple", "log"}
        ``p_t / p_{t-1} - 1`` or ``log(p_t / p_{t-1})``.

    Returns
    -------
    DataFrame of shape (n_dates - 1, n_assets)

    Examples
    --------
    >>> import pandas as pd
    >>> compute_returns(pd.DataFrame({"A": [100.0, 110.0]}))["A"].round(6).tolist()
    [0.1]
    """
    if kind not in ("simple", "log"):
        raise DataError(f"kind must be 'simple' or 'log'; got {kind!r}")
    if prices.isna().any().any():
        raise DataError("prices have missing values; align them first (MarketStore.prices)")
    if (prices <= 0).any().any():
        raise DataError("prices must be positive to compute returns")
    if len(prices) < 2:
        raise DataError(f"need at least 2 dates to compute returns; got {len(prices)}")
    ratio = prices / prices.shift(1)
    out = ratio - 1.0 if kind == "simple" else np.log(ratio)
    return out.iloc[1:]
