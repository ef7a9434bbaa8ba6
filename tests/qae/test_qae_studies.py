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
    # cost counted the same way (issue 11.8): state-preparation calls vs samples
    assert set(table["cost_kind"]) == {"state_preparations", "samples"}
    ae = table[table["cost_kind"] == "state_preparations"]
    assert (ae["cost"] > ae["oracle_queries"]).all()  # A-calls = shots (2m + 1) > shots m
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
    assert len(studies.discretisation_figure(table).data) == 4


def test_sample_distribution_helper(sample_store):
    dist = studies.sample_distribution(sample_store, 6)
    assert isinstance(dist, DiscreteDistribution) and dist.n_qubits == 6


# ---------------------------------------------------------------- issue 11.8: AE vs classical
def test_equal_cost_comparison_includes_qmc_and_importance_sampling(sample_dist):
    table = studies.error_vs_cost(
        sample_dist, n_seeds=12, epsilons=(1e-2, 1e-3), mlae_powers=(4, 6),
        mlae_linear_powers=(4, 8), canonical_qubits=(4, 6), samples=(2**8, 2**12, 2**16))
    assert {"monte-carlo", "quasi-monte-carlo", "importance-sampling"} <= set(table["method"])
    equal = studies.equal_cost_comparison(table, costs=(1e4,))
    assert {"quasi-monte-carlo", "importance-sampling", "iterative"} <= set(
        equal.dropna(subset=["rmse"])["method"])
    assert equal["best"].sum() == 1
    assert "exact CDF" in studies.CLASSICAL_BASELINE_NOTE
    title = studies.error_vs_cost_figure(table).layout.title.text
    assert "exact CDF" in title and "state-preparation" in (
        studies.error_vs_cost_figure(table).layout.xaxis.title.text)


def test_coverage_reported_at_every_shot_count_offered(sample_dist):
    shots = {"maximum-likelihood": (10,), "canonical": (1,)}
    table = studies.coverage_by_shots(sample_dist, 0.99, shots=shots, amplitudes=(0.05,),
                                      n_seeds=40)
    pairs = set(zip(table["method"], table["shots"], strict=True))
    assert pairs == {("maximum-likelihood", 10), ("canonical", 1)}
    assert set(table["target"]) == {"CDF at VaR", "amplitude"}
    assert (table["nominal"] == 0.95).all()
    assert set(studies.SHOTS_OFFERED["canonical"]) >= {1, 10, 100}
    with pytest.raises(ProblemError, match="unknown estimators"):
        studies.coverage_by_shots(sample_dist, shots={"grover": (1,)}, n_seeds=2)


def test_few_shot_intervals_are_flagged_and_a_valid_one_is_offered():
    """MLAE at 10 shots (LR: 0.89-0.95 for 0.95) and canonical at 1 shot (0.82-0.92)."""
    from qfin.qae import CanonicalAE, MaximumLikelihoodAE

    few = MaximumLikelihoodAE("exponential", 10, seed=1).estimate_amplitude(0.3)
    assert "not guaranteed" in few.details["interval_note"]
    assert "interval_note" not in MaximumLikelihoodAE("exponential", 100, seed=1)\
        .estimate_amplitude(0.3).details
    assert "not guaranteed" in CanonicalAE(6, 1, seed=1).estimate_amplitude(0.3)\
        .details["interval_note"]
    # the Bonferroni/Clopper-Pearson interval covers at 10 shots where the LR set does not
    hits = {"likelihood-ratio": 0, "clopper-pearson": 0}
    for seed in range(60):
        for interval in hits:
            res = MaximumLikelihoodAE("exponential", 10, seed=seed, interval=interval)\
                .estimate_amplitude(0.05)
            hits[interval] += res.covers(0.05)
    assert hits["clopper-pearson"] >= 59
    assert hits["clopper-pearson"] > hits["likelihood-ratio"]


# ---------------------------------------------------------------- issue 11.9: the CVaR floor
def test_discretised_cvar_floor_is_the_truncated_tail():
    """The CVaR error plateaus at E[(L - l_max)+]/(1 - c) (2.67e-6 on the fitted sample t)."""
    dist = scipy.stats.t(3.5, 0.0003, 0.008)
    table = studies.discretisation_study(dist, 0.99, range(10, 17))
    floor = table["cvar_truncation_floor"].iloc[-1]
    expected = dist.expect(lambda x: x - dist.ppf(1 - 1e-6), lb=dist.ppf(1 - 1e-6)) / 0.01
    assert floor == pytest.approx(expected, rel=1e-9) and floor > 1e-6
    assert table["cvar_abs_error"].iloc[-1] == pytest.approx(floor, rel=1e-3)
    assert table["cvar_error_beyond_floor"].iloc[-1] < 1e-3 * floor
    d = DiscreteDistribution.from_parametric(dist, 12)
    assert d.truncated_tail["upper_mass"] == pytest.approx(1e-6, rel=1e-2)
    assert DiscreteDistribution([0.0, 1.0], [0.5, 0.5]).cvar_truncation_error(0.9) == 0.0
