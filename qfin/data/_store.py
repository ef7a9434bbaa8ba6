"""The market database: SQLite by default, any SQLAlchemy URL (e.g. PostgreSQL) otherwise."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from tqdm.auto import tqdm

from qfin._json import json_default
from qfin._suggest import did_you_mean, did_you_mean_each
from qfin.data import _schema as schema
from qfin.data._paths import resolve_database_url, shipped_data_dir
from qfin.data._validate import PriceFile, read_price_file, validate_long_prices
from qfin.errors import DataError

__all__ = ["MarketStore", "IngestReport", "DatasetInfo", "open_store", "SHIPPED_DATASETS",
           "DEFAULT_DATASET"]

DEFAULT_DATASET = "sample"
TRADING_DAYS_PER_YEAR = 252


@dataclass(frozen=True)
class ShippedDataset:
    """A dataset that ships with qfin and is loaded on first use."""

    file: str
    description: str


SHIPPED_DATASETS: dict[str, ShippedDataset] = {
    "sample": ShippedDataset(
        "sp500_20x366_close.csv",
        "20 S&P 500 stocks x 366 trading days (2021-07-19..2022-12-28), adjusted closes",
    ),
    "full": ShippedDataset(
        "sp500_20_daily_close_full.csv.gz",
        "the same 20 stocks, 1990-01-02..2022-12-28 (8,313 trading days), adjusted closes",
    ),
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

    @property
    def noop(self) -> bool:
        """Whether nothing changed."""
        return self.inserted == 0 and self.updated == 0

    def summary(self) -> str:
        """A human sentence about the ingest."""
        if self.noop:
            return (f"no-op: all {self.records:,} records of {self.source} are already in "
                    f"dataset '{self.dataset}' with the same prices")
        parts = [f"ingested {self.source} into dataset '{self.dataset}' ({self.layout} layout, "
                 f"{self.records:,} records): {self.inserted:,} new"]
        if self.updated:
            parts.append(f"{self.updated:,} updated (upsert: existing (date, ticker) records "
                         "overwritten with the file's prices)")
        parts.append(f"{self.unchanged:,} unchanged")
        text = ", ".join(parts)
        if self.new_tickers:
            text += f"; new tickers: {', '.join(self.new_tickers)}"
        return text


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


def _now() -> datetime:
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.close()


class MarketStore:
    """The market database.

    Parameters
    ----------
    url : str or path, optional
        SQLAlchemy URL or SQLite file path; ``None`` uses ``QFIN_DB_URL`` or the embedded
        default (a SQLite file in the user's data directory, or under ``QFIN_HOME``).
    auto_init : bool
        Create the schema and load the sample on first use (idempotent).

    Examples
    --------
    >>> import tempfile, os
    >>> store = MarketStore(os.path.join(tempfile.mkdtemp(), "q.sqlite"))
    >>> store.info().records
    7320
    """

    def __init__(self, url: str | Path | None = None, *, auto_init: bool = True) -> None:
        self.url = resolve_database_url(url)
        try:
            kwargs: dict[str, Any] = {}
            if self.url.startswith("sqlite"):
                kwargs["connect_args"] = {"timeout": 60}
            self.engine = sa.create_engine(self.url, future=True, **kwargs)
        except Exception as exc:  # noqa: BLE001 - a bad URL is a user mistake
            raise DataError(f"cannot open database {self.display_url!r}: {exc}") from exc
        if self.url.startswith("sqlite"):
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        if auto_init:
            self.init()

    # ------------------------------------------------------------------ set-up
    @property
    def display_url(self) -> str:
        """The URL with any password masked."""
        try:
            return sa.engine.make_url(self.url).render_as_string(hide_password=True)
        except Exception:  # noqa: BLE001
            return self.url

    def init(self, datasets: Iterable[str] = (DEFAULT_DATASET,)) -> None:
        """Create the schema and load shipped datasets that are missing (idempotent)."""
        try:
            schema.metadata.create_all(self.engine, checkfirst=True)
        except OperationalError as exc:
            if "already exists" not in str(exc):
                raise DataError(f"cannot create the schema in {self.display_url}: {exc}") from exc
        except Exception as exc:  # noqa: BLE001 - unreachable server, bad credentials
            raise DataError(f"cannot use database {self.display_url}: {exc}") from exc
        for name in datasets:
            self.ensure_dataset(name)

    def ensure_dataset(self, name: str) -> None:
        """Load the shipped dataset ``name`` if the database lacks it."""
        if name in self.dataset_names():
            return
        if name not in SHIPPED_DATASETS:
            raise DataError(
                f"unknown dataset {name!r}"
                f"{did_you_mean(name, {*self.dataset_names(), *SHIPPED_DATASETS})}; "
                f"datasets here: {', '.join(self.dataset_names())}"
                f"; shipped: {', '.join(SHIPPED_DATASETS)}"
            )
        shipped = SHIPPED_DATASETS[name]
        folder = shipped_data_dir()
        price_file = read_price_file(folder / shipped.file)
        assets = pd.read_csv(folder / "assets.csv")
        try:
            self.ingest(price_file, dataset=name, description=shipped.description,
                        source=shipped.file, assets=assets)
        except IntegrityError:
            # Another process loaded it at the same moment: fine, as long as it is there now.
            if name not in self.dataset_names():
                raise

    # ------------------------------------------------------------------ reading
    def dataset_names(self) -> list[str]:
        """Names of the datasets in the database."""
        with self.engine.connect() as conn:
            return [r[0] for r in conn.execute(
                sa.select(schema.datasets.c.name).order_by(schema.datasets.c.name))]

    def _check_dataset(self, dataset: str) -> None:
        if dataset not in self.dataset_names():
            if dataset in SHIPPED_DATASETS:
                self.ensure_dataset(dataset)
                return
            raise DataError(
                f"unknown dataset {dataset!r}"
                f"{did_you_mean(dataset, {*self.dataset_names(), *SHIPPED_DATASETS})}; "
                f"datasets here: {', '.join(self.dataset_names())}"
            )

    def datasets(self) -> pd.DataFrame:
        """One row per dataset: records, tickers, dates, first and last date."""
        p = schema.prices
        q = (sa.select(p.c.dataset, sa.func.count().label("records"),
                       sa.func.count(sa.distinct(p.c.ticker)).label("tickers"),
                       sa.func.count(sa.distinct(p.c.date)).label("dates"),
                       sa.func.min(p.c.date).label("first_date"),
                       sa.func.max(p.c.date).label("last_date"))
             .group_by(p.c.dataset).order_by(p.c.dataset))
        with self.engine.connect() as conn:
            rows = conn.execute(q).mappings().all()
        return pd.DataFrame(rows, columns=["dataset", "records", "tickers", "dates",
                                           "first_date", "last_date"])

    def assets(self, dataset: str | None = None) -> pd.DataFrame:
        """Ticker, name and sector (of the tickers in ``dataset`` when given)."""
        a = schema.assets
        q = sa.select(a.c.ticker, a.c.name, a.c.sector).order_by(a.c.ticker)
        if dataset is not None:
            self._check_dataset(dataset)
            q = q.where(a.c.ticker.in_(
                sa.select(schema.prices.c.ticker).where(schema.prices.c.dataset == dataset)
                .distinct()))
        with self.engine.connect() as conn:
            return pd.DataFrame(conn.execute(q).all(), columns=["ticker", "name", "sector"])

    def prices_long(self, dataset: str = DEFAULT_DATASET) -> pd.DataFrame:
        """All prices of ``dataset`` in long layout, sorted by (date, ticker)."""
        self._check_dataset(dataset)
        p = schema.prices
        q = (sa.select(p.c.date, p.c.ticker, p.c.close).where(p.c.dataset == dataset)
             .order_by(p.c.date, p.c.ticker))
        with self.engine.connect() as conn:
            frame = pd.DataFrame(conn.execute(q).all(), columns=["date", "ticker", "close"])
        frame["date"] = pd.to_datetime(frame["date"])
        frame["close"] = frame["close"].astype(np.float64)
        return frame

    def prices(
        self,
        tickers: Sequence[str] | None = None,
        *,
        dataset: str = DEFAULT_DATASET,
        sectors: Sequence[str] | None = None,
        start: str | pd.Timestamp | None = None,
        end: str | pd.Timestamp | None = None,
        min_observations: int = 2,
    ) -> pd.DataFrame:
        """Aligned wide prices: a date index and one column per selected ticker.

        Dates where any selected ticker lacks a price are dropped, so every column is
        complete.

        Parameters
        ----------
        tickers : sequence of str, optional
            The universe (default: every ticker of the dataset, or of ``sectors``).
        dataset : str
            ``"sample"`` (default), ``"full"`` or a user dataset.
        sectors : sequence of str, optional
            Keep only tickers of these sectors (case-insensitive).
        start, end : date-like, optional
            Inclusive window.
        min_observations : int
            Fewer aligned dates than this is an error.

        Returns
        -------
        DataFrame of shape (n_dates, n_assets)

        Raises
        ------
        DataError
            Unknown tickers or sectors, an empty window, too few observations.
        """
        long = self.prices_long(dataset)
        known = sorted(long["ticker"].unique())
        universe = list(known)
        if tickers is not None:
            tickers = [str(t).strip().upper() if str(t).strip().upper() in known else str(t)
                       for t in tickers]
            unknown = [t for t in tickers if t not in known]
            if unknown:
                raise DataError(
                    f"unknown ticker(s) {', '.join(unknown)} in dataset {dataset!r}"
                    f"{did_you_mean_each(unknown, known)}; known: {', '.join(known)}"
                )
            if len(set(tickers)) != len(tickers):
                raise DataError(f"tickers must be distinct; got {list(tickers)}")
            universe = list(tickers)
        if sectors is not None:
            assets = self.assets()
            by_sector = assets.dropna(subset=["sector"])
            lookup = {s.lower(): s for s in by_sector["sector"].unique()}
            wanted = [lookup.get(str(s).lower()) for s in sectors]
            unknown_sectors = [s for s, w in zip(sectors, wanted, strict=True) if w is None]
            if unknown_sectors:
                raise DataError(
                    f"unknown sector(s) {', '.join(map(str, unknown_sectors))}"
                    f"{did_you_mean_each(unknown_sectors, lookup.values())}; "
                    f"known: {', '.join(sorted(lookup.values()))}"
                )
            in_sector = set(by_sector.loc[by_sector["sector"].isin(wanted), "ticker"])
            universe = [t for t in universe if t in in_sector]
            if not universe:
                raise DataError(f"no ticker of dataset {dataset!r} is in sectors {list(sectors)}")
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
                f"no prices for {', '.join(universe[:5])}{'...' if len(universe) > 5 else ''} "
                f"between {start_ts.date() if start_ts is not None else 'the start'} and "
                f"{end_ts.date() if end_ts is not None else 'the end'} in dataset {dataset!r}"
            )
        wide = window.pivot(index="date", columns="ticker", values="close")
        wide = wide.reindex(columns=universe).dropna(how="any")
        wide.columns.name = None
        if len(wide) < min_observations:
            raise DataError(
                f"only {len(wide)} date(s) with prices for every selected ticker; at least "
                f"{min_observations} are needed (widen the window or drop short-lived tickers)"
            )
        return wide

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
    ) -> pd.DataFrame:
        """Aligned periodic returns (``kind`` ``"simple"`` or ``"log"``) of a universe."""
        from qfin.data._returns import compute_returns

        wide = self.prices(tickers, dataset=dataset, sectors=sectors, start=start, end=end,
                           min_observations=min_observations + 1)
        return compute_returns(wide, kind=kind)

    def info(self, dataset: str = DEFAULT_DATASET) -> DatasetInfo:
        """Records, tickers, date range, missing data and per-asset annualised statistics.

        Annualised return is the mean daily simple return × 252; volatility the daily
        standard deviation (ddof=1) × √252 — both over each ticker's own dates.
        """
        long = self.prices_long(dataset)
        dates = long["date"].nunique()
        wide = long.pivot(index="date", columns="ticker", values="close")
        missing_by_ticker = wide.isna().sum()
        daily = wide.pct_change(fill_method=None)
        assets = self.assets().set_index("ticker")
        per_asset = pd.DataFrame({
            "sector": assets.reindex(wide.columns)["sector"],
            "first_date": wide.apply(lambda s: s.first_valid_index()).dt.date,
            "last_date": wide.apply(lambda s: s.last_valid_index()).dt.date,
            "observations": wide.notna().sum(),
            "missing": missing_by_ticker,
            "ann_return": daily.mean() * TRADING_DAYS_PER_YEAR,
            "ann_volatility": daily.std(ddof=1) * np.sqrt(TRADING_DAYS_PER_YEAR),
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
        )

    def data_hash(self, dataset: str = DEFAULT_DATASET) -> str:
        """SHA-256 of the dataset's sorted (date, ticker, close) records (first 16 hex)."""
        long = self.prices_long(dataset)
        digest = hashlib.sha256()
        digest.update(pd.util.hash_pandas_object(long, index=False).to_numpy().tobytes())
        return digest.hexdigest()[:16]

    def export(self, path: str | Path, *, dataset: str = DEFAULT_DATASET,
               layout: str = "long") -> Path:
        """Write a dataset to CSV or Parquet (by suffix), long or wide."""
        if layout not in ("long", "wide"):
            raise DataError(f"layout must be 'long' or 'wide'; got {layout!r}")
        path = Path(path)
        long = self.prices_long(dataset)
        frame = long if layout == "long" else long.pivot(index="date", columns="ticker",
                                                         values="close").reset_index()
        if layout == "wide":
            frame.columns.name = None
        frame = frame.copy()
        frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix.lower() in (".parquet", ".pq"):
            frame.to_parquet(path, index=False)
        elif path.suffix.lower() in (".csv", ".gz"):
            frame.to_csv(path, index=False, float_format="%.6f")
        else:
            raise DataError(f"export path must end in .csv or .parquet; got {path.name!r}")
        return path

    # ------------------------------------------------------------------ writing
    def ingest_file(self, path: str | Path, *, dataset: str | None = None,
                    allow_missing: bool = False) -> IngestReport:
        """Validate a CSV/Parquet price file and add it to ``dataset`` (all or nothing).

        Parameters
        ----------
        path : str or Path
            Long (``date,ticker,close``) or wide (``date`` + one column per ticker) file.
        dataset : str, optional
            Target dataset; default: the file's stem (``prices.csv`` → ``prices``).
        allow_missing : bool
            Wide files: skip empty cells (tickers not trading that day) instead of rejecting.
        """
        price_file = read_price_file(path, allow_missing=allow_missing)
        name = dataset or Path(path).name.split(".")[0]
        return self.ingest(price_file, dataset=name, source=Path(path).name)

    def ingest(
        self,
        prices: PriceFile | pd.DataFrame,
        *,
        dataset: str,
        description: str = "",
        source: str = "frame",
        assets: pd.DataFrame | None = None,
    ) -> IngestReport:
        """Upsert validated long prices into ``dataset`` in one transaction.

        Re-ingesting identical records is a no-op; records whose (date, ticker) exists
        with another close are updated (said so in the report).
        """
        if isinstance(prices, pd.DataFrame):
            prices = validate_long_prices(prices, source=source)
        frame = prices.frame
        if not dataset or len(dataset) > 64:
            raise DataError(f"dataset name must be 1..64 characters; got {dataset!r}")
        p, a, d = schema.prices, schema.assets, schema.datasets
        tickers = sorted(frame["ticker"].unique())
        meta = assets.set_index("ticker") if assets is not None else None
        with self.engine.begin() as conn:
            if conn.execute(sa.select(d.c.name).where(d.c.name == dataset)).first() is None:
                conn.execute(sa.insert(d).values(name=dataset, description=description,
                                                 source=source, created_at=_now()))
            existing_assets = {r[0] for r in conn.execute(sa.select(a.c.ticker))}
            new_tickers = [t for t in tickers if t not in existing_assets]
            if new_tickers:
                rows = []
                for t in new_tickers:
                    name = sector = None
                    if meta is not None and t in meta.index:
                        name, sector = meta.at[t, "name"], meta.at[t, "sector"]
                    elif "sector" in frame.columns or "name" in frame.columns:
                        first = frame[frame["ticker"] == t].iloc[0]
                        name, sector = first.get("name"), first.get("sector")
                    rows.append({"ticker": t, "name": name, "sector": sector})
                conn.execute(sa.insert(a), rows)
            old = pd.DataFrame(
                conn.execute(sa.select(p.c.date, p.c.ticker, p.c.close)
                             .where(p.c.dataset == dataset)).all(),
                columns=["date", "ticker", "close"],
            )
            old["date"] = pd.to_datetime(old["date"])
            merged = frame[["date", "ticker", "close"]].merge(
                old, on=["date", "ticker"], how="left", suffixes=("", "_old"))
            is_new = merged["close_old"].isna()
            changed = ~is_new & (merged["close"] != merged["close_old"])
            inserts = merged[is_new]
            updates = merged[changed]
            self._write(conn, dataset, inserts, updates)
        return IngestReport(
            dataset=dataset, source=source, layout=prices.layout, records=len(frame),
            inserted=int(is_new.sum()), updated=int(changed.sum()),
            unchanged=int((~is_new & ~changed).sum()), new_tickers=tuple(new_tickers),
            warnings=tuple(prices.warnings),
        )

    def _write(self, conn: sa.Connection, dataset: str, inserts: pd.DataFrame,
               updates: pd.DataFrame) -> None:
        p = schema.prices
        batch = 20_000
        total = len(inserts) + len(updates)
        with tqdm(total=total, desc=f"writing {dataset}", unit="rec", disable=None,
                  leave=False, delay=1.0) as bar:
            for lo in range(0, len(inserts), batch):
                chunk = inserts.iloc[lo:lo + batch]
                conn.execute(sa.insert(p), [
                    {"dataset": dataset, "date": d.date(), "ticker": t, "close": float(c)}
                    for d, t, c in zip(chunk["date"], chunk["ticker"], chunk["close"],
                                       strict=True)
                ])
                bar.update(len(chunk))
            if len(updates):
                stmt = (sa.update(p)
                        .where(p.c.dataset == sa.bindparam("b_dataset"),
                               p.c.date == sa.bindparam("b_date"),
                               p.c.ticker == sa.bindparam("b_ticker"))
                        .values(close=sa.bindparam("b_close")))
                conn.execute(stmt, [
                    {"b_dataset": dataset, "b_date": d.date(), "b_ticker": t,
                     "b_close": float(c)}
                    for d, t, c in zip(updates["date"], updates["ticker"], updates["close"],
                                       strict=True)
                ])
                bar.update(len(updates))

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
