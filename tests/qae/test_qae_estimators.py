from __future__ import annotations

import numpy as np
import pytest

from qfin.errors import ProblemError
from qfin.qae import CanonicalAE, IterativeAE, MaximumLikelihoodAE


@pytest.fixture(scope="module")
def var_point(sample_dist):
    k = sample_dist.var_index(0.99)
    return k, float(sample_dist.cdf[k])


def _coverage(factory, dist, k, exact, seeds):
    results = [factory(s).estimate_cdf_index(dist, k) for s in range(seeds)]
    return np.mean([r.covers(exact) for r in results]), results


@pytest.mark.parametrize("interval", ["clopper-pearson", "chernoff"])
def test_iqae_covers_exact_cdf_in_500_seeds(sample_dist, var_point, interval):
    k, exact = var_point
    cov, results = _coverage(lambda s: IterativeAE(1e-3, 0.05, s, interval=interval),
                             sample_dist, k, exact, 500)
    assert cov >= 0.95
    # the interval reaches the target width
    widths = [r.confidence_interval[1] - r.confidence_interval[0] for r in results]
    assert max(widths) <= 2e-3 + 1e-12
    r = results[0]
    assert r.oracle_queries == 100 * sum(r.schedule)
    assert r.shots == 100 * len(r.schedule)
    assert r.a_calls == sum(100 * (2 * m + 1) for m in r.schedule)
    assert r.method == "iterative" and r.simulator == "exact" and r.seconds > 0


def test_mlae_likelihood_ratio_covers_exact_cdf(sample_dist, var_point):
    k, exact = var_point
    cov, results = _coverage(lambda s: MaximumLikelihoodAE("exponential", 100, seed=s),
                             sample_dist, k, exact, 200)
    assert cov >= 0.95
    r = results[0]
    assert r.schedule == (0, 1, 2, 4, 8, 16, 32, 64)
    assert r.oracle_queries == 100 * 127
    errors = [abs(r.estimate - exact) for r in results]
    assert np.median(errors) < 1e-4


def test_mlae_fisher_interval_and_linear_schedule(sample_dist, var_point):
    k, exact = var_point
    res = MaximumLikelihoodAE("linear", 50, n_powers=10, interval="fisher",
                              seed=1).estimate_cdf_index(sample_dist, k)
    assert res.schedule == tuple(range(10)) and res.oracle_queries == 50 * 45
    assert abs(res.estimate - exact) < 5e-3
    custom = MaximumLikelihoodAE([0, 3, 7], 100, seed=2).estimate_amplitude(0.3)
    assert custom.schedule == (0, 3, 7)
    assert custom.covers(0.3)


def test_canonical_covers_exact_cdf(sample_dist, var_point):
    k, exact = var_point
    # the likelihood-ratio interval is asymptotic: with M = 256 it holds at about 1 - alpha
    # (measured over 500 seeds in `qfin bench qae`); 100 seeds here, so allow the noise
    cov, results = _coverage(lambda s: CanonicalAE(8, 100, seed=s), sample_dist, k, exact, 100)
    assert cov >= 0.93
    r = results[0]
    assert r.oracle_queries == 100 * 255 and r.schedule == (1, 2, 4, 8, 16, 32, 64, 128)
    on_grid = np.sin(np.pi * 5 / 64) ** 2
    grid = CanonicalAE(6, 1, estimate="grid", seed=0).estimate_amplitude(on_grid)
    assert grid.estimate == pytest.approx(on_grid)  # an exact grid point is measured surely


