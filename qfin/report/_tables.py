"""Tables for people (pandas' Styler): units in headers, percentages, significant digits.

Every table a report or notebook shows goes through :func:`format_table`: a column gets a
label with its unit and a number format from its name (``seconds`` → "time per call (s)",
``error`` → "error vs ground truth (%)", fractions as percentages), columns that hold
nothing and developer acceptance columns (``meets_target``) are dropped, and the rest is
left to pandas' :class:`~pandas.io.formats.style.Styler`, which writes the HTML.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from qfin.errors import DataError
from qfin.report._format import format_number, format_percent, is_missing

__all__ = ["Column", "COLUMNS", "DEVELOPER_COLUMNS", "format_table", "table_html",
           "displayable_columns", "is_developer_column", "TABLE_CSS"]

#: Columns for the developers' acceptance checks: never shown to users (with every column
#: named ``meets_*``, ``target_*`` or ``within_target*``).
DEVELOPER_COLUMNS = frozenset({"meets_target", "target", "targets_met", "meets_targets",
                               "within_target"})
_DEVELOPER_PREFIXES = ("meets_", "target_", "within_target")


def is_developer_column(name: Any) -> bool:
    """Whether a column is a developer acceptance check (``meets_target``, ``target_low``)."""
    text = str(name)
    return text in DEVELOPER_COLUMNS or text.startswith(_DEVELOPER_PREFIXES)

MISSING = "–"

TABLE_CSS = """
table.qfin-table { border-collapse: collapse; margin: 0.6em 0 1em 0; font-size: 0.88em;
  font-variant-numeric: tabular-nums; }
