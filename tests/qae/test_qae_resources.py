"""Resource estimates of the AE circuit: cross-check with the simulator, exact whole-run
counts, the qdk estimator, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections import Counter

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from qfin.errors import ProblemError
from qfin.qae import (
    AEResult,
    CanonicalAE,
    DiscreteDistribution,
    GroverCircuit,
    IterativeAE,
    MaximumLikelihoodAE,
    conditional_value_at_risk,
    value_at_risk,
)
from qfin.qae._resources import estimate_resources
from qfin.qae._resources_logical import (
    AECircuitModel,
    GateCounts,
    gate_counts,
    t_per_rotation,
)
from qfin.qae._resources_physical import QUBIT_MODELS, qdk_available

needs_qdk = pytest.mark.skipif(not qdk_available(),
                               reason="the qdk resource estimator is not installed here")


def _dist(n: int, seed: int = 0) -> DiscreteDistribution:
    rng = np.random.default_rng(seed)
    p = rng.random(2**n) ** 3
    return DiscreteDistribution(np.arange(2**n, dtype=float), p / p.sum())


def _count(gates, n):
    total = GateCounts()
    for g in gates:
        total = total + gate_counts(g, n)
    return total


# ---------------------------------------------------------------------- cross-check (item 1)
@pytest.mark.parametrize("n", range(1, 7))
def test_counts_of_a_and_q_agree_with_the_gates_the_simulator_applies(n):
    dist = _dist(n, seed=n)
    specs = [("cdf", {"threshold_index": k}) for k in sorted({0, 2**n // 3, 2**n - 2})
             if k >= 0]
    specs.append(("expectation", {"payoff": np.linspace(0, 1, 2**n)}))
    for kind, spec in specs:
        circuit = GroverCircuit(dist, **spec)
        model = AECircuitModel(n, kind, threshold_index=spec.get("threshold_index"))
        with circuit.record_gates() as a_gates:
            state = circuit.initial_state()
        with circuit.record_gates() as q_gates:
            circuit.apply_q(state)
        # the same gates, in the same order, as the model lists
        assert a_gates == model.a_gates()
        assert q_gates == model.q_gates()
        # counting the simulator's gates gives the model's counts of A and Q
        assert _count(a_gates, n) == model.a()
        assert _count(q_gates, n) == model.q()
        # and the angles the simulator applies are the 2**n - 1 Grover-Rudolph rotations
        applied = sum(g[3] for g in a_gates if g[0] == "multiplexed-ry")
        assert applied == 2**n - 1 == model.state_preparation_counts().rotation_count
        payoff = sum(g[3] for g in a_gates if g[0] == "payoff-ry")
        assert model.a().rotation_count == 2**n - 1 + payoff
        assert Counter(g[0] for g in q_gates)["reflection-zero"] == 1


def test_recording_gates_changes_nothing():
    dist = _dist(5)
    circuit = GroverCircuit(dist, threshold_index=9)
    plain = circuit.good_probabilities(6)
    with circuit.record_gates() as log:
        recorded = circuit.good_probabilities(6)
    np.testing.assert_array_equal(plain, recorded)
    assert sum(g[0] == "reflection-zero" for g in log) == 6
    assert circuit._gate_log is None


def test_known_counts():
    model = AECircuitModel(4)
    assert model.a() == GateCounts(logical_qubits=8, toffoli_count=3, toffoli_depth=3,
                                   rotation_count=15, rotation_depth=15, measurement_count=3)
    assert model.q().toffoli_count == 2 * 3 + 3  # A, A^dagger, S_0 on 5 qubits
    assert model.comparator().toffoli_count == 3
    assert AECircuitModel(4, threshold_index=15).comparator().toffoli_count == 0
    assert model.controlled_q().toffoli_count == model.q().toffoli_count + 1
    assert t_per_rotation(1e-10) == 100  # ceil(3 log2 1e10)
    assert t_per_rotation(1e-10, "selinger") == 143
    assert t_per_rotation(1e-10, "mixed-fallback") == 23


def test_qrom_preparation_follows_the_published_formulas():
    n, mu = 10, 20
    unary = AECircuitModel(n, state_preparation="qrom", keep_bits=mu, qrom_block=1)
    # unary iteration over L items: L - 1 Toffolis; keep comparison mu; swap n
    assert unary.state_preparation_counts().toffoli_count == (2**n - 1) + mu + n
    assert unary.state_preparation_counts().rotation_count == 0
    best = AECircuitModel(n, state_preparation="qrom", keep_bits=mu)
    lam = best.qrom_block
    assert best.state_preparation_counts().toffoli_count == (
        -(-2**n // lam) - 1 + (n + mu) * (lam - 1) + mu + n)
    assert best.state_preparation_counts().toffoli_count < unary.state_preparation_counts(
    ).toffoli_count
    # for large n the table look-up beats 2**n synthesised rotations by far
    gr = AECircuitModel(16)
    qrom = AECircuitModel(16, state_preparation="qrom")
    assert qrom.a().t_count(50) * 100 < gr.a().t_count(50)


# ------------------------------------------------------------ whole run = per call x calls
@pytest.fixture(scope="module")
def norm_dist():
    return DiscreteDistribution.from_parametric(scipy.stats.norm(0, 1), 6, -4, 4)


@pytest.mark.parametrize("estimator", [IterativeAE(1e-3, seed=3), MaximumLikelihoodAE(seed=3),
                                       CanonicalAE(6, 50, seed=3)],
                         ids=["iterative", "maximum-likelihood", "canonical"])
def test_whole_run_is_per_call_counts_times_the_calls_reported(norm_dist, estimator):
    var = value_at_risk(norm_dist, 0.99, estimator)
    est = estimate_resources(var, norm_dist.n_qubits, qubit_models=None)
    queries = sum(e.oracle_queries for e in var.estimates)
    shots = sum(e.shots for e in var.estimates)
    assert est.grover_calls == queries == var.oracle_queries
    assert est.shots == shots
    assert est.estimates == len(var.estimates) == norm_dist.n_qubits
    for attr in ("toffoli_count", "rotation_count", "measurement_count", "toffoli_depth"):
        expected = (getattr(est.pieces["q"], attr) * queries
                    + getattr(est.pieces["per_shot_extra"], attr) * shots)
        assert getattr(est.whole_run, attr) == expected, attr
    assert est.t_count() == est.t_count("q") * queries + est.t_count("per_shot_extra") * shots
    assert est.t_depth() == est.t_depth("q") * queries + est.t_depth("per_shot_extra") * shots
    d = est.as_dict()
    assert d["whole_run_t_count_check"]["equals_whole_run"] is True
    assert d["grover_calls"]["value"] == queries


@settings(max_examples=30, deadline=None)
@given(powers=st.lists(st.integers(0, 64), min_size=1, max_size=6),
       shots=st.integers(1, 50), n=st.integers(1, 12))
def test_whole_run_follows_any_schedule(powers, shots, n):
    est = MaximumLikelihoodAE(powers, shots, seed=0)
    res = est.estimate_amplitude(0.3)
    out = estimate_resources(res, n, qubit_models=None)
    model = AECircuitModel(n)
    assert out.whole_run.toffoli_count == (model.q().toffoli_count * shots * sum(powers)
                                           + model.a().toffoli_count * shots * len(powers))
    assert out.whole_run.rotation_count == (model.q().rotation_count * shots * sum(powers)
                                            + model.a().rotation_count * shots * len(powers))


def test_cvar_run_counts_the_payoff_circuit(norm_dist):
    est = IterativeAE(1e-2, seed=5)
    cvar = conditional_value_at_risk(norm_dist, 0.95, est)
    out = estimate_resources(cvar, norm_dist.n_qubits, qubit_models=None)
    cdf, exp = AECircuitModel(6, "cdf"), AECircuitModel(6, "expectation")
    var_part = sum(e.oracle_queries for e in cvar.var.estimates)
    payoff = cvar.estimates[0]
    expected = (cdf.q().rotation_count * var_part
                + cdf.a().rotation_count * sum(e.shots for e in cvar.var.estimates)
                + exp.q().rotation_count * payoff.oracle_queries
                + exp.a().rotation_count * payoff.shots)
    assert out.whole_run.rotation_count == expected
    assert out.model["kinds"] == ["cdf", "expectation"]


def test_rotation_precision_spends_a_third_of_the_budget(norm_dist):
    res = IterativeAE(1e-2, seed=1).estimate_cdf_index(norm_dist, 50)
    out = estimate_resources(res, 6, error_budget=3e-3, qubit_models=None)
    assert out.rotation_precision * out.whole_run.rotation_count == pytest.approx(1e-3)
    assert out.t_per_rotation == t_per_rotation(out.rotation_precision)
    assert out.runtime_at(1e6) == pytest.approx(out.t_depth() / 1e6)
    assert out.break_even_clock_hz(2.0) == pytest.approx(out.t_depth() / 2.0)


# ---------------------------------------------------------------------- physical (item 2)
@needs_qdk
def test_physical_estimates_per_qubit_model(norm_dist):
    res = IterativeAE(1e-2, seed=1).estimate_cdf_index(norm_dist, norm_dist.var_index(0.99))
    out = estimate_resources(res, 6, qubit_models=("qubit_gate_us_e3", "qubit_gate_ns_e4",
                                                   "qubit_maj_ns_e6"))
    by = {p.qubit_model: p for p in out.physical}
    assert set(by) == {"qubit_gate_us_e3", "qubit_gate_ns_e4", "qubit_maj_ns_e6"}
    for p in out.physical:
        assert p.physical_qubits > out.logical_qubits
        assert p.code_distance >= 3 and p.t_factories >= 1
        assert p.runtime_seconds == pytest.approx(p.logical_depth * p.logical_cycle_seconds,
                                                  rel=0.05)
        assert sum(p.error_budget.values()) == pytest.approx(2e-3 / 3, rel=1e-6)
    # 100 us gates are slower than 50 ns gates, whatever the code distance
    assert by["qubit_gate_us_e3"].runtime_seconds > 100 * by["qubit_gate_ns_e4"].runtime_seconds
    assert by["qubit_maj_ns_e6"].qec_scheme == "floquet_code"
    d = out.as_dict()["physical"][0]
    assert d["runtime"]["unit"] == "s" and d["physical_qubits"]["unit"] == "physical qubits"


@needs_qdk
def test_one_microsecond_gate_model_is_the_us_model_a_hundred_times_faster(norm_dist):
    """The issue's "gate-based 1 us / 1e-3": same error rates and code, 1/100 of the times."""
    res = IterativeAE(1e-2, seed=1).estimate_cdf_index(norm_dist, norm_dist.var_index(0.99))
    out = estimate_resources(res, 6, qubit_models=("qubit_gate_1us_e3", "qubit_gate_us_e3"))
    by = {p.qubit_model: p for p in out.physical}
    fast, slow = by["qubit_gate_1us_e3"], by["qubit_gate_us_e3"]
    assert fast.qubit_params["oneQubitGateTime"] == "1000 ns"
    assert fast.code_distance == slow.code_distance
    assert fast.physical_qubits == slow.physical_qubits
    assert fast.logical_cycle_seconds == pytest.approx(slow.logical_cycle_seconds / 100)
    assert fast.runtime_seconds == pytest.approx(slow.runtime_seconds / 100, rel=1e-6)


