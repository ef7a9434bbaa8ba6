"""Reading a column of dates with ONE format, chosen from every cell, never cell by cell.

A price file's date column is read in one of these ways:

1. ``date_format`` given (``--date-format``): every cell must match it (``strptime`` codes).
2. Step labels (``T1, T2, …``): mapped to a calendar from ``start`` (the date of step 1) at
   the dataset's ``frequency`` (weekly: ``T_k = start + 7(k-1)`` days; daily: business days;
   monthly/quarterly/annual: calendar months).
3. Otherwise the format is inferred: each cell is split into a date part and an optional
   time of day (``15:30``, ``00:00:00-05:00``, ``T09:30:00Z``); the date parts are tried
   against the ISO family first (``YYYY-MM-DD``, ``YYYY/MM/DD``, ``YYYY.MM.DD``,
   ``YYYYMMDD``), then the day-first and month-first families (``/ . -`` separators, 4- and
   2-digit years, month names). A format is accepted only if it reads *every* cell. When
   formats of both families read every cell and disagree on some date (``03/01/2022``), the
   column is refused unless ``dayfirst`` (or ``date_format``) says which.

Daily closes are exchange-local dates: a timestamp keeps the calendar date written in it
(``2022-03-11 00:00:00-05:00`` is 2022-03-11 whatever the offset); the time of day is
checked but not stored, so two timestamps on one day are the same (date, ticker) key.
Two-digit years follow Python's ``%y``: 69–99 → 1969–1999, 00–68 → 2000–2068.
"""

from __future__ import annotations

import functools
import re
import warnings
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from qfin.data._errors import short

__all__ = ["DateFormat", "ParsedDates", "parse_date_cells", "FREQUENCIES", "step_dates",
           "format_label", "DATE_FORMATS"]

#: Sampling frequencies and their periods per year.
FREQUENCIES: dict[str, float] = {
    "daily": 252.0, "weekly": 52.0, "monthly": 12.0, "quarterly": 4.0, "annual": 1.0,
}


@dataclass(frozen=True)
class DateFormat:
    """One candidate date format: a ``strptime`` code, a cheap shape check, its family."""

    code: str
    shape: str
    family: str  # "ISO", "day-first", "month-first"


_SEP = r"[/.\-]"
_MON = r"[A-Za-z]{3,9}\.?"


def _numeric(order: str, sep: str, year: str, family: str) -> DateFormat:
    y = "%Y" if year == "4" else "%y"
    yshape = r"\d{4}" if year == "4" else r"\d{2}"
    code = sep.join({"dmy": ("%d", "%m", y), "mdy": ("%m", "%d", y)}[order])
    shape = rf"\d{{1,2}}{re.escape(sep)}\d{{1,2}}{re.escape(sep)}{yshape}"
    return DateFormat(code, shape, family)


#: Every format tried, in order of preference (ISO first).
DATE_FORMATS: tuple[DateFormat, ...] = (
    DateFormat("%Y-%m-%d", r"\d{4}-\d{1,2}-\d{1,2}", "ISO"),
    DateFormat("%Y/%m/%d", r"\d{4}/\d{1,2}/\d{1,2}", "ISO"),
    DateFormat("%Y.%m.%d", r"\d{4}\.\d{1,2}\.\d{1,2}", "ISO"),
    DateFormat("%Y%m%d", r"\d{8}", "ISO"),
    *(_numeric("dmy", sep, year, "day-first") for year in ("4", "2") for sep in "/.-"),
    DateFormat("%d %m %Y", r"\d{1,2} \d{1,2} \d{4}", "day-first"),
    DateFormat("%d-%b-%Y", rf"\d{{1,2}}-{_MON}-\d{{4}}", "day-first"),
    DateFormat("%d-%b-%y", rf"\d{{1,2}}-{_MON}-\d{{2}}", "day-first"),
    DateFormat("%d %b %Y", rf"\d{{1,2}} {_MON} \d{{4}}", "day-first"),
    DateFormat("%d %B %Y", r"\d{1,2} [A-Za-z]{3,9} \d{4}", "day-first"),
    DateFormat("%d/%b/%Y", rf"\d{{1,2}}/{_MON}/\d{{4}}", "day-first"),
    DateFormat("%d.%b.%Y", rf"\d{{1,2}}\.{_MON}\.\d{{4}}", "day-first"),
    DateFormat("%d. %B %Y", r"\d{1,2}\. [A-Za-z]{3,9} \d{4}", "day-first"),
    *(_numeric("mdy", sep, year, "month-first") for year in ("4", "2") for sep in "/.-"),
    DateFormat("%b %d, %Y", rf"{_MON} \d{{1,2}}, \d{{4}}", "month-first"),
    DateFormat("%B %d, %Y", r"[A-Za-z]{3,9} \d{1,2}, \d{4}", "month-first"),
    DateFormat("%b %d %Y", rf"{_MON} \d{{1,2}} \d{{4}}", "month-first"),
    DateFormat("%B %d %Y", r"[A-Za-z]{3,9} \d{1,2} \d{4}", "month-first"),
    DateFormat("%b-%d-%Y", rf"{_MON}-\d{{1,2}}-\d{{4}}", "month-first"),
    # With the weekday in front (e-mail and JavaScript styles).
    DateFormat("%a, %d %b %Y", rf"[A-Za-z]{{3}}, \d{{1,2}} {_MON} \d{{4}}", "day-first"),
    DateFormat("%a %d %b %Y", rf"[A-Za-z]{{3}} \d{{1,2}} {_MON} \d{{4}}", "day-first"),
    DateFormat("%a %b %d %Y", rf"[A-Za-z]{{3}} {_MON} \d{{1,2}} \d{{4}}", "month-first"),
    DateFormat("%a, %b %d, %Y", rf"[A-Za-z]{{3}}, {_MON} \d{{1,2}}, \d{{4}}", "month-first"),
)

