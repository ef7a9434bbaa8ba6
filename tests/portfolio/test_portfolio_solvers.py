"""Solvers against ground truth: exact enumeration, SCIP, ExactSolver."""

from __future__ import annotations

import math

import dimod
import numpy as np
import pytest

from qfin.errors import ProblemError, SolverError
from qfin.portfolio import (
    PortfolioProblem,
    PortfolioResult,
    calibrate_penalty,
    count_candidates,
    efficient_frontier,
    exact_optimum,
    frontier_figure,
    penalty_figure,
    penalty_sweep,
    solve,
    synthetic_problem,
    time_to_solution,
    tts99,
)

TEN = ["AAPL", "CVX", "JNJ", "KO", "LLY", "MRK", "PEP", "PG", "XOM", "WMT"]


@pytest.fixture(scope="module", params=[5, 10])
def sample_case(request, sample_store):
    problem = PortfolioProblem.from_store(store=sample_store, cardinality=request.param)
    return problem, solve(problem, "exact", reference=None)


@pytest.fixture(scope="module")
def four_bit(sample_store):
    problem = PortfolioProblem.from_store(TEN, store=sample_store, bits=4)
    return problem, solve(problem, "miqp", reference=None, time_limit=60)


def test_exact_and_miqp_agree_on_the_sample(sample_case):
    problem, exact = sample_case
    assert exact.info["n_candidates"] == math.comb(20, problem.cardinality)
    miqp = solve(problem, "miqp", reference=exact)
    assert miqp.info["optimal"] and miqp.info["mip_gap"] == pytest.approx(0.0, abs=1e-9)
    assert abs(miqp.objective - exact.objective) <= 1e-8 * abs(exact.objective)
    np.testing.assert_allclose(miqp.weights, exact.weights, atol=1e-12)
    # q = 3 makes both terms matter: risk is a sizeable share of the return
    terms = problem.terms(exact.weights)
    assert 0.2 < terms["risk_term"] / terms["expected_return"] < 0.9


def test_neal_with_defaults_finds_the_sample_optimum(sample_case):
    problem, exact = sample_case
    res = solve(problem, "neal", seed=7)
    assert res.info["reference_source"] == "exact enumeration"
    assert res.gap is not None and res.gap <= 1e-6
    assert res.feasible and res.info["best_read_feasible"]
    # default penalty "auto": the heuristic, escalated to the bound only when needed
    assert res.info["penalty_method"].startswith("auto")
    expected = "heuristic" if res.info["penalty_method"] == "auto: heuristic" else "bound"
    assert res.info["penalty"] == pytest.approx(calibrate_penalty(problem, expected))
    m = res.metrics
    assert m["num_reads"] == 2000 and 0 < m["success_probability"] <= 1
    assert 0 < m["feasibility_rate"] <= 1
    # TTS99 in whole calls of 2000 reads, the model build charged once (issue 11.6)
    assert m["call_success_probability"] == pytest.approx(
        1 - (1 - m["success_probability"]) ** 2000)
    assert m["tts99"] == pytest.approx(time_to_solution(
        m["call_seconds"], m["call_success_probability"], whole_attempts=True,
        setup_seconds=m["setup_seconds"]))
    assert m["tts99"] >= m["call_seconds"] + m["setup_seconds"] > 0
    assert m["setup_seconds"] == res.timings["build_seconds"] > 0
    assert m["tts99_per_read"] == pytest.approx(
        tts99(m["seconds_per_read"], m["success_probability"]))
    reads = problem.interpret(res.sampleset)
    assert m["feasibility_rate"] == pytest.approx(
        reads.loc[reads["feasible"], "num_occurrences"].sum() / 2000)


def test_heuristic_and_convex_baselines(sample_case):
    problem, exact = sample_case
    heur = solve(problem, "heuristic", reference=exact)
    assert heur.feasible and (heur.weights > 0).sum() == problem.cardinality
    assert heur.gap >= -1e-12
    convex = solve(problem, "convex", reference=exact)
    assert not convex.feasible and convex.objective <= exact.objective + 1e-9
    assert convex.weights.sum() == pytest.approx(1.0) and (convex.weights >= 0).all()
    assert convex.metrics["success_probability"] is None