@needs_qdk
@pytest.mark.slow
def test_qdk_sends_and_downloads_nothing(tmp_path):
    """A fresh interpreter with every name look-up and connection refused and recorded.

    Without qfin's switch, ``import qdk`` resolves an Azure telemetry host at exit.
    """
    script = textwrap.dedent("""
        import atexit, json, socket, sys
        attempts = []
        def refuse(*a, **k):
            attempts.append(repr(a)[:120])
            raise OSError("network disabled by the test")
        socket.socket.connect = refuse
        socket.socket.connect_ex = refuse
        socket.getaddrinfo = refuse  # telemetry would resolve its host first
        atexit.register(lambda: print(json.dumps({"attempts": attempts})))
        from qfin.qae import IterativeAE
        from qfin.qae._resources import estimate_resources
        res = IterativeAE(1e-2, seed=1).estimate_amplitude(0.9)
        est = estimate_resources(res, 4)
        import qdk.telemetry
        print(json.dumps({"runtime": est.physical[0].runtime_seconds,
                          "telemetry": qdk.telemetry.TELEMETRY_ENABLED}))
    """)
    env = {k: v for k, v in os.environ.items() if "TELEMETRY" not in k}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=env, timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    assert lines[0]["runtime"] > 0 and lines[0]["telemetry"] is False
    assert lines[-1]["attempts"] == []


