"""qfin's structured annealing: exact moves, feasibility, recombination, backends."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest

from qfin.backends import get
from qfin.datasets import load_qoblib_portfolio, qoblib_published_value
from qfin.errors import ProblemError
from qfin.portfolio.qoblib import QoblibModel
from qfin.samplers import StructuredAnnealingSampler, StructuredCountModel, block_descent
from qfin.samplers._structured import (
    _Engine,
    random_feasible_counts,
    random_restart_descent,
    recombine,
)


@pytest.fixture(scope="module")
def a010():
    return load_qoblib_portfolio("po_a010_t10_orig")


def _structured(inst, q, mode="published", **kw):
    return QoblibModel(inst, q, **kw).to_structured(mode)


def _tiny_model(a010, periods: int = 3) -> StructuredCountModel:
    """The a010 model cut to a few periods (a valid StructuredCountModel)."""
    sm = _structured(a010, 1e-4)
    return StructuredCountModel(h=sm.h[:periods], P=sm.P[:periods], W=sm.W[:periods],
                                upper=sm.upper, A=sm.A, lo=sm.lo, hi=sm.hi,
                                row_energy=sm.row_energy[:periods], groups=sm.groups)


def test_reaches_the_optimal_published_value(a010):
    sm = _structured(a010, 0.0)
    res = StructuredAnnealingSampler().sample(sm, num_reads=4, num_sweeps=100, seed=3)
    assert res.best_energy == qoblib_published_value(a010, 0.0).objective  # OPTIMAL, -110512
    assert np.all(sm.feasible(res.counts))
    np.testing.assert_allclose(res.energies, sm.energies(res.counts))
    assert res.info["backend"] == "numpy" and res.info["device"] == "cpu"
    assert res.trajectory and res.trajectory[-1][1] == res.best_energy


def test_numpy_is_reproducible(a010):
    sm = _structured(a010, 1e-4)
    runs = [StructuredAnnealingSampler().sample(sm, num_reads=3, num_sweeps=30, seed=11)
            for _ in range(2)]
    np.testing.assert_array_equal(runs[0].counts, runs[1].counts)


def test_trajectory_move_is_the_exact_best_path(a010):
    """Viterbi over an asset's 16 states per period = brute force over all 16³ paths."""
    sm = _tiny_model(a010, periods=3)
    rng = np.random.default_rng(5)
    start = random_feasible_counts(sm, 4, rng)
    eng = _Engine(sm, 4, get("numpy"), np.float64, 0)
    eng._setup_period_moves()
    eng.set_state(start)
    assets = np.array([0, 3, 7, 9])
    eng.single(assets, 0.0)
    after = eng.counts()
    for r, i in enumerate(assets):
        best = np.inf
        for path in itertools.product(range(16), repeat=3):
            c = start[r].copy()
            c[:, 2 * i] = [s // 4 for s in path]
            c[:, 2 * i + 1] = [s % 4 for s in path]
            best = min(best, sm.energies(c))
        assert sm.energies(after[r]) == pytest.approx(best, abs=1e-6)


@pytest.mark.parametrize("q", [0.0, 1e-3, 1e-2])
def test_moves_keep_rows_and_exact_energies(a010, q):
    sm = _structured(a010, q)
    eng = _Engine(sm, 6, get("numpy"), np.float64, 1)
    eng._setup_period_moves()
    eng.set_state(random_feasible_counts(sm, 6, eng.np_rng))
    for k in range(30):
        tau = 500.0 if k < 20 else 0.0
        eng.period_step(k % 2, tau)
        eng.single(eng.random_assets()[:, 0], tau)
        eng.pair(*eng.pair_assets(), tau)
        counts = eng.counts()
        assert np.all(sm.feasible(counts))
        np.testing.assert_allclose(eng.E, sm.energies(counts), rtol=1e-9, atol=1e-6)


def test_recombination_never_loses(a010):
    sm = _structured(a010, 5e-4)
    rng = np.random.default_rng(0)
    pool, _ = block_descent(sm, random_feasible_counts(sm, 6, rng), max_rounds=3)
    child, energy = recombine(sm, pool)
    assert energy == pytest.approx(sm.energies(child))
    assert energy <= sm.energies(pool).min() + 1e-9
    assert sm.feasible(child)


def test_block_descent_and_polish_only(a010):
    sm = _structured(a010, 1e-4)
    start = random_feasible_counts(sm, 4, np.random.default_rng(1))
    out, energies = block_descent(sm, start)
    assert np.all(energies <= sm.energies(start) + 1e-9)
    res = random_restart_descent(sm, time_limit=0.5, num_reads=2, seed=0,
                                 clock=time.process_time)
    assert res.info["restarts"] >= 1 and np.isfinite(res.best_energy)


def test_random_feasible_counts_meet_lower_bounds(a010):
    """b_tot = 50 with 5 count bits forces at least 19 units per period (as in a200)."""
    sm = _structured(a010, 1e-4, b_tot=50)
    counts = random_feasible_counts(sm, 5, np.random.default_rng(2))
    assert np.all(sm.feasible(counts))
    assert counts.sum(axis=2).min() >= 19


def test_time_limit_and_target(a010):
    sm = _structured(a010, 1e-4)
    res = StructuredAnnealingSampler().sample(sm, num_reads=2, time_limit=0.5, seed=0,
                                              clock=time.process_time)
    assert res.info["stop"] == "time_limit" and res.info["timing"]["total"] >= 0.5
    target = qoblib_published_value(a010, 0.0).objective
    res = StructuredAnnealingSampler().sample(_structured(a010, 0.0), num_reads=4,
                                              time_limit=60, target=target, seed=1)
    assert res.info["stop"] == "target" and res.best_energy <= target


def test_bad_parameters(a010):
    sm = _structured(a010, 1e-4)
    sampler = StructuredAnnealingSampler()
    with pytest.raises(ProblemError, match="num_reads must be an integer >= 1"):
        sampler.sample(sm, num_reads=0)
    with pytest.raises(ProblemError, match="time_limit must be a number of seconds > 0"):
        sampler.sample(sm, time_limit=-1)
    with pytest.raises(ProblemError, match="initial counts must be feasible"):
        sampler.sample(sm, num_reads=2, initial=np.full((10, 20), 3))
    with pytest.raises(ProblemError, match="StructuredCountModel"):
        sampler.sample("not a model")
    with pytest.raises(ProblemError, match="W must be <= 0"):
        StructuredCountModel(h=sm.h, P=sm.P, W=-sm.W, upper=3, A=sm.A, lo=sm.lo, hi=sm.hi,
                             row_energy=sm.row_energy, groups=sm.groups)


def test_memory_grows_with_t_k_squared(a010):
    """The count model holds T·K² couplings; the binary BQM would hold T·(6n)²/2."""
    sm = _structured(a010, 1e-4)
    T, K = sm.n_periods, sm.n_classes
    assert sm.P.nbytes == T * K * K * 8
    assert sm.nbytes < 2 * sm.P.nbytes
    binary_couplings = T * (3 * K) * (3 * K - 1) // 2
    assert binary_couplings > 4 * T * K * K


@pytest.mark.mlx
def test_mlx_backend(a010, backend_name):
    sm = _structured(a010, 1e-4)
    res = StructuredAnnealingSampler().sample(sm, num_reads=4, num_sweeps=40, seed=2,
                                              backend=backend_name)
    assert np.all(sm.feasible(res.counts))
    np.testing.assert_allclose(res.energies, sm.energies(res.counts))
    assert res.info["backend"] == backend_name
    assert res.info["device"] in ("cpu", "gpu:metal", "gpu:cuda")
    assert res.best_energy <= qoblib_published_value(a010, 1e-4).objective + 5000