def test_four_bit_weights_on_ten_assets(four_bit):
    problem, miqp = four_bit
    assert miqp.info["optimal"] and miqp.feasible
    units = miqp.weights * 15
    np.testing.assert_allclose(units, np.rint(units), atol=1e-9)
    neal = solve(problem, "neal", seed=3, reference=miqp, num_reads=200)
    assert neal.gap is not None and neal.gap >= -1e-12  # reported, never below the optimum
    assert 0 <= neal.metrics["feasibility_rate"] <= 1
    assert neal.metrics["success_probability"] is not None
    # the convex optimum is a lower bound, within one grid step per weight of the optimum,
    # and its largest-remainder rounding to the grid brackets the discrete optimum
    from qfin.portfolio._heuristic import round_to_grid

    convex = solve(problem, "convex", reference=miqp)
    assert convex.objective <= miqp.objective + 1e-9
    assert np.abs(convex.weights - miqp.weights).max() <= 1 / 15
    rounded = round_to_grid(convex.weights, 1 / 15, 15, np.zeros(10, int), np.full(10, 15))
    assert rounded.sum() == 15 and np.abs(rounded / 15 - convex.weights).max() <= 1 / 15
    assert miqp.objective <= problem.objective(rounded / 15) + 1e-12


def test_exact_and_miqp_agree_on_small_weights_problem():
    problem = synthetic_problem(6, seed=4, cardinality=3, bits=3, bounds=(0.0, 0.6))
    exact = solve(problem, "exact", reference=None)
    miqp = solve(problem, "miqp", reference=exact)
    assert (exact.weights > 0).sum() == 3
    assert abs(miqp.gap) <= 1e-8
    heur = solve(problem, "heuristic", reference=exact)
    assert heur.feasible and heur.gap >= -1e-12


def test_any_dimod_sampler_works_like_neal():
    problem = synthetic_problem(8, seed=2, cardinality=3)
    res = solve(problem, dimod.ExactSolver(), reference="auto")
    assert res.method == "ExactSolver" and res.gap == pytest.approx(0.0, abs=1e-12)
    assert res.metrics["num_reads"] == 2**8 and res.sampleset is not None
    with pytest.raises(ProblemError, match="does not accept"):
        solve(problem, dimod.ExactSolver(), num_sweeps=10)


def test_result_is_frozen_and_summarises(sample_case):
    problem, exact = sample_case
    assert isinstance(exact, PortfolioResult)
    with pytest.raises(AttributeError):
        exact.objective = 0.0  # type: ignore[misc]
    summary = exact.summary()
    assert summary["method"] == "exact" and len(summary["weights"]) == problem.cardinality
    assert exact.weights_series().index.tolist() == problem.tickers


def test_tts99():
    assert tts99(2.0, 0.99) == pytest.approx(2.0)
    assert tts99(1.0, 1.0) == 1.0 and tts99(1.0, 0.0) == math.inf
    assert tts99(0.5, 0.1) == pytest.approx(0.5 * math.log(0.01) / math.log(0.9))
    with pytest.raises(ProblemError, match=r"p must be a probability in \[0, 1\]; got 1.5"):
        tts99(1.0, 1.5)
    with pytest.raises(ProblemError, match="seconds_per_read must be a finite number ≥ 0"):
        tts99(-1.0, 0.5)


def test_solver_errors():
    problem = synthetic_problem(30, seed=0)
    assert count_candidates(problem) == math.comb(30, 7)
    with pytest.raises(SolverError, match="use method='miqp'"):
        exact_optimum(problem, max_candidates=1000)
    with pytest.raises(ProblemError, match="method must be one of"):
        solve(problem, "qaoa")
    with pytest.raises(ProblemError, match="method 'exact' does not accept"):
        solve(problem, "exact", num_reads=5)
    with pytest.raises(ProblemError, match="seed must be an integer"):
        solve(problem, "heuristic", seed=1.5)
    with pytest.raises(ProblemError, match="reference must be a finite number"):
        solve(problem, "heuristic", reference=math.nan)
    with pytest.raises(ProblemError, match="problem must be a PortfolioProblem"):
        solve({"mu": [1]}, "exact")
    with pytest.raises(SolverError, match="time_limit must be a positive"):
        solve(problem, "miqp", time_limit=-1)
    with pytest.raises(ProblemError, match="num_reads must be ≥ 1"):
        solve(problem, "neal", num_reads=0)


def test_penalty_sweep_and_frontier_tables():
    problem = synthetic_problem(8, seed=5, cardinality=3)
    bound = calibrate_penalty(problem)
    table = penalty_sweep(problem, [bound * 0.01, bound], num_reads=50, seed=1)
    assert table["reference_source"].eq("exact enumeration").all()
    assert table.loc[1, "feasibility_rate"] > 0 and table.loc[1, "gap"] >= -1e-12
    assert table["penalty_over_bound"].tolist() == pytest.approx([0.01, 1.0])
    assert len(penalty_figure(table).data) == 2
    frontier = efficient_frontier(problem, [0.5, 5.0], methods=("convex", "exact"))
    assert len(frontier) == 4
    convex = frontier[frontier["method"] == "convex"].set_index("risk_aversion")
    assert convex.loc[0.5, "volatility"] >= convex.loc[5.0, "volatility"] - 1e-9
    assert len(frontier_figure(frontier).data) == 2
    with pytest.raises(ProblemError, match="risk_aversions must be non-empty"):
        efficient_frontier(problem, [])


