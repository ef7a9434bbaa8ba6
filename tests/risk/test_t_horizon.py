"""Issue 11.3 (and 11.9): the Student-t model aggregated over h days consistently with its
own i.i.d.-days assumption; overlapping historical windows counted as independent ones."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from qfin.errors import ProblemError
from qfin.risk import (
    historical_var,
    monte_carlo_var,
    parametric_var,
    t_sum_var_cvar,
    t_var_cvar,
    value_at_risk,
)
from qfin.risk._tsum import log_cf, t_sum_cdf


def _mc_sum_of_t(dof, h, n=1_000_000, seed=0):
    rng = np.random.default_rng(seed)
    s = np.sqrt((dof - 2.0) / dof)
    total = np.zeros(n)
    for _ in range(h):
        total += rng.standard_t(dof, n) * s
    return total


@pytest.mark.parametrize("dof, h", [(3.5, 5), (4.0, 10), (6.0, 20)])
def test_h_day_t_matches_monte_carlo_of_sums_of_iid_t(dof, h):
    mean, std, c = 2e-4, 0.012, 0.99
    var, cvar = t_var_cvar(mean, std, dof, c, h)
    x = _mc_sum_of_t(dof, h, seed=h)
    losses = -(h * mean + std * x)
    mc_var = np.quantile(losses, c)
    mc_cvar = losses[losses >= mc_var].mean()
    assert var == pytest.approx(mc_var, rel=0.012)
    assert cvar == pytest.approx(mc_cvar, rel=0.02)
    # the old square-root-of-time rule overstates both, beyond Monte Carlo noise
    q = stats.t.ppf(c, dof) * np.sqrt((dof - 2) / dof)
    assert -h * mean + np.sqrt(h) * std * q > 1.03 * mc_var


def test_one_day_closed_form_and_inversion_agree():
    from qfin.risk._tsum import _SumLaw

    for dof in (2.5, 4.0, 30.0, 300.0):
        law = _SumLaw(dof, 1)
        s = np.sqrt((dof - 2) / dof)
        assert law.quantile(0.99) == pytest.approx(s * stats.t.ppf(0.99, dof), rel=1e-6)
        assert t_sum_cdf(1.3, dof, 1) == pytest.approx(law.cdf(1.3), abs=1e-7)


def test_characteristic_function_is_that_of_the_t():
    """phi(u) of the unit-variance t against numerical integration of cos(u x) f(x)."""
    from scipy import integrate

    for dof in (3.0, 7.0, 200.0):
        s = np.sqrt((dof - 2) / dof)
        for u in (0.3, 1.0, 2.5):
            num = integrate.quad(lambda x, u=u, s=s, dof=dof: np.cos(u * x)
                                 * stats.t.pdf(x / s, dof) / s, -np.inf, np.inf, limit=500)[0]
            assert np.exp(log_cf(np.array([u]), dof))[0] == pytest.approx(num, abs=1e-6)


def test_parametric_t_uses_the_aggregated_law(sample_returns):
    res = parametric_var(sample_returns, distribution="t", horizon=10)
    x = sample_returns.to_numpy().mean(axis=1)
    v, cv = t_sum_var_cvar(x.mean(), x.std(ddof=1), res.info["dof"], 0.99, 10)
    assert (res.value, res.cvar) == (pytest.approx(v, rel=1e-12), pytest.approx(cv, rel=1e-12))
    assert "sum of h i.i.d. t days" in res.info["horizon_scaling"]


def test_t_copula_monte_carlo_aggregates_iid_days():
    """One asset: the t-copula MC over h days must match the exact h-day t of the same dof."""
    rng = np.random.default_rng(4)
    r = rng.normal(0.0, 0.01, size=(800, 1))
    dof, h = 4.0, 10
    res = monte_carlo_var(r, [1.0], copula="t", dof=dof, horizon=h, paths=400_000, seed=2)
    mean, std = r.mean(), r.std(ddof=1)
    v, cv = t_sum_var_cvar(mean, std, dof, 0.99, h)
    assert res.confidence_interval[0] <= v <= res.confidence_interval[1]
    assert res.cvar == pytest.approx(cv, rel=0.03)
    for method, paths in (("qmc", 1 << 15), ("is", 200_000)):
        other = value_at_risk(r, [1.0], method=method, copula="t", dof=dof, horizon=h,
                              paths=paths, seed=5)
        assert other.value == pytest.approx(v, rel=0.03)


def test_t_and_t_copula_dof_side_by_side(sample_returns):
    t = value_at_risk(sample_returns, method="t")
    mc = value_at_risk(sample_returns, method="mc", copula="t", paths=20_000, seed=1)
    for res in (t, mc):
        assert {"dof_portfolio", "dof_multivariate", "dof_note"} <= set(res.info)
    assert t.info["dof_portfolio"] == t.info["dof"]
    assert mc.info["dof_multivariate"] == mc.info["dof"]
    assert t.info["dof_portfolio"] == pytest.approx(mc.info["dof_portfolio"])
    assert t.info["dof_multivariate"] == pytest.approx(mc.info["dof_multivariate"])
    assert "multivariate t" in t.info["dof_note"]


def test_historical_counts_independent_windows(sample_returns):
    # 365 days: 36 independent 10-day windows < 100 needed at 0.99 (346 overlapping ones)
    with pytest.raises(ProblemError, match="only 36 independent"):
        historical_var(sample_returns, confidence=0.99, horizon=10)
    res = historical_var(sample_returns, confidence=0.95, horizon=10)
    assert res.info["independent_scenarios"] == 36
    assert res.samples == 356
    assert "overlapping" in res.info["horizon_scenarios"]