_TIME = re.compile(
    r"^(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:[.,]\d{1,9})?)?"
    r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?(?![A-Za-z]))?"
    r"\s*(?P<tz>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?|[A-Za-z][A-Za-z_+\-]*(?:/[A-Za-z_+\-]+)*)?$"
)
#: Zone abbreviations accepted after a time of day (only the written date is kept, so
#: the zone never changes a date; it must just be a real one).
_ZONE_ABBREVIATIONS = {"UTC", "GMT", "Z", "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST",
                       "PDT", "CET", "CEST", "EET", "EEST", "WET", "WEST", "BST", "IST",
                       "JST", "KST", "HKT", "SGT", "AEST", "AEDT", "NZST", "NZDT"}
_SPLIT = r"^(?P<date>.+?)(?:(?:T|\s+)(?P<time>\d{1,2}:\d{2}.*))?$"
_STEP = re.compile(r"^(?P<prefix>[A-Za-z]+)\s*(?P<k>\d{1,9})$")
_TOKENS = {"%Y": "YYYY", "%y": "YY", "%m": "MM", "%d": "DD", "%b": "Mon", "%B": "Month"}


def format_label(code: str, family: str | None = None) -> str:
    """``"%d/%m/%Y"`` → ``"DD/MM/YYYY (%d/%m/%Y, day-first)"``."""
    text = code
    for token, word in _TOKENS.items():
        text = text.replace(token, word)
    extra = f", {family}" if family else ""
    years = "; 2-digit years 69-99 → 19xx, 00-68 → 20xx" if "%y" in code else ""
    return f"{text} ({code}{extra}{years})"


@dataclass
class ParsedDates:
    """The dates of a column's distinct cells.

    Attributes
    ----------
    dates : ndarray of datetime64[D]
        One per distinct cell (``NaT`` where the cell is invalid).
    label : str
        How the column was read (for reports: "which format was used").
    problems : dict
        Distinct-cell index → what is wrong with it.
    column_problem : str or None
        A problem of the whole column (ambiguous formats, missing ``start``).
    frequency : str or None
        The frequency used for step labels.
    """

    dates: np.ndarray
    label: str
    problems: dict[int, str] = field(default_factory=dict)
    column_problem: str | None = None


def step_dates(steps: np.ndarray, start: pd.Timestamp, frequency: str) -> np.ndarray:
    """Dates of steps ``k`` (step 1 is ``start``) at ``frequency``; datetime64[D]."""
    k = np.asarray(steps, dtype=np.int64) - 1
    if frequency == "daily":
        anchor = start if start.day_of_week < 5 else start + pd.offsets.BDay(1)
        out = np.busday_offset(np.datetime64(anchor.date(), "D"), k, roll="forward")
        return out.astype("datetime64[D]")
    if frequency == "weekly":
        return (np.datetime64(start.date(), "D") + 7 * k).astype("datetime64[D]")
    months = {"monthly": 1, "quarterly": 3, "annual": 12}[frequency]
    return np.array([(start + pd.DateOffset(months=int(i) * months)).date() for i in k],
                    dtype="datetime64[D]")


