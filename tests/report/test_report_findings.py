"""Findings (issue 11.10): a verdict per question computed from result rows, whoever wins."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from qfin.errors import DataError
from qfin.report import QUESTIONS, Question, findings_html, register_question, verdicts


def _portfolio_rows() -> pd.DataFrame:
    base = {"task": "portfolio", "n_assets": 10, "k": 3, "risk_aversion": 3.0}
    rows = [("exact (enumeration)", 0.0, 0.02, True), ("QUBO neal", 0.0, 4.3, True),
            ("MIQP (SCIP)", 0.0, 0.10, True), ("heuristic", 0.004, 0.01, True),
            ("convex relaxation", None, 0.04, False)]
    return pd.DataFrame([{**base, "method": m, "error": e, "seconds": s, "feasible": f}
                         for m, e, s, f in rows])


def _var_rows() -> pd.DataFrame:
    rows = []
    for conf, truth in ((0.95, 0.0182), (0.975, 0.0231)):
        for method, kind, err, sec in (
                ("historical", "empirical quantile", 0.0, 0.0005),
                ("normal", "empirical quantile", 0.11, 0.0004),
                ("mc", "empirical quantile", 0.01, 0.13),
                ("AE iterative", "discretised VaR (64 points)", 0.0, 0.03),
                ("AE canonical", "discretised VaR (64 points)", 0.0, 0.27)):
            rows.append({"task": "var", "method": method, "ground_truth_kind": kind,
                         "ground_truth": truth, "error": err, "seconds": sec,
                         "confidence": conf})
    return pd.DataFrame(rows)


def test_winner_is_the_fastest_of_the_most_accurate_and_the_margin_is_stated():
    (verdict,) = verdicts(_portfolio_rows())
    assert verdict.question.key == "portfolio"
    assert verdict.ground_truth == "exact optimum"
    assert verdict.instance == "k = 3 of 10 assets, q = 3"
    # the heuristic is fastest but misses the optimum; exact enumeration wins
    assert verdict.winner == "exact (enumeration)"
    assert verdict.margin.startswith("5.0× faster than MIQP (SCIP)")
    sentence = verdict.sentence
    assert "exact (enumeration) wins" in sentence and "matches the exact optimum" in sentence
    assert "heuristic is 2.0× faster but less accurate (error 0.400 %)" in sentence
    assert "Not scored: convex relaxation" in sentence
    table = verdict.table.set_index("method")
    assert table.loc["QUBO neal", "verdict"] == "as accurate, 215× slower"
    assert table.loc["convex relaxation", "verdict"] == "not scored: a bound or breaks a constraint"


def test_a_quantum_inspired_winner_is_named_just_as_plainly():
    rows = _portfolio_rows()
    rows.loc[rows["method"] == "QUBO neal", "seconds"] = 0.001
    (verdict,) = verdicts(rows)
    assert verdict.winner == "QUBO neal"
    assert verdict.sentence.startswith("k = 3 of 10 assets, q = 3: QUBO neal wins")
    assert "20× faster than exact (enumeration)" in verdict.sentence


def test_each_ground_truth_and_instance_gets_its_own_verdict():
    found = verdicts(_var_rows())
    keys = [(v.instance, v.ground_truth, v.winner) for v in found]
    assert keys == [
        ("95 % VaR", "empirical quantile", "historical"),
        ("95 % VaR", "discretised VaR (64 points)", "AE iterative"),
        ("97.5 % VaR", "empirical quantile", "historical"),
        ("97.5 % VaR", "discretised VaR (64 points)", "AE iterative"),
    ]
    first = found[0]
    assert "1.82 % of value" in first.sentence  # the ground truth is quoted
    assert "normal is 1.2× faster but less accurate (error 11.0 %)" in first.sentence
    assert set(first.table["method"]) == {"historical", "normal", "mc"}  # no AE on this axis


def test_the_ground_truths_own_uncertainty_makes_methods_as_accurate():
    rows = _var_rows()
    rows = rows[rows["ground_truth_kind"] == "empirical quantile"].copy()
    rows["ground_truth_low"] = rows["ground_truth"] * 0.97  # bootstrap interval of the data
    rows["ground_truth_high"] = rows["ground_truth"] * 1.03
    rows.loc[rows["method"] == "mc", "seconds"] = 0.0001
    verdict = verdicts(rows)[0]
    # mc is within the data's own ±3 % and fastest of those as accurate
    assert verdict.winner == "mc"
    assert ("its error, 1.00 %, lies within ±3.00 %, the uncertainty of the empirical "
            "quantile itself (1.82 % of value), in 0.000100 s per call") in verdict.sentence


def test_error_intervals_from_estimate_bounds():
    rows = pd.DataFrame([
        {"task": "var", "method": "AE iterative", "ground_truth": 0.02, "error": 0.05,
         "estimate_low": 0.0205, "estimate_high": 0.0215, "seconds": 0.1},
        {"task": "var", "method": "mc", "ground_truth": 0.02, "error": 0.02,
         "estimate_low": 0.0195, "estimate_high": 0.0209, "seconds": 1.0}])
    (verdict,) = verdicts(rows)
    table = verdict.table.set_index("method")
    assert table.loc["AE iterative", "error_low"] == pytest.approx(0.025)
    assert table.loc["AE iterative", "error_high"] == pytest.approx(0.075)
    assert table.loc["mc", "error_low"] == 0.0  # the interval holds the ground truth
    assert verdict.winner == "mc"
    assert "interval 0 % to 4.50 %" in verdict.sentence
    assert "0 to 4.50" in findings_html(rows)


def test_rows_of_a_new_suite_register_by_a_question_column():
    rows = pd.DataFrame([
        {"question": "CCEF (OR-Library)", "instance": "port1, K = 10", "method": "miqp",
         "ground_truth_kind": "published UEF", "error": 0.0012, "seconds": 3.0},
        {"question": "CCEF (OR-Library)", "instance": "port1, K = 10", "method": "heuristic",
         "ground_truth_kind": "published UEF", "error": 0.0030, "seconds": 0.2}])
    (verdict,) = verdicts(rows)
    assert verdict.question.title == "CCEF (OR-Library)"
    assert verdict.winner == "miqp"
    assert "smallest error against the published UEF, 0.120 %" in verdict.sentence
    assert "the runner-up, heuristic, has error 0.300 %" in verdict.sentence
    page = findings_html(rows)
    assert "CCEF (OR-Library)" in page and "Against the published UEF" in page


def test_register_question_gives_a_suite_its_title_instances_and_note():
    question = register_question(Question(
        key="qoblib-test", title="QOBLIB portfolio (test)", tasks=("qoblib-test",),
        instance_columns=("instance_name",), ground_truth="best-known value",
        note="Gurobi's best-known values; time limit 1 h."))
    try:
        rows = pd.DataFrame([{"task": "qoblib-test", "instance_name": "po_a010", "method": m,
                              "error": e, "seconds": s}
                             for m, e, s in (("SA", 0.01, 2.0), ("SB", 0.01, 1.0))])
        (verdict,) = verdicts(rows)
        assert verdict.question is question
        assert verdict.instance == "instance_name = po_a010"
        assert verdict.winner == "SB"
        assert "Gurobi&#x27;s best-known values" in findings_html(rows)
        assert verdicts(rows, questions=["portfolio"]) == []
    finally:
        QUESTIONS.pop("qoblib-test")


def test_old_rows_and_missing_columns_do_not_break_the_findings():
    assert verdicts(pd.DataFrame()) == []
    assert verdicts(pd.DataFrame({"task": ["portfolio"], "objective": [1.0]})) == []
    no_seconds = pd.DataFrame({"task": "var", "method": ["a", "b"], "error": [0.1, 0.2]})
    (verdict,) = verdicts(no_seconds)
    assert verdict.winner == "a" and "per call" not in verdict.sentence
    no_error = pd.DataFrame({"task": "var", "method": ["a", "b"], "seconds": [1.0, 2.0]})
    (verdict,) = verdicts(no_error)
    assert verdict.winner is None and "no method has an error" in verdict.sentence
    # rows written back from parquet/CSV: flags as text, NaN as "NaN"
    text = _portfolio_rows().astype({"feasible": str})
    text.loc[4, "feasible"] = "false"
    assert verdicts(text)[0].table.set_index("method").loc["convex relaxation", "verdict"] \
        == "not scored: a bound or breaks a constraint"
    summary_rows = pd.DataFrame({"task": "var", "method": ["a"], "median_error": [0.1],
                                 "feasible": ["NaN"]})
    assert verdicts(summary_rows) == []
    other = pd.DataFrame({"task": ["data"], "method": ["x"], "error": [0.1]})
    assert verdicts(other) == []
    with pytest.raises(DataError, match="rows must be a DataFrame"):
        verdicts([{"method": "a"}])
    with pytest.raises(DataError, match="question must be a qfin.report.Question"):
        register_question("portfolio")


def test_findings_html_is_a_table_then_one_sentence_per_verdict():
    page = findings_html(pd.concat([_portfolio_rows(), _var_rows()], ignore_index=True))
    assert page.index("Portfolio selection") < page.index("Value at Risk")
    assert page.count("<table") == 3  # portfolio; VaR vs empirical; VaR vs discretised
    assert page.count("<li>") == 5  # one sentence per verdict
    for header in ("method", "error vs exact optimum (%)", "time per call (s)", "verdict"):
        assert f">{header}</th>" in page
    first_table = page[:page.index("</table>")]
    assert re.search(r">0\.0200</td>", first_table)  # seconds, 3 significant digits
    assert "nan" not in page.lower()
    assert "No result row answers" in findings_html(pd.DataFrame({"x": [np.nan]}))


def test_errors_in_per_cent_and_published_context_rows():
    rows = pd.DataFrame([
        {"question": "CCEF", "instance": "port1", "method": "miqp", "error": 1.2,
         "error_measure": "mean % deviation (a)", "seconds": 30.0,
         "source": "measured (this run)"},
        {"question": "CCEF", "instance": "port1", "method": "heuristic", "error": 1.2,
         "error_measure": "mean % deviation (a)", "seconds": 2.0,
         "source": "measured (this run)"},
        {"question": "CCEF", "instance": "port1", "method": "GA (Chang et al. 2000)",
         "error": 0.9, "error_measure": "mean % deviation (a)", "seconds": np.nan,
         "source": "published (context)"}])
    (verdict,) = verdicts(rows)
    table = verdict.table.set_index("method")
    assert table.loc["miqp", "error"] == pytest.approx(0.012)  # 1.2 per cent
    assert verdict.winner == "heuristic"  # as accurate as miqp, 15× faster
    assert table.loc["GA (Chang et al. 2000)", "verdict"] == \
        "context: published, not measured in this run"
    assert "GA" not in verdict.sentence
    explicit = rows.drop(columns="error_measure").assign(error_unit="percent")
    assert verdicts(explicit)[0].table["error"].max() == pytest.approx(0.012)
    fraction = rows.drop(columns="error_measure").assign(error_unit="fraction")
    assert verdicts(fraction)[0].table["error"].max() == pytest.approx(1.2)


def test_scorecard_rows_whole_call_time_bounds_and_short_ground_truth_names():
    rows = pd.DataFrame([
        {"task": "var", "method": "historical", "ground_truth_kind": "data", "error": 0.0,
         "whole_call_s": 0.002, "seconds": 9.0, "ground_truth": 0.02},
        {"task": "var", "method": "mc", "ground_truth_kind": "model", "error": -0.01,
         "whole_call_s": 0.1, "ground_truth": 0.02},
        {"task": "var", "method": "AE iterative", "ground_truth_kind": "model", "error": 0.0,
         "whole_call_s": 0.3, "ground_truth": 0.02},
        {"task": "portfolio", "method": "convex relaxation", "role": "lower bound",
         "error": -0.12, "whole_call_s": 0.01},
        {"task": "portfolio", "method": "exact", "role": "solution", "error": 0.0,
         "whole_call_s": 0.5}])
    found = {(v.question.key, v.ground_truth): v for v in verdicts(rows)}
    data = found[("var", "VaR of the data (empirical quantile)")]
    assert data.table.loc[0, "seconds"] == 0.002  # the whole call, not `seconds`
    model = found[("var", "exact VaR of each method's own model")]
    assert model.winner == "AE iterative"  # |−1 %| is an error too: signs do not count
    portfolio = found[("portfolio", "exact optimum")]
    assert portfolio.winner == "exact"
    assert portfolio.table.set_index("method").loc["convex relaxation", "verdict"] == \
        "not scored: a bound or breaks a constraint"


def test_signed_error_intervals_are_folded_and_uncertainty_is_not_counted_twice():
    # as var_scorecard writes them: signed errors, the data's bootstrap band mapped into
    # the error interval of every "data" row, and the ground truth's own interval
    truth, lo, hi = 0.02, 0.019, 0.021  # ±5 %
    rows = pd.DataFrame([
        {"task": "var", "method": m, "ground_truth_kind": "data", "ground_truth": truth,
         "ground_truth_low": lo, "ground_truth_high": hi, "error": (est - truth) / truth,
         "error_low": (est - hi) / truth, "error_high": (est - lo) / truth,
         "whole_call_s": sec}
        for m, est, sec in (("historical", 0.020, 0.01), ("normal", 0.0209, 0.001),
                            ("t", 0.0188, 0.0005), ("mc", 0.0225, 0.0001))])
    (verdict,) = verdicts(rows)
    table = verdict.table.set_index("method")
    assert table.loc["historical", "error_low"] == 0.0  # the signed interval straddles 0
    assert table.loc["historical", "error_high"] == pytest.approx(0.05)
    assert table.loc["t", "error_low"] == pytest.approx(0.01)  # [-0.11, -0.01] folded
    assert table.loc["t", "error_high"] == pytest.approx(0.11)
    # within ±5 %: historical and normal (4.5 %); t (6 %) and mc (12.5 %) are not
    assert set(table.index[table["as_accurate"]]) == {"historical", "normal"}
    assert verdict.winner == "normal"
