"""Constants of the market database (no imports: the CLI reads them to build ``--help``)."""

from __future__ import annotations

__all__ = ["DEFAULT_DATASET", "TRADING_DAYS_PER_YEAR"]

#: The dataset that every command and :class:`qfin.data.MarketStore` method uses by default.
DEFAULT_DATASET = "sample"
#: Annualisation factor of daily data.
TRADING_DAYS_PER_YEAR = 252