# ---------------------------------------------------------------------- bad input
def _fake(queries: int, shots: int = 100) -> AEResult:
    return AEResult(estimate=0.5, confidence_interval=(0.4, 0.6), confidence_level=0.95,
                    oracle_queries=queries, shots=shots, seconds=0.0, schedule=(1,),
                    method="iterative")


@pytest.mark.parametrize("n", [0, -1, 41, 2.5, True])
def test_register_size_outside_the_model_is_an_error(n):
    with pytest.raises(ProblemError, match="n_qubits must be an integer in 1..40"):
        estimate_resources(_fake(10), n, qubit_models=None)


@pytest.mark.parametrize("budget", [0, 1, -0.1, 1.5, float("nan"), "x"])
def test_error_budget_outside_the_unit_interval_is_an_error(budget):
    with pytest.raises(ProblemError, match="error_budget must be"):
        estimate_resources(_fake(10), 4, error_budget=budget, qubit_models=None)


def test_unknown_qubit_model_is_an_error():
    with pytest.raises(ProblemError, match="unknown qubit model 'qubit_cat_ms_e9'"):
        estimate_resources(_fake(10), 4, qubit_models=("qubit_gate_ns_e4", "qubit_cat_ms_e9"))


def test_unknown_synthesis_and_preparation_are_errors():
    with pytest.raises(ProblemError, match="synthesis must be one of"):
        estimate_resources(_fake(10), 4, synthesis="solovay-kitaev", qubit_models=None)
    with pytest.raises(ProblemError, match="state_preparation must be one of"):
        estimate_resources(_fake(10), 4, state_preparation="magic", qubit_models=None)
    with pytest.raises(ProblemError, match="qrom_block must be a power of two"):
        AECircuitModel(4, state_preparation="qrom", qrom_block=3)
    with pytest.raises(ProblemError, match="result must be an AEResult"):
        estimate_resources(0.5, 4, qubit_models=None)


