"""Reading and validating price files (CSV or Parquet, long or wide) before anything is written.

Every problem is reported with its place in the file: ``line N`` for CSV (the header is
line 1) and ``row N`` for Parquet (the first data row is row 1), plus the column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from qfin.errors import DataError

__all__ = ["PriceFile", "read_price_file", "validate_long_prices"]

LONG_COLUMNS = ("date", "ticker", "close")
OPTIONAL_LONG_COLUMNS = ("name", "sector")
WIDE_DATE_NAMES = ("date", "dates", "timestamp", "time", "day")
TICKER_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-_^=/]{0,31}$")
MISSING_TOKENS = {"", "nan", "na", "n/a", "null", "none", "#n/a", "-"}
MAX_PROBLEMS_SHOWN = 20


@dataclass
class PriceFile:
    """A validated price file in long layout.

    Attributes
    ----------
    frame : DataFrame
        Columns ``date`` (datetime64), ``ticker`` (str), ``close`` (float64), sorted by
        (date, ticker), plus ``name``/``sector`` when the file has them.
    layout : {"long", "wide"}
        The layout the file was written in.
    path : Path or None
        Where it was read from.
    warnings : list of str
        Things worth knowing that are not errors (unsorted dates, gaps).
    """

    frame: pd.DataFrame
    layout: str
    path: Path | None = None
    warnings: list[str] = field(default_factory=list)


def _place(kind: str, positions: np.ndarray) -> list[str]:
    word = "line" if kind == "csv" else "row"
    offset = 2 if kind == "csv" else 1
    return [f"{word} {int(p) + offset}" for p in positions]


def _read_raw(path: Path) -> tuple[pd.DataFrame, str]:
    if not path.exists():
        raise DataError(f"price file {str(path)!r} does not exist")
    suffixes = "".join(path.suffixes).lower()
    try:
        if suffixes.endswith((".parquet", ".pq")):
            raw = pd.read_parquet(path)
            raw = raw.reset_index() if not isinstance(raw.index, pd.RangeIndex) else raw
            kind = "parquet"
        elif suffixes.endswith((".csv", ".csv.gz", ".txt", ".csv.zip", ".csv.bz2")):
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
            kind = "csv"
        else:
            raise DataError(
                f"cannot read {path.name!r}: expected a .csv (optionally .gz) or .parquet file"
            )
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure is a user-file problem
        raise DataError(f"cannot parse {path.name!r}: {exc}") from exc
    if raw.empty:
        raise DataError(f"{path.name!r} holds no data rows")
    raw.columns = [str(c).strip() for c in raw.columns]
    return raw, kind


def _as_text(values: pd.Series) -> pd.Series:
    return values.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v))
                      else str(v).strip())


def _check_values(
    dates: pd.Series, tickers: pd.Series, closes: pd.Series, kind: str,
    positions: np.ndarray, date_col: str, close_cols: pd.Series | str,
    check_duplicates: bool = True,
) -> tuple[pd.DataFrame, list[str]]:
    """Validate aligned date/ticker/close columns; return the clean frame and the problems."""
    problems: list[str] = []
    place = np.array(_place(kind, positions), dtype=object)
    close_col = (close_cols if isinstance(close_cols, pd.Series)
                 else pd.Series(close_cols, index=closes.index))

    date_text = _as_text(dates)
    date_missing = date_text.str.lower().isin(MISSING_TOKENS).to_numpy()
    parsed = pd.to_datetime(date_text.where(~date_missing), errors="coerce", format="mixed")
    for i in np.flatnonzero(date_missing):
        problems.append(f"{place[i]}, column {date_col!r}: missing date")
    for i in np.flatnonzero(parsed.isna().to_numpy() & ~date_missing):
        problems.append(f"{place[i]}, column {date_col!r}: unparseable date {date_text.iloc[i]!r}")

    ticker_text = _as_text(tickers)
    for i in np.flatnonzero(ticker_text.eq("").to_numpy()):
        problems.append(f"{place[i]}, column 'ticker': missing ticker")
    bad_ticker = ~ticker_text.map(lambda t: bool(TICKER_PATTERN.match(t)) or t == "")
    for i in np.flatnonzero(bad_ticker.to_numpy()):
        problems.append(f"{place[i]}, column 'ticker': invalid ticker {ticker_text.iloc[i]!r}")

    if pd.api.types.is_numeric_dtype(closes):
        close_text = closes.map(lambda v: "" if pd.isna(v) else repr(float(v)))
    else:
        close_text = _as_text(closes)
    close_missing = close_text.str.lower().isin(MISSING_TOKENS).to_numpy()
    numeric = pd.to_numeric(close_text.where(~close_missing), errors="coerce")
    for i in np.flatnonzero(close_missing):
        problems.append(f"{place[i]}, column {close_col.iloc[i]!r}: missing value (NaN/empty)")
    non_numeric = numeric.isna().to_numpy() & ~close_missing
    for i in np.flatnonzero(non_numeric):
        problems.append(
            f"{place[i]}, column {close_col.iloc[i]!r}: non-numeric value {close_text.iloc[i]!r}"
        )
    values = numeric.to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        infinite = np.isinf(values)
        non_positive = np.isfinite(values) & (values <= 0)
    for i in np.flatnonzero(infinite):
        problems.append(f"{place[i]}, column {close_col.iloc[i]!r}: infinite price")
    for i in np.flatnonzero(non_positive):
        problems.append(
            f"{place[i]}, column {close_col.iloc[i]!r}: non-positive price {values[i]:g}"
        )

    frame = pd.DataFrame(
        {"date": parsed.to_numpy(), "ticker": ticker_text.to_numpy(), "close": values,
         "_place": place}
    )
    ok = frame["date"].notna() & frame["ticker"].ne("") & np.isfinite(values) & (values > 0)
    if not check_duplicates:
        return frame.drop(columns="_place"), problems
    dup_mask = frame[ok].duplicated(subset=["date", "ticker"], keep=False)
    dups = frame[ok][dup_mask]
    for (day, ticker), group in dups.groupby(["date", "ticker"], sort=True):
        where = " and ".join(group["_place"])
        problems.append(
            f"{where}: duplicate key (date={day.date()}, ticker={ticker})"
        )
    return frame.drop(columns="_place"), problems


def _warnings(frame: pd.DataFrame) -> list[str]:
    """Notes on a validated frame still in file order: unsorted dates, gaps."""
    notes: list[str] = []
    unsorted = frame.groupby("ticker", sort=False)["date"].apply(
        lambda s: not s.is_monotonic_increasing
    )
    if unsorted.any():
        notes.append("dates are not sorted in the file; they are stored sorted")
    all_dates = np.sort(frame["date"].unique())
    for ticker, group in frame.groupby("ticker"):
        span = all_dates[(all_dates >= group["date"].min()) & (all_dates <= group["date"].max())]
        missing = len(span) - group["date"].nunique()
        if missing > 0:
            notes.append(
                f"ticker {ticker}: {missing} date(s) inside its own range have no price "
                "(gaps are kept as missing; loaders align on common dates)"
            )
    return notes


def validate_long_prices(frame: pd.DataFrame, *, source: str = "frame") -> PriceFile:
    """Validate an in-memory long frame (``date``, ``ticker``, ``close``).

    Parameters
    ----------
    frame : DataFrame
        Long-layout prices.
    source : str
        A name for messages.

    Returns
    -------
    PriceFile

    Raises
    ------
    DataError
        With every problem listed in ``.problems``.
    """
    missing = [c for c in LONG_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"{source}: missing column(s) {missing}; need date, ticker, close")
    clean, problems = _check_values(
        frame["date"], frame["ticker"], frame["close"], "parquet",
        np.arange(len(frame)), "date", "close",
    )
    _raise_if(problems, source)
    warnings = _warnings(clean)
    clean = clean.sort_values(["date", "ticker"], kind="stable").reset_index(drop=True)
    return PriceFile(clean, "long", None, warnings)


def _raise_if(problems: list[str], source: str) -> None:
    if not problems:
        return
    shown = problems[:MAX_PROBLEMS_SHOWN]
    more = len(problems) - len(shown)
    tail = f"\n  ... and {more} more" if more else ""
    raise DataError(
        f"{source}: rejected, nothing was written ({len(problems)} problem(s)):\n  "
        + "\n  ".join(shown) + tail,
        problems,
    )


def read_price_file(path: str | Path, *, allow_missing: bool = False) -> PriceFile:
    """Read and validate a price file; nothing is written anywhere.

    Long layout: columns ``date, ticker, close`` (optional ``name``, ``sector``). Wide layout:
    a first column ``date`` and one column per ticker. CSV (optionally compressed) or Parquet.

    Parameters
    ----------
    path : str or Path
        The file.
    allow_missing : bool
        Wide layout only: treat empty/NaN cells as "no price that day" (a ticker listed
        later or delisted earlier) instead of rejecting the file. Off by default.

    Returns
    -------
    PriceFile
        The prices in long layout, sorted, with warnings.

    Raises
    ------
    DataError
        Listing every problem with its line/row and column: missing or non-numeric values,
        non-positive prices, duplicate (date, ticker), unparseable dates, unknown columns.
    """
    path = Path(path)
    raw, kind = _read_raw(path)
    lower = {c.lower(): c for c in raw.columns}
    problems: list[str] = []
    if set(LONG_COLUMNS) <= set(lower):
        layout = "long"
        allowed = set(LONG_COLUMNS) | set(OPTIONAL_LONG_COLUMNS)
        for col in raw.columns:
            if col.lower() not in allowed:
                problems.append(
                    f"column {col!r}: unknown column (long layout takes date, ticker, close "
                    "and optionally name, sector)"
                )
        clean, value_problems = _check_values(
            raw[lower["date"]], raw[lower["ticker"]], raw[lower["close"]], kind,
            np.arange(len(raw)), lower["date"], lower["close"],
        )
        problems += value_problems
        for extra in OPTIONAL_LONG_COLUMNS:
            if extra in lower:
                clean[extra] = _as_text(raw[lower[extra]]).replace("", None).to_numpy()
    elif raw.columns[0].lower() in WIDE_DATE_NAMES or raw.columns[0] in ("", "Unnamed: 0"):
        layout = "wide"
        date_col = raw.columns[0]
        ticker_cols = list(raw.columns[1:])
        if not ticker_cols:
            raise DataError(f"{path.name}: wide layout needs one column per ticker after "
                            f"{date_col!r}; found none")
        good_cols = []
        for col in ticker_cols:
            if TICKER_PATTERN.match(col) and col.lower() not in WIDE_DATE_NAMES:
                good_cols.append(col)
            else:
                problems.append(f"column {col!r}: unknown column (not a ticker symbol)")
        dup_cols = [c for c in set(good_cols) if good_cols.count(c) > 1]
        for col in dup_cols:
            problems.append(f"column {col!r}: ticker appears in more than one column")
        n_rows = len(raw)
        long_dates = pd.concat([raw[date_col]] * len(good_cols), ignore_index=True)
        long_tickers = pd.Series(np.repeat(good_cols, n_rows))
        long_close = pd.concat([raw[c] for c in good_cols], ignore_index=True)
        positions = np.tile(np.arange(n_rows), len(good_cols))
        skipped = 0
        if allow_missing:
            empty = _as_text(long_close).str.lower().isin(MISSING_TOKENS).to_numpy()
            skipped = int(empty.sum())
            keep = ~empty
            long_dates, long_tickers, long_close = (
                s[keep].reset_index(drop=True) for s in (long_dates, long_tickers, long_close))
            positions = positions[keep]
        clean, value_problems = _check_values(
            long_dates, long_tickers, long_close, kind, positions, date_col, long_tickers,
            check_duplicates=False,
        )
        # A bad date is one problem of its row, not one per ticker column.
        problems += list(dict.fromkeys(value_problems))
        parsed_dates = pd.to_datetime(_as_text(raw[date_col]), errors="coerce", format="mixed")
        places = np.array(_place(kind, np.arange(n_rows)), dtype=object)
        dup_dates = parsed_dates[parsed_dates.notna() & parsed_dates.duplicated(keep=False)]
        for day, idx in dup_dates.groupby(dup_dates).groups.items():
            where = " and ".join(places[raw.index.get_indexer(idx)])
            problems.append(f"{where}: duplicate date {day.date()} (duplicate (date, ticker) "
                            "keys for every ticker)")
    else:
        raise DataError(
            f"{path.name}: cannot tell the layout. Long files need columns date, ticker, close; "
            f"wide files need 'date' as first column then one column per ticker. "
            f"Found columns {list(raw.columns)[:8]}"
        )
    _raise_if(problems, path.name)
    warnings = _warnings(clean)
    if layout == "wide" and allow_missing and skipped:
        warnings.insert(0, f"{skipped} empty cell(s) skipped (--allow-missing)")
    clean = clean.sort_values(["date", "ticker"], kind="stable").reset_index(drop=True)
    return PriceFile(clean, layout, path, warnings)
