"""Market data: the database, ingest and validation, returns, estimators.

>>> import tempfile, os
>>> from qfin.data import MarketStore, covariance
>>> store = MarketStore(os.path.join(tempfile.mkdtemp(), "q.sqlite"))
>>> rets = store.returns(["AAPL", "MSFT"])
>>> covariance(rets, "ledoit-wolf", periods_per_year=252).shape
(2, 2)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from qfin.data._estimators import COV_METHODS, MEAN_METHODS, covariance, ewma_weights, mean_returns
from qfin.data._paths import default_database_url, resolve_database_url, shipped_data_dir
from qfin.data._returns import compute_returns
from qfin.data._store import (
    DEFAULT_DATASET,
    SHIPPED_DATASETS,
    TRADING_DAYS_PER_YEAR,
    DatasetInfo,
    IngestReport,
    MarketStore,
    open_store,
)
from qfin.data._validate import PriceFile, read_price_file, validate_long_prices

__all__ = [
    "MarketStore",
    "open_store",
    "IngestReport",
    "DatasetInfo",
    "PriceFile",
    "read_price_file",
    "validate_long_prices",
    "compute_returns",
    "load_prices",
    "load_returns",
    "mean_returns",
    "covariance",
    "ewma_weights",
    "MEAN_METHODS",
    "COV_METHODS",
    "DEFAULT_DATASET",
    "SHIPPED_DATASETS",
    "TRADING_DAYS_PER_YEAR",
    "default_database_url",
    "resolve_database_url",
    "shipped_data_dir",
]


def load_prices(tickers: Any = None, *, db: str | Path | None = None, **kwargs: Any
                ) -> pd.DataFrame:
    """Aligned wide prices from the database (see :meth:`MarketStore.prices`)."""
    return open_store(db).prices(tickers, **kwargs)


def load_returns(tickers: Any = None, *, db: str | Path | None = None, **kwargs: Any
                 ) -> pd.DataFrame:
    """Aligned returns from the database (see :meth:`MarketStore.returns`)."""
    return open_store(db).returns(tickers, **kwargs)
