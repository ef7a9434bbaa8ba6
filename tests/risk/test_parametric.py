from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from qfin.errors import ProblemError
from qfin.risk import (
    cornish_fisher_var,
    cornish_fisher_var_cvar,
    fit_t_dof,
    normal_var_cvar,
    parametric_var,
    sample_moments,
    t_var_cvar,
    value_at_risk,
)


def test_normal_matches_closed_form(sample_returns):
    x = sample_returns.to_numpy() @ np.full(20, 0.05)
    mu, sd = x.mean(), x.std(ddof=1)
    for h in (1, 10):
        res = value_at_risk(sample_returns, method="normal", confidence=0.99, horizon=h)
        z = stats.norm.ppf(0.99)
        assert res.value == pytest.approx(-h * mu + np.sqrt(h) * sd * z, abs=1e-14)
        assert res.cvar == pytest.approx(-h * mu + np.sqrt(h) * sd * stats.norm.pdf(z) / 0.01,
                                         abs=1e-14)


def _tail_average(quantile, c):
    return integrate.quad(quantile, c, 1.0, limit=200)[0] / (1.0 - c)


@pytest.mark.parametrize("dof", [3.0, 5.0, 30.0])
def test_t_cvar_matches_numeric_integration(dof):
    mean, std, c = 0.001, 0.02, 0.975
    var, cvar = t_var_cvar(mean, std, dof, c)
    scale = std * np.sqrt((dof - 2) / dof)
    assert var == pytest.approx(-mean + scale * stats.t.ppf(c, dof), rel=1e-12)
    assert cvar == pytest.approx(_tail_average(lambda u: -mean + scale * stats.t.ppf(u, dof), c),
                                 rel=1e-6)


def test_t_tends_to_normal():
    assert t_var_cvar(0.0, 0.01, 1e6, 0.99)[0] == pytest.approx(
        normal_var_cvar(0.0, 0.01, 0.99)[0], rel=1e-5)


def test_fit_t_dof_recovers_true_dof():
    x = stats.t.rvs(5, size=20000, random_state=np.random.default_rng(1)) * 0.01
    assert fit_t_dof(x) == pytest.approx(5.0, rel=0.15)
    gauss = np.random.default_rng(2).normal(size=5000)
    assert fit_t_dof(gauss) > 50


def test_parametric_t_records_dof(sample_returns):
    res = parametric_var(sample_returns, distribution="t")
    assert res.method == "t" and 2 < res.info["dof"] < 500 and res.info["dof_fitted"]
    fixed = parametric_var(sample_returns, distribution="t", dof=4.0)
    assert fixed.info == {**fixed.info, "dof": 4.0, "dof_fitted": False}
    with pytest.raises(ProblemError, match="dof must be > 2"):
        parametric_var(sample_returns, distribution="t", dof=1.5)
    with pytest.raises(ProblemError, match="distribution"):
        parametric_var(sample_returns, distribution="cauchy")


def test_cornish_fisher_reduces_to_normal_without_skew_or_kurtosis():
    assert cornish_fisher_var_cvar(0.001, 0.02, 0.0, 0.0, 0.99) == pytest.approx(
        normal_var_cvar(0.001, 0.02, 0.99), rel=1e-12)


@pytest.mark.parametrize(("skew", "kurt"), [(-0.5, 2.0), (0.3, 1.0), (-0.2, 0.5)])
def test_cornish_fisher_cvar_is_the_tail_average_of_its_quantile(skew, kurt):
    mean, std, c, h = 0.0005, 0.015, 0.99, 4
    s, k = skew / np.sqrt(h), kurt / h

    def loss_quantile(u):
        z = stats.norm.ppf(1 - u)
        g = z + (z * z - 1) * s / 6 + (z**3 - 3 * z) * k / 24 - (2 * z**3 - 5 * z) * s * s / 36
        return -mean * h - std * np.sqrt(h) * g

    var, cvar = cornish_fisher_var_cvar(mean, std, skew, kurt, c, h)
    assert var == pytest.approx(loss_quantile(c), rel=1e-12)
    assert cvar == pytest.approx(_tail_average(loss_quantile, c), rel=1e-6)


def test_sample_moments_match_scipy():
    x = np.random.default_rng(4).standard_t(4, size=257)
    mean, std, skew, kurt = sample_moments(x)
    assert (mean, std) == pytest.approx((x.mean(), x.std(ddof=1)), rel=1e-12)
    assert skew == pytest.approx(stats.skew(x, bias=False), rel=1e-10)
    assert kurt == pytest.approx(stats.kurtosis(x, bias=False), rel=1e-10)


def test_cornish_fisher_result(sample_returns):
    res = cornish_fisher_var(sample_returns, confidence=0.99)
    assert res.method == "cornish-fisher" and res.cvar > res.value > 0
    assert {"skewness", "excess_kurtosis"} <= set(res.info)
