from __future__ import annotations

import numpy as np
import pytest

from qfin.errors import ProblemError
from qfin.qae import (
    IterativeAE,
    MaximumLikelihoodAE,
    conditional_value_at_risk,
    expected_loss,
    value_at_risk,
)


def test_iqae_var_on_sample_matches_exact_discretised_var(sample_dist):
    k = sample_dist.var_index(0.99)
    hits = bracketed = 0
    for seed in range(100):
        res = value_at_risk(sample_dist, 0.99, IterativeAE(1e-3, 0.05, seed))
        hits += res.index == k
        lo, hi = res.bracket_indices
        bracketed += lo <= k <= hi
        assert res.bracket[0] <= res.value <= res.bracket[1]
        assert len(res.estimates) == 10  # n bisection steps for 2**n points
        assert res.oracle_queries == sum(e.oracle_queries for e in res.estimates)
    assert hits >= 95 and bracketed >= 95


def test_cvar_and_expected_loss_brackets(sample_dist):
    c = 0.99
    exact_ru = sample_dist.conditional_value_at_risk(c)
    exact_tc = sample_dist.conditional_value_at_risk(c, "tail-conditional")
    covered_ru = covered_tc = covered_el = 0
    for seed in range(40):
        est = IterativeAE(1e-3, 0.05, seed)
        var = value_at_risk(sample_dist, c, est)
        ru = conditional_value_at_risk(sample_dist, c, est, var=var)
        tc = conditional_value_at_risk(sample_dist, c, est, var=var,
                                       definition="tail-conditional")
        el = expected_loss(sample_dist, est)
        covered_ru += ru.bracket[0] <= exact_ru <= ru.bracket[1]
        covered_tc += tc.bracket[0] <= exact_tc <= tc.bracket[1]
        covered_el += el.bracket[0] <= sample_dist.expected_loss() <= el.bracket[1]
        assert ru.oracle_queries > var.oracle_queries
        assert ru.var is var
    assert covered_ru >= 36 and covered_tc >= 36 and covered_el >= 36


def test_rockafellar_uryasev_cvar_is_conservative_for_a_wrong_var(small_dist):
    # any VaR candidate gives an upper bound of the CVaR
    c = 0.9
    exact = small_dist.conditional_value_at_risk(c)
    for v in small_dist.values:
        bound = v + np.dot(small_dist.probabilities, np.clip(small_dist.values - v, 0, None)) / (
            1 - c)
        assert bound >= exact - 1e-12


def test_var_with_mlae(small_dist):
    res = value_at_risk(small_dist, 0.9, MaximumLikelihoodAE(seed=1))
    assert res.value == small_dist.value_at_risk(0.9)
    assert res.method == "maximum-likelihood"


def test_risk_bad_inputs(small_dist):
    est = IterativeAE(1e-2, 0.05, 0)
    for c in (0, 1, 1.2, -0.5):
        with pytest.raises(ProblemError, match="confidence must be in \\(0, 1\\)"):
            value_at_risk(small_dist, c, est)
        with pytest.raises(ProblemError, match="confidence must be in \\(0, 1\\)"):
            conditional_value_at_risk(small_dist, c, est)
    with pytest.raises(ProblemError, match="estimator must be an amplitude estimator"):
        value_at_risk(small_dist, 0.9, "iqae")
    with pytest.raises(ProblemError, match="definition must be one of"):
        conditional_value_at_risk(small_dist, 0.9, est, definition="mean")
    el = expected_loss(small_dist, est)
    with pytest.raises(ProblemError, match="var must be the result of value_at_risk"):
        conditional_value_at_risk(small_dist, 0.9, est, var=el)


# ------------------------------------------------ issue 11.2: CDF exactly on the level
def test_point_var_is_flagged_and_bracket_answers_when_cdf_sits_on_the_level():
    """500 equally likely days at 0.99: F = 0.99 exactly from the 495th loss to the 496th."""
    from qfin.qae import DiscreteDistribution

    losses = np.random.default_rng(5).standard_t(4, 500) * 0.01
    dist = DiscreteDistribution.from_samples(losses, 12)
    assert dist.cdf_on_level(0.99)
    k = dist.var_index(0.99)
    k_next = int(np.argmax(dist.cdf > 0.99 * (1 + 1e-12)))  # next point with mass
    points, flagged, bracketed = set(), 0, 0
    for seed in range(30):
        res = value_at_risk(dist, 0.99, IterativeAE(1e-3, 0.05, seed))
        points.add(res.index)
        flagged += res.undecided
        lo, hi = res.bracket_indices
        if res.undecided:
            assert res.answer == res.bracket and lo < hi
        bracketed += lo <= k <= hi  # the exact discretised VaR lies in the answer
        assert k <= res.index <= k_next  # the coin toss stays on the flat stretch
        cvar = conditional_value_at_risk(dist, 0.99, IterativeAE(1e-3, 0.05, seed), var=res)
        assert cvar.undecided == res.undecided
        assert res.as_dict()["undecided"] == res.undecided
    assert flagged >= 27          # the intervals contain the level (coverage 0.95 or more)
    assert len(points) >= 2       # ... and the point VaR really is a coin toss
    assert bracketed >= 27        # (when every interval holds, the bracket holds the VaR)


def test_point_var_is_decided_when_the_cdf_is_off_the_level(sample_dist):
    """365 days at 0.99 (not whole): IQAE decides every step and the answer is the point."""
    assert not sample_dist.cdf_on_level(0.99)
    res = value_at_risk(sample_dist, 0.99, IterativeAE(1e-3, 0.05, 1))
    assert not res.undecided
    assert res.answer == (res.value, res.value) == res.bracket
