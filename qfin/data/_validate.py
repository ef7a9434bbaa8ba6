"""Reading and validating price files (CSV or Parquet, long or wide) before anything is written.

Every problem is reported with its place in the file: ``line N`` for CSV (the header is
line 1) and ``row N`` for Parquet (the first data row is row 1), plus the column.

Files are read in chunks (streamed, with the size caps of :mod:`qfin.data._source`), and every
cell is validated before anything is written: dates are kept as codes into the table of the
column's distinct cells until the whole file has been seen, so the one format of the date
column (:mod:`qfin.data._dates`) is chosen from every cell, not from the first chunk.
"""

from __future__ import annotations

import csv
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qfin.data._dates import FREQUENCIES, ParsedDates, parse_date_cells
from qfin.data._errors import header_cell, short, short_list
from qfin.data._source import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ROWS,
    MAX_LINE_BYTES,
    Limits,
    Source,
    open_source,
)
from qfin.errors import DataError

__all__ = ["PriceFile", "read_price_file", "validate_long_prices", "infer_frequency",
           "VALUE_KINDS"]

LONG_COLUMNS = ("date", "ticker", "close")
RETURN_COLUMN_NAMES = ("return", "returns", "close")
OPTIONAL_LONG_COLUMNS = ("name", "sector")
WIDE_DATE_NAMES = ("date", "dates", "timestamp", "time", "day", "datetime", "date_time",
                   "period", "week", "step", "datum", "fecha")
TICKER_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-_^=/]{0,31}$")
MISSING_TOKENS = {"", "nan", "na", "n/a", "null", "none", "#n/a", "-"}
MAX_PROBLEMS_SHOWN = 20
MAX_PROBLEMS_KEPT = 1000
MAX_NOTES = 20
VALUE_KINDS = ("prices", "returns")
_CHUNK_RECORDS = 250_000
_DECIMAL_COMMA = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+),\d+$")


@dataclass
class PriceFile:
    """A validated price file in long layout.

    Attributes
    ----------
    frame : DataFrame
        Columns ``date`` (datetime64, midnight), ``ticker`` (str), ``close`` (float64),
        sorted by (date, ticker). For a returns file: the price index compounded from them.
    layout : {"long", "wide"}
        The layout the file was written in.
    path : Path or None
        Where it was read from.
    warnings : list of str
        Things worth knowing that are not errors (unsorted dates, gaps).
    date_format : str
        How the date column was read (the one format, step labels, typed timestamps).
    values : {"prices", "returns"}
        What the file held.
    frequency : str or None
        Sampling frequency given or inferred from the dates (``None``: unknown).
    records : int
        Records in the file (for returns, before the base rows of the price index).
    assets : DataFrame
        ``ticker, name, sector`` from a long file's optional columns (first row of each).
    base_dates : dict
        Returns files: ticker → date of its base row (index 1.0, one period before its
        first return).
    """

    frame: pd.DataFrame
    layout: str
    path: Path | None = None
    warnings: list[str] = field(default_factory=list)
    date_format: str = ""
    values: str = "prices"
    frequency: str | None = None
    records: int = 0
    assets: pd.DataFrame | None = None
    base_dates: dict[str, pd.Timestamp] = field(default_factory=dict)


def infer_frequency(dates: np.ndarray) -> str | None:
    """``daily``/``weekly``/``monthly``/``quarterly``/``annual`` from the median spacing.

    Parameters
    ----------
    dates : array of datetime64
        Distinct dates (any order).

    Returns
    -------
    str or None
        ``None`` with fewer than two dates or a spacing that fits none of them.
    """
    days = np.unique(np.asarray(dates, dtype="datetime64[D]"))
    days = days[~np.isnat(days)]
    if len(days) < 2:
        return None
    median = float(np.median(np.diff(days).astype(np.int64)))
    for name, (lo, hi) in {"daily": (0.5, 4.5), "weekly": (4.5, 10.5),
                           "monthly": (25.5, 35.5), "quarterly": (80.5, 100.5),
                           "annual": (340.5, 390.5)}.items():
        if lo <= median <= hi:
            return name
    return None


class _Problems:
    """Problems with their line, capped so a file of a million bad rows stays small."""

    def __init__(self) -> None:
        self.items: list[tuple[int, int, str]] = []
        self.count = 0
        self._seq = 0

    def add(self, line: int, text: str) -> None:
        self.count += 1
        if len(self.items) < MAX_PROBLEMS_KEPT * 4:
            self._seq += 1
            self.items.append((line, self._seq, text))

    def sorted(self) -> list[str]:
        return [t for _, _, t in sorted(self.items)][:MAX_PROBLEMS_KEPT]


def _raise_if(problems: _Problems, source: str) -> None:
    if not problems.count:
        return
    kept = problems.sorted()
    shown = kept[:MAX_PROBLEMS_SHOWN]
    more = problems.count - len(shown)
    tail = f"\n  ... and {more:,} more" if more else ""
    raise DataError(
        f"{source}: rejected, nothing was written ({problems.count:,} problem(s)):\n  "
        + "\n  ".join(shown) + tail,
        kept,
    )


def _text(values: pd.Series) -> pd.Series:
    """Cells as stripped text ('' for missing), whatever their type."""
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        stripped = values.str.strip()
        other = stripped.isna().to_numpy() & values.notna().to_numpy()
        if other.any():
            stripped = stripped.astype(object)
            stripped[other] = values[other].map(_cell_text)
        return stripped.fillna("").astype(object)
    return values.map(_cell_text).astype(object)


