"""Constraint-aware sample_cqm: feasibility kept, exact optima on small CQMs, fallback."""

from __future__ import annotations

import itertools

import dimod
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qfin.errors import ProblemError
from qfin.samplers import ParallelAnnealingSampler, SimulatedBifurcationSampler
from qfin.samplers._constrained import plan_cqm


def _portfolio_cqm(n: int, K: int, seed: int, sector_cap: int | None = None,
                   exact: bool = True):
    rng = np.random.default_rng(seed)
    F = rng.normal(size=(n, 2))
    cov = F @ F.T / 10 + np.diag(rng.uniform(0.01, 0.05, n))
    mu = rng.normal(0.1, 0.05, n)
    obj = dimod.BQM("BINARY")
    for i in range(n):
        obj.add_linear(f"x{i}", -mu[i] / max(K, 1) + cov[i, i] / max(K, 1) ** 2)
        for j in range(i + 1, n):
            obj.add_quadratic(f"x{i}", f"x{j}", 2 * cov[i, j] / max(K, 1) ** 2)
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(obj)
    cqm.add_constraint_from_iterable([(f"x{i}", 1) for i in range(n)], "==", rhs=K,
                                     label="card")
    if not exact:
        return cqm, None
    if sector_cap is not None:
        cqm.add_constraint_from_iterable([(f"x{i}", 1) for i in range(n // 2)], "<=",
                                         rhs=sector_cap, label="sector")
    best = np.inf
    for combo in itertools.combinations(range(n), K):
        if sector_cap is not None and sum(i < n // 2 for i in combo) > sector_cap:
            continue
        best = min(best, obj.energy({f"x{i}": int(i in combo) for i in range(n)}))
    return cqm, best


def _weights_cqm(n: int, bits: int, seed: int):
    rng = np.random.default_rng(seed)
    F = rng.normal(size=(n, 2))
    cov = F @ F.T / 10 + np.diag(rng.uniform(0.01, 0.05, n))
    mu = rng.normal(0.1, 0.05, n)
    D = 2**bits - 1
    w = [sum((2**b / D) * dimod.Binary((i, b)) for b in range(bits)) for i in range(n)]
    obj = sum(-mu[i] * w[i] for i in range(n)) + sum(
        cov[i, j] * w[i] * w[j] for i in range(n) for j in range(n))
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(obj)
    cqm.add_constraint(sum(D * wi for wi in w) == D, label="budget")
    best = np.inf
    for units in itertools.product(range(D + 1), repeat=n):
        if sum(units) == D:
            ww = np.array(units) / D
            best = min(best, -mu @ ww + ww @ cov @ ww)
    return cqm, best


@pytest.fixture(scope="module")
def card_case():
    return _portfolio_cqm(12, 4, seed=1)


@pytest.fixture(scope="module")
def sector_case():
    return _portfolio_cqm(12, 4, seed=2, sector_cap=1)


@pytest.fixture(scope="module")
def weights_case():
    return _weights_cqm(4, 3, seed=3)


def test_swap_mode_feasible_and_optimal(card_case):
    cqm, best = card_case
    ss = ParallelAnnealingSampler().sample_cqm(cqm, num_reads=64, seed=1, num_sweeps=30)
    assert ss.info["mode"] == "swap" and ss.info["exact_constraint"] == "card"
    assert ss.record.is_feasible.all()  # the moves never leave Σx = K
    assert ss.first.energy == pytest.approx(best)
    assert np.mean(np.isclose(ss.record.energy, best)) >= 0.25


def test_swap_mode_unpolished_is_still_feasible(card_case):
    cqm, _ = card_case
    ss = SimulatedBifurcationSampler().sample_cqm(cqm, num_reads=32, seed=4, polish=False,
                                                  num_sweeps=5)
    assert ss.record.is_feasible.all()
    assert ss.info["timing"]["polish"] == 0.0


def test_sector_constraint_penalised_exactly(sector_case):
    cqm, best = sector_case
    ss = ParallelAnnealingSampler().sample_cqm(cqm, num_reads=64, seed=2, num_sweeps=30)
    assert ss.info["penalised_constraints"] == ["sector"]
    feasible = ss.record.is_feasible
    assert feasible.mean() > 0.9
    assert ss.record.energy[feasible].min() == pytest.approx(best)


def test_weights_unit_exchange(weights_case):
    cqm, best = weights_case
    plan = plan_cqm(cqm)
    assert plan is not None and plan.kind == "exchange"
    assert list(plan.upper) == [7, 7, 7, 7]
    ss = ParallelAnnealingSampler().sample_cqm(cqm, num_reads=64, seed=3, num_sweeps=40)
    assert ss.record.is_feasible.all()
    assert ss.first.energy == pytest.approx(best)


def test_polish_effect_reported(card_case):
    cqm, _ = card_case
    ss = ParallelAnnealingSampler().sample_cqm(cqm, num_reads=32, seed=5, num_sweeps=2)
    info = ss.info["polish"]
    assert info["mean_energy_after"] <= info["mean_energy_before"] + 1e-12
    assert np.all(ss.record.energy <= ss.record.energy_unpolished + 1e-12)


def test_seeded_reproducible(sector_case):
    cqm, _ = sector_case
    a = ParallelAnnealingSampler().sample_cqm(cqm, num_reads=16, seed=9, num_sweeps=5)
    b = ParallelAnnealingSampler().sample_cqm(cqm, num_reads=16, seed=9, num_sweeps=5)
    assert np.array_equal(a.record.sample, b.record.sample)


def test_penalty_fallback_for_other_constraints():
    cqm = dimod.ConstrainedQuadraticModel()
    x = [dimod.Binary(i) for i in range(4)]
    cqm.set_objective(-x[0] - 2 * x[1] + x[2] - x[3] + x[0] * x[1])
    cqm.add_constraint(x[0] + 2 * x[1] + 3 * x[3] <= 3, label="knap")
    assert plan_cqm(cqm) is None
    ss = SimulatedBifurcationSampler().sample_cqm(cqm, num_reads=32, seed=1, penalty=5.0)
    assert ss.info["mode"] == "penalty"
    feasible = ss.record.is_feasible
    assert feasible.any()
    # brute force the CQM
    best = min(cqm.objective.energy(dict(enumerate(bits)))
               for bits in itertools.product([0, 1], repeat=4)
               if cqm.check_feasible(dict(enumerate(bits))))
    assert ss.record.energy[feasible].min() == pytest.approx(best)


def test_bad_cqm_input(card_case):
    cqm, _ = card_case
    sampler = ParallelAnnealingSampler()
    with pytest.raises(ProblemError, match="cqm must be a dimod.ConstrainedQuadraticModel"):
        sampler.sample_cqm(dimod.BQM("BINARY"))
    with pytest.raises(ProblemError, match="at least one variable"):
        sampler.sample_cqm(dimod.ConstrainedQuadraticModel())
    with pytest.raises(ProblemError, match="mode must be one of"):
        sampler.sample_cqm(cqm, mode="magic")
    with pytest.raises(ProblemError, match="num_reads must be an integer"):
        sampler.sample_cqm(cqm, num_reads=0)
    with pytest.raises(ProblemError, match="apply to the penalised BQM only"):
        sampler.sample_cqm(cqm, num_steps=10)
    knap = dimod.ConstrainedQuadraticModel()
    knap.set_objective(dimod.Binary("a") + dimod.Binary("b"))
    knap.add_constraint(dimod.Binary("a") + 2 * dimod.Binary("b") <= 2)
    with pytest.raises(ProblemError, match="mode='exchange' needs"):
        sampler.sample_cqm(knap, mode="exchange")


@settings(max_examples=12, deadline=None)
@given(n=st.integers(2, 9), data=st.data())
def test_exchange_keeps_cardinality_property(n, data):
    K = data.draw(st.integers(0, n))
    seed = data.draw(st.integers(0, 1000))
    cqm, _ = _portfolio_cqm(n, K, seed=seed, exact=False)  # K = 0 and K = n: no move exists
    ss = ParallelAnnealingSampler().sample_cqm(cqm, num_reads=8, seed=seed, num_sweeps=3)
    assert ss.record.is_feasible.all()
    assert np.all(ss.record.sample.sum(axis=1) == K)
    for sample, energy in ss.data(["sample", "energy"]):
        assert energy == pytest.approx(cqm.objective.energy(sample))