@needs_qdk
def test_run_beyond_what_the_estimator_accepts_is_an_error():
    with pytest.raises(ProblemError, match="beyond what the resource estimator accepts"):
        estimate_resources(_fake(10**12), 24, qubit_models=("qubit_gate_ns_e4",))


def test_known_models_are_listed():
    assert {"qubit_gate_us_e3", "qubit_gate_ns_e4", "qubit_maj_ns_e6",
            "qubit_gate_1us_e3"} <= set(QUBIT_MODELS)


# ---------------------------------------------------------------------- break-even (item 3)
from qfin.qae._resources_breakeven import (  # noqa: E402
    CLASSICAL_VAR_METHODS,
    break_even_figure,
    break_even_table,
    classical_var,
    qmc_crossover,
    samples_needed,
)
from qfin.qae._resources_data import (  # noqa: E402
    bootstrap_var_interval,
    encoding_error_table,
    t_copula_losses,
)


@pytest.mark.parametrize("method", CLASSICAL_VAR_METHODS)
def test_classical_var_finds_the_exact_var_with_enough_samples(norm_dist, method):
    k = norm_dist.var_index(0.95)
    n = samples_needed(norm_dist, k, 2e-3, 0.05, method) if method != "exact" else 0
    assert classical_var(norm_dist, 0.95, n, method, seed=1) in (k - 1, k, k + 1)
    if method == "exact":
        assert classical_var(norm_dist, 0.95, method="exact") == k


def test_samples_needed_follow_the_variance_formulas(norm_dist):
    k = norm_dist.var_index(0.99)
    a = norm_dist.cdf[k]
    z = float(scipy.stats.norm.ppf(0.975))
    assert samples_needed(norm_dist, k, 1e-3, 0.05, "monte-carlo") == int(
        np.ceil(z * z * a * (1 - a) / 1e-6))
    # the tilted proposal samples the tail: far fewer draws than plain Monte Carlo
    assert samples_needed(norm_dist, k, 1e-3, 0.05, "importance-sampling") < samples_needed(
        norm_dist, k, 1e-3, 0.05, "monte-carlo") / 5
    # quasi-Monte Carlo's measured error falls close to 1/N: about 1/epsilon points
    q = samples_needed(norm_dist, k, 1e-3, 0.05, "quasi-monte-carlo", n_trials=32)
    assert 2**6 <= q <= 2**13


def test_break_even_table_relates_runtime_clock_and_classical_seconds(norm_dist):
    tab = break_even_table(norm_dist, 0.99, (1e-2, 1e-3), qubit_models=None, repeats=2,
                           qmc_trials=16)
    assert set(tab["method"]) == set(CLASSICAL_VAR_METHODS)
    assert len(tab) == 8
    for _, row in tab.iterrows():
        assert row["classical_seconds"] > 0
        assert row["break_even_clock_hz"] == pytest.approx(row["ae_t_depth"]
                                                           / row["classical_seconds"])
        assert row["ae_runtime_s_at_1e+07_hz"] == pytest.approx(row["ae_t_depth"] / 1e7)
    by_eps = tab.groupby("epsilon")["ae_grover_calls"].first()
    assert by_eps[1e-3] > by_eps[1e-2]  # a tighter target costs more Grover calls
    out = qmc_crossover(tab)
    assert 0.5 < out["ae_slope"] < 1.6 and "verdict" in out
    fig = break_even_figure(tab)
    assert any("10 MHz" in t.name for t in fig.data)


