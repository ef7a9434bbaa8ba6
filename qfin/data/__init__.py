"""Market data: the database, ingest and validation, returns, estimators.

>>> import tempfile, os
>>> from qfin.data import MarketStore, covariance
>>> store = MarketStore(os.path.join(tempfile.mkdtemp(), "q.sqlite"))
>>> rets = store.returns(["AAPL", "MSFT"])
>>> covariance(rets, "ledoit-wolf", periods_per_year=252).shape
(2, 2)

The names are loaded on first use (PEP 562), so ``from qfin.data import DEFAULT_DATASET``
(what ``qfin data --help`` needs) imports neither pandas nor SQLAlchemy.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from qfin._lazy import lazy_exports
from qfin.data._names import DEFAULT_DATASET, TRADING_DAYS_PER_YEAR

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

_LAZY = {
    "COV_METHODS": "_estimators",
    "MEAN_METHODS": "_estimators",
    "covariance": "_estimators",
    "ewma_weights": "_estimators",
    "mean_returns": "_estimators",
    "default_database_url": "_paths",
    "resolve_database_url": "_paths",
    "shipped_data_dir": "_paths",
    "compute_returns": "_returns",
    "SHIPPED_DATASETS": "_store",
    "DatasetInfo": "_store",
    "IngestReport": "_store",
    "MarketStore": "_store",
    "open_store": "_store",
    "PriceFile": "_validate",
    "read_price_file": "_validate",
    "validate_long_prices": "_validate",
}

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
    from qfin.data._store import open_store

    return open_store(db).prices(tickers, **kwargs)


def load_returns(tickers: Any = None, *, db: str | Path | None = None, **kwargs: Any
                 ) -> pd.DataFrame:
    """Aligned returns from the database (see :meth:`MarketStore.returns`)."""
    from qfin.data._store import open_store

    return open_store(db).returns(tickers, **kwargs)


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
