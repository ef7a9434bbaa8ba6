from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qfin.errors import ProblemError
from qfin.risk import historical_var, horizon_losses, value_at_risk


def test_matches_independent_csv_computation(sample_returns, csv_equal_losses):
    res = historical_var(sample_returns, confidence=0.99)
    losses = np.sort(csv_equal_losses)
    k = math.ceil(0.99 * losses.size)  # inverted CDF: the k-th smallest loss
    assert res.value == pytest.approx(losses[k - 1], abs=1e-12)
    assert res.cvar == pytest.approx(losses[k - 1:].mean(), abs=1e-12)
    assert res.samples == losses.size == 365
    assert res.info["quantile_method"] == "inverted_cdf"
    assert res.to_dict()["quantile_method"] == "inverted_cdf"
    assert res.confidence_interval is None


def test_other_quantile_method(sample_returns, csv_equal_losses):
    res = historical_var(sample_returns, confidence=0.95, quantile_method="linear")
    var = np.quantile(csv_equal_losses, 0.95)
    assert res.value == pytest.approx(var, abs=1e-12)
    assert res.cvar == pytest.approx(csv_equal_losses[csv_equal_losses >= var].mean(), abs=1e-12)


def test_bad_quantile_method(sample_returns):
    with pytest.raises(ProblemError, match="quantile_method"):
        historical_var(sample_returns, quantile_method="nope")


def test_horizon_uses_overlapping_compounded_windows():
    rng = np.random.default_rng(3)
    r = rng.normal(0.0005, 0.01, size=(50, 3))
    w = np.array([0.2, 0.3, 0.5])
    h = 5
    brute = np.array([-(np.prod(1 + r[t:t + h], axis=0) - 1) @ w for t in range(50 - h + 1)])
    np.testing.assert_allclose(horizon_losses(r, w, h), brute, rtol=1e-12, atol=1e-15)
    res = historical_var(r, w, confidence=0.9, horizon=h)
    assert res.samples == 46
    assert res.value == pytest.approx(np.quantile(brute, 0.9, method="inverted_cdf"), abs=1e-14)


def test_too_few_scenarios():
    r = np.random.default_rng(0).normal(size=(50, 2)) * 0.01
    with pytest.raises(ProblemError, match="at least 100 independent scenarios"):
        historical_var(r, confidence=0.99)
    with pytest.raises(ProblemError, match="horizon"):
        historical_var(r, confidence=0.5, horizon=50)


returns_strategy = st.lists(st.floats(-0.2, 0.2, allow_nan=False), min_size=40, max_size=120)


@settings(max_examples=40, deadline=None)
@given(returns_strategy, st.floats(0.5, 0.95), st.floats(-0.01, 0.01))
def test_invariants(rets, confidence, shift):
    r = np.asarray(rets)[:, None]
    res = historical_var(r, [1.0], confidence=confidence)
    assert res.cvar >= res.value - 1e-15
    assert res.value <= -r.min() + 1e-15
    # translation: adding a constant return lowers every loss by it
    moved = historical_var(r + shift, [1.0], confidence=confidence)
    assert moved.value == pytest.approx(res.value - shift, abs=1e-12)
    # monotone in the confidence level
    higher = historical_var(r, [1.0], confidence=min(confidence + 0.02, 0.99))
    assert higher.value >= res.value - 1e-15


def test_dispatcher_rejects_paths_for_historical(sample_returns):
    with pytest.raises(ProblemError, match="paths and seed"):
        value_at_risk(sample_returns, method="historical", paths=1000)