@pytest.mark.parametrize("eps", [0, -1e-3, 1, 1.5])
def test_epsilon_outside_the_unit_interval_is_an_error(norm_dist, eps):
    with pytest.raises(ProblemError, match="epsilon must be in"):
        break_even_table(norm_dist, 0.99, (eps,), qubit_models=None)
    with pytest.raises(ProblemError, match="epsilon must be in"):
        samples_needed(norm_dist, 10, eps, 0.05, "monte-carlo")


def test_break_even_bad_input(norm_dist):
    with pytest.raises(ProblemError, match="below 0.5"):
        break_even_table(norm_dist, 0.99, (0.6,), qubit_models=None)
    with pytest.raises(ProblemError, match="method must be one of"):
        break_even_table(norm_dist, 0.99, (1e-2,), methods=("gpu-magic",), qubit_models=None)
    with pytest.raises(ProblemError, match="unknown qubit model"):
        break_even_table(norm_dist, 0.99, (1e-2,), qubit_models=("qubit_x",))
    with pytest.raises(ProblemError, match="error_budget must be"):
        break_even_table(norm_dist, 0.99, (1e-2,), error_budget=1.0, qubit_models=None)


# ---------------------------------------------------------------------- real data (item 4)
def test_encoding_errors_on_the_sample_losses(losses):
    tab = encoding_error_table(losses, 0.99, (8, 12, 16, 20), n_boot=200, source="historical")
    assert list(tab["n_qubits"]) == [8, 12, 16, 20]
    data_var = float(np.quantile(losses, 0.99, method="inverted_cdf"))
    assert (tab["data_var"] == data_var).all()
    # the encoded VaR lies within half a grid step of the data's VaR
    assert (tab["discretisation_error"] <= tab["half_step"] * (1 + 1e-9)).all()
    assert tab["discretisation_error"].iloc[-1] < tab["half_step"].iloc[0]
    lo, hi = tab["bootstrap_low"].iloc[0], tab["bootstrap_high"].iloc[0]
    assert lo <= data_var <= hi
    # 365 daily losses: the data's own sampling error dwarfs discretisation at n >= 8
    assert (tab["dominant_error"] == "data sampling").all()
    assert (tab["ae_bracket_low"] <= tab["ae_var"]).all()
    # Grover-Rudolph loads 2**n rotations: its cost grows ~2x per qubit, the QROM's slower
    gr, qrom = tab["t_count_grover_rudolph"], tab["t_count_qrom"]
    assert gr.iloc[-1] / gr.iloc[0] > 1000 and qrom.iloc[-1] < gr.iloc[-1]


def test_t_copula_losses_keep_the_portfolio_variance():
    rng = np.random.default_rng(0)
    r = rng.standard_t(5, size=(2000, 3)) * 0.01
    w = np.array([0.5, 0.3, 0.2])
    losses = t_copula_losses(r, w, 200_000, seed=2)
    assert losses.shape == (200_000,)
    assert np.var(losses) == pytest.approx(float(w @ np.cov(r, rowvar=False) @ w), rel=0.05)
    with pytest.raises(ProblemError, match="dof must be > 2"):
        t_copula_losses(r, w, 10, dof=2.0)


def test_bootstrap_interval_narrows_with_more_data():
    rng = np.random.default_rng(1)
    small = bootstrap_var_interval(rng.standard_normal(500), 0.99, n_boot=300, seed=1)
    large = bootstrap_var_interval(rng.standard_normal(50_000), 0.99, n_boot=300, seed=1)
    assert large[1] - large[0] < (small[1] - small[0]) / 3
    assert large[0] < scipy.stats.norm.ppf(0.99) < large[1]


def test_encoded_var_of_many_scenarios_is_within_half_a_step():
    """cumsum rounding over 2**20 points must not push F == confidence below the level."""
    rng = np.random.default_rng(4)
    x = rng.standard_t(4, 100_000)  # 0.99 * 100000 is an integer: an exact tie
    data_var = float(np.quantile(x, 0.99, method="inverted_cdf"))
    for n in (16, 20):
        dist = DiscreteDistribution.from_samples(x, n)
        step = (dist.l_max - dist.l_min) / (dist.size - 1)
        assert abs(dist.value_at_risk(0.99) - data_var) <= step / 2 * (1 + 1e-9)
