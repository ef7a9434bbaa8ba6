"""CQM/BQM formulations, decoding and penalty calibration."""

from __future__ import annotations

import dimod
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qfin.errors import ProblemError
from qfin.portfolio import (
    PortfolioProblem,
    calibrate_penalty,
    exact_optimum,
    penalty_details,
    synthetic_problem,
)


def _problem(n: int, seed: int, **kwargs) -> PortfolioProblem:
    return synthetic_problem(n, seed=seed, **kwargs)


def _random_sampleset(bqm: dimod.BinaryQuadraticModel, rng: np.random.Generator, m: int):
    samples = rng.integers(0, 2, size=(m, bqm.num_variables))
    return dimod.SampleSet.from_samples_bqm((samples, list(bqm.variables)), bqm)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(3, 7), data=st.data())
def test_energy_is_objective_plus_penalty_violation_squared(seed, n, data):
    formulation = data.draw(st.sampled_from(["cardinality", "weights"]))
    k = data.draw(st.integers(1, n))
    bits = data.draw(st.integers(1, 3))
    penalty = data.draw(st.floats(0.01, 50.0))
    base = _problem(n, seed)
    # equality constraints only (Σx = K, or Σ units = 2ᴮ − 1): no slack variables
    p = (PortfolioProblem(base.mu, base.cov, cardinality=k) if formulation == "cardinality"
         else PortfolioProblem(base.mu, base.cov, bits=bits))
    bqm = p.to_bqm(penalty, formulation)
    reads = p.interpret(_random_sampleset(bqm, np.random.default_rng(seed), 20), formulation)
    np.testing.assert_allclose(reads["energy"],
                               reads["objective"] + penalty * reads["violation"] ** 2,
                               rtol=1e-9, atol=1e-9)
    feasible = reads[reads["feasible"]]
    for w in feasible["weights"]:
        assert w.sum() == pytest.approx(p.budget, abs=1e-12)
        assert p.is_feasible(w)
    for w in reads.loc[~reads["feasible"], "weights"]:
        assert not p.is_feasible(w)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(3, 6), k=st.integers(1, 3),
       method=st.sampled_from(["bound", "heuristic"]))
def test_bound_penalty_makes_every_ground_state_feasible(seed, n, k, method):
    # dimod.ExactSolver is the oracle: with the bound every BQM minimum is the exact optimum
    p = _problem(n, seed, cardinality=min(k, n))
    value = calibrate_penalty(p, method)
    ground = dimod.ExactSolver().sample(p.to_bqm(value)).lowest(atol=1e-12)
    reads = p.interpret(ground)
    if method == "bound":
        assert reads["feasible"].all()
        assert reads["objective"].min() == pytest.approx(exact_optimum(p)["objective"],
                                                         rel=1e-9, abs=1e-12)


def test_weights_formulation_with_bounds_cardinality_and_sectors_on_exact_solver():
    p = _problem(4, 7, cardinality=2, bits=2, bounds=(0.0, 2 / 3),
                 sectors=["a", "a", "b", "b"], sector_limits={"a": 2 / 3})
    cqm = p.to_cqm()
    assert {"budget", "count", "sector[a]"} <= set(cqm.constraints)
    assert cqm.objective.offset == 0
    # dimod's brute-force CQM solver is the oracle for the CQM (the BQM has slack bits)
    every = dimod.ExactCQMSolver().sample_cqm(cqm)
    reads = p.interpret(every)
    # same feasible portfolios (interpret judges the weights; y may disagree with them)
    def portfolios(mask):
        return {tuple(np.round(w, 12)) for w in reads.loc[mask, "weights"]}

    assert portfolios(every.record.is_feasible) == portfolios(reads["feasible"].to_numpy())
    reads = reads[reads["feasible"]]
    best = exact_optimum(p)
    assert reads["objective"].min() == pytest.approx(best["objective"], rel=1e-9)
    w = best["weights"]
    assert (np.abs(w) > 0).sum() == 2 and w.max() <= 2 / 3 + 1e-12 and w[:2].sum() <= 2 / 3


def test_penalty_details_are_consistent():
    p = _problem(8, 1, cardinality=3)
    d = penalty_details(p)
    assert d["lower_bound"] <= exact_optimum(p)["objective"] <= d["feasible_objective"]
    assert d["bound"] == min(d["flip_bound"], d["gap_bound"])
    assert calibrate_penalty(p) == pytest.approx(1.01 * d["bound"])
    weights = PortfolioProblem(p.mu[:4], p.cov[:4, :4], bits=3)
    assert penalty_details(weights)["flip_bound"] is None  # only for Σx = K alone


def test_penalty_and_interpret_errors():
    p = _problem(5, 0, cardinality=2)
    for bad, match in [(-1.0, "penalty must be a finite number > 0"),
                       ("big", "penalty method must be one of"),
                       ([1.0], "penalty must be None, 'bound', 'heuristic' or a positive")]:
        with pytest.raises(ProblemError, match=match):
            p.to_bqm(bad)
    other = dimod.SampleSet.from_samples({"a": 1}, dimod.BINARY, energy=[0.0])
    with pytest.raises(ProblemError, match="sampleset lacks 5 variable"):
        p.interpret(other)
    with pytest.raises(ProblemError, match="sampleset must be a dimod.SampleSet"):
        p.interpret({"x[0]": 1})
    with pytest.raises(ProblemError, match="margin must be a positive number"):
        calibrate_penalty(p, margin=0.0)


def test_grid_infeasible_bounds_are_reported():
    p = PortfolioProblem([0.1, 0.2], np.eye(2) * 0.05, bits=1, bounds=(0.3, 0.7))
    with pytest.raises(ProblemError, match="no allowed weight on the grid"):
        p.to_cqm()
