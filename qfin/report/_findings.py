"""Findings: a verdict per question, computed from result rows, stated plainly.

A *question* (portfolio selection, VaR, ...) is answered by result rows. For every problem
instance and every ground truth, the methods are ranked:

1. the most accurate error is found (a method's ``error`` is its relative error against
   the stated ground truth);
2. every method whose error is no worse than the larger of the best method's upper
   interval bound and the best error plus the ground truth's own uncertainty (zero for an
   exact ground truth; a rounding tolerance of :data:`EXACT_TOLERANCE` either way) is
   *as accurate*; errors are compared in absolute value (signed intervals are folded);
3. of those, the fastest whole call wins; the margin is its speed-up over the next one as
   accurate, or, when it is the only one, its error against the runner-up's.

A method that is faster but less accurate is named in the sentence too. Rows without an
error (an infeasible answer, a bound) are listed but not ranked.

Row columns read (any may be missing, except ``method``):

``question`` (key or title; default from ``task`` via the registry), ``instance`` (label of
the problem; default from the question's instance columns), ``method``,
``ground_truth_kind`` (what the error is measured against), ``ground_truth``,
``ground_truth_low``/``ground_truth_high`` (the ground truth's own interval, e.g. a
bootstrap interval of the data), ``error`` (relative, ≥ 0), ``error_low``/``error_high``
(interval of the error; else derived from ``estimate_low``/``estimate_high`` and
``ground_truth``), ``error_unit`` (``"fraction"``, the default, or ``"percent"``; without it
an ``error_measure`` naming a per-cent measure means per cent), ``whole_call_s``/
``seconds_per_call``/``call_seconds``/``seconds`` (one whole call, model build included),
``feasible`` and ``role`` (an infeasible answer or a "lower bound" is not scored),
``context`` (or a ``source`` starting with "published"): listed, never ranked.
"""

from __future__ import annotations

import dataclasses
import html
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from qfin.errors import DataError
from qfin.report._format import format_number, format_percent, format_seconds, is_missing
from qfin.report._tables import Column, format_table

__all__ = ["Question", "Verdict", "QUESTIONS", "EXACT_TOLERANCE", "register_question",
           "verdicts", "findings_html", "show_findings", "FINDINGS_METADATA"]

#: Relative errors at most this far apart are equal (rounding of an exact ground truth).
EXACT_TOLERANCE = 1e-9
#: Output metadata key that makes a report page lead with a notebook's findings.
FINDINGS_METADATA = "qfin_findings"
#: Columns holding the time of one whole call, in order of preference.
SECONDS_COLUMNS = ("whole_call_s", "seconds_per_call", "call_seconds", "seconds")


