from __future__ import annotations

import pytest
import scipy.stats

from qfin.errors import ProblemError
from qfin.qae import DiscreteDistribution, classical_estimate, studies


def test_coverage_study_small(sample_dist):
    factories = studies.default_estimators()
    table = studies.coverage_study(sample_dist, 0.99, {"iterative": factories["iterative"]},
                                   n_seeds=30)
    row = table.iloc[0]
    assert row["cdf_coverage"] >= row["required_coverage"]
    assert row["var_exact_fraction"] >= 0.9
    assert row["exact_var"] == sample_dist.value_at_risk(0.99)
    fig = studies.coverage_figure(table)
    assert len(fig.data) == 4


def test_error_vs_cost_slopes(sample_dist):
    table = studies.error_vs_cost(
        sample_dist, n_seeds=30, epsilons=(1e-2, 1e-3, 1e-4), mlae_powers=(4, 6, 8, 10),
        mlae_linear_powers=(4, 16), canonical_qubits=(4, 6), samples=(2**8, 2**12, 2**16))
    slopes = studies.fit_slopes(table).set_index("method")
    assert set(table["cost_kind"]) == {"oracle_queries", "samples"}
    for method in ("iterative", "maximum-likelihood-exponential", "monte-carlo"):
        lo, hi = studies.SLOPE_TARGETS[method]
        assert lo <= slopes.loc[method, "slope"] <= hi, method
    fig = studies.error_vs_cost_figure(table, slopes.reset_index())
    assert fig.layout.xaxis.type == "log"


def test_classical_estimators_are_unbiased_on_the_pmf(sample_dist):
    import numpy as np

    k = sample_dist.var_index(0.99)
    h = (np.arange(sample_dist.size) <= k).astype(float)
    for method in ("monte-carlo", "quasi-monte-carlo", "importance-sampling"):
        est = classical_estimate(sample_dist, h, 2**16, method, seed=1, complement=True)
        assert est == pytest.approx(sample_dist.cdf[k], abs=3e-3), method
    with pytest.raises(ProblemError, match="method must be one of"):
        classical_estimate(sample_dist, h, 10, "bootstrap")
    with pytest.raises(ProblemError, match="target must have shape"):
        classical_estimate(sample_dist, h[:3], 10)


def test_discretisation_error_within_half_step():
    dist = scipy.stats.t(4, 0.0, 0.01)
    table = studies.discretisation_study(dist, 0.99, range(3, 13))
    assert (table["var_abs_error"] <= table["half_step"] + 1e-15).all()
    assert table["cvar_abs_error"].iloc[-1] < table["cvar_abs_error"].iloc[0]
    assert len(studies.discretisation_figure(table).data) == 3


def test_sample_distribution_helper(sample_store):
    dist = studies.sample_distribution(sample_store, 6)
    assert isinstance(dist, DiscreteDistribution) and dist.n_qubits == 6
