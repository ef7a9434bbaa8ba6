"""Cardinality-constrained efficient frontier: methods against SCIP on port1, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qfin.datasets import load_orlib
from qfin.errors import ProblemError
from qfin.portfolio import (
    CCEF_METHODS,
    PortfolioProblem,
    cardinality_frontier,
    frontier_errors,
    lambda_grid,
    rescore_frontier,
)
from qfin.portfolio._subset_qp import SubsetQP

LAMBDAS = [0.0, 0.5, 36 / 49, 48 / 49, 1.0]


@pytest.fixture(scope="module")
def port1():
    return load_orlib(1)


@pytest.fixture(scope="module")
def problem(port1):
    return PortfolioProblem.from_moments(port1.mu, port1.cov)


@pytest.fixture(scope="module")
def frontiers(problem):
    return {m: cardinality_frontier(problem, method=m, lambdas=LAMBDAS, time_limit=20,
                                    num_reads=8, n_anchors=3, seed=1)
            for m in CCEF_METHODS}


def test_lambda_grid():
    assert lambda_grid(50)[[0, 1, -1]].tolist() == pytest.approx([0.0, 1 / 49, 1.0])
    with pytest.raises(ProblemError, match="n_points"):
        lambda_grid(0)


def test_from_moments_labels_and_non_psd():
    p = PortfolioProblem.from_moments([0.01, 0.02], np.diag([0.001, 0.004]), labels=["a", "b"])
    assert p.tickers == ["a", "b"]
    with pytest.raises(ProblemError, match="positive semi-definite"):
        PortfolioProblem.from_moments([0.01, 0.02], [[1.0, 2.0], [2.0, 1.0]])


@pytest.mark.parametrize("kwargs, match", [
    ({"k": 32}, r"1 ≤ k ≤ n_assets = 31"),
    ({"k": 0}, r"1 ≤ k ≤ n_assets"),
    ({"k": 10, "min_weight": 0.11}, r"k·min_weight = .* > 1"),
    ({"k": 10, "max_weight": 0.09}, r"k·max_weight = .* < 1"),
    ({"min_weight": 0.0}, "0 < min_weight"),
    ({"method": "neal"}, "method must be one of"),
    ({"lambdas": [1.5]}, r"lambdas must be numbers in \[0, 1\]"),
])
def test_bad_input(problem, kwargs, match):
    with pytest.raises(ProblemError, match=match):
        cardinality_frontier(problem, **{"n_points": 2, "method": "heuristic", **kwargs})


@pytest.mark.slow
def test_every_point_feasible(frontiers):
    for frontier in frontiers.values():
        for point in frontier.points:
            held = np.flatnonzero(point.weights)
            assert held.size == 10
            assert point.weights[held].min() >= 0.01 - 1e-12
            assert point.weights.max() <= 1.0 + 1e-12
            assert abs(point.weights.sum() - 1.0) <= 1e-12


@pytest.mark.slow
def test_methods_reach_scip_optimum(frontiers):
    exact = frontiers["miqp"]
    assert exact.n_optimal == len(LAMBDAS)
    for method in ("heuristic", "qubo-hybrid", "polish-only"):
        errors = frontier_errors(frontiers[method], load_orlib(1).uef, reference=exact)
        assert errors["n_within_1e6"] == errors["n_proven"] == len(LAMBDAS), method
        assert errors["max_gap"] <= 1e-9


@pytest.mark.slow
def test_lambda_zero_is_top_returns(port1, frontiers):
    # λ = 0: pure return, so 0.91 on the best asset and 0.01 on the next nine
    w = frontiers["heuristic"].points[0].weights
    order = np.argsort(-port1.mu.to_numpy())
    assert w[order[0]] == pytest.approx(0.91) and np.allclose(w[order[1:10]], 0.01)


@pytest.mark.slow
def test_json_round_trip_rescores_identically(port1, frontiers):
    frontier = frontiers["qubo-hybrid"]
    payload = json.loads(json.dumps(frontier.to_dict()))
    assert payload["method"] == "qubo-hybrid" and payload["seconds"] > 0
    assert set(payload["points"][0]["weights"]) <= set(port1.labels)
    again = rescore_frontier(payload, port1.mu, port1.cov, port1.uef, labels=port1.labels,
                             k=10, min_weight=0.01, max_weight=1.0)
    direct = frontier_errors(frontier, port1.uef)
    for key in ("mean_error", "median_error", "mean_error_b", "vre", "mre"):
        assert again[key] == pytest.approx(direct[key], rel=1e-12, abs=1e-12), key
    bad = json.loads(json.dumps(payload))
    label = next(iter(bad["points"][1]["weights"]))
    bad["points"][1]["weights"][label] += 1e-6
    with pytest.raises(ProblemError, match="sum to"):
        rescore_frontier(bad, port1.mu, port1.cov, port1.uef, labels=port1.labels, k=10,
                         min_weight=0.01, max_weight=1.0)
    del bad["points"][1]["weights"][label]
    with pytest.raises(ProblemError, match="holds 9 assets"):
        rescore_frontier(bad, port1.mu, port1.cov, port1.uef, labels=port1.labels, k=10,
                         min_weight=0.01, max_weight=1.0)


@pytest.mark.slow
def test_protocol_b_set_is_non_dominated(frontiers):
    met = frontiers["polish-only"].met
    ret, var = met["expected_return"].to_numpy(), met["variance"].to_numpy()
    assert len(met) >= len(LAMBDAS)
    assert (np.diff(ret) > 0).all() and (np.diff(var) > 0).all()


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.05, 1.0))
def test_subset_qp_matches_cvxpy(seed, lam):
    import cvxpy as cp

    inst = load_orlib(1)
    engine = SubsetQP(inst.mu.to_numpy(), inst.cov.to_numpy(), 5, 0.05, 0.4)
    subset = np.sort(np.random.default_rng(seed).choice(31, 5, replace=False))
    w, value = engine.solve(lam, subset)
    assert abs(w.sum() - 1) <= 1e-12 and w.min() >= 0.05 and w.max() <= 0.4
    x = cp.Variable(5)
    cov = inst.cov.to_numpy()[np.ix_(subset, subset)]
    prob = cp.Problem(cp.Minimize(lam * cp.quad_form(x, cov) - (1 - lam) * inst.mu.to_numpy()[
        subset] @ x), [cp.sum(x) == 1, x >= 0.05, x <= 0.4])
    prob.solve(solver="CLARABEL")
    assert value <= prob.value + 1e-9 * max(1.0, abs(prob.value))


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([0.0, 0.3, 0.9, 1.0]),
       st.sampled_from([(10, 0.01, 1.0), (5, 0.1, 0.4), (4, 0.25, 0.25)]))
def test_swap_lower_bound_never_exceeds_a_neighbours_qp(seed, lam, constraints):
    """The bound that lets the swap search skip QPs is a true lower bound on each of them."""
    from qfin.portfolio._subset_qp import swap_lower_bounds

    inst = load_orlib(1)
    k, lo, hi = constraints
    engine = SubsetQP(inst.mu.to_numpy(), inst.cov.to_numpy(), k, lo, hi, record=False)
    subset = np.sort(np.random.default_rng(seed).choice(31, k, replace=False))
    w, value = engine.solve(lam, subset)
    grad = 2 * lam * (engine.cov[:, subset] @ w) - (1 - lam) * engine.mu
    outside = np.setdiff1d(np.arange(31), subset)
    bound = swap_lower_bounds(engine, lam, subset, w, value, grad, outside)
    size = abs(value) + lam * engine.cov_scale + (1 - lam) * engine.mu_scale
    for p in range(k):
        for q in range(outside.size):
            neighbour = np.sort(np.append(np.delete(subset, p), outside[q]))
            assert engine.solve(lam, neighbour)[1] >= bound[p, q] - 1e-14 * size


@pytest.mark.parametrize("lam", [0.0, 0.3, 0.9, 1.0])
def test_swap_lower_bound_skips_swaps(lam):
    """Over fixed random subsets the bound proves many swaps useless (so QPs are skipped)."""
    from qfin.portfolio._subset_qp import swap_lower_bounds

    inst = load_orlib(1)
    skipped = 0
    for seed in range(5):
        engine = SubsetQP(inst.mu.to_numpy(), inst.cov.to_numpy(), 10, 0.01, 1.0, record=False)
        subset = np.sort(np.random.default_rng(seed).choice(31, 10, replace=False))
        w, value = engine.solve(lam, subset)
        grad = 2 * lam * (engine.cov[:, subset] @ w) - (1 - lam) * engine.mu
        outside = np.setdiff1d(np.arange(31), subset)
        skipped += int((swap_lower_bounds(engine, lam, subset, w, value, grad, outside)
                        >= value).sum())
    assert skipped > 0
