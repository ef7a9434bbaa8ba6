"""State-vector simulation of the amplitude-estimation circuit (numpy or MLX).

The register is ``n`` loss qubits (most significant first) and one objective qubit (last).
``A`` loads the pmf with uniformly controlled Y-rotations (Grover-Rudolph) and then marks
the good states: an X on the objective qubit controlled by the comparator ``k <= k*``, or a
Y-rotation of the objective by ``2 arcsin(sqrt(f_k))`` controlled by ``k`` for a payoff.
The Grover operator is ``Q = -A S_0 A^dagger S_chi``; the minus sign is a global phase that
makes the eigenphases of ``Q`` exactly ``+-2 theta`` (it changes no probability).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from qfin.backends import get as get_backend
from qfin.errors import ProblemError
from qfin.qae._distribution import DiscreteDistribution

__all__ = ["GroverCircuit", "grover_rudolph_angles"]


def grover_rudolph_angles(probabilities: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Half-angle cosines and sines of the uniformly controlled Y-rotations.

    Level ``j`` rotates qubit ``j`` by ``2 arccos(sqrt(m0 / m))`` under each of the ``2**j``
    values of the qubits before it, where ``m`` is the mass of that prefix's block and
    ``m0`` the mass of its left half.

    Parameters
    ----------
    probabilities : ndarray of shape (2**n,)

    Returns
    -------
    list of (cos, sin) pairs, one per level, each of shape (2**j,)
    """
    p = np.asarray(probabilities, dtype=np.float64)
    n = int(p.size).bit_length() - 1
    levels = []
    for j in range(n):
        halves = p.reshape(2**j, 2, -1).sum(axis=2)
        mass = halves.sum(axis=1)
        safe = np.where(mass > 0, mass, 1.0)
        cos = np.where(mass > 0, np.sqrt(halves[:, 0] / safe), 1.0)
        sin = np.where(mass > 0, np.sqrt(halves[:, 1] / safe), 0.0)
        levels.append((cos, sin))
    return levels


