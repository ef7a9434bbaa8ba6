from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.stats import norm

from qfin.errors import ProblemError
from qfin.qae import IterativeAE, credit_loss_distribution, latent_factor_grid
from qfin.qae.studies import PUBLISHED_CREDIT_EXAMPLE, credit_study


def test_linearized_model_reproduces_published_tutorial_figures():
    ex = PUBLISHED_CREDIT_EXAMPLE
    dist = credit_loss_distribution(ex["default_probabilities"], ex["sensitivities"],
                                    ex["lgd"], 2, 2.0, conditional="linearized")
    pub = ex["published"]
    assert round(dist.expected_loss(), 4) == pub["expected_loss"]
    assert dist.value_at_risk(0.95) == pub["var"]
    assert round(float(dist.cdf[dist.var_index(0.95)]), 4) == pub["cdf_at_var"]
    assert dist.conditional_value_at_risk(0.95, "tail-conditional") == pytest.approx(3.0)


def test_exact_model_matches_enumeration():
    p0, rho, lgd = [0.1, 0.2, 0.05], [0.3, 0.1, 0.5], [1, 2, 3]
    dist = credit_loss_distribution(p0, rho, lgd, n_z=3, z_max=2.5)
    z, pz = latent_factor_grid(3, 2.5)
    pmf = np.zeros(dist.size)
    for zi, w in zip(z, pz, strict=True):
        cond = [norm.cdf((norm.ppf(p) - np.sqrt(r) * zi) / np.sqrt(1 - r))
                for p, r in zip(p0, rho, strict=True)]
        for pattern in itertools.product([0, 1], repeat=3):
            prob = np.prod([c if x else 1 - c for c, x in zip(cond, pattern, strict=True)])
            pmf[int(np.dot(pattern, lgd))] += w * prob
    np.testing.assert_allclose(dist.probabilities, pmf, atol=1e-14)
    assert dist.n_qubits == 3


def test_credit_study_iqae_within_intervals():
    table = credit_study(n_seeds=8, epsilon=0.01).set_index("measure")
    assert table.loc["var", "mean_estimate"] == 2.0
    assert table.loc["expected_loss", "exact"] == pytest.approx(0.6409, abs=5e-5)
    assert (table.loc[["expected_loss", "cdf_at_var", "var", "cvar_tail_conditional"],
                      "within_interval"] == 1.0).all()
    assert (table["mean_oracle_queries"] > 0).all()


def test_iqae_estimates_published_expected_loss():
    dist = credit_loss_distribution([0.15, 0.25], [0.1, 0.05], [1, 2],
                                    conditional="linearized")
    span = dist.l_max - dist.l_min
    res = IterativeAE(0.01, 0.05, seed=4).estimate_expectation(
        dist, (dist.values - dist.l_min) / span)
    lo, hi = res.confidence_interval
    assert lo <= dist.expected_loss() / span <= hi


def test_credit_bad_inputs():
    with pytest.raises(ProblemError, match="default_probabilities must lie in \\(0, 1\\)"):
        credit_loss_distribution([0.0, 0.2], [0.1, 0.1], [1, 1])
    with pytest.raises(ProblemError, match="sensitivities must lie in \\[0, 1\\)"):
        credit_loss_distribution([0.1, 0.2], [1.0, 0.1], [1, 1])
    with pytest.raises(ProblemError, match="lgd must be non-negative integers"):
        credit_loss_distribution([0.1, 0.2], [0.1, 0.1], [1.5, 1])
    with pytest.raises(ProblemError, match="must match default_probabilities"):
        credit_loss_distribution([0.1, 0.2], [0.1], [1, 1])
    with pytest.raises(ProblemError, match="conditional must be"):
        credit_loss_distribution([0.1], [0.1], [1], conditional="cubic")
    with pytest.raises(ProblemError, match="z_max must be a finite number > 0"):
        credit_loss_distribution([0.1], [0.1], [1], z_max=0)