def _cell_text(value: Any) -> str:
    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, float) and np.isnan(value):
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


class _Collector:
    """Validates a file chunk by chunk; keeps compact codes until every cell is seen."""

    def __init__(self, name: str, kind: str, layout: str, date_col: str,
                 value_cols: list[str], *, values: str, allow_missing: bool,
                 limits: Limits, decimal_comma: bool = False) -> None:
        self.name = name
        self.kind = kind  # csv or parquet/frame (for "line"/"row")
        self.layout = layout
        self.date_col = date_col
        self.value_cols = value_cols
        self.values = values
        self.allow_missing = allow_missing
        self.limits = limits
        self.decimal_comma = decimal_comma
        self.problems = _Problems()
        self.date_index: dict[str, int] = {}
        self.ticker_index: dict[str, int] = {}
        self.rec: dict[str, list[np.ndarray]] = {k: [] for k in ("date", "ticker", "value",
                                                               "line", "col")}
        self.rows: dict[str, list[np.ndarray]] = {"date": [], "line": []}
        self.n_records = 0
        self.n_lines = 0
        self.skipped = 0
        self.meta: dict[str, tuple[str | None, str | None]] = {}
        self.typed_dates: str | None = None
        self.wide_codes = np.array([self._ticker_code(c) for c in value_cols]
                                   if layout == "wide" else [], dtype=np.int32)

    # -------------------------------------------------------------- helpers
    def place(self, line: int) -> str:
        return f"{'line' if self.kind == 'csv' else 'row'} {int(line)}"

    def _codes(self, texts: pd.Series, index: dict[str, int]) -> np.ndarray:
        local, uniques = pd.factorize(texts, sort=False)
        mapping = np.empty(len(uniques), dtype=np.int32)
        for i, u in enumerate(uniques):
            code = index.get(u)
            if code is None:
                code = index[u] = len(index)
            mapping[i] = code
        return mapping[local] if len(local) else np.empty(0, dtype=np.int32)

    def _ticker_code(self, ticker: str) -> int:
        code = self.ticker_index.get(ticker)
        if code is None:
            code = self.ticker_index[ticker] = len(self.ticker_index)
        return code

    def _date_text(self, values: pd.Series) -> pd.Series:
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            self.typed_dates = (f"timestamps with time zone {values.dt.tz} (local calendar "
                                "dates kept)")
            values = values.dt.tz_localize(None)
        if pd.api.types.is_datetime64_any_dtype(values):
            self.typed_dates = self.typed_dates or "timestamps (calendar dates kept)"
            timed = (values.notna() & (values != values.dt.normalize())).any()
            # Times of day are kept in the text so two timestamps on one day are reported
            # as such; the date part is what is stored.
            return values.dt.strftime("%Y-%m-%d %H:%M:%S" if timed else "%Y-%m-%d").fillna("")
        if pd.api.types.is_float_dtype(values):
            return values.map(lambda v: "" if pd.isna(v) else
                              (str(int(v)) if float(v).is_integer() else str(v)))
        return _text(values)

    def _parse_values(self, cells: pd.Series, lines: np.ndarray, cols: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
        """Floats of the value cells (NaN where bad) and a mask of cells to keep."""
        if pd.api.types.is_numeric_dtype(cells) and not pd.api.types.is_bool_dtype(cells):
            numbers = cells.to_numpy(dtype=float, na_value=np.nan)
            missing = np.isnan(numbers)
            non_numeric = np.zeros(len(cells), dtype=bool)
            text = None
        else:
            text = _text(cells)
            missing = text.str.lower().isin(MISSING_TOKENS).to_numpy()
            if self.decimal_comma:
                commas = text.str.fullmatch(_DECIMAL_COMMA.pattern).fillna(False)
                if commas.any():
                    text = text.where(~commas, text.str.replace(".", "", regex=False)
                                      .str.replace(",", ".", regex=False))
            numbers = pd.to_numeric(text.where(~missing, None), errors="coerce") \
                .to_numpy(dtype=float, na_value=np.nan)
            non_numeric = np.isnan(numbers) & ~missing
        keep = np.ones(len(cells), dtype=bool)
        if self.allow_missing and self.layout == "wide":
            keep &= ~missing
            self.skipped += int(missing.sum())
        else:
            for i in np.flatnonzero(missing):
                self.problems.add(lines[i], f"{self.place(lines[i])}, column "
                                  f"{self._col_name(cols[i])}: missing value (NaN/empty)")
        for i in np.flatnonzero(non_numeric):
            cell = text.iloc[i] if text is not None else cells.iloc[i]
            self.problems.add(lines[i], f"{self.place(lines[i])}, column "
                              f"{self._col_name(cols[i])}: non-numeric value {short(cell)}")
        with np.errstate(invalid="ignore"):
            infinite = np.isinf(numbers)
            if self.values == "returns":
                bad = np.isfinite(numbers) & (numbers <= -1.0)
            else:
                bad = np.isfinite(numbers) & (numbers <= 0)
        for i in np.flatnonzero(infinite):
            what = "return" if self.values == "returns" else "price"
            self.problems.add(lines[i], f"{self.place(lines[i])}, column "
                              f"{self._col_name(cols[i])}: infinite {what}")
        for i in np.flatnonzero(bad):
            where = f"{self.place(lines[i])}, column {self._col_name(cols[i])}"
            if self.values == "returns":
                self.problems.add(lines[i], f"{where}: return {numbers[i]:g}; a simple return "
                                  "must be > -1 (a loss of 100 % or more leaves no price to "
                                  "continue from; percent or log returns?)")
            else:
                hint = (" (is this a file of returns? pass --values returns)"
                        if numbers[i] < 0 else "")
                self.problems.add(lines[i], f"{where}: non-positive price {numbers[i]:g}{hint}")
        return numbers, keep

    def _col_name(self, col: int) -> str:
        if self.layout == "wide":
            return short(self.value_cols[int(col)])
        return short(self.value_cols[0])

    def _check_records(self, extra: int) -> None:
        if self.n_records + extra > self.limits.max_rows:
            raise DataError(
                f"{self.name}: more than {self.limits.max_rows:,} records (one per date and "
                "ticker); refused, nothing was written. Raise the cap with --max-rows (API: "
                "max_rows=) if the file really is that large.")

    # -------------------------------------------------------------- chunks
    def add(self, chunk: pd.DataFrame, first_line: int, tickers: pd.Series | None = None,
            meta: dict[str, pd.Series] | None = None) -> None:
        """Take one chunk: its date column, values, and (long layout) tickers."""
        n = len(chunk)
        if n == 0:
            return
        self.n_lines += n
        if self.n_lines > self.limits.max_rows:
            raise DataError(
                f"{self.name}: more than {self.limits.max_rows:,} rows; refused, nothing was "
                "written. Raise the cap with --max-rows (API: max_rows=) if the file really "
                "is that large.")
        lines = np.arange(first_line, first_line + n, dtype=np.int64)
        if self.kind == "csv":  # empty lines: pandas keeps them, so line numbers stay right
            blank = chunk.eq("").all(axis=1).to_numpy()
            if blank.all():
                return
            if blank.any():
                chunk, lines = chunk[~blank], lines[~blank]
                if tickers is not None:
                    tickers = tickers[~blank]
                if meta:
                    meta = {k: v[~blank] for k, v in meta.items()}
                n = len(chunk)
        date_text = self._date_text(chunk[self.date_col])
        missing_date = date_text.eq("").to_numpy()
        date_codes = np.full(n, -1, dtype=np.int32)
        if (~missing_date).any():
            date_codes[~missing_date] = self._codes(date_text[~missing_date], self.date_index)
        if self.layout == "long":
            self._check_records(n)
            for i in np.flatnonzero(missing_date):
                self.problems.add(lines[i], f"{self.place(lines[i])}, column "
                                  f"{short(self.date_col)}: missing date")
            assert tickers is not None
            ticker_text = _text(tickers)
            ticker_codes = self._codes(ticker_text, self.ticker_index)
            cols = np.zeros(n, dtype=np.int16)
            numbers, keep = self._parse_values(chunk[self.value_cols[0]], lines, cols)
            rec_dates, rec_lines = date_codes, lines
            if meta:
                self._keep_meta(ticker_text, meta)
        else:
            k = len(self.value_cols)
            self._check_records(n * k)
            for i in np.flatnonzero(missing_date):
                self.problems.add(lines[i], f"{self.place(lines[i])}, column "
                                  f"{short(self.date_col)}: missing date")
            self.rows["date"].append(date_codes)
            self.rows["line"].append(lines)
            cells = pd.Series(np.asarray(chunk[self.value_cols].to_numpy()).ravel(order="C")) \
                if k else pd.Series([], dtype=object)
            if k and all(pd.api.types.is_numeric_dtype(chunk[c]) for c in self.value_cols):
                cells = pd.Series(chunk[self.value_cols].to_numpy(dtype=float).ravel())
            rec_lines = np.repeat(lines, k)
            cols = np.tile(np.arange(k, dtype=np.int16), n)
            numbers, keep = self._parse_values(cells, rec_lines, cols)
            rec_dates = np.repeat(date_codes, k)
            ticker_codes = np.tile(self.wide_codes, n)
        self.rec["date"].append(rec_dates[keep].astype(np.int32))
        self.rec["ticker"].append(ticker_codes[keep].astype(np.int32))
        self.rec["value"].append(numbers[keep])
        self.rec["line"].append(rec_lines[keep].astype(np.int64))
        self.rec["col"].append(cols[keep])
        self.n_records += int(keep.sum())

    def _keep_meta(self, tickers: pd.Series, meta: dict[str, pd.Series]) -> None:
        first = ~tickers.duplicated().to_numpy()
        names = _text(meta["name"]).to_numpy() if "name" in meta else None
        sectors = _text(meta["sector"]).to_numpy() if "sector" in meta else None
        for i in np.flatnonzero(first):
            t = tickers.iloc[i]
            if t and t not in self.meta:
                self.meta[t] = (names[i] or None if names is not None else None,
                                sectors[i] or None if sectors is not None else None)

    # -------------------------------------------------------------- the end
    def finish(self, *, date_format: str | None, dayfirst: bool | None,
               start: pd.Timestamp | None, frequency: str | None) -> PriceFile:
        empty = {"date": np.int32, "ticker": np.int32, "value": float, "line": np.int64,
                 "col": np.int16}
        cat = {k: (np.concatenate(v) if v else np.empty(0, dtype=empty[k]))
               for k, v in self.rec.items()}
        self.rec = {k: [] for k in self.rec}  # the chunks are no longer needed
        dates_code, tickers_code = cat["date"], cat["ticker"]
        values, lines = cat["value"], cat["line"]
        cells = pd.Series(list(self.date_index), dtype=object)
        parsed: ParsedDates = parse_date_cells(
            cells, column=self.date_col, date_format=date_format, dayfirst=dayfirst,
            start=start, frequency=frequency)
        if self.typed_dates and date_format is None and start is None:
            parsed.label = self.typed_dates
        if parsed.column_problem:
            self.problems.add(0, parsed.column_problem)
        bad_code = np.isnat(parsed.dates).copy()
        for i in parsed.problems:
            bad_code[i] = True
        good_dates = np.where(bad_code, np.datetime64("NaT"), parsed.dates).astype(
            "datetime64[D]")
        # Date problems: once per row (wide) or record (long).
        if self.layout == "wide":
            row_codes = np.concatenate(self.rows["date"]) if self.rows["date"] else \
                np.empty(0, dtype=np.int64)
            row_lines = np.concatenate(self.rows["line"]) if self.rows["line"] else \
                np.empty(0, dtype=np.int64)
        else:
            row_codes, row_lines = dates_code, lines
        if not parsed.column_problem and len(cells):
            valid = row_codes >= 0
            for i in np.flatnonzero(valid & bad_code[np.where(valid, row_codes, 0)]):
                code = int(row_codes[i])
                reason = parsed.problems.get(code, "")
                self.problems.add(row_lines[i], f"{self.place(row_lines[i])}, column "
                                  f"{short(self.date_col)}: unparseable date "
                                  f"{short(cells.iloc[code])}" + (f" ({reason})" if reason
                                                                   else ""))
        # Tickers.
        tickers = list(self.ticker_index)
        bad_ticker = np.array([not t or not TICKER_PATTERN.match(t) for t in tickers],
                              dtype=bool)
        if self.layout == "long":
            for i in np.flatnonzero(bad_ticker[tickers_code] if len(tickers_code) else []):
                t = tickers[tickers_code[i]]
                what = "missing ticker" if not t else f"invalid ticker {short(t)}"
                self.problems.add(lines[i], f"{self.place(lines[i])}, column 'ticker': {what}")
        # Duplicates.
        record_dates = np.full(len(dates_code), np.datetime64("NaT"), dtype="datetime64[D]")
        has = dates_code >= 0
        record_dates[has] = good_dates[dates_code[has]]
        ok = ~np.isnat(record_dates) & np.isfinite(values)
        if self.layout == "long":
            ok &= ~bad_ticker[tickers_code] if len(tickers_code) else ok
            self._duplicates_long(record_dates, tickers_code, lines, ok, cells, dates_code,
                                  tickers)
        else:
            self._duplicates_wide(row_codes, row_lines, good_dates, cells)
        _raise_if(self.problems, self.name)

        notes = _warnings(tickers_code, record_dates.astype(np.int64), tickers)
        # Sorted by (date, ticker) here, on integer keys: cheaper than sorting strings.
        names = np.array(tickers, dtype=object)
        rank = np.empty(len(names), dtype=np.int64)
        rank[np.argsort(names, kind="stable")] = np.arange(len(names))
        order = np.lexsort((rank[tickers_code] if len(names) else tickers_code,
                            record_dates.astype(np.int64)))
        frame = pd.DataFrame({
            "date": record_dates[order].astype("datetime64[ns]"),
            "ticker": pd.Series(names[tickers_code[order]] if tickers else [], dtype=object),
            "close": values[order]})
        if self.skipped:
            notes.insert(0, f"{self.skipped} empty cell(s) skipped (--allow-missing)")
        inferred = infer_frequency(parsed.dates[~np.isnat(parsed.dates)])
        freq = frequency or inferred
        if frequency and inferred and frequency != inferred and start is None:
            notes.append(f"--frequency {frequency} was given but the dates look {inferred} "
                         f"(median spacing); {frequency} is recorded")
        base_dates: dict[str, pd.Timestamp] = {}
        records = len(frame)
        if self.values == "returns":
            frame, base_dates = _returns_to_index(frame, freq, self.name, self.place,
                                                  lines)
        if self.values == "returns":
            frame = frame.sort_values(["date", "ticker"], kind="stable").reset_index(drop=True)
        assets = pd.DataFrame(
            [(t, *self.meta.get(t, (None, None))) for t in sorted(frame["ticker"].unique())],
            columns=["ticker", "name", "sector"])
        return PriceFile(frame, self.layout, None, notes, parsed.label, self.values, freq,
                         records, assets, base_dates)

    def _duplicates_long(self, dates: np.ndarray, tickers: np.ndarray, lines: np.ndarray,
                         ok: np.ndarray, cells: pd.Series, date_codes: np.ndarray,
                         names: list[str]) -> None:
        idx = np.flatnonzero(ok)
        if len(idx) < 2:
            return
        key_d = dates[idx].astype(np.int64)
        key_t = tickers[idx]
        order = np.lexsort((lines[idx], key_d, key_t))
        d, t = key_d[order], key_t[order]
        same = (d[1:] == d[:-1]) & (t[1:] == t[:-1])
        if not same.any():
            return
        starts = np.flatnonzero(np.r_[True, ~same] & np.r_[same, False])
        for s in starts:
            e = s + 1
            while e < len(order) and d[e] == d[s] and t[e] == t[s]:
                e += 1
            members = idx[order[s:e]]
            where = " and ".join(self.place(lines[m]) for m in members[:5])
            if len(members) > 5:
                where += f" (and {len(members) - 5} more)"
            texts = {cells.iloc[date_codes[m]] for m in members}
            day = str(np.datetime64(int(d[s]), "D"))
            note = (f"; {len(texts)} timestamps on one day ({short_list(sorted(texts), 3)}): "
                    "daily closes take one row per day, so resample intraday data to daily "
                    "closes first") if len(texts) > 1 else ""
            self.problems.add(lines[members[0]], f"{where}: duplicate key (date={day}, "
                              f"ticker={short(names[t[s]]).strip(chr(39))}){note}")

    def _duplicates_wide(self, row_codes: np.ndarray, row_lines: np.ndarray,
                         parsed: np.ndarray, cells: pd.Series) -> None:
        valid = row_codes >= 0
        if not valid.any():
            return
        days = np.full(len(row_codes), np.datetime64("NaT"), dtype="datetime64[D]")
        days[valid] = parsed[row_codes[valid]]
        good = ~np.isnat(days)
        frame = pd.DataFrame({"day": days[good], "line": row_lines[good],
                              "code": row_codes[good]})
        dup = frame[frame.duplicated("day", keep=False)]
        for day, group in dup.groupby("day", sort=True):
            where = " and ".join(self.place(x) for x in group["line"].head(5))
            texts = {cells.iloc[c] for c in group["code"]}
            note = (f"; {len(texts)} timestamps on one day: daily closes take one row per "
                    "day") if len(texts) > 1 else ""
            self.problems.add(int(group["line"].iloc[0]),
                              f"{where}: duplicate date {pd.Timestamp(day).date()} (duplicate "
                              f"(date, ticker) keys for every ticker){note}")


def _period_before(day: pd.Timestamp, frequency: str) -> pd.Timestamp:
    if frequency == "daily":
        return day - pd.offsets.BDay(1)
    if frequency == "weekly":
        return day - pd.Timedelta(days=7)
    months = {"monthly": 1, "quarterly": 3, "annual": 12}[frequency]
    return day - pd.DateOffset(months=months)


def _returns_to_index(frame: pd.DataFrame, frequency: str | None, name: str, place: Any,
                      lines: np.ndarray) -> tuple[pd.DataFrame, dict[str, pd.Timestamp]]:
    """Compound simple returns into a price index (base 1.0 one period before each series).

    ``P_base = 1``, ``P_t = P_{t-1} (1 + r_t)``; each ticker's base row sits on the file's
    date before its first return (one period before the file's first date when it starts
    there), so ``MarketStore.returns`` gives back the file's returns (to rounding, ~1e-16
    relative).
    """
    calendar = np.unique(frame["date"].to_numpy())
    if len(calendar) == 0:
        return frame, {}
    pos = np.searchsorted(calendar, frame["date"].to_numpy())
    work = frame.assign(_pos=pos).sort_values(["ticker", "_pos"], kind="stable")
    problems = _Problems()
    step = work.groupby("ticker", sort=False)["_pos"].diff()
    for i in np.flatnonzero((step > 1).to_numpy()):
        row = work.iloc[i]
        missing = pd.Timestamp(calendar[int(row["_pos"]) - 1]).date()
        problems.add(0, f"returns of ticker {short(row['ticker'])} skip {missing} (the file "
                     "has other tickers on that date): a gap inside a returns series cannot "
                     "be compounded into prices; fill it or drop the ticker")
    _raise_if(problems, name)
    first_pos = work.groupby("ticker", sort=False)["_pos"].transform("min")
    if (first_pos == 0).any() and frequency is None:
        raise DataError(
            f"{name}: cannot place the base (1.0) of the price index one period before the "
            "first return: the sampling frequency is unknown (one date?). Pass --frequency "
            "(API: frequency=)")
    first_day = pd.Timestamp(calendar[0])
    synthetic = _period_before(first_day, frequency) if frequency else None
    starts = work.groupby("ticker", sort=False)["_pos"].min()
    base_dates = {t: (pd.Timestamp(calendar[p - 1]) if p > 0 else synthetic)
                  for t, p in starts.items()}
    work["close"] = (1.0 + work["close"]).groupby(work["ticker"], sort=False).cumprod()
    base = pd.DataFrame({"date": [base_dates[t] for t in starts.index],
                         "ticker": list(starts.index), "close": 1.0})
    out = pd.concat([base, work[["date", "ticker", "close"]]], ignore_index=True)
    out["date"] = out["date"].astype("datetime64[ns]")
    return out, base_dates


def _warnings(codes: np.ndarray, days: np.ndarray, tickers: list[str]) -> list[str]:
    """Notes on validated records in file order: unsorted dates, gaps.

    Parameters
    ----------
    codes : int array
        Each record's ticker (index into ``tickers``), in file order.
    days : int array
        Each record's date (days since 1970), in file order.
    """
    notes: list[str] = []
    if len(codes) == 0:
        return notes
    order = np.lexsort((np.arange(len(codes)), codes))  # by ticker, file order within
    c, d = codes[order], days[order]
    same = c[1:] == c[:-1]
    if ((np.diff(d) < 0) & same).any():
        notes.append("dates are not sorted in the file; they are stored sorted")
    order = np.lexsort((d, c))
    c, d = c[order], d[order]
    starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
    ends = np.r_[starts[1:], len(c)]
    distinct = np.add.reduceat(np.r_[True, (c[1:] != c[:-1]) | (d[1:] != d[:-1])]
                               .astype(np.int64), starts)
    all_days = np.unique(d)
    span = (np.searchsorted(all_days, d[ends - 1], side="right")
            - np.searchsorted(all_days, d[starts], side="left"))
    missing = span - distinct
    gapped = sorted((tickers[int(c[s])], int(m)) for s, m in zip(starts, missing, strict=True)
                    if m > 0)
    for ticker, m in gapped[:MAX_NOTES]:
        notes.append(f"ticker {ticker}: {m} date(s) inside its own range have no price "
                     "(gaps are kept as missing; loaders align on common dates)")
    if len(gapped) > MAX_NOTES:
        notes.append(f"... and {len(gapped) - MAX_NOTES} more tickers with gaps")
    return notes


# ---------------------------------------------------------------------- options
def _options(values: str, start: Any, frequency: str | None, dayfirst: bool | None,
             date_format: str | None) -> pd.Timestamp | None:
    if values not in VALUE_KINDS:
        raise DataError(f"values must be 'prices' or 'returns'; got {short(values)}")
    if frequency is not None and frequency not in FREQUENCIES:
        raise DataError(f"frequency must be one of {', '.join(FREQUENCIES)}; got "
                        f"{short(frequency)}")
    if dayfirst not in (None, True, False):
        raise DataError(f"dayfirst must be True, False or None; got {short(dayfirst)}")
    if date_format is not None:
        if not isinstance(date_format, str) or "%" not in date_format:
            raise DataError(f"date_format must be a strptime format like '%d.%m.%Y'; got "
                            f"{short(date_format)}")
        try:
            datetime.strptime(datetime(2001, 2, 3).strftime(date_format), date_format)
        except ValueError as exc:
            raise DataError(f"date_format {short(date_format)} is not a usable strptime "
                            f"format: {exc}") from None
    if start is None:
        return None
    try:
        ts = pd.Timestamp(start)
    except (ValueError, TypeError):
        raise DataError(f"start must be a date like 1990-02-02; got {short(start)}") from None
    if ts is pd.NaT:
        raise DataError(f"start must be a date like 1990-02-02; got {short(start)}")
    return ts.normalize().tz_localize(None) if ts.tzinfo else ts.normalize()


def _layout_of(columns: list[str], first_cells: pd.Series | None, values: str,
               start: Any, name: str) -> tuple[str, dict[str, str]]:
    """``("long", {role: column})`` or ``("wide", {"date": column})``."""
    lower: dict[str, str] = {}
    for c in columns:
        lower.setdefault(c.lower(), c)
    value_names = RETURN_COLUMN_NAMES if values == "returns" else ("close",)
    value_col = next((lower[v] for v in value_names if v in lower), None)
    if "date" in lower and "ticker" in lower and value_col is not None:
        return "long", {"date": lower["date"], "ticker": lower["ticker"], "value": value_col}
    first = columns[0] if columns else ""
    steps = (first_cells is not None and len(first_cells) > 0
             and _text(first_cells).str.fullmatch(r"[A-Za-z]+\s*\d+").all())
    if first.lower() in WIDE_DATE_NAMES or first in ("", "Unnamed: 0") or steps \
            or start is not None:
        return "wide", {"date": first}
    shown = ", ".join(header_cell(c) for c in columns[:3])
    raise DataError(
        f"{name}: cannot tell the layout. Long files need columns date, ticker, "
        f"{'/'.join(value_names)}; wide files need 'date' (or step labels T1, T2, …) as first "
        f"column then one column per ticker. Found {len(columns)} column(s): {shown}"
        f"{', ...' if len(columns) > 3 else ''}")


def _wide_columns(columns: list[str], problems: _Problems) -> list[str]:
    good: list[str] = []
    for col in columns[1:]:
        if TICKER_PATTERN.match(col) and col.lower() not in WIDE_DATE_NAMES:
            good.append(col)
        else:
            problems.add(0, f"column {header_cell(col)}: unknown column (not a ticker symbol)")
    seen: set[str] = set()
    for col in good:
        if col in seen:
            problems.add(0, f"column {short(col)}: ticker appears in more than one column")
        seen.add(col)
    return good


def _long_columns(columns: list[str], roles: dict[str, str], problems: _Problems) -> None:
    allowed = {roles["date"], roles["ticker"], roles["value"]}
    allowed |= {c for c in columns if c.lower() in OPTIONAL_LONG_COLUMNS}
    for col in columns:
        if col not in allowed:
            problems.add(0, f"column {header_cell(col)}: unknown column (long layout takes date, "
                         "ticker, close and optionally name, sector)")


# ---------------------------------------------------------------------- CSV / Parquet
def _csv_chunks(source: Source, encoding: str, name: str
                ) -> tuple[list[str], str, Iterator[pd.DataFrame]]:
    header_bytes = source.stream.readline(MAX_LINE_BYTES + 1)
    if source.capped is not None and source.capped.error is not None:
        raise source.capped.error
    if not header_bytes.strip():
        raise DataError(f"{name}: the file is empty (no header line)")
    header_text = header_bytes.decode(encoding).lstrip("\ufeff").rstrip("\r\n")
    counts = {sep: header_text.count(sep) for sep in (",", ";", "\t")}
    sep = max(counts, key=lambda s: (counts[s], s == ","))
    if counts[sep] == 0:
        sep = ","
    columns = [c.strip() for c in next(csv.reader([header_text], delimiter=sep))]
    width = max(1, len(columns) - 1)
    chunk_rows = max(1, _CHUNK_RECORDS // width)
    reader = pd.read_csv(
        source.stream, sep=sep, header=None, names=[f"c{i}" for i in range(len(columns))],
        index_col=False, dtype=str, keep_default_na=False, skip_blank_lines=False,
        skipinitialspace=True, chunksize=chunk_rows, encoding=encoding, engine="c")

    def chunks() -> Iterator[pd.DataFrame]:
        for chunk in reader:
            chunk.columns = columns
            yield chunk
    return columns, sep, chunks()


def _parquet_chunks(source: Source, limits: Limits, name: str
                    ) -> tuple[list[str], Iterator[pd.DataFrame]]:
    import pyarrow.parquet as pq

    try:
        pfile = pq.ParquetFile(source.raw)
    except Exception as exc:  # noqa: BLE001 - a damaged file is a user-file problem
        raise DataError(f"cannot parse {name}: {str(exc)[:200]}") from None
    meta = pfile.metadata
    if meta.num_rows > limits.max_rows:
        raise DataError(f"{name}: {meta.num_rows:,} rows, more than the cap of "
                        f"{limits.max_rows:,}; refused (raise it with --max-rows)")
    size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if size > limits.max_bytes:
        raise DataError(f"{name}: {size:,} bytes of data uncompressed, more than the cap of "
                        f"{limits.max_bytes:,}; refused (raise it with --max-bytes)")
    pandas_meta = pfile.schema_arrow.pandas_metadata or {}
    index_cols = [c for c in pandas_meta.get("index_columns", []) if isinstance(c, str)]
    columns = [c for c in pfile.schema_arrow.names]
    shown = [c for c in columns if c not in index_cols or not c.startswith("__index_level_")]
    named_index = [c for c in index_cols if not c.startswith("__index_level_")]
    shown = named_index + [c for c in shown if c not in named_index]
    drop = [c for c in index_cols if c.startswith("__index_level_")]

    def chunks() -> Iterator[pd.DataFrame]:
        width = max(1, len(shown) - 1)
        for batch in pfile.iter_batches(batch_size=max(1, _CHUNK_RECORDS // width)):
            frame = batch.to_pandas(ignore_metadata=True)
            frame = frame.drop(columns=[c for c in drop if c in frame.columns])
            yield frame[shown]
    return [str(c) for c in shown], chunks()


def _read(path: Path, *, allow_missing: bool, date_format: str | None,
          dayfirst: bool | None, values: str, start: Any, frequency: str | None,
          limits: Limits) -> PriceFile:
    start_ts = _options(values, start, frequency, dayfirst, date_format)
    name = short(path.name, 60).strip("'")
    encodings = ["utf-8", "latin-1"]
    for attempt, encoding in enumerate(encodings):
        try:
            with open_source(path, limits) as source:
                result = _read_source(source, name, encoding, allow_missing=allow_missing,
                                      date_format=date_format, dayfirst=dayfirst,
                                      values=values, start=start_ts, frequency=frequency,
                                      limits=limits)
                if attempt:
                    result.warnings.insert(0, f"the file is not UTF-8; read as {encoding}")
                result.path = path
                return result
        except UnicodeDecodeError:
            if attempt == len(encodings) - 1:
                raise DataError(f"{name}: not text in a known encoding (UTF-8 or Latin-1)") \
                    from None
    raise AssertionError("unreachable")  # pragma: no cover


def _read_source(source: Source, name: str, encoding: str, **kw: Any) -> PriceFile:
    limits: Limits = kw["limits"]
    problems = _Problems()
    decimal_comma = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            if source.kind == "parquet":
                columns, chunks = _parquet_chunks(source, limits, name)
                kind = "parquet"
                first_line = 1
            else:
                columns, sep, chunks = _csv_chunks(source, encoding, name)
                decimal_comma = sep == ";"
                kind = "csv"
                first_line = 2
            iterator = iter(chunks)
            first = next(iterator, None)
            if first is None or first.empty:
                raise DataError(f"{name!r} holds no data rows")
            layout, roles = _layout_of(columns, first.iloc[:, 0] if len(columns) else None,
                                       kw["values"], kw["start"], name)
            if layout == "long":
                _long_columns(columns, roles, problems)
                value_cols = [roles["value"]]
                meta_cols = {c.lower(): c for c in columns if c.lower() in OPTIONAL_LONG_COLUMNS}
            else:
                value_cols = _wide_columns(columns, problems)
                if not value_cols and len(columns) < 2:
                    raise DataError(f"{name}: wide layout needs one column per ticker after "
                                    f"{short(columns[0])}; found none")
                meta_cols = {}
            collector = _Collector(name, kind, layout, roles["date"], value_cols,
                                   values=kw["values"], allow_missing=kw["allow_missing"],
                                   limits=limits, decimal_comma=decimal_comma)
            collector.problems = problems
            line = first_line
            chunk: pd.DataFrame | None = first
            from qfin.data._faults import checkpoint

            while chunk is not None:
                collector.add(
                    chunk, line,
                    tickers=chunk[roles["ticker"]] if layout == "long" else None,
                    meta={k: chunk[v] for k, v in meta_cols.items()} if meta_cols else None)
                line += len(chunk)
                checkpoint("validating")
                chunk = next(iterator, None)
    except (DataError, UnicodeDecodeError):
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure is a user-file problem
        if source.capped is not None and source.capped.error is not None:
            raise source.capped.error from None
        if isinstance(exc, pd.errors.ParserWarning):
            raise DataError(f"{name}: a line has more fields than the header "
                            f"({len(columns)} columns); fix the line or the header") from None
        message = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        if isinstance(exc, pd.errors.ParserError):
            message = re.sub(r"line (\d+)", lambda m: f"line {int(m.group(1)) + 1}", message)
        raise DataError(f"cannot parse {name}: {message}") from None
    if source.capped is not None and source.capped.error is not None:
        raise source.capped.error
    if collector.n_records == 0 and not problems.count and not collector.skipped:
        raise DataError(f"{name!r} holds no data rows")
    result = collector.finish(date_format=kw["date_format"], dayfirst=kw["dayfirst"],
                              start=kw["start"], frequency=kw["frequency"])
    if decimal_comma:
        result.warnings.append("';'-separated file: decimal commas (1.234,56) read as "
                               "decimal points")
    return result


def read_price_file(
    path: str | Path,
    *,
    allow_missing: bool = False,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    values: str = "prices",
    start: Any = None,
    frequency: str | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> PriceFile:
    """Read and validate a price file; nothing is written anywhere.

    Long layout: columns ``date, ticker, close`` (optional ``name``, ``sector``). Wide layout:
    a first column ``date`` (or step labels ``T1, T2, …``) and one column per ticker. CSV
    (comma, semicolon or tab separated; gzip/bz2/xz/zip compressed) or Parquet.

    Parameters
    ----------
    path : str or Path
        The file: a regular file (FIFOs, devices and directories are refused).
    allow_missing : bool
        Wide layout only: treat empty/NaN cells as "no price that day" (a ticker listed
        later or delisted earlier) instead of rejecting the file. Off by default.
    date_format : str, optional
        A ``strptime`` format for the date column (``"%d.%m.%Y"``); default: inferred,
        one format for the whole column (see :mod:`qfin.data._dates`).
    dayfirst : bool, optional
        Resolve ``03/01/2022``-style columns: ``True`` day-first, ``False`` month-first.
        ``None`` (default) refuses a column that both read differently.
    values : {"prices", "returns"}
        ``"returns"``: the cells are simple returns ``p_t/p_{t-1} - 1``; they are compounded
        into a price index (base 1.0 one period before each ticker's first return).
    start : date-like, optional
        Step-labelled rows: the date of step 1 (``T1``).
    frequency : {"daily", "weekly", "monthly", "quarterly", "annual"}, optional
        The sampling frequency (default: inferred from the dates); step labels need it.
    max_rows, max_bytes : int
        Caps on records (one per date and ticker; default 10,000,000) and decompressed
        bytes (default 1 GiB).

    Returns
    -------
    PriceFile
        The prices in long layout, sorted, with warnings and the date format used.

    Raises
    ------
    DataError
        Listing every problem with its line/row and column: missing or non-numeric values,
        non-positive prices, returns <= -1, duplicate (date, ticker), unparseable or ambiguous
        dates, unknown columns; or a file that is not a regular file or exceeds a cap.
    """
    limits = Limits(max_bytes=max_bytes, max_rows=max_rows)
    return _read(Path(path), allow_missing=allow_missing, date_format=date_format,
                 dayfirst=dayfirst, values=values, start=start, frequency=frequency,
                 limits=limits)


def validate_long_prices(
    frame: pd.DataFrame,
    *,
    source: str = "frame",
    date_format: str | None = None,
    dayfirst: bool | None = None,
    values: str = "prices",
    frequency: str | None = None,
) -> PriceFile:
    """Validate an in-memory long frame (``date``, ``ticker``, ``close``).

    Parameters
    ----------
    frame : DataFrame
        Long-layout prices (``close``) or, with ``values="returns"``, simple returns
        (``return``, ``returns`` or ``close``). Dates may be text, datetimes or tz-aware
        timestamps (their local calendar date is kept).
    source : str
        A name for messages.
    date_format, dayfirst, values, frequency
        As for :func:`read_price_file`.

    Returns
    -------
    PriceFile

    Raises
    ------
    DataError
        With every problem listed in ``.problems``.
    """
    _options(values, None, frequency, dayfirst, date_format)
    columns = [str(c) for c in frame.columns]
    frame = frame.set_axis(columns, axis=1)
    value_names = RETURN_COLUMN_NAMES if values == "returns" else ("close",)
    lower = {c.lower(): c for c in columns}
    value_col = next((lower[v] for v in value_names if v in lower), None)
    if "date" not in lower or "ticker" not in lower or value_col is None:
        missing = [c for c in ("date", "ticker") if c not in lower]
        if value_col is None:
            missing.append("/".join(value_names))
        raise DataError(f"{source}: missing column(s) {missing}; need date, ticker, "
                        f"{'/'.join(value_names)}")
    problems = _Problems()
    collector = _Collector(short(source, 60).strip("'"), "frame", "long", lower["date"],
                           [value_col], values=values, allow_missing=False,
                           limits=Limits(max_rows=max(len(frame), 1)))
    collector.problems = problems
    meta = {k: frame[lower[k]] for k in OPTIONAL_LONG_COLUMNS if k in lower}
    frame = frame.reset_index(drop=True)
    collector.add(frame, 1, tickers=frame[lower["ticker"]], meta=meta or None)
    if collector.n_records == 0 and not problems.count:
        raise DataError(f"{source}: holds no rows")
    return collector.finish(date_format=date_format, dayfirst=dayfirst, start=None,
                            frequency=frequency)
