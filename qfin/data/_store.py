"""The market database: SQLite by default, any SQLAlchemy URL (e.g. PostgreSQL) otherwise.

Concurrency and faults (what holds, and why):

* **All or nothing.** An ingest validates the whole file first, then writes in one
  transaction (in batches, so memory stays small); a rejected file, a crash (``kill -9``),
  a full disk or a dropped connection leave the store exactly as it was.
* **Concurrent ingests** write with upserts (``INSERT … ON CONFLICT``, SQLAlchemy's SQLite and
  PostgreSQL dialects): two files introducing the same new tickers both land.
* **Nobody is locked out by a large ingest.** Opening a store that is up to date runs no DDL
  (:mod:`qfin.data._migrate`); SQLite runs in WAL mode, so readers (``qfin data info``,
  ``store.prices()``) never wait for a writer. A second *writer* waits up to the busy timeout
  (``QFIN_DB_BUSY_TIMEOUT`` seconds, default 60) and then gets a one-line "busy, retry"
  error, with nothing written.
* Driver failures become one-line :class:`~qfin.errors.DataError` messages
  (:mod:`qfin.data._errors`).
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from tqdm.auto import tqdm

from qfin._json import json_default
from qfin._suggest import did_you_mean, did_you_mean_each
from qfin.data import _schema as schema
from qfin.data._dates import FREQUENCIES
from qfin.data._errors import db_errors, short, short_list
from qfin.data._faults import checkpoint
from qfin.data._names import DEFAULT_DATASET, TRADING_DAYS_PER_YEAR
from qfin.data._paths import resolve_database_url, shipped_data_dir
from qfin.data._source import DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS
from qfin.data._validate import (
    PriceFile,
    infer_frequency,
    read_price_file,
    validate_long_prices,
)
from qfin.errors import DataError

__all__ = ["MarketStore", "IngestReport", "DatasetInfo", "open_store", "SHIPPED_DATASETS",
           "DEFAULT_DATASET", "TRADING_DAYS_PER_YEAR", "FREQUENCIES"]

#: Seconds a writer waits for SQLite's write lock before a "busy, retry" error.
DEFAULT_BUSY_TIMEOUT = 60.0
_BATCH = 20_000


@dataclass(frozen=True)
class ShippedDataset:
    """A dataset that ships with qfin and is loaded on first use.

    ``options`` are passed to :meth:`MarketStore.ingest_file` (``values``, ``start``,
    ``frequency``, ``index_tickers``, ...), so weekly or returns files can ship too.
    """

    file: str
    description: str
    options: dict[str, Any] = field(default_factory=dict)
    assets_file: str | None = "assets.csv"


SHIPPED_DATASETS: dict[str, ShippedDataset] = {
    "sample": ShippedDataset(
        "sp500_20x366_close.csv",
        "20 S&P 500 stocks x 366 trading days (2021-07-19..2022-12-28), adjusted closes",
        {"frequency": "daily"},
    ),
    "full": ShippedDataset(
        "sp500_20_daily_close_full.csv.gz",
        "the same 20 stocks, 1990-01-02..2022-12-28 (8,313 trading days), adjusted closes",
        {"frequency": "daily"},
    ),
    # the weekly universes of data/weekly (qfin.datasets.load_weekly reads the same files);
    # their rows are step labels T1, T2, ... one week apart, dated from the month the
    # sources give (data/README.md)
    "nasdaq100": ShippedDataset(
        "weekly/NASDAQ100/timeseries.csv",
        "NASDAQ 100 constituents, 82 assets x 596 weekly simple returns (2004-11..2016-04)",
        {"values": "returns", "start": "2004-11-05", "frequency": "weekly"}, None),
    "dowjones": ShippedDataset(
        "weekly/DowJones/timeseries.csv",
        "Dow Jones constituents, 28 assets x 1,363 weekly simple returns (1990-02..2016-04)",
        {"values": "returns", "start": "1990-02-02", "frequency": "weekly"}, None),
    "indtrack6": ShippedDataset(
        "weekly/INDTRACK6/timeseries.csv",
        "S&P 500 constituents, 457 assets x 291 weekly prices (1991-03..1997-09); the "
        "S&P 500 index itself as the index series 'Index'",
        {"start": "1991-03-01", "frequency": "weekly", "index_tickers": ["Index"]}, None),
}


@dataclass(frozen=True)
class IngestReport:
    """What an ingest did.

    Attributes
    ----------
    dataset : str
        The dataset written to.
    source : str
        The file or frame ingested.
    layout : str
        ``"long"`` or ``"wide"``.
    records : int
        Valid records in the file.
    inserted, updated, unchanged : int
        New (date, ticker) records, existing ones whose close changed (upsert), and
        existing ones already identical.
    new_tickers : tuple of str
        Tickers added to the ``assets`` table.
    warnings : tuple of str
        Non-fatal notes (unsorted dates, gaps).
    date_format : str
        How the dates were read (the one format of the column, or step labels).
    frequency : str or None
        The dataset's sampling frequency.
    periods_per_year : float or None
        What annualisation uses for this dataset (52 weekly, 252 daily, ...).
    values : str
        ``"prices"`` or ``"returns"`` (stored as a price index).
    index_tickers : tuple of str
        Tickers marked as an index (a benchmark series, not an asset).
    """

    dataset: str
    source: str
    layout: str
    records: int
    inserted: int
    updated: int
    unchanged: int
    new_tickers: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    date_format: str = ""
    frequency: str | None = None
    periods_per_year: float | None = None
    values: str = "prices"
    index_tickers: tuple[str, ...] = ()
    returns: int = 0

    @property
    def noop(self) -> bool:
        """Whether nothing changed."""
        return self.inserted == 0 and self.updated == 0

    def summary(self) -> str:
        """A human sentence about the ingest."""
        if self.noop:
            text = (f"no-op: all {self.records:,} records of {self.source} are already in "
                    f"dataset '{self.dataset}' with the same prices")
        else:
            parts = [f"ingested {self.source} into dataset '{self.dataset}' ({self.layout} "
                     f"layout, {self.records:,} records): {self.inserted:,} new"]
            if self.updated:
                parts.append(f"{self.updated:,} updated (upsert: existing (date, ticker) "
                             "records overwritten with the file's prices)")
            parts.append(f"{self.unchanged:,} unchanged")
            text = ", ".join(parts)
            if self.new_tickers:
                text += f"; new tickers: {short_list(self.new_tickers, 20)}"
        return text

    def details(self) -> list[str]:
        """How the file was read: date format, values, frequency, index tickers."""
        lines = [f"dates read as {self.date_format}"] if self.date_format else []
        if self.values == "returns":
            lines.append(f"values: {self.returns:,} simple returns, stored as a price index "
                         f"of {self.records:,} records (base 1.0 one period before each "
                         "ticker's first return)")
        if self.frequency or self.periods_per_year:
            ppy = f"{self.periods_per_year:g}" if self.periods_per_year else "?"
            lines.append(f"frequency: {self.frequency or 'custom'} ({ppy} periods per year "
                         "for annualisation)")
        if self.index_tickers:
            lines.append(f"index (benchmark) series, left out of universes: "
                         f"{short_list(self.index_tickers)}")
        return lines


@dataclass(frozen=True)
class DatasetInfo:
    """Summary of one dataset (what ``qfin data info`` prints)."""

    dataset: str
    records: int
    tickers: int
    dates: int
    first_date: str
    last_date: str
    missing: int
    per_asset: pd.DataFrame = field(repr=False)
    frequency: str | None = None
    periods_per_year: float | None = None
    values: str = "prices"
    index_tickers: tuple[str, ...] = ()


def _now() -> datetime:
    return datetime.now(UTC)


def _busy_timeout(value: float | None) -> float:
    if value is None:
        env = os.environ.get("QFIN_DB_BUSY_TIMEOUT")
        if not env:
            return DEFAULT_BUSY_TIMEOUT
        try:
            value = float(env)
        except ValueError:
            raise DataError(f"QFIN_DB_BUSY_TIMEOUT must be a number of seconds; got "
                            f"{short(env)}") from None
    if not np.isfinite(value) or value < 0:
        raise DataError(f"busy_timeout must be >= 0 seconds; got {short(value)}")
    return float(value)


def _unknown(kind: str, unknown: Sequence[Any], known: Sequence[Any], where: str) -> DataError:
    """The one error for unknown tickers, sectors and datasets (suggestions go here)."""
    if kind == "dataset":
        suggestion = did_you_mean(str(unknown[0]), [*known, *SHIPPED_DATASETS])
        return DataError(f"unknown dataset {short(unknown[0])}{suggestion}; datasets here: "
                         f"{short_list(known, 30) or 'none'}{where}")
    suggestion = did_you_mean_each([str(u) for u in unknown], [str(k) for k in known])
    return DataError(f"unknown {kind}(s) {short_list(unknown)}{where}{suggestion}; known: "
                     f"{short_list(known, 30)}")


def _price_rows(conn: sa.Connection, dataset: str, *, first: Any = None, last: Any = None,
                tickers: Sequence[str] | None = None, ordered: bool = True) -> pd.DataFrame:
    """``date`` (datetime64[s]), ``ticker``, ``close`` of one dataset's prices.

    Optionally between dates ``first`` and ``last`` (``datetime.date``) and for some
    ``tickers``. Read through the driver's own cursor in batches of 100,000 rows (a
    server-side cursor on PostgreSQL) and built column-wise, with the date as the driver
    gives it (ISO text on SQLite, ``date`` on PostgreSQL): SQLAlchemy's per-row objects
    and conversions cost several times the query and gigabytes on large datasets.
    """
    sqlite = conn.dialect.name == "sqlite"
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"

    def day(value: Any) -> Any:
        return value.isoformat() if sqlite else value

    sql = f"SELECT date, ticker, close FROM {schema.prices.name} WHERE dataset = {mark}"
    params: list[Any] = [dataset]
    if first is not None:
        sql += f" AND date >= {mark}"
        params.append(day(first))
    if last is not None:
        sql += f" AND date <= {mark}"
        params.append(day(last))
    if tickers is not None:
        sql += f" AND ticker IN ({', '.join([mark] * len(tickers))})"
        params.extend(tickers)
    if ordered:
        sql += " ORDER BY date, ticker"
    raw = conn.connection.driver_connection
    cursor = (raw.cursor(name=f"qfin_prices_{uuid.uuid4().hex[:12]}")
              if conn.dialect.name == "postgresql" else raw.cursor())
    parts: dict[str, list[np.ndarray]] = {"date": [], "ticker": [], "close": []}
    names: dict[str, int] = {}  # one string object per ticker, not one per row
    try:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(100_000):
            days_col, ticker_col, close_col = zip(*rows, strict=True)
            del rows
            days = pd.Series(days_col, dtype=object)
            dates = (pd.to_datetime(days, format="%Y-%m-%d") if isinstance(days.iloc[0], str)
                     else pd.to_datetime(days))
            # Seconds resolution, as pandas gives for dates (and as data_hash always hashed).
            parts["date"].append(np.asarray(dates, dtype="datetime64[s]"))
            local, uniques = pd.factorize(pd.Series(ticker_col, dtype=object))
            mapping = np.array([names.setdefault(u, len(names)) for u in uniques],
                               dtype=np.int32)
            parts["ticker"].append(mapping[local])
            parts["close"].append(np.asarray(close_col, dtype=np.float64))
    finally:
        cursor.close()
    if not parts["date"]:
        return pd.DataFrame({"date": pd.Series([], dtype="datetime64[s]"),
                             "ticker": pd.Series([], dtype=object),
                             "close": pd.Series([], dtype=np.float64)})
    labels = np.array(list(names), dtype=object)
    return pd.DataFrame({"date": np.concatenate(parts["date"]),
                         "ticker": pd.Series(labels[np.concatenate(parts["ticker"])],
                                             dtype=object),
                         "close": np.concatenate(parts["close"])})


def _upsert(conn: sa.Connection, table: sa.Table, keys: list[str],
            update: list[str] | None = None) -> Any:
    """``INSERT … ON CONFLICT (keys) DO NOTHING`` (or ``DO UPDATE`` of ``update``)."""
    name = conn.dialect.name
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:  # other databases: plain inserts (concurrent ingests may then collide)
        return sa.insert(table)
    stmt = insert(table)
    if update:
        return stmt.on_conflict_do_update(index_elements=keys,
                                          set_={c: stmt.excluded[c] for c in update})
    return stmt.on_conflict_do_nothing(index_elements=keys)


class MarketStore:
    """The market database.

    Parameters
    ----------
    url : str or path, optional
        SQLAlchemy URL or SQLite file path; ``None`` uses ``QFIN_DB_URL`` or the embedded
        default (a SQLite file in the user's data directory, or under ``QFIN_HOME``).
    auto_init : bool
        Create the schema (only if missing or outdated) and load the sample on first use.
    busy_timeout : float, optional
        Seconds a writer waits for another writer's lock (SQLite's write lock, PostgreSQL's
        row locks) before a "busy, retry" error (default ``QFIN_DB_BUSY_TIMEOUT`` or 60).

    Examples
    --------
    >>> import tempfile, os
    >>> store = MarketStore(os.path.join(tempfile.mkdtemp(), "q.sqlite"))
    >>> store.info().records
    7320
    """

    def __init__(self, url: str | Path | None = None, *, auto_init: bool = True,
                 busy_timeout: float | None = None) -> None:
        self.url = resolve_database_url(url)
        self.busy_timeout = _busy_timeout(busy_timeout)
        try:
            kwargs: dict[str, Any] = {}
            if self.url.startswith("sqlite"):
                kwargs["connect_args"] = {"timeout": self.busy_timeout}
            else:
                kwargs["pool_pre_ping"] = True  # a dropped server connection is replaced
            self.engine = sa.create_engine(self.url, **kwargs)
        except Exception as exc:  # noqa: BLE001 - a bad URL is a user mistake
            raise DataError(f"cannot open database {self.display_url!r}: "
                            f"{str(exc)[:200]}") from exc
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", self._sqlite_pragmas)
        if auto_init:
            self.init()

    def _sqlite_pragmas(self, dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
        try:  # readers never wait for a writer; a read-only file keeps its journal mode
            cursor.execute("PRAGMA journal_mode=WAL")
        except Exception:  # noqa: BLE001
            pass
        cursor.close()

    def _guard(self, action: str) -> Any:
        return db_errors(self.display_url, action, self.busy_timeout)

    # ------------------------------------------------------------------ set-up
    @property
    def display_url(self) -> str:
        """The URL with any password masked."""
        try:
            return sa.engine.make_url(self.url).render_as_string(hide_password=True)
        except Exception:  # noqa: BLE001
            return self.url

    def init(self, datasets: Iterable[str] = (DEFAULT_DATASET,)) -> None:
        """Create or extend the schema if needed, and load missing shipped datasets.

        Idempotent; a store that is up to date is opened without any DDL.
        """
        from qfin.data._migrate import ensure_schema

        with self._guard("opening the database"):
            ensure_schema(self.engine)
        for name in datasets:
            self.ensure_dataset(name)

    def ensure_dataset(self, name: str) -> None:
        """Load the shipped dataset ``name`` if the database lacks it."""
        if name in self.dataset_names():
            return
        if name not in SHIPPED_DATASETS:
            raise _unknown("dataset", [name], self.dataset_names(),
                           f" (shipped: {', '.join(SHIPPED_DATASETS)})")
        shipped = SHIPPED_DATASETS[name]
        folder = shipped_data_dir()
        options = dict(shipped.options)
        read_options = {k: options.pop(k) for k in ("values", "start", "date_format",
                                                   "dayfirst", "allow_missing")
                        if k in options}
        price_file = read_price_file(folder / shipped.file,
                                     frequency=options.get("frequency"), **read_options)
        assets = pd.read_csv(folder / shipped.assets_file) if shipped.assets_file else None
        self.ingest(price_file, dataset=name, description=shipped.description,
                    source=shipped.file, assets=assets, **options)

    # ------------------------------------------------------------------ reading
    def dataset_names(self) -> list[str]:
        """Names of the datasets in the database."""
        with self._guard("listing datasets"), self.engine.connect() as conn:
            return [r[0] for r in conn.execute(
                sa.select(schema.datasets.c.name).order_by(schema.datasets.c.name))]

    def _check_dataset(self, dataset: str) -> None:
        if not isinstance(dataset, str):
            raise DataError(f"dataset must be a name (str); got {short(dataset)}")
        if dataset not in self.dataset_names():
            if dataset in SHIPPED_DATASETS:
                self.ensure_dataset(dataset)
                return
            raise _unknown("dataset", [dataset], self.dataset_names(), "")

    def _dataset_row(self, dataset: str) -> dict[str, Any] | None:
        d = schema.datasets
        with self._guard("reading the dataset table"), self.engine.connect() as conn:
            row = conn.execute(sa.select(d).where(d.c.name == dataset)).mappings().first()
        return dict(row) if row else None

    def datasets(self) -> pd.DataFrame:
        """One row per dataset: records, tickers, dates, first and last date, frequency."""
        p, d = schema.prices, schema.datasets
        q = (sa.select(p.c.dataset, sa.func.count().label("records"),
                       sa.func.count(sa.distinct(p.c.ticker)).label("tickers"),
                       sa.func.count(sa.distinct(p.c.date)).label("dates"),
                       sa.func.min(p.c.date).label("first_date"),
                       sa.func.max(p.c.date).label("last_date"))
             .group_by(p.c.dataset).order_by(p.c.dataset))
        with self._guard("summarising datasets"), self.engine.connect() as conn:
            rows = conn.execute(q).mappings().all()
            freq = dict(conn.execute(sa.select(d.c.name, d.c.frequency)).all())
        frame = pd.DataFrame(rows, columns=["dataset", "records", "tickers", "dates",
                                            "first_date", "last_date"])
        frame["frequency"] = [freq.get(n) or "" for n in frame["dataset"]]
        return frame

    def frequency(self, dataset: str = DEFAULT_DATASET) -> str | None:
        """The dataset's sampling frequency (stored, or inferred from its dates)."""
        self._check_dataset(dataset)
        row = self._dataset_row(dataset) or {}
        if row.get("frequency"):
            return str(row["frequency"])
        return infer_frequency(self._dates(dataset))

    def periods_per_year(self, dataset: str = DEFAULT_DATASET) -> float:
        """Periods per year for annualising this dataset's returns.

        52 for weekly data, 252 for daily, 12 monthly, 4 quarterly, 1 annual, or what was
        given at ingest (``--periods-per-year``). Datasets written before frequencies were
        recorded get theirs from the spacing of their dates.

        Raises
        ------
        DataError
            When the frequency cannot be told (one date, irregular spacing): ingest again
            with ``--frequency``.
        """
        self._check_dataset(dataset)
        row = self._dataset_row(dataset) or {}
        if row.get("periods_per_year"):
            return float(row["periods_per_year"])
        freq = row.get("frequency") or infer_frequency(self._dates(dataset))
        if freq is None:
            raise DataError(
                f"dataset {short(dataset)}: its sampling frequency is unknown (too few or "
                "irregular dates), so returns cannot be annualised; re-ingest a file with "
                "--frequency daily|weekly|monthly|quarterly|annual")
        return FREQUENCIES[freq]

    def value_kind(self, dataset: str = DEFAULT_DATASET) -> str:
        """``"prices"``, or ``"returns"`` when the dataset was built from returns files."""
        self._check_dataset(dataset)
        return str((self._dataset_row(dataset) or {}).get("value_kind") or "prices")

    def index_tickers(self, dataset: str = DEFAULT_DATASET) -> list[str]:
        """Tickers of ``dataset`` marked as an index (benchmark series, not assets)."""
        self._check_dataset(dataset)
        r = schema.asset_roles
        with self._guard("reading asset roles"), self.engine.connect() as conn:
            return sorted(row[0] for row in conn.execute(
                sa.select(r.c.ticker).where(r.c.dataset == dataset, r.c.role == "index")))

    def _dates(self, dataset: str) -> np.ndarray:
        p = schema.prices
        with self._guard("reading dates"), self.engine.connect() as conn:
            rows = conn.execute(sa.select(p.c.date).where(p.c.dataset == dataset).distinct()
                                ).all()
        return np.array([np.datetime64(r[0], "D") for r in rows], dtype="datetime64[D]")

    def assets(self, dataset: str | None = None) -> pd.DataFrame:
        """Ticker, name and sector of every asset, or of the tickers in ``dataset``.

        With ``dataset``, a ``role`` column says ``"asset"`` or ``"index"`` (a benchmark).
        """
        a = schema.assets
        q = sa.select(a.c.ticker, a.c.name, a.c.sector).order_by(a.c.ticker)
        if dataset is not None:
            self._check_dataset(dataset)
            q = q.where(a.c.ticker.in_(
                sa.select(schema.prices.c.ticker).where(schema.prices.c.dataset == dataset)
                .distinct()))
        with self._guard("reading assets"), self.engine.connect() as conn:
            frame = pd.DataFrame(conn.execute(q).all(), columns=["ticker", "name", "sector"])
        if dataset is not None:
            indexes = set(self.index_tickers(dataset))
            frame["role"] = ["index" if t in indexes else "asset" for t in frame["ticker"]]
        return frame

    def prices_long(self, dataset: str = DEFAULT_DATASET) -> pd.DataFrame:
        """All prices of ``dataset`` in long layout, sorted by (date, ticker)."""
        self._check_dataset(dataset)
        with self._guard("reading prices"), self.engine.connect() as conn:
            return _price_rows(conn, dataset)

    def _select_sectors(self, sectors: Sequence[str], universe: list[str],
                        dataset: str) -> list[str]:
        assets = self.assets()
        by_sector = assets.dropna(subset=["sector"])
        known = sorted(by_sector["sector"].unique())
        wanted: list[str] = []
        unknown: list[str] = []
        for s in sectors:
            text = str(s)
            if text in known:  # exact match first: sectors are labels, case matters
                wanted.append(text)
                continue
            folded = [k for k in known if k.casefold() == text.casefold()]
            if len(folded) == 1:  # one sector differs only by case: that one
                wanted.append(folded[0])
            elif len(folded) > 1:
                raise DataError(f"sector {short(text)} matches {short_list(folded)} except for "
                                "case; give the exact spelling")
            else:
                unknown.append(text)
        if unknown:
            raise _unknown("sector", unknown, known, "")
        in_sector = set(by_sector.loc[by_sector["sector"].isin(wanted), "ticker"])
        chosen = [t for t in universe if t in in_sector]
        if not chosen:
            raise DataError(f"no ticker of dataset {short(dataset)} is in sectors "
                            f"{short_list(sectors)}")
        return chosen

    def prices(
        self,
        tickers: Sequence[str] | None = None,
        *,
        dataset: str = DEFAULT_DATASET,
        sectors: Sequence[str] | None = None,
        start: str | pd.Timestamp | None = None,
        end: str | pd.Timestamp | None = None,
        min_observations: int = 2,
        include_index: bool = False,
    ) -> pd.DataFrame:
        """Aligned wide prices: a date index and one column per selected ticker.

        Dates where any selected ticker lacks a price are dropped, so every column is
        complete.

        Parameters
        ----------
        tickers : sequence of str, optional
            The universe (default: every asset of the dataset, or of ``sectors``). Tickers
            are case-sensitive: ``spc`` and ``SPC`` are different securities.
        dataset : str
            ``"sample"`` (default), ``"full"`` or a user dataset.
        sectors : sequence of str, optional
            Keep only tickers of these sectors (exact label; a different case is accepted
            only when it matches one sector).
        start, end : date-like, optional
            Inclusive window.
        min_observations : int
            Fewer aligned dates than this is an error.
        include_index : bool
            Keep index (benchmark) series in the default universe; by default they are left
            out (they can always be named in ``tickers``, or read with
            :meth:`benchmark_prices`).

        Returns
        -------
        DataFrame of shape (n_dates, n_assets)
            ``attrs`` holds ``dataset``, ``frequency`` and ``periods_per_year``.

        Raises
        ------
        DataError
            Unknown tickers or sectors, an empty window, too few observations.
        """
        long = self.prices_long(dataset)
        known = sorted(long["ticker"].unique())
        indexes = set(self.index_tickers(dataset))
        universe = [t for t in known if include_index or t not in indexes]
        if tickers is not None:
            if isinstance(tickers, str):
                tickers = [tickers]
            tickers = [str(t).strip() for t in tickers]
            known_set = set(known)
            unknown = [t for t in tickers if t not in known_set]
            if unknown:
                raise _unknown("ticker", unknown, known, f" in dataset {short(dataset)}")
            if len(set(tickers)) != len(tickers):
                raise DataError(f"tickers must be distinct; got {short_list(tickers)}")
            universe = list(tickers)
        if sectors is not None:
            universe = self._select_sectors(sectors, universe, dataset)
        if not universe:
            raise DataError(f"dataset {short(dataset)} holds no asset (only index series "
                            f"{short_list(sorted(indexes))}); pass include_index=True")
        start_ts = _to_timestamp(start, "start")
        end_ts = _to_timestamp(end, "end")
        if start_ts is not None and end_ts is not None and start_ts > end_ts:
            raise DataError(f"start {start_ts.date()} is after end {end_ts.date()}")
        window = long[long["ticker"].isin(universe)]
        if start_ts is not None:
            window = window[window["date"] >= start_ts]
        if end_ts is not None:
            window = window[window["date"] <= end_ts]
        if window.empty:
            raise DataError(
                f"no prices for {short_list(universe, 5)} between "
                f"{start_ts.date() if start_ts is not None else 'the start'} and "
                f"{end_ts.date() if end_ts is not None else 'the end'} in dataset "
                f"{short(dataset)}"
            )
        wide = window.pivot(index="date", columns="ticker", values="close")
        wide = wide.reindex(columns=universe).dropna(how="any")
        wide.columns.name = None
        if len(wide) < min_observations:
            raise DataError(
                f"only {len(wide)} date(s) with prices for every selected ticker; at least "
                f"{min_observations} are needed (widen the window or drop short-lived tickers)"
            )
        self._tag(wide, dataset)
        return wide

    def _tag(self, frame: pd.DataFrame, dataset: str) -> None:
        frame.attrs["dataset"] = dataset
        try:
            frame.attrs["periods_per_year"] = self.periods_per_year(dataset)
            frame.attrs["frequency"] = self.frequency(dataset)
        except DataError:
            frame.attrs["periods_per_year"] = None
            frame.attrs["frequency"] = None

    def returns(
        self,
        tickers: Sequence[str] | None = None,
        *,
        kind: str = "simple",
        dataset: str = DEFAULT_DATASET,
        sectors: Sequence[str] | None = None,
        start: str | pd.Timestamp | None = None,
        end: str | pd.Timestamp | None = None,
        min_observations: int = 2,
        include_index: bool = False,
    ) -> pd.DataFrame:
        """Aligned periodic returns (``kind`` ``"simple"`` or ``"log"``) of a universe.

        ``attrs["periods_per_year"]`` says how to annualise them (52 weekly, 252 daily; see
        :meth:`periods_per_year`).
        """
        from qfin.data._returns import compute_returns

        wide = self.prices(tickers, dataset=dataset, sectors=sectors, start=start, end=end,
                           min_observations=min_observations + 1, include_index=include_index)
        out = compute_returns(wide, kind=kind)
        out.attrs.update(wide.attrs)
        return out

    def _benchmark_ticker(self, dataset: str, ticker: str | None) -> str:
        indexes = self.index_tickers(dataset)
        if ticker is not None:
            if ticker not in indexes:
                raise _unknown("index ticker", [ticker], indexes,
                               f" in dataset {short(dataset)}")
            return ticker
        if not indexes:
            raise DataError(f"dataset {short(dataset)} has no index series; mark one when "
                            "ingesting (--index-ticker NAME, API: index_tickers=[...])")
        if len(indexes) > 1:
            raise DataError(f"dataset {short(dataset)} has several index series "
                            f"({short_list(indexes)}); name one (ticker=...)")
        return indexes[0]

    def benchmark_prices(self, dataset: str = DEFAULT_DATASET, ticker: str | None = None, *,
                         start: Any = None, end: Any = None) -> pd.Series:
        """The index (benchmark) series of ``dataset`` as prices (e.g. INDTRACK6's S&P 500).

        Raises
        ------
        DataError
            The dataset has no index series, or several and ``ticker`` is not given.
        """
        name = self._benchmark_ticker(dataset, ticker)
        return self.prices([name], dataset=dataset, start=start, end=end)[name]

    def benchmark_returns(self, dataset: str = DEFAULT_DATASET, ticker: str | None = None, *,
                          kind: str = "simple", start: Any = None, end: Any = None
                          ) -> pd.Series:
        """Periodic returns of the index series (see :meth:`benchmark_prices`)."""
        name = self._benchmark_ticker(dataset, ticker)
        out = self.returns([name], dataset=dataset, kind=kind, start=start, end=end)
        series = out[name]
        series.attrs.update(out.attrs)
        return series

    def info(self, dataset: str = DEFAULT_DATASET) -> DatasetInfo:
        """Records, tickers, date range, missing data and per-asset annualised statistics.

        Annualised return is the mean periodic simple return × P; volatility the periodic
        standard deviation (ddof=1) × √P, with P = :meth:`periods_per_year` (252 daily, 52
        weekly) — both over each ticker's own dates.
        """
        long = self.prices_long(dataset)
        dates = long["date"].nunique()
        wide = long.pivot(index="date", columns="ticker", values="close")
        missing_by_ticker = wide.isna().sum()
        periodic = wide.pct_change(fill_method=None)
        assets = self.assets(dataset).set_index("ticker")
        try:
            ppy: float | None = self.periods_per_year(dataset)
        except DataError:
            ppy = None
        scale = ppy if ppy is not None else np.nan
        per_asset = pd.DataFrame({
            "sector": assets.reindex(wide.columns)["sector"],
            "role": assets.reindex(wide.columns)["role"],
            "first_date": wide.apply(lambda s: s.first_valid_index()).dt.date,
            "last_date": wide.apply(lambda s: s.last_valid_index()).dt.date,
            "observations": wide.notna().sum(),
            "missing": missing_by_ticker,
            "ann_return": periodic.mean() * scale,
            "ann_volatility": periodic.std(ddof=1) * np.sqrt(scale),
        })
        per_asset.index.name = "ticker"
        return DatasetInfo(
            dataset=dataset,
            records=len(long),
            tickers=long["ticker"].nunique(),
            dates=dates,
            first_date=str(long["date"].min().date()),
            last_date=str(long["date"].max().date()),
            missing=int(missing_by_ticker.sum()),
            per_asset=per_asset,
            frequency=self.frequency(dataset),
            periods_per_year=ppy,
            values=self.value_kind(dataset),
            index_tickers=tuple(self.index_tickers(dataset)),
        )

    def data_hash(self, dataset: str = DEFAULT_DATASET) -> str:
        """SHA-256 of the dataset's sorted (date, ticker, close) records (first 16 hex)."""
        long = self.prices_long(dataset)
        digest = hashlib.sha256()
        digest.update(pd.util.hash_pandas_object(long, index=False).to_numpy().tobytes())
        return digest.hexdigest()[:16]

    def content_hash(self) -> str:
        """SHA-256 of every market table (datasets, assets, roles, prices), first 16 hex.

        Equal before and after an operation means the market data did not change at all
        (what the crash and rejection tests compare).
        """
        digest = hashlib.sha256()
        tables = (schema.datasets, schema.assets, schema.asset_roles, schema.prices)
        with self._guard("hashing the store"), self.engine.connect() as conn:
            for table in tables:
                keys = [c for c in table.primary_key.columns]
                digest.update(table.name.encode())
                for row in conn.execute(sa.select(table).order_by(*keys)):
                    digest.update(repr(tuple(row)).encode())
        return digest.hexdigest()[:16]

    def export(self, path: str | Path, *, dataset: str = DEFAULT_DATASET,
               layout: str = "long") -> Path:
        """Write a dataset to CSV or Parquet (by suffix), long or wide.

        Prices are written exactly (the shortest text that reads back as the same float,
        Python's ``repr``), so export → ingest is a no-op for any price (1e-8 .. 1e6 and
        beyond). The file is written next to its destination and renamed into place, so a
        full disk leaves no half-written file.
        """
        if layout not in ("long", "wide"):
            raise DataError(f"layout must be 'long' or 'wide'; got {short(layout)}")
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".parquet", ".pq", ".csv", ".gz"):
            raise DataError(f"export path must end in .csv or .parquet; got {short(path.name)}")
        long = self.prices_long(dataset)
        frame = long if layout == "long" else long.pivot(index="date", columns="ticker",
                                                         values="close").reset_index()
        if layout == "wide":
            frame.columns.name = None
        frame = frame.copy()
        frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
        with db_errors(self.display_url, f"writing {short(str(path), 80)}"):
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                if suffix in (".parquet", ".pq"):
                    frame.to_parquet(tmp, index=False)
                else:
                    frame.to_csv(tmp, index=False, float_format=None,
                                 compression="gzip" if suffix == ".gz" else None)
                os.replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
        return path

    # ------------------------------------------------------------------ writing
    def ingest_file(
        self,
        path: str | Path,
        *,
        dataset: str | None = None,
        allow_missing: bool = False,
        date_format: str | None = None,
        dayfirst: bool | None = None,
        values: str = "prices",
        start: Any = None,
        frequency: str | None = None,
        periods_per_year: float | None = None,
        index_tickers: Sequence[str] = (),
        max_rows: int = DEFAULT_MAX_ROWS,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> IngestReport:
        """Validate a CSV/Parquet price (or returns) file and add it to ``dataset``.

        All or nothing: every cell is checked before anything is written, and the write is
        one transaction.

        Parameters
        ----------
        path : str or Path
            Long (``date,ticker,close``) or wide (``date`` + one column per ticker) file.
        dataset : str, optional
            Target dataset; default: the file's stem (``prices.csv`` → ``prices``).
        allow_missing : bool
            Wide files: skip empty cells (tickers not trading that day) instead of rejecting.
        date_format, dayfirst : optional
            How to read the date column when it cannot be inferred unambiguously
            (see :func:`qfin.data.read_price_file`).
        values : {"prices", "returns"}
            ``"returns"``: simple returns, compounded into a price index (base 1.0 one
            period before each ticker's first return; continued from the stored index when
            the file follows data already in the dataset).
        start : date-like, optional
            Step-labelled rows (``T1, T2, …``): the date of ``T1``.
        frequency : {"daily", "weekly", "monthly", "quarterly", "annual"}, optional
            Recorded with the dataset (default: inferred from the dates) and used by every
            annualisation (52 weekly, 252 daily).
        periods_per_year : float, optional
            Override the annualisation factor (e.g. 365 for a 7-day market).
        index_tickers : sequence of str
            Tickers that are an index (benchmark series), not assets: kept, marked, and left
            out of default universes.
        max_rows, max_bytes : int
            Caps on records (default 10,000,000) and decompressed bytes (default 1 GiB).

        Raises
        ------
        DataError
            The file is invalid (every problem listed, with its line), not a regular file,
            over a cap, inconsistent with the dataset, or the database failed (busy, full,
            connection lost); nothing was written in every case.
        """
        price_file = read_price_file(
            path, allow_missing=allow_missing, date_format=date_format, dayfirst=dayfirst,
            values=values, start=start, frequency=frequency, max_rows=max_rows,
            max_bytes=max_bytes)
        name = dataset or Path(path).name.split(".")[0]
        return self.ingest(price_file, dataset=name, source=Path(path).name,
                           frequency=frequency, periods_per_year=periods_per_year,
                           index_tickers=index_tickers)

    def ingest(
        self,
        prices: PriceFile | pd.DataFrame,
        *,
        dataset: str,
        description: str = "",
        source: str = "frame",
        assets: pd.DataFrame | None = None,
        frequency: str | None = None,
        periods_per_year: float | None = None,
        index_tickers: Sequence[str] = (),
        values: str = "prices",
        date_format: str | None = None,
        dayfirst: bool | None = None,
    ) -> IngestReport:
        """Upsert validated long prices into ``dataset`` in one transaction.

        Re-ingesting identical records is a no-op; records whose (date, ticker) exists
        with another close are updated (said so in the report). A DataFrame is validated
        first (``date``, ``ticker``, ``close``; ``values``, ``date_format`` and ``dayfirst``
        as for :meth:`ingest_file`).
        """
        if isinstance(prices, pd.DataFrame):
            prices = validate_long_prices(prices, source=source, date_format=date_format,
                                          dayfirst=dayfirst, values=values,
                                          frequency=frequency)
        if not isinstance(dataset, str) or not 1 <= len(dataset) <= 64:
            raise DataError(f"dataset name must be 1..64 characters; got {short(dataset)}")
        if periods_per_year is not None and (not np.isfinite(periods_per_year)
                                             or periods_per_year <= 0):
            raise DataError(f"periods_per_year must be positive; got {short(periods_per_year)}")
        frame = prices.frame
        tickers = sorted(frame["ticker"].unique())
        marks = [str(t) for t in ([index_tickers] if isinstance(index_tickers, str)
                                  else index_tickers)]
        missing_marks = [t for t in marks if t not in set(tickers)]
        if missing_marks:
            raise DataError(f"index ticker(s) {short_list(missing_marks)} are not in "
                            f"{short(source)} (tickers: {short_list(tickers)})")
        with self._guard(f"ingesting {short(source)}"):
            row = self._dataset_row(dataset)
            freq, ppy = self._dataset_frequency(row, prices, frequency, periods_per_year,
                                                dataset, source)
            kind = prices.values
            if row is not None and row.get("value_kind") and row["value_kind"] != kind:
                stored = row["value_kind"]
                raise DataError(
                    f"dataset {short(dataset)} was built from {stored} files; {short(source)} "
                    f"holds {kind}. Ingest {stored} into it (--values {stored}), or use "
                    "another dataset")
            if kind == "returns" and prices.base_dates:
                frame = self._chain_returns(frame, prices.base_dates, dataset, source)
            diff = self._diff(frame, dataset, tickers)
            checkpoint("validated")
            new_tickers = self._write_all(prices, frame, diff, dataset, description, source,
                                          assets, freq, ppy, kind, marks, row)
        inserts, updates, unchanged = diff
        return IngestReport(
            dataset=dataset, source=source, layout=prices.layout,
            records=len(frame), inserted=len(inserts),
            updated=len(updates), unchanged=unchanged, new_tickers=tuple(new_tickers),
            warnings=tuple(prices.warnings), date_format=prices.date_format, frequency=freq,
            periods_per_year=ppy, values=kind, index_tickers=tuple(marks),
            returns=prices.records if kind == "returns" else 0,
        )

    def _dataset_frequency(self, row: dict[str, Any] | None, prices: PriceFile,
                           given: str | None, ppy_given: float | None, dataset: str,
                           source: str) -> tuple[str | None, float | None]:
        stored = (row or {}).get("frequency")
        file_freq = given or prices.frequency
        if stored and file_freq and stored != file_freq:
            how = "was given" if given else "is what its dates look like"
            raise DataError(
                f"dataset {short(dataset)} holds {stored} data; for {short(source)} "
                f"{file_freq} {how}. Ingest it into another dataset, or pass --frequency "
                f"{stored} if the file really is {stored}")
        freq = stored or file_freq
        stored_ppy = (row or {}).get("periods_per_year")
        if ppy_given is not None and stored_ppy and float(stored_ppy) != float(ppy_given):
            raise DataError(f"dataset {short(dataset)} annualises with {stored_ppy:g} periods "
                            f"per year; {ppy_given:g} was given")
        ppy = ppy_given or stored_ppy or (FREQUENCIES[freq] if freq else None)
        return freq, (float(ppy) if ppy else None)

    def _chain_returns(self, frame: pd.DataFrame, base_dates: dict[str, pd.Timestamp],
                       dataset: str, source: str) -> pd.DataFrame:
        """Continue a returns file's price index from the index already stored."""
        p = schema.prices
        tickers = list(base_dates)
        with self.engine.connect() as conn:
            stored: dict[str, dict[Any, float]] = {}
            for lo in range(0, len(tickers), 500):
                part = tickers[lo:lo + 500]
                for d, t, c in conn.execute(
                        sa.select(p.c.date, p.c.ticker, p.c.close)
                        .where(p.c.dataset == dataset, p.c.ticker.in_(part))):
                    stored.setdefault(t, {})[pd.Timestamp(d)] = float(c)
        if not stored:
            return frame
        scale = {}
        for t, base in base_dates.items():
            have = stored.get(t)
            if not have:
                continue
            if base in have:
                scale[t] = have[base]
                continue
            raise DataError(
                f"{short(source)}: the returns of {short(t)} cannot be joined to the prices "
                f"already in dataset {short(dataset)}: their index would restart at 1.0 on "
                f"{base.date()}, a date the dataset does not hold for {short(t)}. A returns "
                "file must continue from a stored date (its first return on the date after "
                "one already stored), or go into another dataset")
        if not scale or all(v == 1.0 for v in scale.values()):
            return frame
        factor = frame["ticker"].map(scale).fillna(1.0).to_numpy()
        return frame.assign(close=frame["close"].to_numpy() * factor)

    def _diff(self, frame: pd.DataFrame, dataset: str, tickers: list[str]
              ) -> tuple[pd.DataFrame, pd.DataFrame, int]:
        """New records, changed records and the number unchanged.

        Read outside the write transaction (a reader never holds up writers); the write
        then upserts, so a concurrent ingest between the two cannot make it fail.
        """
        if frame.empty:
            return frame, frame, 0
        with self.engine.connect() as conn:
            old = _price_rows(conn, dataset, first=frame["date"].min().date(),
                              last=frame["date"].max().date(),
                              tickers=tickers if len(tickers) <= 500 else None, ordered=False)
        if old.empty:
            return frame, frame.iloc[0:0], 0
        # Integer keys (day x ticker code) on both sides: the same answer as a merge on
        # (date, ticker), without hashing millions of strings twice or mixing datetime
        # resolutions (which once broke re-ingests).
        names = pd.Index(pd.unique(np.concatenate([
            frame["ticker"].to_numpy(dtype=object), old["ticker"].to_numpy(dtype=object)])))
        width = np.int64(len(names))

        def keys(part: pd.DataFrame) -> np.ndarray:
            days = part["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
            return days * width + names.get_indexer(part["ticker"].to_numpy(dtype=object))

        where_old = pd.Index(keys(old)).get_indexer(keys(frame))
        is_new = where_old < 0
        old_close = old["close"].to_numpy()[np.where(is_new, 0, where_old)]
        changed = ~is_new & (frame["close"].to_numpy() != old_close)
        return (frame.loc[is_new, ["date", "ticker", "close"]],
                frame.loc[changed, ["date", "ticker", "close"]],
                int((~is_new & ~changed).sum()))

    def _write_all(self, prices: PriceFile, frame: pd.DataFrame,
                   diff: tuple[pd.DataFrame, pd.DataFrame, int], dataset: str,
                   description: str, source: str, assets: pd.DataFrame | None,
                   freq: str | None, ppy: float | None, kind: str, marks: list[str],
                   row: dict[str, Any] | None) -> list[str]:
        a, d, r = schema.assets, schema.datasets, schema.asset_roles
        inserts, updates, _ = diff
        tickers = sorted(frame["ticker"].unique())
        meta = assets.set_index("ticker") if assets is not None else None
        file_meta = (prices.assets.set_index("ticker") if prices.assets is not None
                     else None)
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # A writer waiting for rows another ingest holds gives up like SQLite's.
                conn.exec_driver_sql(
                    f"SET LOCAL lock_timeout = {int(self.busy_timeout * 1000)}")
            conn.execute(_upsert(conn, d, ["name"]), [{
                "name": dataset, "description": description, "source": source,
                "created_at": _now(), "frequency": freq, "periods_per_year": ppy,
                "value_kind": kind}])
            if row is not None and (row.get("frequency") != freq
                                    or row.get("periods_per_year") != ppy
                                    or row.get("value_kind") != kind):
                conn.execute(sa.update(d).where(d.c.name == dataset).values(
                    frequency=freq, periods_per_year=ppy, value_kind=kind))
            existing = set()
            for lo in range(0, len(tickers), 500):
                part = tickers[lo:lo + 500]
                existing |= {x[0] for x in conn.execute(
                    sa.select(a.c.ticker).where(a.c.ticker.in_(part)))}
            new_tickers = [t for t in tickers if t not in existing]
            if new_tickers:
                rows = []
                for t in new_tickers:
                    name = sector = None
                    for source_meta in (meta, file_meta):
                        if source_meta is not None and t in source_meta.index:
                            name = source_meta.at[t, "name"] if "name" in source_meta else None
                            sector = (source_meta.at[t, "sector"] if "sector" in source_meta
                                      else None)
                            break
                    rows.append({"ticker": t, "name": _none(name), "sector": _none(sector)})
                conn.execute(_upsert(conn, a, ["ticker"]), rows)
            if marks:
                conn.execute(_upsert(conn, r, ["dataset", "ticker"], ["role"]),
                             [{"dataset": dataset, "ticker": t, "role": "index"}
                              for t in marks])
            self._write(conn, dataset, inserts, updates)
        return new_tickers

    def _write(self, conn: sa.Connection, dataset: str, inserts: pd.DataFrame,
               updates: pd.DataFrame) -> None:
        """Upsert the records in batches of :data:`_BATCH` (one transaction: the caller's).

        On SQLite and PostgreSQL the one upsert statement goes straight to the driver's
        ``executemany`` with plain tuples (SQLAlchemy's per-row parameter processing cost
        more than the database itself); other databases use SQLAlchemy Core inserts and
        updates.
        """
        p = schema.prices
        name = conn.dialect.name
        fast = name in ("sqlite", "postgresql")
        if fast:
            mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
            sql = (f"INSERT INTO {p.name} (dataset, date, ticker, close) VALUES "
                   f"({mark}, {mark}, {mark}, {mark}) ON CONFLICT (dataset, date, ticker) "
                   "DO UPDATE SET close = excluded.close")
        total = len(inserts) + len(updates)
        with tqdm(total=total, desc=f"writing {dataset}", unit="rec", disable=None,
                  leave=False, delay=1.0) as bar:
            for part, point in ((inserts, "inserting"), (updates, "upserting")):
                for lo in range(0, len(part), _BATCH):
                    chunk = part.iloc[lo:lo + _BATCH]
                    # SQLite keeps SQLAlchemy's Date as ISO text; PostgreSQL takes dates.
                    days = (chunk["date"].dt.strftime("%Y-%m-%d").tolist() if name == "sqlite"
                            else chunk["date"].dt.date.tolist())
                    closes = chunk["close"].astype(float).tolist()
                    tickers = chunk["ticker"].astype(str).tolist()
                    if fast:
                        conn.exec_driver_sql(sql, list(zip([dataset] * len(days), days,
                                                           tickers, closes, strict=True)))
                    elif point == "inserting":
                        conn.execute(sa.insert(p), [
                            {"dataset": dataset, "date": d, "ticker": t, "close": c}
                            for d, t, c in zip(days, tickers, closes, strict=True)])
                    else:
                        stmt = (sa.update(p)
                                .where(p.c.dataset == sa.bindparam("b_dataset"),
                                       p.c.date == sa.bindparam("b_date"),
                                       p.c.ticker == sa.bindparam("b_ticker"))
                                .values(close=sa.bindparam("b_close")))
                        conn.execute(stmt, [
                            {"b_dataset": dataset, "b_date": d, "b_ticker": t, "b_close": c}
                            for d, t, c in zip(days, tickers, closes, strict=True)])
                    bar.update(len(chunk))
                    checkpoint(point)

    # ------------------------------------------------------------------ results
    def record_run(
        self,
        kind: str,
        name: str,
        rows: pd.DataFrame | Sequence[dict[str, Any]],
        *,
        params: dict[str, Any] | None = None,
        environment: dict[str, Any] | None = None,
        status: str = "ok",
        error: str | None = None,
        run_id: str | None = None,
    ) -> str:
        """Store one run (benchmark, pipeline run) and its result rows; return its id.

        Parameters
        ----------
        kind : str
            What produced it (``"bench:portfolio"``, ``"pipeline"``, ...).
        name : str
            A label (benchmark or notebook name).
        rows : DataFrame or sequence of dict
            The tidy result table; values must be JSON-serialisable (numpy scalars are
            converted, NaN/inf are stored as null/"inf").
        params, environment : dict, optional
            Parameters and provenance (seeds, versions, backend, device, git revision).
        """
        records = rows.to_dict(orient="records") if isinstance(rows, pd.DataFrame) else list(rows)
        run_id = run_id or uuid.uuid4().hex
        with self.engine.begin() as conn:
            conn.execute(sa.delete(schema.results).where(schema.results.c.run_id == run_id))
            conn.execute(sa.delete(schema.runs).where(schema.runs.c.run_id == run_id))
            conn.execute(sa.insert(schema.runs).values(
                run_id=run_id, created_at=_now(), kind=kind, name=name, status=status,
                params=_to_json(params or {}), environment=_to_json(environment or {}),
                error=error))
            if records:
                conn.execute(sa.insert(schema.results), [
                    {"run_id": run_id, "row_index": i, "data": _to_json(r)}
                    for i, r in enumerate(records)])
        return run_id

    def runs(self, kind: str | None = None) -> pd.DataFrame:
        """The stored runs (newest first)."""
        r = schema.runs
        q = sa.select(r).order_by(r.c.created_at.desc())
        if kind is not None:
            q = q.where(r.c.kind == kind)
        with self.engine.connect() as conn:
            frame = pd.DataFrame(conn.execute(q).mappings().all(), columns=list(r.c.keys()))
        for col in ("params", "environment"):
            frame[col] = frame[col].map(json.loads)
        return frame

    def results(self, kind: str | None = None, *, name: str | None = None,
                run_id: str | None = None) -> pd.DataFrame:
        """Result rows of the selected runs as one table (with ``run_id``, ``kind``, ``name``).

        Row fields that clash with those run columns come back prefixed ``row_``.
        """
        r, res = schema.runs, schema.results
        q = (sa.select(res.c.run_id, r.c.kind, r.c.name, r.c.created_at, res.c.row_index,
                       res.c.data)
             .join(r, r.c.run_id == res.c.run_id).order_by(r.c.created_at, res.c.row_index))
        if kind is not None:
            q = q.where(r.c.kind == kind)
        if name is not None:
            q = q.where(r.c.name == name)
        if run_id is not None:
            q = q.where(r.c.run_id == run_id)
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        if not rows:
            return pd.DataFrame(columns=["run_id", "kind", "name", "created_at"])
        body = pd.DataFrame([json.loads(row.data) for row in rows])
        head = pd.DataFrame([(row.run_id, row.kind, row.name, row.created_at) for row in rows],
                            columns=["run_id", "kind", "name", "created_at"])
        # A result row may carry its own "name" (or "kind", ...): keep it, under "row_name",
        # so every column label stays unique.
        body = body.rename(columns={c: f"row_{c}" for c in body.columns if c in head.columns})
        return pd.concat([head, body], axis=1)


def _none(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value


def _to_timestamp(value: Any, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        return pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{name} must be a date like 2022-01-31; got {value!r}") from exc


def _clean_floats(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        v = float(value)
        if np.isnan(v):
            return None
        if np.isinf(v):
            return "inf" if v > 0 else "-inf"
        return v
    if isinstance(value, dict):
        return {str(k): _clean_floats(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_floats(v) for v in value]
    return value


def _to_json(value: Any) -> str:
    return json.dumps(_clean_floats(value), default=json_default, sort_keys=True)


def open_store(url: str | Path | None = None) -> MarketStore:
    """Open (and on first use build) the market database.

    Parameters
    ----------
    url : str or path, optional
        SQLAlchemy URL or SQLite path; default ``QFIN_DB_URL`` or the embedded SQLite file.
    """
    return MarketStore(url)
