from __future__ import annotations

import numpy as np
import pytest

from qfin.errors import ProblemError
from qfin.qae import (
    DiscreteDistribution,
    ExactOracle,
    GroverCircuit,
    StateVectorOracle,
    qpe_outcome_probabilities,
)

M_MAX = 64


def _random_dist(n: int, seed: int) -> DiscreteDistribution:
    rng = np.random.default_rng(seed)
    p = rng.random(2**n) ** 3
    return DiscreteDistribution(np.arange(2**n, dtype=float), p / p.sum())


@pytest.mark.parametrize("n", [1, 2, 5, 8, 10])
def test_good_probability_agrees_with_fast_path_for_every_m(n):
    dist = _random_dist(n, n)
    specs = [{"threshold_index": k} for k in sorted({0, 2**n // 3, 2**n - 2, 2**n - 1})]
    specs.append({"payoff": np.linspace(0.0, 1.0, 2**n) ** 2})
    for spec in specs:
        circuit = GroverCircuit(dist, **spec)
        fast = ExactOracle(circuit.exact_amplitude, circuit.exact_complement)
        expected = np.array([fast.good_probability(m) for m in range(M_MAX + 1)])
        np.testing.assert_allclose(circuit.good_probabilities(M_MAX), expected, rtol=0,
                                   atol=1e-12)


@pytest.mark.parametrize("n", [1, 4, 10])
def test_state_preparation_reproduces_pmf(n):
    dist = _random_dist(n, 100 + n)
    circuit = GroverCircuit(dist, threshold_index=0)
    np.testing.assert_allclose(circuit.loss_probabilities(), dist.probabilities, rtol=0,
                               atol=1e-12)
    # A then A^dagger is the identity
    state = circuit.initial_state()
    back = circuit.apply_a_dagger(state)
    zero = np.zeros_like(back)
    zero[0] = 1.0
    np.testing.assert_allclose(back, zero, atol=1e-12)


def test_state_vector_comparator_marks_k_at_most_threshold():
    dist = _random_dist(3, 9)
    circuit = GroverCircuit(dist, threshold_index=2)
    st = circuit.initial_state().reshape(-1, 2)
    np.testing.assert_allclose(st[:3, 0], 0.0, atol=1e-15)
    np.testing.assert_allclose(st[3:, 1], 0.0, atol=1e-15)
    assert circuit.good_probability_of(circuit.initial_state()) == pytest.approx(dist.cdf[2])


def test_phase_estimation_state_vector_matches_exact_distribution():
    dist = _random_dist(4, 5)
    for spec in ({"threshold_index": 6}, {"payoff": np.linspace(0, 1, 16)}):
        circuit = GroverCircuit(dist, **spec)
        exact = qpe_outcome_probabilities(circuit.theta, 2**5)
        np.testing.assert_allclose(circuit.phase_estimation_distribution(5), exact, atol=1e-12)
        assert exact.sum() == pytest.approx(1.0)


def test_state_vector_oracle_cache_handles_any_order():
    dist = _random_dist(5, 1)
    oracle = StateVectorOracle(GroverCircuit(dist, threshold_index=10))
    fast = ExactOracle(dist.cdf[10], dist.survival[10])
    for m in (5, 2, 9, 9, 0, 33):
        assert oracle.good_probability(m) == pytest.approx(fast.good_probability(m), abs=1e-12)


def test_backends_agree(backend_name):
    dist = _random_dist(6, 2)
    circuit = GroverCircuit(dist, threshold_index=40, backend=backend_name)
    fast = ExactOracle(dist.cdf[40], dist.survival[40])
    expected = np.array([fast.good_probability(m) for m in range(17)])
    tol = 1e-12 if backend_name == "numpy" else 1e-4  # MLX computes in float32
    np.testing.assert_allclose(circuit.good_probabilities(16), expected, atol=tol)
    np.testing.assert_allclose(circuit.loss_probabilities(), dist.probabilities, atol=tol)


@pytest.mark.mlx
def test_mlx_float64_on_cpu_agrees_to_1e12():
    from qfin.backends import get, mlx_available

    if not mlx_available():
        pytest.skip("MLX cannot be imported here")
    be = get("mlx", device="cpu")
    dist = _random_dist(7, 3)
    circuit = GroverCircuit(dist, threshold_index=100, backend=be, dtype="float64")
    fast = ExactOracle(dist.cdf[100], dist.survival[100])
    expected = np.array([fast.good_probability(m) for m in range(M_MAX + 1)])
    np.testing.assert_allclose(circuit.good_probabilities(M_MAX), expected, atol=1e-12)


def test_resources():
    dist = _random_dist(4, 0)
    cdf = GroverCircuit(dist, threshold_index=3).resources(5)
    assert cdf["simulated_qubits"] == 5 and cdf["loss_qubits"] == 4
    assert cdf["rotations_per_a"] == 15 and cdf["grover_calls"] == 5
    assert cdf["a_applications"] == 11 and cdf["comparator_ancilla_qubits"] == 3
    pay = GroverCircuit(dist, payoff=np.full(16, 0.5)).resources(0)
    assert pay["rotations_per_a"] == 15 + 16 and pay["comparator_ancilla_qubits"] == 0


def test_circuit_bad_inputs():
    dist = _random_dist(3, 0)
    with pytest.raises(ProblemError, match="exactly one of threshold_index"):
        GroverCircuit(dist)
    with pytest.raises(ProblemError, match="exactly one of threshold_index"):
        GroverCircuit(dist, threshold_index=1, payoff=np.zeros(8))
    with pytest.raises(ProblemError, match="index must be in 0..7"):
        GroverCircuit(dist, threshold_index=8)
    with pytest.raises(ProblemError, match="DiscreteDistribution"):
        GroverCircuit([0.5, 0.5], threshold_index=0)
    with pytest.raises(ProblemError, match="amplitude must lie in \\[0, 1\\]"):
        ExactOracle(1.5)