@dataclasses.dataclass(frozen=True)
class Question:
    """A question the results answer, and how to read its rows.

    Attributes
    ----------
    key : str
        Short name; rows name it in their ``question`` column.
    title : str
        Heading ("Portfolio selection").
    tasks : tuple of str
        Values of the ``task`` column whose rows answer it (rows without ``question``).
    instance_columns : tuple of str
        Columns that together identify one problem instance (``param_<name>`` is tried
        when ``<name>`` is absent).
    ground_truth : str
        What the error is measured against, for rows without ``ground_truth_kind``.
    ground_truth_unit : str or None
        ``"percent"`` when ``ground_truth`` is a fraction worth quoting in the sentence
        (a VaR); ``None`` to leave the value out (an objective value).
    note : str
        A line under the table (e.g. what the seconds mean).
    describe : callable, optional
        ``describe(values)`` → instance label from ``{column: value}``.
    ground_truth_labels : mapping of str to str
        Longer names for short ``ground_truth_kind`` values (``"data"`` → "VaR of the data
        (empirical quantile)").
    """

    key: str
    title: str
    tasks: tuple[str, ...] = ()
    instance_columns: tuple[str, ...] = ()
    ground_truth: str = "ground truth"
    ground_truth_unit: str | None = None
    note: str = ""
    describe: Callable[[Mapping[str, Any]], str] | None = None
    ground_truth_labels: Mapping[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Verdict:
    """The verdict for one (question, instance, ground truth).

    Attributes
    ----------
    question : Question
    instance : str
        Label of the problem instance ("" when the question has one).
    ground_truth : str
        What the errors are measured against.
    table : DataFrame
        One row per method: ``method``, ``error``, ``error_low``, ``error_high``,
        ``seconds``, ``runs``, ``scored``, ``as_accurate``, ``verdict``.
    winner : str or None
        The winning method (``None`` when no method was scored).
    margin : str
        The margin in words ("4.1× faster than MIQP (SCIP)").
    sentence : str
        The verdict as one plain sentence.
    """

    question: Question
    instance: str
    ground_truth: str
    table: pd.DataFrame
    winner: str | None
    margin: str
    sentence: str


QUESTIONS: dict[str, Question] = {}


def register_question(question: Question) -> Question:
    """Add (or replace) a question of the findings; returns it.

    Parameters
    ----------
    question : Question

    Returns
    -------
    Question

    Raises
    ------
    DataError
        When ``question`` is not a :class:`Question` or its key is empty.
    """
    if not isinstance(question, Question) or not question.key:
        raise DataError("question must be a qfin.report.Question with a non-empty key; "
                        f"got {question!r}")
    QUESTIONS[question.key] = question
    return question


def _portfolio_instance(values: Mapping[str, Any]) -> str:
    parts = []
    if not is_missing(values.get("k")):
        held = f"k = {int(float(values['k']))}"
        if not is_missing(values.get("n_assets")):
            held += f" of {int(float(values['n_assets']))} assets"
        parts.append(held)
    if not is_missing(values.get("risk_aversion")):
        parts.append(f"q = {format_number(values['risk_aversion'], 4, trim=True)}")
    if not is_missing_text(values.get("dataset")):
        parts.append(f"dataset {values['dataset']}")
    return ", ".join(parts)


def _var_instance(values: Mapping[str, Any]) -> str:
    parts = []
    if not is_missing(values.get("confidence")):
        parts.append(f"{format_percent(values['confidence'])} VaR")
    if not is_missing(values.get("horizon")) and float(values["horizon"]) != 1:
        parts.append(f"{int(float(values['horizon']))}-day horizon")
    if not is_missing_text(values.get("dataset")):
        parts.append(f"dataset {values['dataset']}")
    return ", ".join(parts)


def is_missing_text(value: Any) -> bool:
    """``True`` for ``None``, NaN and empty strings."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    return isinstance(value, float) and math.isnan(value)


register_question(Question(
    key="portfolio", title="Portfolio selection", tasks=("portfolio",),
    instance_columns=("n_assets", "k", "risk_aversion", "dataset"),
    ground_truth="exact optimum", describe=_portfolio_instance,
    note="Error: relative gap of the chosen portfolio's objective to the ground truth; "
         "a method whose answer breaks a constraint (the convex relaxation: a bound) is not "
         "scored. Time: one whole call on this machine."))
register_question(Question(
    key="var", title="Value at Risk", tasks=("var",),
    instance_columns=("confidence", "horizon", "dataset"),
    ground_truth="exact quantile", ground_truth_unit="percent", describe=_var_instance,
    ground_truth_labels={"data": "VaR of the data (empirical quantile)",
                         "model": "exact VaR of each method's own model"},
    note="Error: relative error of the VaR estimate against the ground truth named above "
         "the table. Amplitude estimation (AE) is a classical simulation: its seconds are "
         "simulation time on this machine, never a quantum speed-up; its oracle queries are "
         "on the run pages."))


def _as_bool(value: Any) -> bool | None:
    """A flag read back from CSV/parquet (``True``, ``"false"``, ``1``), else ``None``."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, str):
        return {"true": True, "false": False, "1": True, "0": False}.get(value.strip().lower())
    if isinstance(value, int | float | np.integer | np.floating) and not is_missing(value):
        return bool(value)
    return None


def _column(rows: pd.DataFrame, name: str) -> pd.Series:
    if name in rows.columns:
        return rows[name]
    if f"param_{name}" in rows.columns:
        return rows[f"param_{name}"]
    return pd.Series(np.nan, index=rows.index, dtype=float)


def _numeric(rows: pd.DataFrame, name: str) -> pd.Series:
    return pd.to_numeric(_column(rows, name), errors="coerce")


def _question_of(rows: pd.DataFrame) -> pd.Series:
    """Each row's question key (``None`` for rows that answer none)."""
    by_task = {task: q.key for q in QUESTIONS.values() for task in q.tasks}
    task = rows["task"] if "task" in rows.columns else pd.Series(None, index=rows.index)
    named = rows["question"] if "question" in rows.columns else pd.Series(None, index=rows.index)
    out = []
    for given, t in zip(named, task, strict=True):
        if not is_missing_text(given):
            out.append(str(given))
        elif isinstance(t, str) and t in by_task:
            out.append(by_task[t])
        else:
            out.append(None)
    return pd.Series(out, index=rows.index, dtype=object)


def _question(key: str) -> Question:
    if key in QUESTIONS:
        return QUESTIONS[key]
    for question in QUESTIONS.values():
        if question.title == key:
            return question
    return Question(key=key, title=key)


def _instance_labels(rows: pd.DataFrame, question: Question) -> pd.Series:
    if "instance" in rows.columns and rows["instance"].map(
            lambda v: not is_missing_text(v)).all():
        return rows["instance"].astype(str)
    columns = [c for c in question.instance_columns
               if _column(rows, c).map(lambda v: not is_missing_text(v)).any()]
    labels = []
    for idx in rows.index:
        values = {c: _column(rows, c).loc[idx] for c in columns}
        if question.describe is not None:
            labels.append(question.describe(values))
        else:
            labels.append(", ".join(f"{c} = {v}" for c, v in values.items()
                                    if not is_missing_text(v)))
    return pd.Series(labels, index=rows.index, dtype=object)


def _error_interval(rows: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    low, high = _numeric(rows, "error_low"), _numeric(rows, "error_high")
    truth = _numeric(rows, "ground_truth")
    for lo_name, hi_name in (("estimate_low", "estimate_high"), ("ci_low", "ci_high")):
        est_lo, est_hi = _numeric(rows, lo_name), _numeric(rows, hi_name)
        ok = low.isna() & est_lo.notna() & est_hi.notna() & truth.notna() & (truth != 0)
        if ok.any():
            a = (est_lo[ok] - truth[ok]).abs() / truth[ok].abs()
            b = (est_hi[ok] - truth[ok]).abs() / truth[ok].abs()
            inside = (est_lo[ok] <= truth[ok]) & (truth[ok] <= est_hi[ok])
            low[ok] = np.where(inside, 0.0, np.minimum(a, b))
            high[ok] = np.maximum(a, b)
    return low, high


def _tolerance(rows: pd.DataFrame) -> float:
    """The ground truth's own relative uncertainty (half-width), or 0 for an exact one."""
    truth = _numeric(rows, "ground_truth")
    lo, hi = _numeric(rows, "ground_truth_low"), _numeric(rows, "ground_truth_high")
    ok = truth.notna() & lo.notna() & hi.notna() & (truth != 0)
    if not ok.any():
        return 0.0
    half = np.maximum((hi[ok] - truth[ok]).abs(), (truth[ok] - lo[ok]).abs()) / truth[ok].abs()
    return float(half.median())


def _seconds(rows: pd.DataFrame) -> pd.Series:
    for name in SECONDS_COLUMNS:
        values = _numeric(rows, name)
        if values.notna().any():
            return values
    return pd.Series(np.nan, index=rows.index, dtype=float)


def _ratio(a: float, b: float) -> str:
    return f"{format_number(a / b, 2)}×"


def _pct(value: Any) -> str:
    return format_percent(value, trim=False)


_PERCENT_UNITS = {"percent", "%", "pp", "per cent", "percentage points"}


def _error_scale(rows: pd.DataFrame) -> pd.Series:
    """1 for errors given as fractions, 0.01 for errors given in per cent.

    Per cent when ``error_unit`` says so (``"percent"``, ``"%"``, ``"pp"``), or, without
    ``error_unit``, when ``error_measure`` names a per-cent measure ("mean % deviation").
    """
    unit = _column(rows, "error_unit")
    measure = _column(rows, "error_measure")
    scale = []
    for u, m in zip(unit, measure, strict=True):
        if not is_missing_text(u):
            scale.append(0.01 if str(u).strip().lower() in _PERCENT_UNITS else 1.0)
        elif isinstance(m, str) and ("%" in m or "per cent" in m.lower()):
            scale.append(0.01)
        else:
            scale.append(1.0)
    return pd.Series(scale, index=rows.index, dtype=float)


def _is_context(rows: pd.DataFrame) -> pd.Series:
    """Rows shown for context, never ranked: ``context`` true, or a published ``source``."""
    flag = _column(rows, "context").map(_as_bool)
    source = _column(rows, "source").map(lambda v: str(v).strip().lower()
                                         if isinstance(v, str) else "")
    return flag.map(lambda v: v is True) | source.map(
        lambda v: v.startswith("published") or "(context)" in v)


def _absolute_interval(low: pd.Series, high: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The interval of |error| from a (possibly signed) interval of the error."""
    a, b = low.abs(), high.abs()
    straddles = (low <= 0) & (high >= 0)
    lo = np.where(straddles, 0.0, np.minimum(a, b))
    hi = np.maximum(a, b)
    missing = low.isna() | high.isna()
    return (pd.Series(np.where(missing, np.nan, lo), index=low.index),
            pd.Series(np.where(missing, np.nan, hi), index=low.index))


def _by_method(rows: pd.DataFrame) -> pd.DataFrame:
    low, high = _absolute_interval(*_error_interval(rows))
    scale = _error_scale(rows)
    error = _numeric(rows, "error").abs() * scale
    feasible = _column(rows, "feasible").map(_as_bool)
    frame = pd.DataFrame({
        "method": rows["method"].astype(str), "error": error,
        "error_low": low * scale, "error_high": high * scale,
        "seconds": _seconds(rows),
        "infeasible": feasible.map(lambda v: v is False) | _column(rows, "role").map(
            lambda v: isinstance(v, str) and "bound" in v.lower()),
        "context": _is_context(rows),
    }, index=rows.index)
    grouped = frame.groupby("method", sort=False)
    table = grouped.agg(error=("error", "median"), error_low=("error_low", "median"),
                        error_high=("error_high", "median"), seconds=("seconds", "median"),
                        runs=("method", "size"), infeasible=("infeasible", "all"),
                        context=("context", "all"))
    return table.reset_index()


def _verdict(question: Question, instance: str, ground_truth: str, rows: pd.DataFrame
             ) -> Verdict:
    table = _by_method(rows)
    tolerance = _tolerance(rows)
    scored = (table["error"].notna() & np.isfinite(table["error"]) & ~table["context"]
              & ~table["infeasible"])
    table["scored"] = scored
    table["as_accurate"] = False
    table["verdict"] = ""
    table.loc[~scored, "verdict"] = np.where(
        table.loc[~scored, "context"], "context: published, not measured in this run",
        np.where(table.loc[~scored, "infeasible"],
                 "not scored: a bound or breaks a constraint", "not scored"))
    where = f"{instance}: " if instance else ""
    if not scored.any():
        sentence = f"{where}no method has an error against the {ground_truth}."
        return Verdict(question, instance, ground_truth, table, None, "", sentence)
    ranked = table[scored]
    best = ranked.loc[ranked["error"].idxmin()]
    best_high = best["error_high"] if not is_missing(best["error_high"]) else best["error"]
    # as accurate: within the best method's own interval, or within the ground truth's own
    # uncertainty of it (not both added: an interval may already hold the ground truth's)
    limit = max(float(best_high), float(best["error"]) + tolerance) + EXACT_TOLERANCE
    tied = ranked["error"] <= limit
    table.loc[tied[tied].index, "as_accurate"] = True
    contenders = ranked[tied].assign(_t=lambda f: f["seconds"].fillna(np.inf))
    contenders = contenders.sort_values(["_t", "error"], kind="stable")
    win = contenders.iloc[0]
    winner = str(win["method"])
    t_win = float(win["seconds"]) if not is_missing(win["seconds"]) else math.nan

    # per-row verdicts against the winner
    for idx, row in table.iterrows():
        if not row["scored"] or row["method"] == winner:
            continue
        t = row["seconds"]
        timed = not is_missing(t) and not math.isnan(t_win) and t_win > 0 and t > 0
        if row["as_accurate"]:
            table.at[idx, "verdict"] = (f"as accurate, {_ratio(t, t_win)} slower" if timed
                                        else "as accurate")
        elif timed and t < t_win:
            table.at[idx, "verdict"] = f"less accurate, {_ratio(t_win, t)} faster"
        elif timed:
            table.at[idx, "verdict"] = f"less accurate, {_ratio(t, t_win)} slower"
        else:
            table.at[idx, "verdict"] = "less accurate"
    table.loc[table["method"] == winner, "verdict"] = "winner"

    truths = _numeric(rows, "ground_truth").dropna()
    value_text = ""
    # quote the ground truth's value only when the rows share one (each method's own model
    # has its own)
    if (question.ground_truth_unit == "percent" and len(truths)
            and np.allclose(truths, truths.iloc[0], rtol=1e-9, atol=0.0)):
        value_text = f" ({_pct(truths.iloc[0])} of value)"
    error = float(win["error"])
    if error <= EXACT_TOLERANCE:
        accuracy = f"it matches the {ground_truth}{value_text}"
    elif tolerance > 0 and error <= tolerance:
        accuracy = (f"its error, {_pct(error)}, lies within ±{_pct(tolerance)}, the "
                    f"uncertainty of the {ground_truth} itself{value_text},")
    else:
        accuracy = (f"it has the smallest error against the {ground_truth}{value_text}, "
                    f"{_pct(error)}")
        if not is_missing(win["error_low"]) and not is_missing(win["error_high"]):
            accuracy += (f" (interval {_pct(win['error_low'])} to "
                         f"{_pct(win['error_high'])})")
    timing = f" in {format_seconds(t_win)} per call" if not math.isnan(t_win) else ""
    others_tied = contenders.iloc[1:]
    margin = ""
    if len(others_tied):
        runner = others_tied.iloc[0]
        if not is_missing(runner["seconds"]) and not math.isnan(t_win) and t_win > 0:
            margin = (f"{_ratio(float(runner['seconds']), t_win)} faster than "
                      f"{runner['method']} ({format_seconds(runner['seconds'])}), "
                      "the next as accurate")
        else:
            margin = f"as accurate as {runner['method']}"
    else:
        rest = ranked[~tied]
        if len(rest):
            runner = rest.loc[rest["error"].idxmin()]
            margin = (f"the runner-up, {runner['method']}, has error "
                      f"{_pct(runner['error'])}")
    sentence = f"{where}{winner} wins: {accuracy}{timing}"
    sentence += f"; {margin}." if margin else "."
    if not math.isnan(t_win):
        faster = ranked[~tied & (ranked["seconds"] < t_win)]
        if len(faster):
            quick = faster.loc[faster["seconds"].idxmin()]
            sentence += (f" {quick['method']} is {_ratio(t_win, float(quick['seconds']))} "
                         f"faster but less accurate (error {_pct(quick['error'])}).")
    bounds = table[~table["scored"] & table["infeasible"] & ~table["context"]]["method"]
    if len(bounds):
        sentence += (f" Not scored: {', '.join(bounds)} (a bound or an answer that breaks "
                     "a constraint, not a solution).")
    unscored = table[~table["scored"] & ~table["infeasible"] & ~table["context"]]["method"]
    if len(unscored):
        sentence += (f" Not scored: {', '.join(unscored)} (no error against the "
                     f"{ground_truth}).")
    return Verdict(question, instance, ground_truth, table, winner, margin, sentence)


def verdicts(rows: pd.DataFrame, questions: Iterable[str] | None = None) -> list[Verdict]:
    """Every verdict the rows support, question by question.

    Parameters
    ----------
    rows : DataFrame
        Result rows (see the module docstring for the columns read); rows that answer no
        question are ignored.
    questions : iterable of str, optional
        Only these question keys.

    Returns
    -------
    list of Verdict
        Ordered by question (registered ones first), instance, ground truth.

    Raises
    ------
    DataError
        When ``rows`` is not a DataFrame.
    """
    if not isinstance(rows, pd.DataFrame):
        raise DataError(f"rows must be a DataFrame; got {type(rows).__name__}")
    if rows.empty or "method" not in rows.columns:
        return []
    rows = rows.reset_index(drop=True)
    keys = _question_of(rows)
    usable = keys.notna() & rows["method"].map(lambda v: not is_missing_text(v))
    has_numbers = pd.Series(False, index=rows.index)
    for name in ("error", *SECONDS_COLUMNS):
        has_numbers |= _numeric(rows, name).notna()
    usable &= has_numbers | _column(rows, "feasible").map(_as_bool).notna()
    wanted = set(questions) if questions is not None else None
    order = list(QUESTIONS) + [k for k in dict.fromkeys(keys[usable]) if k not in QUESTIONS]
    found = []
    for key in order:
        if wanted is not None and key not in wanted:
            continue
        part = rows[usable & (keys == key)]
        if part.empty:
            continue
        question = _question(key)
        instances = _instance_labels(part, question)
        default, names = question.ground_truth, dict(question.ground_truth_labels)
        truths = (part["ground_truth_kind"].map(
            lambda v, d=default, n=names: d if is_missing_text(v) else n.get(str(v), str(v)))
            if "ground_truth_kind" in part.columns
            else pd.Series(default, index=part.index))
        for instance in dict.fromkeys(instances):
            for truth in dict.fromkeys(truths[instances == instance]):
                chosen = part[(instances == instance) & (truths == truth)]
                found.append(_verdict(question, instance, truth, chosen))
    return found


def _verdict_frame(group: list[Verdict]) -> tuple[pd.DataFrame, list[int]]:
    frames, winners = [], []
    multiple = len({v.instance for v in group}) > 1
    offset = 0
    for verdict in group:
        table = verdict.table
        interval = [
            f"{format_number(100 * lo)} to {format_number(100 * hi)}"
            if not is_missing(lo) and not is_missing(hi) else None
            for lo, hi in zip(table["error_low"], table["error_high"], strict=True)]
        frame = pd.DataFrame({
            "problem": [verdict.instance] + [""] * (len(table) - 1) if multiple else None,
            "method": table["method"], "error": table["error"],
            "interval": interval, "seconds": table["seconds"], "verdict": table["verdict"]})
        winners += [offset + i for i, m in enumerate(table["method"]) if m == verdict.winner]
        offset += len(frame)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True), winners


def findings_html(rows: pd.DataFrame, *, heading_level: int = 3,
                  questions: Iterable[str] | None = None) -> str:
    """The findings as HTML: per question and ground truth a verdict table and sentences.

    Parameters
    ----------
    rows : DataFrame
        Result rows.
    heading_level : int
        HTML heading level of each question's title.
    questions : iterable of str, optional
        Only these question keys.

    Returns
    -------
    str
        HTML fragment (``<p class="note">`` saying so when no row answers a question).
    """
    found = verdicts(rows, questions)
    if not found:
        return ("<p class='note'>No result row answers a question yet (rows need "
                "<code>method</code> and <code>error</code> or <code>seconds</code>, and a "
                "<code>task</code> or <code>question</code> the findings know).</p>")
    h = max(1, min(6, int(heading_level)))
    parts = []
    by_question: dict[str, list[Verdict]] = {}
    for verdict in found:
        by_question.setdefault(verdict.question.key, []).append(verdict)
    for group in by_question.values():
        question = group[0].question
        parts.append(f"<section class='qfin-finding' data-question='{html.escape(question.key)}'>"
                     f"<h{h}>{html.escape(question.title)}</h{h}>")
        by_truth: dict[str, list[Verdict]] = {}
        for verdict in group:
            by_truth.setdefault(verdict.ground_truth, []).append(verdict)
        for truth, part in by_truth.items():
            frame, winners = _verdict_frame(part)
            caption = f"Against the {truth}"
            columns = {"problem": Column("problem", "text"),
                       "error": Column(f"error vs {truth} (%)", "percent"),
                       "interval": Column("error interval (%)", "text"),
                       "seconds": Column("time per call (s)", "seconds"),
                       "verdict": Column("verdict", "text")}
            parts.append(format_table(frame, columns=columns, caption=caption,
                                      highlight=winners).to_html())
            parts.append("<ul class='qfin-verdicts'>" + "".join(
                f"<li>{html.escape(v.sentence)}</li>" for v in part) + "</ul>")
        if question.note:
            parts.append(f"<p class='note'>{html.escape(question.note)}</p>")
        parts.append("</section>")
    return "".join(parts)


class _Findings:
    def __init__(self, body: str) -> None:
        self.body = body

    def _repr_html_(self) -> str:
        return f"<div class='qfin-findings'><h2>Findings</h2>{self.body}</div>"


def show_findings(rows: pd.DataFrame, questions: Iterable[str] | None = None) -> None:
    """Display the findings of a notebook's rows; its report page leads with them.

    In JupyterLab they appear where the cell runs; :func:`qfin.report.notebook_to_html`
    moves them to the top of the report, under the run header.

    Parameters
    ----------
    rows : DataFrame
        The notebook's result rows.
    questions : iterable of str, optional
        Only these question keys.
    """
    body = findings_html(rows, heading_level=3, questions=questions)
    try:
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython ships with ipykernel
        return None
    display(_Findings(body), metadata={FINDINGS_METADATA: True})
    return None