@pytest.mark.parametrize("factory", [
    lambda sim: IterativeAE(1e-2, 0.05, 11, simulator=sim),
    lambda sim: MaximumLikelihoodAE("exponential", 100, n_powers=5, seed=11, simulator=sim),
    lambda sim: CanonicalAE(4, 50, seed=11, simulator=sim),
])
def test_state_vector_and_fast_path_give_the_same_estimates(small_dist, factory):
    exact_path = factory("exact").estimate_cdf(small_dist, 0.5)
    state_vector = factory("statevector").estimate_cdf(small_dist, 0.5)
    assert state_vector.simulator == "statevector"
    assert state_vector.estimate == pytest.approx(exact_path.estimate, abs=1e-9)
    assert state_vector.oracle_queries == exact_path.oracle_queries
    payoff = np.linspace(0, 1, small_dist.size)
    a = factory("exact").estimate_expectation(small_dist, payoff)
    b = factory("statevector").estimate_expectation(small_dist, payoff)
    assert a.estimate == pytest.approx(b.estimate, abs=1e-9)


def test_seeded_estimates_are_reproducible(small_dist):
    a = IterativeAE(1e-3, 0.05, seed=5).estimate_cdf(small_dist, 0.0)
    b = IterativeAE(1e-3, 0.05, seed=5).estimate_cdf(small_dist, 0.0)
    assert a.estimate == b.estimate and a.schedule == b.schedule


@pytest.mark.parametrize("a", [0.0, 1.0, 1e-9, 1 - 1e-9, 0.5])
def test_edge_amplitudes(a):
    for est in (IterativeAE(1e-3, 0.05, 0), MaximumLikelihoodAE(seed=0),
                CanonicalAE(5, 20, seed=0)):
        res = est.estimate_amplitude(a)
        assert 0.0 <= res.confidence_interval[0] <= res.confidence_interval[1] <= 1.0
        assert abs(res.estimate - a) < 0.02


def test_estimator_bad_inputs(small_dist):
    for eps in (0, -1e-3, 0.5):
        with pytest.raises(ProblemError, match="epsilon must"):
            IterativeAE(eps)
    for alpha in (0, 1, -0.1, 2):
        with pytest.raises(ProblemError, match="alpha must be in \\(0, 1\\)"):
            IterativeAE(1e-3, alpha)
        with pytest.raises(ProblemError, match="alpha must be in \\(0, 1\\)"):
            MaximumLikelihoodAE(alpha=alpha)
        with pytest.raises(ProblemError, match="alpha must be in \\(0, 1\\)"):
            CanonicalAE(alpha=alpha)
    with pytest.raises(ProblemError, match="shots must be an integer >= 1"):
        IterativeAE(1e-3, shots=0)
    with pytest.raises(ProblemError, match="interval must be"):
        IterativeAE(1e-3, interval="wald")
    with pytest.raises(ProblemError, match="min_ratio must exceed 1"):
        IterativeAE(1e-3, min_ratio=1.0)
    with pytest.raises(ProblemError, match="schedule must be"):
        MaximumLikelihoodAE("quadratic")
    with pytest.raises(ProblemError, match="non-negative integer powers"):
        MaximumLikelihoodAE([0, -1])
    with pytest.raises(ProblemError, match="n_powers must be at most 30"):
        MaximumLikelihoodAE("exponential", n_powers=31)
    with pytest.raises(ProblemError, match="interval must be 'fisher', 'likelihood-ratio' or"):
        MaximumLikelihoodAE(interval="wald")
    with pytest.raises(ProblemError, match="n_eval_qubits must be in 1..20"):
        CanonicalAE(21)
    with pytest.raises(ProblemError, match="n_eval_qubits must be an integer >= 1"):
        CanonicalAE(0)
    with pytest.raises(ProblemError, match="estimate must be 'mle' or 'grid'"):
        CanonicalAE(estimate="mode")
    with pytest.raises(ProblemError, match="simulator must be one of"):
        IterativeAE(1e-3, simulator="hardware")
    est = IterativeAE(1e-2, seed=0)
    with pytest.raises(ProblemError, match="threshold must lie on the grid"):
        est.estimate_cdf(small_dist, 10.0)
    with pytest.raises(ProblemError, match="dist must be a DiscreteDistribution"):
        est.estimate_cdf([0.1, 0.9], 0.0)
    with pytest.raises(ProblemError, match="payoff values must lie in"):
        est.estimate_expectation(small_dist, small_dist.values)
