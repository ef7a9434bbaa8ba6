"""Amplitude oracles: the exact fast path and the state-vector path behind one interface.

An oracle answers "what is the good-state probability after ``m`` Grover calls" and "what is
the outcome distribution of phase estimation with ``M`` evaluation states"; estimators draw
their measurements from these numbers with a seeded numpy Generator.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qfin.errors import ProblemError
from qfin.qae._distribution import DiscreteDistribution
from qfin.qae._statevector import GroverCircuit

__all__ = ["ExactOracle", "StateVectorOracle", "make_oracle", "qpe_outcome_probabilities",
           "SIMULATORS"]

SIMULATORS = ("exact", "statevector")


def qpe_outcome_probabilities(theta: Any, n_states: int, outcomes: Any = None) -> np.ndarray:
    """Exact outcome distribution of canonical QAE with ``M = n_states`` evaluation states.

    ``A|0>`` splits into the eigenvectors of ``Q`` with eigenphases ``+-theta/pi`` (in turns),
    each with weight 1/2, so ``P(y) = (F(y/M - theta/pi) + F(y/M + theta/pi)) / 2`` with the
    Fejer kernel ``F(d) = sin^2(M pi d) / (M^2 sin^2(pi d))``.

    Parameters
    ----------
    theta : float or ndarray
        Angle(s) with ``a = sin^2 theta``; an array gives one row per angle.
    n_states : int
        ``M = 2**n_eval_qubits``.
    outcomes : array-like of int, optional
        The outcomes ``y`` to evaluate (default ``0 .. M-1``).

    Returns
    -------
    ndarray of shape (len(theta), len(outcomes)) or (len(outcomes),) for a scalar theta
    """
    m = int(n_states)
    y = np.arange(m) if outcomes is None else np.asarray(outcomes)
    th = np.asarray(theta, dtype=np.float64)
    scalar = th.ndim == 0
    th = np.atleast_1d(th)[:, None] / math.pi
    out = 0.5 * (_fejer(y[None, :] / m - th, m) + _fejer(y[None, :] / m + th, m))
    return out[0] if scalar else out


def _fejer(d: np.ndarray, m: int) -> np.ndarray:
    s = np.sin(np.pi * d)
    num = np.sin(m * np.pi * d)
    small = np.abs(s) < 1e-12
    ratio = np.divide(num, m * s, out=np.ones_like(s), where=~small)
    return ratio**2


class ExactOracle:
    """The fast path: the exact two-dimensional rotation, ``a = sin^2 theta``.

    Parameters
    ----------
    amplitude : float
        The good-state probability ``a`` of ``A|0>``, in [0, 1].
    complement : float, optional
        The bad-state probability ``1 - a`` computed directly (more accurate near a = 1).
    """

    simulator = "exact"

    def __init__(self, amplitude: float, complement: float | None = None) -> None:
        a = float(amplitude)
        if not 0.0 <= a <= 1.0:
            raise ProblemError(f"amplitude must lie in [0, 1]; got {amplitude!r}")
        self.amplitude = a
        b = 1.0 - a if complement is None else min(max(float(complement), 0.0), 1.0)
        # atan2 of both masses keeps theta accurate when a is within rounding of 0 or 1
        self.theta = math.atan2(math.sqrt(a), math.sqrt(b))

    def good_probability(self, power: int) -> float:
        """``sin^2((2m + 1) theta)`` after ``m = power`` Grover calls."""
        return math.sin((2 * power + 1) * self.theta) ** 2

    def phase_estimation_distribution(self, n_eval_qubits: int) -> np.ndarray:
        """Exact outcome distribution of canonical QAE (see :func:`qpe_outcome_probabilities`)."""
        p = qpe_outcome_probabilities(self.theta, 2**n_eval_qubits)
        return p / p.sum()


class StateVectorOracle:
    """The circuit simulated as a state vector (numpy or MLX); powers are cached.

    Grover powers are usually requested in increasing order, so the last state is kept and
    advanced; a smaller power restarts from ``A|0>``.
    """

    simulator = "statevector"

    def __init__(self, circuit: GroverCircuit) -> None:
        self.circuit = circuit
        self.amplitude = circuit.exact_amplitude
        self._cache: dict[int, float] = {}
        self._state: Any = None
        self._power = -1

    def good_probability(self, power: int) -> float:
        """Good-state probability after ``power`` Grover calls, simulated."""
        power = int(power)
        if power in self._cache:
            return self._cache[power]
        if self._state is None or power < self._power:
            self._state, self._power = self.circuit.initial_state(), 0
        while self._power < power:
            self._state = self.circuit.apply_q(self._state)
            self._power += 1
        p = self.circuit.good_probability_of(self._state)
        self._cache[power] = p
        return p

    def phase_estimation_distribution(self, n_eval_qubits: int) -> np.ndarray:
        """Outcome distribution of canonical QAE from the simulated state vector."""
        return self.circuit.phase_estimation_distribution(n_eval_qubits)


def make_oracle(dist: DiscreteDistribution, *, threshold_index: int | None = None,
                payoff: Any = None, simulator: str = "exact", backend: Any = "numpy",
                dtype: Any = None) -> ExactOracle | StateVectorOracle:
    """The oracle for a CDF (``threshold_index``) or an expectation (``payoff``)."""
    if simulator == "exact":
        if threshold_index is not None:
            return ExactOracle(dist.cdf[threshold_index], dist.survival[threshold_index])
        f = dist.payoff_values(payoff)
        return ExactOracle(min(1.0, float(np.dot(dist.probabilities, f))),
                           float(np.dot(dist.probabilities, 1.0 - f)))
    if simulator == "statevector":
        return StateVectorOracle(GroverCircuit(dist, threshold_index=threshold_index,
                                               payoff=payoff, backend=backend, dtype=dtype))
    raise ProblemError(f"simulator must be one of {SIMULATORS}; got {simulator!r}")