@pytest.mark.parametrize("risk_aversion", [0.5, 10.0, 30.0])
def test_neal_defaults_are_robust_to_risk_aversion(sample_store, risk_aversion):
    problem = PortfolioProblem.from_store(cardinality=10, risk_aversion=risk_aversion,
                                          store=sample_store)
    res = solve(problem, "neal", seed=3)
    assert res.gap is not None and res.gap <= 1e-6
    assert res.info["best_read_feasible"]


def test_auto_penalty_escalates_to_the_bound_when_the_heuristic_is_too_small():
    # Two strongly hedging assets with equal returns: holding both (violating K = 1) beats
    # either one alone by more than the heuristic penalty max|diag| = 0.99.
    cov = np.array([[0.01, -0.009], [-0.009, 0.01]])
    problem = PortfolioProblem([1.0, 1.0], cov, cardinality=1, risk_aversion=1.0)
    res = solve(problem, "neal", seed=1, num_reads=50)
    assert res.info["penalty_method"].startswith("auto: bound")
    assert res.info["best_read_feasible"] and res.gap == pytest.approx(0.0, abs=1e-12)


# ------------------------------------------------------------------ issue 11.4: one TTS
def test_tts99_never_below_one_read_and_monotone_in_p():
    """p = 0.9999 gave 0.5 read-times and p = 1 one read-time: TTS fell, then rose."""
    assert tts99(1.0, 0.9999) == 1.0
    ps = np.concatenate([np.linspace(1e-4, 0.98, 200), np.linspace(0.98, 1.0, 2001)])
    values = np.array([tts99(2.0, float(p)) for p in ps])
    assert (values >= 2.0).all()
    assert (np.diff(values) <= 1e-12).all()
    assert tts99(2.0, 0.5) == pytest.approx(2.0 * math.log(0.01) / math.log(0.5))


@pytest.mark.parametrize("whole", [False, True])
def test_time_to_solution_floor_whole_attempts_and_setup(whole):
    t, setup = 0.3, 1.5
    prev = math.inf
    for p in np.linspace(0.001, 1.0, 1000):
        value = time_to_solution(t, float(p), whole_attempts=whole, setup_seconds=setup)
        assert setup + t <= value <= prev + 1e-12
        if whole:
            assert ((value - setup) / t) == pytest.approx(round((value - setup) / t))
        prev = value
    assert time_to_solution(t, 0.0, setup_seconds=setup) == math.inf
    with pytest.raises(ProblemError, match="setup_seconds must be a finite number ≥ 0"):
        time_to_solution(t, 0.5, setup_seconds=-1.0)
    with pytest.raises(ProblemError, match=r"p must be a probability in \[0, 1\]"):
        time_to_solution(t, float("nan"))


def test_one_tts_implementation_shared_by_the_samplers_benchmark():
    import qfin.bench.samplers as bench

    assert not hasattr(bench, "tts")  # the benchmark's own copy is gone
    assert bench.time_to_solution is time_to_solution


# ------------------------------------------------------------------ issue 11.5: feasibility
def test_convex_relaxation_is_a_bound_never_a_feasible_winner(sample_store):
    """`qfin optimize --k 4 --risk-aversion 0.5 --method convex`: 100 % in one asset was
    labelled feasible with gap -12 %."""
    problem = PortfolioProblem.from_store(store=sample_store, cardinality=4, risk_aversion=0.5)
    exact = solve(problem, "exact", reference=None)
    convex = solve(problem, "convex", reference=exact)
    assert convex.is_bound and not convex.feasible
    assert convex.objective < exact.objective and convex.gap < 0
    assert {"cardinality", "equal_weights"} <= set(convex.info["violated_constraints"])
    summary = convex.summary()
    assert summary["role"] == "lower bound" and summary["gap_kind"].startswith("bound gap")
    assert convex.metrics["success_probability"] is None
    assert not exact.is_bound and exact.summary()["role"] == "solution"


@pytest.mark.parametrize("seed", range(6))
def test_no_method_is_feasible_below_the_certified_optimum(seed):
    rng = np.random.default_rng(seed)
    problem = synthetic_problem(10, seed=seed).replace(
        cardinality=int(rng.integers(2, 5)), risk_aversion=float(rng.uniform(0.2, 5.0)))
    exact = solve(problem, "exact", reference=None)
    for method in ("convex", "heuristic", "miqp"):
        res = solve(problem, method, reference=exact)
        assert res.feasible == problem.is_feasible(res.weights)
        if res.feasible:
            assert res.objective >= exact.objective - 1e-9 * abs(exact.objective), method
        else:
            assert res.is_bound


def test_metrics_docstring_examples():
    import doctest

    import qfin.portfolio._metrics as metrics

    assert doctest.testmod(metrics).failed == 0