class GroverCircuit:
    """The state ``A|0>`` and the Grover operator ``Q`` as a simulated state vector.

    Parameters
    ----------
    dist : DiscreteDistribution
        The loss distribution to load.
    threshold_index : int, optional
        Mark ``k <= threshold_index`` (CDF estimation). Give this or ``payoff``.
    payoff : array-like of shape (2**n,), optional
        Values in [0, 1] rotated into the objective qubit (expectation estimation).
    backend : str or Backend
        ``"numpy"`` (float64) or ``"mlx"`` (float32 by default).
    dtype : str, optional
        ``"float32"`` or ``"float64"`` (MLX float64 only on the CPU).

    Examples
    --------
    >>> from qfin.qae import DiscreteDistribution
    >>> dist = DiscreteDistribution([0.0, 1.0, 2.0, 3.0], [0.1, 0.2, 0.3, 0.4])
    >>> circuit = GroverCircuit(dist, threshold_index=1)
    >>> round(circuit.good_probability(0), 12), round(circuit.good_probability(1), 12)
    (0.3, 0.972)
    """

    def __init__(self, dist: DiscreteDistribution, *, threshold_index: int | None = None,
                 payoff: Any = None, backend: Any = "numpy", dtype: Any = None) -> None:
        if not isinstance(dist, DiscreteDistribution):
            raise ProblemError(f"dist must be a DiscreteDistribution; got {type(dist).__name__}")
        if (threshold_index is None) == (payoff is None):
            raise ProblemError("give exactly one of threshold_index (CDF) or payoff "
                               "(expectation)")
        self.dist = dist
        self.n_qubits = dist.n_qubits
        self.backend = get_backend(backend) if isinstance(backend, str) else backend
        self.dtype = self.backend.resolve_dtype(dtype)
        be = self.backend
        self.kind = "cdf" if payoff is None else "expectation"
        self._levels = [(be.asarray(c, self.dtype), be.asarray(s, self.dtype))
                        for c, s in grover_rudolph_angles(dist.probabilities)]
        if threshold_index is not None:
            k = dist.check_index(threshold_index)
            self.threshold_index = k
            marked = (np.arange(dist.size) <= k).astype(np.float64)
            self._mark = be.asarray(marked, self.dtype)[:, None]
            self._rot = None
            self.exact_amplitude = float(dist.cdf[k])
            self.exact_complement = float(dist.survival[k])
        else:
            f = dist.payoff_values(payoff)
            self.threshold_index = None
            self._mark = None
            self._rot = (be.asarray(np.sqrt(1.0 - f), self.dtype),
                         be.asarray(np.sqrt(f), self.dtype))
            self.exact_amplitude = float(np.dot(dist.probabilities, f))
            self.exact_complement = float(np.dot(dist.probabilities, 1.0 - f))
        sign0 = np.ones(2 * dist.size)
        sign0[0] = -1.0
        self._sign0 = be.asarray(sign0, self.dtype)
        self._sign_chi = be.asarray(np.array([1.0, -1.0]), self.dtype)
        zero = np.zeros(2 * dist.size)
        zero[0] = 1.0
        self._zero = be.asarray(zero, self.dtype)
        self._gate_log: list[tuple[str, int, int, int]] | None = None

    # ---------------------------------------------------------------- gate record
    @contextmanager
    def record_gates(self) -> Iterator[list[tuple[str, int, int, int]]]:
        """Record every gate the simulator applies while the block runs.

        Each entry is ``(kind, target, n_controls, n_angles)``: ``"multiplexed-ry"`` (one
        uniformly controlled Y-rotation of the loading, ``n_angles`` the angles applied),
        ``"payoff-ry"`` (the payoff rotation of the objective qubit), ``"comparator"``
        (the X on the objective for ``k <= k*``; ``n_angles`` is ``k* + 1``, the states
        marked), ``"reflection-zero"`` (``S_0`` on ``n_controls + 1`` qubits) and
        ``"reflection-good"`` (``S_chi``). :mod:`qfin.qae._resources_logical` counts the same
        gates; the tests compare the two. Off by default: the simulator only tests one
        attribute per gate.

        Examples
        --------
        >>> from qfin.qae import DiscreteDistribution
        >>> dist = DiscreteDistribution([0.0, 1.0, 2.0, 3.0], [0.1, 0.2, 0.3, 0.4])
        >>> circuit = GroverCircuit(dist, threshold_index=1)
        >>> with circuit.record_gates() as gates:
        ...     _ = circuit.initial_state()
        >>> gates
        [('multiplexed-ry', 0, 0, 1), ('multiplexed-ry', 1, 1, 2), ('comparator', 2, 2, 2)]
        """
        log: list[tuple[str, int, int, int]] = []
        previous, self._gate_log = self._gate_log, log
        try:
            yield log
        finally:
            self._gate_log = previous

    # ---------------------------------------------------------------- gates
    def _load(self, state: Any, inverse: bool) -> Any:
        xp = self.backend.xp
        n = self.n_qubits
        order = range(n - 1, -1, -1) if inverse else range(n)
        for j in order:
            cos, sin = self._levels[j]
            if self._gate_log is not None:
                self._gate_log.append(("multiplexed-ry", j, j, int(cos.shape[0])))
            if inverse:
                sin = -sin
            st = state.reshape(2**j, 2, 2 ** (n - j))
            a0, a1 = st[:, 0, :], st[:, 1, :]
            c, s = cos[:, None], sin[:, None]
            state = xp.stack([c * a0 - s * a1, s * a0 + c * a1], axis=1).reshape(-1)
        return state

    def _objective(self, state: Any, inverse: bool) -> Any:
        xp = self.backend.xp
        st = state.reshape(-1, 2)
        a0, a1 = st[:, 0], st[:, 1]
        if self._mark is not None:  # comparator: X on the objective for k <= k* (self-inverse)
            if self._gate_log is not None:
                self._gate_log.append(("comparator", self.n_qubits, self.n_qubits,
                                       int(self.threshold_index) + 1))
            m = self._mark[:, 0]
            new0 = m * a1 + (1 - m) * a0
            new1 = m * a0 + (1 - m) * a1
        else:
            c, s = self._rot
            if self._gate_log is not None:
                self._gate_log.append(("payoff-ry", self.n_qubits, self.n_qubits,
                                       int(c.shape[0])))
            if inverse:
                s = -s
            new0 = c * a0 - s * a1
            new1 = s * a0 + c * a1
        return xp.stack([new0, new1], axis=1).reshape(-1)

    def apply_a(self, state: Any) -> Any:
        """``A``: load the pmf, then mark the good states."""
        return self._objective(self._load(state, inverse=False), inverse=False)

    def apply_a_dagger(self, state: Any) -> Any:
        """``A^dagger``: the gates of ``A`` inverted, in reverse order."""
        return self._load(self._objective(state, inverse=True), inverse=True)

    def apply_q(self, state: Any) -> Any:
        """One Grover call ``Q = -A S_0 A^dagger S_chi``."""
        if self._gate_log is not None:
            self._gate_log.append(("reflection-good", self.n_qubits, 0, 0))
        state = (state.reshape(-1, 2) * self._sign_chi).reshape(-1)  # S_chi: flip good states
        state = self.apply_a_dagger(state)
        if self._gate_log is not None:
            self._gate_log.append(("reflection-zero", 0, self.n_qubits, 0))
        state = state * self._sign0  # S_0 = I - 2|0><0|
        return -self.apply_a(state)

    # ---------------------------------------------------------------- observables
    def initial_state(self) -> Any:
        """``A|0>`` as a backend array of shape (2**(n+1),)."""
        return self.apply_a(self._zero)

    def good_probability_of(self, state: Any) -> float:
        """Probability of measuring the objective qubit in ``|1>``."""
        st = self.backend.to_numpy(state).reshape(-1, 2)
        return float(np.dot(st[:, 1], st[:, 1]))

    def loss_probabilities(self) -> np.ndarray:
        """The pmf read back from ``A|0>`` (sum over the objective qubit)."""
        st = self.backend.to_numpy(self.initial_state()).reshape(-1, 2)
        return (st**2).sum(axis=1)

    @property
    def theta(self) -> float:
        """The exact angle: ``a = sin^2 theta`` from the pmf (the fast path's angle)."""
        return float(np.arctan2(np.sqrt(self.exact_amplitude),
                                np.sqrt(self.exact_complement)))

    def good_probabilities(self, max_power: int) -> np.ndarray:
        """Good-state probabilities after ``m = 0 .. max_power`` Grover calls."""
        state = self.initial_state()
        out = [self.good_probability_of(state)]
        for _ in range(int(max_power)):
            state = self.apply_q(state)
            out.append(self.good_probability_of(state))
        return np.asarray(out)

    def good_probability(self, power: int) -> float:
        """Good-state probability after ``power`` Grover calls."""
        return float(self.good_probabilities(power)[-1])

    def powers_states(self, count: int) -> np.ndarray:
        """``Q^j A|0>`` for ``j = 0 .. count-1`` as a numpy array of shape (count, 2**(n+1))."""
        state = self.initial_state()
        rows = [self.backend.to_numpy(state)]
        for _ in range(int(count) - 1):
            state = self.apply_q(state)
            rows.append(self.backend.to_numpy(state))
        return np.stack(rows)

    def phase_estimation_distribution(self, n_eval_qubits: int) -> np.ndarray:
        """Outcome distribution of canonical QAE, simulated on the state vector.

        With the evaluation register in uniform superposition, controlled ``Q^(2^i)`` gates
        leave ``sum_j |j> Q^j A|0> / sqrt(M)``; the inverse QFT on the evaluation register is
        a discrete Fourier transform over ``j``.
        """
        m_states = 2 ** int(n_eval_qubits)
        psi = self.powers_states(m_states)
        amplitudes = np.fft.fft(psi, axis=0) / m_states  # outcome y: sum_j e^{-2 pi i jy/M}
        probs = (np.abs(amplitudes) ** 2).sum(axis=1)
        return probs / probs.sum()

    def resources(self, grover_calls: int = 0) -> dict[str, int]:
        """Resource counts of the simulated circuit.

        ``rotations_per_a`` counts the angles of the uniformly controlled Y-rotations in one
        application of ``A`` (Grover-Rudolph loading: ``2**n - 1``; a payoff rotation adds
        ``2**n``); each Grover call applies ``A`` and ``A^dagger`` once.
        """
        n = self.n_qubits
        load = 2**n - 1
        objective = 2**n if self.kind == "expectation" else 0
        ancillas = max(n - 1, 0) if self.kind == "cdf" else 0  # ripple comparator
        return {
            "loss_qubits": n,
            "objective_qubits": 1,
            "comparator_ancilla_qubits": ancillas,
            "qubits": n + 1 + ancillas,
            "simulated_qubits": n + 1,
            "rotations_per_a": load + objective,
            "controlled_rotations_per_a": load - 1 + objective,
            "grover_calls": int(grover_calls),
            "a_applications": 2 * int(grover_calls) + 1,
        }
