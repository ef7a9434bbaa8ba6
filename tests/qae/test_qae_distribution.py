from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from qfin.errors import DataError, ProblemError
from qfin.qae import DiscreteDistribution


def test_constructor_and_exact_measures_match_brute_force():
    values = np.array([0.0, 1.0, 2.0, 3.0])
    probs = np.array([0.5, 0.3, 0.15, 0.05])
    dist = DiscreteDistribution(values, probs)
    assert dist.n_qubits == 2 and dist.size == 4
    assert dist.cdf_at(1.0) == pytest.approx(0.8)
    assert dist.cdf_at(1.5) == pytest.approx(0.8)  # largest grid point <= threshold
    assert dist.value_at_risk(0.9) == 2.0
    assert dist.value_at_risk(0.8) == 1.0  # F == confidence exactly counts
    # Rockafellar-Uryasev: VaR + E[(L - VaR)+] / (1 - c)
    assert dist.conditional_value_at_risk(0.9) == pytest.approx(2.0 + 0.05 * 1.0 / 0.1)
    assert dist.conditional_value_at_risk(0.9, "tail-conditional") == pytest.approx(3.0)
    assert dist.expected_loss() == pytest.approx(0.3 + 0.3 + 0.15)
    assert dist.survival[1] == pytest.approx(0.2)


def test_from_parametric_uses_cdf_differences_and_var_within_half_step():
    norm = scipy.stats.norm(0.0, 1.0)
    for n in (4, 8, 12):
        dist = DiscreteDistribution.from_parametric(norm, n, -4.0, 4.0)
        h = 8.0 / (2**n - 1)
        assert dist.probabilities.sum() == pytest.approx(1.0, abs=1e-12)
        mid = 2 ** (n - 1)
        expected = norm.cdf(dist.values[mid] + h / 2) - norm.cdf(dist.values[mid] - h / 2)
        assert dist.probabilities[mid] == pytest.approx(expected, rel=1e-12)
        assert abs(dist.value_at_risk(0.99) - norm.ppf(0.99)) <= h / 2 + 1e-12


def test_from_samples_matches_empirical_quantile(losses):
    dist = DiscreteDistribution.from_samples(losses, 10)
    h = (dist.l_max - dist.l_min) / (dist.size - 1)
    empirical = np.quantile(losses, 0.99, method="inverted_cdf")
    assert abs(dist.value_at_risk(0.99) - empirical) <= h / 2 + 1e-15
    assert dist.l_min == losses.min() and dist.l_max == losses.max()


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 8), st.integers(0, 2**32 - 1), st.floats(0.01, 0.99))
def test_var_index_is_smallest_index_reaching_confidence(n, seed, confidence):
    rng = np.random.default_rng(seed)
    p = rng.random(2**n) * (rng.random(2**n) < 0.7)
    if p.sum() == 0:
        p[0] = 1.0
    dist = DiscreteDistribution(np.arange(2**n, dtype=float), p / p.sum())
    k = dist.var_index(confidence)
    assert dist.cdf[k] >= confidence - 1e-12
    assert k == 0 or dist.cdf[k - 1] < confidence
    assert np.all(np.diff(dist.cdf) >= 0)
    np.testing.assert_allclose(dist.cdf + dist.survival, 1.0, atol=1e-12)


@pytest.mark.parametrize("n", [0, 25, 2.5, "3"])
def test_qubits_out_of_range(n):
    with pytest.raises(ProblemError, match="n_qubits must be an integer in 1..24"):
        DiscreteDistribution.from_parametric(scipy.stats.norm(), n, -1, 1)


def test_bad_pmfs():
    with pytest.raises(ProblemError, match="sum to 1"):
        DiscreteDistribution([0, 1, 2, 3], [0.1, 0.1, 0.1, 0.1])
    with pytest.raises(ProblemError, match="non-negative"):
        DiscreteDistribution([0, 1], [1.5, -0.5])
    with pytest.raises(ProblemError, match="2\\*\\*n points"):
        DiscreteDistribution([0, 1, 2], [0.2, 0.3, 0.5])
    with pytest.raises(ProblemError, match="2\\*\\*n points"):
        DiscreteDistribution([0.0], [1.0])
    with pytest.raises(ProblemError, match="strictly increasing"):
        DiscreteDistribution([0, 2, 1, 3], [0.25] * 4)
    with pytest.raises(ProblemError, match="shape of values"):
        DiscreteDistribution([0, 1, 2, 3], [0.5, 0.5])
    with pytest.raises(ProblemError, match="finite"):
        DiscreteDistribution([0, 1], [np.nan, 1.0])
    with pytest.raises(ProblemError, match="l_max must exceed l_min"):
        DiscreteDistribution.from_parametric(scipy.stats.norm(), 3, 1.0, -1.0)
    with pytest.raises(ProblemError, match="cdf method"):
        DiscreteDistribution.from_parametric(object(), 3, -1.0, 1.0)
    with pytest.raises(DataError, match="at least one scenario"):
        DiscreteDistribution.from_samples([], 3)
    with pytest.raises(DataError, match="finite"):
        DiscreteDistribution.from_samples([0.1, np.inf], 3)