def _parse_with(texts: pd.Series, code: str, shape: str | None = None) -> np.ndarray:
    """Dates (datetime64[D]) of ``texts`` under ``code``; NaT where a cell does not match."""
    if "%z" in code or "%Z" in code:
        out = np.full(len(texts), np.datetime64("NaT"), dtype="datetime64[D]")
        for i, text in enumerate(texts):
            try:
                out[i] = np.datetime64(datetime.strptime(text, code).date(), "D")
            except ValueError:
                pass
        return out
    ok = np.ones(len(texts), dtype=bool)
    if shape is not None:
        ok = texts.str.fullmatch(shape).to_numpy(dtype=bool)
    out = np.full(len(texts), np.datetime64("NaT"), dtype="datetime64[D]")
    if ok.any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = pd.to_datetime(texts[ok], format=code, errors="coerce")
        if getattr(parsed.dt, "tz", None) is not None:
            parsed = parsed.dt.tz_localize(None)
        out[ok] = parsed.to_numpy().astype("datetime64[D]")
    return out


@functools.cache
def _known_zone(name: str) -> bool:
    if "/" not in name:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _bad_time(time_text: str) -> str | None:
    m = _TIME.match(time_text)
    if m is None:
        return "its time of day or UTC offset is not one qfin reads"
    h, mi = int(m["h"]), int(m["m"])
    s = int(m["s"]) if m["s"] else 0
    if m["ampm"] and not 1 <= h <= 12:
        return "hour out of range for AM/PM"
    if h > 23 or mi > 59 or s > 60:
        return "time of day out of range"
    tz = m["tz"]
    if tz and tz[0].isalpha() and tz not in _ZONE_ABBREVIATIONS and not _known_zone(tz):
        return f"unknown time zone {tz!r}"
    if tz and tz[0] in "+-":
        digits = tz[1:].replace(":", "")
        if int(digits[:2]) > 14 or (len(digits) > 2 and int(digits[2:]) > 59):
            return "UTC offset out of range"
    return None