table.qfin-table caption { caption-side: top; text-align: left; font-weight: 600;
  padding: 0 0 0.4em 0; color: #333; }
table.qfin-table th, table.qfin-table td { padding: 3px 9px; border-bottom: 1px solid #e3e3e3;
  text-align: right; vertical-align: top; }
table.qfin-table th { background: #f4f4f4; font-weight: 600; }
table.qfin-table td.qfin-text, table.qfin-table th.qfin-text { text-align: left; }
table.qfin-table tr.qfin-winner td { background: #eef7ee; font-weight: 600; }
"""


@dataclasses.dataclass(frozen=True)
class Column:
    """How a column is shown: its header (with unit) and the kind of number it holds.

    Attributes
    ----------
    label : str
        Header text, unit included ("time per call (s)").
    kind : str
        ``"percent"`` (a fraction shown ×100 under a "(%)" header), ``"level"`` (a
        confidence level: 0.975 → 97.5), ``"seconds"``, ``"number"``, ``"integer"``,
        ``"flag"`` (yes/no) or ``"text"``.
    digits : int
        Significant digits of numbers.
    """

    label: str
    kind: str = "number"
    digits: int = 3

    def __post_init__(self) -> None:
        if self.kind not in _FORMATTERS:
            raise DataError(f"Column kind must be one of {sorted(_FORMATTERS)}; "
                            f"got {self.kind!r}")


def _fmt_percent(digits: int) -> Callable[[Any], str]:
    return lambda v: MISSING if is_missing(v) else format_number(100.0 * float(v), digits)


def _fmt_level(digits: int) -> Callable[[Any], str]:
    return lambda v: (MISSING if is_missing(v)
                      else format_percent(v, digits, trim=True).removesuffix(" %"))


def _fmt_number(digits: int) -> Callable[[Any], str]:
    return lambda v: MISSING if is_missing(v) else format_number(v, digits)


def _fmt_integer(digits: int) -> Callable[[Any], str]:
    def fmt(v: Any) -> str:
        if is_missing(v):
            return MISSING
        number = float(v)
        return f"{int(round(number)):,}" if np.isfinite(number) else format_number(number)
    return fmt


def _fmt_flag(digits: int) -> Callable[[Any], str]:
    def fmt(v: Any) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return MISSING
        if isinstance(v, str):
            return v
        return "yes" if bool(v) else "no"
    return fmt


def _fmt_text(digits: int) -> Callable[[Any], str]:
    def fmt(v: Any) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return MISSING
        if isinstance(v, float | np.floating):
            return format_number(v, digits)
        return str(v)
    return fmt


_FORMATTERS: dict[str, Callable[[int], Callable[[Any], str]]] = {
    "percent": _fmt_percent, "level": _fmt_level, "seconds": _fmt_number,
    "number": _fmt_number, "integer": _fmt_integer, "flag": _fmt_flag, "text": _fmt_text}

_UNIT = {"percent": " (%)", "level": " (%)", "seconds": " (s)"}


def _c(label: str, kind: str = "number", digits: int = 3) -> Column:
    return Column(label, kind, digits)


#: Known result columns: header with unit, and number kind. Fractions are percentages.
COLUMNS: dict[str, Column] = {
    "method": _c("method", "text"),
    "task": _c("task", "text"),
    "backend": _c("backend", "text"),
    "device": _c("device", "text"),
    "question": _c("question", "text"),
    "ground_truth_kind": _c("ground truth", "text"),
    "error": _c("relative error vs ground truth (%)", "percent"),
    "error_low": _c("error, interval low (%)", "percent"),
    "error_high": _c("error, interval high (%)", "percent"),
    "gap": _c("optimality gap (%)", "percent"),
    "objective": _c("objective", "number", 4),
    "ground_truth": _c("ground truth", "number", 4),
    "feasible": _c("feasible", "flag"),
    "feasibility_rate": _c("feasible reads (%)", "percent"),
    "success_probability": _c("success probability per read (%)", "percent"),
    "num_reads": _c("reads per call", "integer"),
    "seconds": _c("time per call (s)", "seconds"),
    "seconds_per_read": _c("time per read (s)", "seconds"),
    "whole_call_s": _c("time per whole call (s)", "seconds"),
    "model_build_s": _c("model build (s)", "seconds"),
    "tts99_per_read": _c("TTS99 per read, secondary (s)", "seconds"),
    "role": _c("role", "text"),
    "family": _c("family", "text"),
    "ground_truth_low": _c("ground truth, interval low", "number", 4),
    "ground_truth_high": _c("ground truth, interval high", "number", 4),
    "tts99": _c("TTS99 (s)", "seconds"),
    "median_seconds": _c("median time per call (s)", "seconds"),
    "run_seconds": _c("run wall time (s)", "seconds"),
    "median_error": _c("median relative error (%)", "percent"),
    "max_error": _c("max relative error (%)", "percent"),
    "n_assets": _c("assets", "integer"),
    "k": _c("k (assets held)", "integer"),
    "risk_aversion": _c("risk aversion q", "number"),
    "confidence": _c("confidence", "level"),
    "estimate": _c("estimate (% of value)", "percent"),
    "cvar": _c("CVaR (% of value)", "percent"),
    "var": _c("VaR (% of value)", "percent"),
    "samples": _c("samples", "integer"),
    "oracle_queries": _c("oracle queries", "integer"),
    "runs": _c("runs", "integer"),
    "observations": _c("observations (days)", "integer"),
    "ann_return": _c("annualised return (%)", "percent"),
    "ann_volatility": _c("annualised volatility (%)", "percent"),
    "expected_return": _c("annualised return (%)", "percent"),
    "volatility": _c("annualised volatility (%)", "percent"),
    "max_drawdown": _c("max drawdown (%)", "percent"),
    "return_per_vol": _c("return / volatility", "number"),
    "held": _c("held assets (weight)", "text"),
    "n_held": _c("assets held", "integer"),
    "sharpe": _c("Sharpe ratio", "number"),
    "coverage": _c("coverage (%)", "percent"),
    "nominal": _c("nominal coverage (%)", "percent"),
    "seed": _c("seed", "text"),
    "sector": _c("sector", "text"),
    "ticker": _c("ticker", "text"),
    "dataset": _c("dataset", "text"),
}

_PERCENT_NAME = re.compile(r"(_rate|_probability|_fraction|_share|coverage|_pct)$")
_SECONDS_NAME = re.compile(r"(^|_)(seconds|secs|s)$|^seconds_|_seconds_")


def _is_number_series(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def infer_column(name: str, values: pd.Series) -> Column:
    """The :class:`Column` of a result column: known name, else a guess from name and values."""
    if name in COLUMNS:
        return COLUMNS[name]
    label = name.replace("_", " ")
    if pd.api.types.is_bool_dtype(values):
        return Column(label, "flag")
    if _PERCENT_NAME.search(name):
        return Column(label + " (%)", "percent")
    if _SECONDS_NAME.search(name):
        stem = re.sub(r"(_seconds|_secs|_s)$", "", name).replace("_", " ") or "time"
        return Column(f"{stem} (s)", "seconds")
    if _is_number_series(values):
        finite = pd.to_numeric(values, errors="coerce").dropna()
        integral = bool(len(finite)) and bool(np.all(np.isclose(finite, np.round(finite))))
        return Column(label, "integer" if integral and pd.api.types.is_integer_dtype(values)
                      else "number")
    return Column(label, "text")


def displayable_columns(frame: pd.DataFrame) -> list[str]:
    """Columns worth showing: not all missing or empty, not a developer acceptance column."""
    keep = []
    for name in frame.columns:
        if is_developer_column(name):
            continue
        values = frame[name]
        present = values.map(lambda v: not (v is None or (isinstance(v, str) and not v.strip())
                                            or (isinstance(v, float) and np.isnan(v))))
        if present.any():
            keep.append(name)
    return keep


def format_table(frame: pd.DataFrame, *, columns: Mapping[str, str | Column] | None = None,
                 caption: str | None = None, hide: Iterable[str] = (),
                 max_rows: int | None = None, highlight: Iterable[int] = (),
                 html_columns: Iterable[str] = ()) -> Any:
    """A result table formatted for people, as a pandas Styler.

    Parameters
    ----------
    frame : DataFrame
        The rows (any columns; known ones get their unit and format from :data:`COLUMNS`).
    columns : mapping, optional
        Per column: a header text (format inferred) or a :class:`Column`; overrides
        :data:`COLUMNS`, e.g. ``{"ground_truth": Column("ground truth (% of value)",
        "percent")}`` for a VaR table.
    caption : str, optional
        Shown above the table.
    hide : iterable of str
        Columns not to show.
    max_rows : int, optional
        Show the first rows only.
    highlight : iterable of int
        Positions of rows to emphasise (e.g. the winner of a verdict).
    html_columns : iterable of str
        Columns whose text is trusted HTML (links written by qfin), not escaped.

    Returns
    -------
    pandas.io.formats.style.Styler
        Displays in a notebook; ``.to_html()`` for a page.

    Raises
    ------
    DataError
        When ``frame`` is not a DataFrame or a column override is not a str or Column.
    """
    from pandas.io.formats.style import Styler

    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"frame must be a DataFrame; got {type(frame).__name__}")
    overrides = dict(columns or {})
    for key, value in overrides.items():
        if not isinstance(value, str | Column):
            raise DataError(f"columns[{key!r}] must be a header text or a Column; "
                            f"got {type(value).__name__}")
    hidden = set(hide)
    shown = frame.loc[:, [c for c in displayable_columns(frame) if c not in hidden]]
    if max_rows is not None:
        shown = shown.head(max_rows)
    shown = shown.reset_index(drop=True)
    specs: dict[Any, Column] = {}
    for name in shown.columns:
        given = overrides.get(str(name))
        spec = infer_column(str(name), shown[name])
        if isinstance(given, Column):
            spec = given
        elif isinstance(given, str):
            spec = dataclasses.replace(spec, label=given)
        specs[name] = spec
    labels = []
    for spec in specs.values():
        unit = _UNIT.get(spec.kind, "")
        labels.append(spec.label if not unit or unit.strip() in spec.label
                      else spec.label + unit)
    # Styler's formatter receives each cell; object columns may mix types
    raw = [c for c in html_columns if c in specs]
    formatters = {name: _FORMATTERS[spec.kind](spec.digits) for name, spec in specs.items()
                  if name not in raw}
    styler = Styler(shown, cell_ids=False, caption=caption)
    styler = styler.format(formatters, escape="html").hide(axis="index")
    if raw:
        styler = styler.format(_FORMATTERS["text"](3), subset=raw, escape=None)
    styler = styler.relabel_index(labels, axis="columns")
    text_cols = [n for n, s in specs.items() if s.kind in ("text", "flag")]
    if text_cols:
        styler = styler.set_td_classes(pd.DataFrame(
            [["qfin-text" if c in text_cols else "" for c in shown.columns]] * len(shown),
            index=shown.index, columns=shown.columns))
    rows = set(highlight)
    if rows:
        styler = styler.apply(lambda r: ["font-weight: 600; background-color: #eef7ee"
                                         if r.name in rows else "" for _ in r], axis=1)
    styler = styler.set_table_attributes('class="qfin-table"')
    if text_cols:
        styler = styler.set_table_styles(
            {c: [{"selector": "th", "props": "text-align: left"}] for c in text_cols},
            overwrite=False)
    return styler


def table_html(frame: pd.DataFrame, *, max_rows: int | None = None, **options: Any) -> str:
    """:func:`format_table` as HTML, with a note when rows were cut."""
    text = format_table(frame, max_rows=max_rows, **options).to_html()
    if max_rows is not None and len(frame) > max_rows:
        text += (f"<p class='note'>first {max_rows} of {len(frame)} rows; every row in "
                 f"{html.escape('results.csv')}</p>")
    return text