def test_bad_thresholds_confidence_payoff(small_dist):
    with pytest.raises(ProblemError, match="threshold must lie on the grid"):
        small_dist.cdf_at(5.0)
    with pytest.raises(ProblemError, match="threshold must lie on the grid"):
        small_dist.index_of(-1.5)
    with pytest.raises(ProblemError, match="threshold must be a number"):
        small_dist.index_of("x")
    for c in (0.0, 1.0, -0.1, 1.5, "a"):
        with pytest.raises(ProblemError, match="confidence must be"):
            small_dist.value_at_risk(c)
    with pytest.raises(ProblemError, match="definition must be"):
        small_dist.conditional_value_at_risk(0.9, "other")
    with pytest.raises(ProblemError, match="payoff values must lie in \\[0, 1\\]"):
        small_dist.payoff_values(small_dist.values)
    with pytest.raises(ProblemError, match="one value per grid point"):
        small_dist.payoff_values(np.zeros(3))
    with pytest.raises(ProblemError, match="index must be in 0..15"):
        small_dist.check_index(16)


# ---------------------------------------------------------------- issue 11.1: CDF on the level
VAR_LEVELS = ("0.9", "0.95", "0.975", "0.99", "0.995", "0.999")


@pytest.mark.parametrize("level", VAR_LEVELS)
def test_var_of_n_equal_atoms_when_confidence_times_n_is_whole(level):
    """F reaches the level exactly at atom c*N: that atom is the VaR, not the next one."""
    from fractions import Fraction

    c, checked = float(level), 0
    for n in range(10, 2049):
        whole = Fraction(level) * n
        if whole.denominator != 1:
            continue
        size = 1 << max(1, (n - 1).bit_length())
        p = np.zeros(size)
        p[:n] = 1.0 / n
        dist = DiscreteDistribution(np.arange(size, dtype=float), p)
        assert dist.var_index(c) == int(whole) - 1, (n, level)
        assert dist.cdf_on_level(c)
        checked += 1
    assert checked >= 2


@settings(max_examples=200, deadline=None)
@given(counts=st.lists(st.integers(0, 50), min_size=3, max_size=300), data=st.data())
def test_var_index_exact_for_integer_count_pmfs(counts, data):
    """Any pmf of integer counts: a level equal to a CDF value selects the first point with it."""
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        counts[0], total = 1, 1
    size = 1 << max(1, (len(counts) - 1).bit_length())
    full = np.zeros(size, dtype=np.int64)
    full[:len(counts)] = counts
    cum = np.cumsum(full)
    k = data.draw(st.integers(0, size - 1))
    if not 0 < cum[k] < total:
        return
    dist = DiscreteDistribution(np.arange(size, dtype=float), full / total)
    first = int(np.argmax(cum >= cum[k]))
    assert dist.var_index(cum[k] / total) == first
    # half a scenario above the level: the next point with mass
    assert dist.var_index((cum[k] + 0.5) / total) == int(np.argmax(cum > cum[k]))


@pytest.mark.parametrize("n_scenarios", [100, 200, 400, 500, 1000, 2000])
def test_from_samples_var_within_half_step_of_empirical_when_level_is_hit(n_scenarios):
    rng = np.random.default_rng(n_scenarios)
    losses = rng.standard_t(4, n_scenarios) * 0.01
    for c in (0.95, 0.99, 0.995):
        dist = DiscreteDistribution.from_samples(losses, 16)
        step = (dist.l_max - dist.l_min) / (dist.size - 1)
        empirical = float(np.quantile(losses, c, method="inverted_cdf"))
        assert abs(dist.value_at_risk(c) - empirical) <= step / 2 + 1e-15, c


def _window_losses(start: str, end: str) -> np.ndarray:
    """Equal-weight daily losses of the shipped full history, read without qfin's store."""
    import pandas as pd

    path = Path(__file__).resolve().parents[2] / "data" / "sp500_20_daily_close_full.csv.gz"
    close = pd.read_csv(path, parse_dates=["date"], index_col="date").loc[start:end]
    returns = close.pct_change().iloc[1:].to_numpy()
    return -(returns @ np.full(returns.shape[1], 1.0 / returns.shape[1]))


def test_issue_repro_16_qubit_var_of_a_400_day_window_equals_historical():
    """`qfin var --method qae-iterative --qubits 16 --dataset full --start 1993-02-22
    --end 1994-09-21`: 400 days, 0.99 * 400 = 396 whole; was 0.020064 vs historical 0.019855."""
    from qfin.risk import value_at_risk as classical_var

    losses = _window_losses("1993-02-22", "1994-09-21")
    assert losses.size == 400
    dist = DiscreteDistribution.from_samples(losses, 16)
    step = (dist.l_max - dist.l_min) / (dist.size - 1)
    historical = classical_var(-losses[:, None], method="historical", confidence=0.99).value
    assert historical == pytest.approx(0.019854615346552112, abs=1e-12)
    assert abs(dist.value_at_risk(0.99) - historical) <= step / 2
    assert dist.cdf_on_level(0.99)