def parse_date_cells(
    cells: pd.Series,
    *,
    column: str,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    start: pd.Timestamp | None = None,
    frequency: str | None = None,
) -> ParsedDates:
    """Parse a column's distinct, non-empty date cells with one format.

    Parameters
    ----------
    cells : Series of str
        Distinct stripped cell texts.
    column : str
        The column's name (for messages).
    date_format : str, optional
        A ``strptime`` format every cell must match (``"%d.%m.%Y"``).
    dayfirst : bool, optional
        ``True``: only ISO and day-first formats; ``False``: only ISO and month-first;
        ``None``: infer, refusing a column that both read differently.
    start : Timestamp, optional
        The date of step 1, for step-labelled rows (``T1, T2, …``).
    frequency : str, optional
        One of :data:`FREQUENCIES`, for step labels.

    Returns
    -------
    ParsedDates
    """
    texts = cells.reset_index(drop=True).astype(str)
    n = len(texts)
    col = short(column, 40)
    if n == 0:
        return ParsedDates(np.array([], dtype="datetime64[D]"), "no dates")

    steps = texts.str.extract(_STEP)
    is_step = steps["k"].notna().all() and steps["prefix"].str.upper().nunique() == 1
    if is_step and date_format is None:
        prefix = steps["prefix"].iloc[0]
        if start is None:
            return ParsedDates(
                np.full(n, np.datetime64("NaT"), dtype="datetime64[D]"), "step labels", {},
                f"column {col}: rows are labelled by step ({prefix}1, {prefix}2, …), not "
                f"by date; pass --start DATE (the date of {prefix}1) and --frequency "
                "(weekly, daily, monthly, ...) to place them on a calendar (API: start=, "
                "frequency=)")
        if frequency is None:
            return ParsedDates(
                np.full(n, np.datetime64("NaT"), dtype="datetime64[D]"), "step labels", {},
                f"column {col}: step-labelled rows ({prefix}1, {prefix}2, …) need "
                "--frequency (weekly, daily, monthly, quarterly or annual) as well as --start")
        k = steps["k"].astype(np.int64).to_numpy()
        dates = step_dates(k, start, frequency)
        label = (f"step labels {prefix}{k.min()}..{prefix}{k.max()} on a {frequency} calendar, "
                 f"{prefix}1 = {start.date()}")
        return ParsedDates(dates, label)
    if start is not None:
        return ParsedDates(
            np.full(n, np.datetime64("NaT"), dtype="datetime64[D]"), "dates", {},
            f"column {col} holds dates, not step labels (T1, T2, …): --start applies to "
            "step-labelled rows only; leave it out")

    if date_format is not None:
        dates = _parse_with(texts, date_format)
        bad = np.flatnonzero(np.isnat(dates))
        problems = {int(i): f"does not match --date-format {date_format!r}" for i in bad}
        return ParsedDates(dates, f"{format_label(date_format)} (given with --date-format)",
                           problems)

    parts = texts.str.extract(_SPLIT)
    date_parts = parts["date"].fillna("").str.strip()
    problems: dict[int, str] = {}
    has_time = parts["time"].notna().to_numpy()
    for i in np.flatnonzero(has_time):
        reason = _bad_time(str(parts["time"].iloc[i]).strip())
        if reason:
            problems[int(i)] = reason
    uniq, inverse = np.unique(date_parts.to_numpy(dtype=str), return_inverse=True)
    uniq_s = pd.Series(uniq)
    families = {"ISO"}
    if dayfirst in (None, True):
        families.add("day-first")
    if dayfirst in (None, False):
        families.add("month-first")
    candidates = [f for f in DATE_FORMATS if f.family in families]
    sample = uniq_s if len(uniq_s) <= 256 else uniq_s.sample(256, random_state=0)
    scored: list[tuple[int, DateFormat]] = []
    for fmt in candidates:
        got = _parse_with(sample, fmt.code, fmt.shape)
        scored.append((int((~np.isnat(got)).sum()), fmt))
    full: dict[str, np.ndarray] = {}
    fits: list[DateFormat] = []
    for hits, fmt in scored:
        if hits == len(sample):
            full[fmt.code] = _parse_with(uniq_s, fmt.code, fmt.shape)
            if not np.isnat(full[fmt.code]).any():
                fits.append(fmt)
    iso = [f for f in fits if f.family == "ISO"]
    time_note = " with times of day (dates kept, times dropped)" if has_time.any() else ""
    if iso or len(fits) == 1:
        chosen = (iso or fits)[0]
        return ParsedDates(full[chosen.code][inverse],
                           format_label(chosen.code, chosen.family) + time_note, problems)
    if fits:
        results = {f.code: full[f.code] for f in fits}
        first = fits[0]
        differing = [f for f in fits[1:] if not np.array_equal(results[f.code],
                                                               results[first.code])]
        if not differing:
            label = format_label(first.code, first.family)
            if len(fits) > 1:
                label += (" (" + " and ".join(format_label(f.code, f.family) for f in fits[1:])
                          + " read every date the same)")
            return ParsedDates(results[first.code][inverse], label + time_note, problems)
        other = differing[0]
        where = int(np.flatnonzero(results[first.code] != results[other.code])[0])
        example = uniq[where]
        a = pd.Timestamp(results[first.code][where]).date()
        b = pd.Timestamp(results[other.code][where]).date()
        return ParsedDates(
            np.full(n, np.datetime64("NaT"), dtype="datetime64[D]"), "ambiguous", {},
            f"column {col}: the dates fit more than one format: {format_label(first.code)} "
            f"reads {short(example, 30)} as {a}, {format_label(other.code)} as {b}. Say which "
            "with --dayfirst or --monthfirst, or give --date-format (API: dayfirst=True/False, "
            "date_format=...)")
    # No format reads every cell: report the cells the most successful format misses.
    best_hits, best = max(scored, key=lambda item: item[0]) if scored else (0, None)
    if best is not None and best_hits > 0:
        dates = full.get(best.code)
        if dates is None:
            dates = _parse_with(uniq_s, best.code, best.shape)
        hint = (f"the column's other dates are {format_label(best.code)}; one format "
                "must read every date")
        for i in np.flatnonzero(np.isnat(dates)[inverse]):
            problems.setdefault(int(i), hint)
        return ParsedDates(dates[inverse], format_label(best.code, best.family), problems)
    for i in range(n):
        problems.setdefault(i, "")
    return ParsedDates(np.full(n, np.datetime64("NaT"), dtype="datetime64[D]"),
                       "unreadable", problems)
