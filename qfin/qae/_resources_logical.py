"""Logical resource counts of the amplitude-estimation circuit qfin simulates.

The circuit is the one :class:`qfin.qae.GroverCircuit` simulates: ``n`` loss qubits and one
objective qubit; ``A`` loads the pmf and marks the good states (the comparator
``k <= k*`` for a CDF, a payoff rotation for an expectation); the Grover operator is
``Q = -A S_0 A^dagger S_chi``. Counts are in the Clifford+T gate set with temporary logical
ANDs, the unit of the Toffoli count:

* a logical AND (a Toffoli onto a fresh ancilla) costs 4 T gates and one T layer, and is
  erased by a measurement and a Clifford correction, 0 T (Jones 2013, PRA 87, 022328,
  Fig. 1; Gidney 2018, Quantum 2, 74, Fig. 3). ``toffoli_count`` counts these ANDs;
* an arbitrary single-qubit rotation is synthesised from T gates at a precision ``delta``
  (see :data:`ROTATION_SYNTHESIS`); rotations on one qubit run one after the other;
* Clifford gates (CNOT, H, S, X, Z, CZ) are free, as in every T-count model.

Two state preparations are modelled:

``"grover-rudolph"`` (what qfin simulates)
    level ``j`` of Grover & Rudolph (2002, arXiv:quant-ph/0208112, Eq. 5) is a uniformly
    controlled Y-rotation with ``j`` controls and ``2**j`` angles, decomposed as ``2**j``
    single-qubit rotations and ``2**j`` CNOTs (Moettoenen et al. 2004, PRL 93, 130502,
    Eq. 3 and Fig. 2; Shende, Bullock & Markov 2006, IEEE TCAD 25, 1000, Theorem 8):
    ``2**n - 1`` rotations, rotation depth ``2**n - 1``, no Toffoli.
``"qrom"`` (a table look-up)
    coherent alias sampling (Babbush et al. 2018, PRX 8, 041015, Sec. III D and Fig. 11):
    a uniform superposition over ``L = 2**n`` indices (Hadamards), a QROM look-up of each
    index's alias (``n`` bits) and keep probability (``mu`` bits), a comparison of the keep
    value with a uniform ``mu``-bit register and a controlled swap of index and alias.
    The look-up is a select-swap QROM (Low, Kliuchnikov & Schaeffer 2018,
    arXiv:1812.00954, Sec. 2): ``ceil(L/lambda) - 1`` Toffolis of unary iteration over the
    blocks (Babbush et al. 2018, Sec. III A: ``4(L - 1)`` T gates for ``L`` items) plus
    ``b (lambda - 1)`` controlled swaps of the ``b = n + mu``-bit words; ``lambda = 1`` is
    plain unary iteration. With ``mu`` bits the prepared probabilities are within
    ``1 / (2**mu L)`` of the pmf (Babbush et al. 2018, Sec. III D), so a CDF or
    expectation moves by at most ``2**-mu``. No rotation at all. The garbage registers
    (alias, keep, uniform, flag) are entangled with the index, which amplitude estimation
    tolerates; ``S_0`` then reflects about zero on them too, and ``A^dagger`` is charged
    as much as ``A`` (a measurement-based uncomputation of the look-up would be cheaper).

The comparator ``k <= k*`` with a classical ``k*`` is the carry chain of
``k + (2**n - k* - 1)`` (Gidney 2018, Sec. 3 adder, classical addend): ``n - 1`` ANDs and
``n - 1`` ancillas (an upper bound: low zero bits of the constant save a few), nothing when
every state is marked. ``S_0`` on ``N`` qubits is a multi-controlled Z: ``N - 2`` ANDs in a
ladder. ``S_chi`` is a Z on the objective qubit (Clifford). Canonical QAE controls each
``Q`` by an evaluation qubit: only the reflections need the control (``A A^dagger = 1``
when it is off), one AND more, and it ends with a semiclassical inverse QFT (Griffiths &
Niu 1996, PRL 76, 3228): ``m - 1`` classically controlled rotations for ``m`` evaluation
qubits.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import Any

from qfin.errors import ProblemError
from qfin.qae._validate import check_open_unit, check_positive_int

__all__ = [
    "GateCounts",
    "AECircuitModel",
    "ROTATION_SYNTHESIS",
    "STATE_PREPARATIONS",
    "MAX_RESOURCE_QUBITS",
    "t_per_rotation",
    "gate_counts",
]

#: Largest loss register the resource model accepts (2**40 grid points): beyond it the
#: whole-run counts overflow what the physical estimator handles.
MAX_RESOURCE_QUBITS = 40

#: State preparations the model counts.
STATE_PREPARATIONS = ("grover-rudolph", "qrom")


def _ross_selinger(delta: float) -> int:
    # Ross & Selinger 2016, QIC 16, 901 (arXiv:1403.2975), abstract and Sec. 7: typical
    # T-count 3 log2(1/delta) + O(log log(1/delta)); the lower-order term is left out, so
    # this slightly favours the quantum side.
    return math.ceil(3.0 * math.log2(1.0 / delta))


def _selinger(delta: float) -> int:
    # Selinger 2015, QIC 15, 159 (arXiv:1212.6253), abstract: z-rotations with T-count
    # K + 4 log2(1/delta), K about 10, without a factoring oracle.
    return math.ceil(4.0 * math.log2(1.0 / delta) + 10.0)


def _mixed_fallback(delta: float) -> int:
    # Kliuchnikov et al. 2023, Quantum 7, 1208 (mixed fallback, probabilistic), as used by
    # Beverland et al. 2022 (arXiv:2211.07629, Appendix D): 0.53 log2(1/delta) + 5.3.
    return math.ceil(0.53 * math.log2(1.0 / delta) + 5.3)


#: Rotation synthesis: name -> T gates per arbitrary rotation at precision ``delta``.
ROTATION_SYNTHESIS: dict[str, Callable[[float], int]] = {
    "ross-selinger": _ross_selinger,
    "selinger": _selinger,
    "mixed-fallback": _mixed_fallback,
}


def t_per_rotation(delta: float, synthesis: str = "ross-selinger") -> int:
    """T gates of one arbitrary single-qubit rotation synthesised to precision ``delta``.

    Parameters
    ----------
    delta : float
        Operator-norm precision of the synthesised rotation, in (0, 1).
    synthesis : {"ross-selinger", "selinger", "mixed-fallback"}
        ``3 log2(1/delta)`` (Ross & Selinger 2016, typical case, lower-order term dropped),
        ``4 log2(1/delta) + 10`` (Selinger 2015) or ``0.53 log2(1/delta) + 5.3``
        (Kliuchnikov et al. 2023, the Microsoft estimator's default).

    Returns
    -------
    int
        T gates per rotation (at least 1).

    Raises
    ------
    ProblemError
        For a precision outside (0, 1) or an unknown synthesis.

    Examples
    --------
    >>> t_per_rotation(1e-10)
    100
    """
    d = check_open_unit(delta, "rotation precision delta")
    if synthesis not in ROTATION_SYNTHESIS:
        raise ProblemError(f"synthesis must be one of {tuple(ROTATION_SYNTHESIS)}; "
                           f"got {synthesis!r}")
    return max(1, ROTATION_SYNTHESIS[synthesis](d))


@dataclass(frozen=True)
class GateCounts:
    """Logical counts of one circuit piece (Clifford+T with temporary logical ANDs).

    Attributes
    ----------
    logical_qubits : int
        Peak logical qubits, ancillas included.
    toffoli_count : int
        Logical ANDs (Toffolis onto fresh ancillas), 4 T gates each.
    toffoli_depth : int
        Sequential layers of ANDs.
    rotation_count : int
        Arbitrary-angle single-qubit rotations (before synthesis).
    rotation_depth : int
        Sequential layers of rotations.
    measurement_count : int
        Single-qubit measurements (AND erasures, readout).
    """

    logical_qubits: int = 0
    toffoli_count: int = 0
    toffoli_depth: int = 0
    rotation_count: int = 0
    rotation_depth: int = 0
    measurement_count: int = 0

    def __add__(self, other: GateCounts) -> GateCounts:
        """Sequential composition: counts and depths add, qubits take the peak."""
        return GateCounts(
            logical_qubits=max(self.logical_qubits, other.logical_qubits),
            toffoli_count=self.toffoli_count + other.toffoli_count,
            toffoli_depth=self.toffoli_depth + other.toffoli_depth,
            rotation_count=self.rotation_count + other.rotation_count,
            rotation_depth=self.rotation_depth + other.rotation_depth,
            measurement_count=self.measurement_count + other.measurement_count)

    def times(self, k: int) -> GateCounts:
        """``k`` sequential repetitions (qubits unchanged)."""
        k = int(k)
        if k < 0:
            raise ProblemError(f"repetitions must be >= 0; got {k}")
        return GateCounts(self.logical_qubits, self.toffoli_count * k, self.toffoli_depth * k,
                          self.rotation_count * k, self.rotation_depth * k,
                          self.measurement_count * k)

    def with_qubits(self, logical_qubits: int) -> GateCounts:
        """The same gates on ``logical_qubits`` (a wider register)."""
        return GateCounts(int(logical_qubits), self.toffoli_count, self.toffoli_depth,
                          self.rotation_count, self.rotation_depth, self.measurement_count)

    def t_count(self, t_rotation: int) -> int:
        """T gates: 4 per AND plus ``t_rotation`` per synthesised rotation."""
        return 4 * self.toffoli_count + int(t_rotation) * self.rotation_count

    def t_depth(self, t_rotation: int) -> int:
        """T layers: one per AND layer plus ``t_rotation`` per rotation layer."""
        return self.toffoli_depth + int(t_rotation) * self.rotation_depth

    def as_dict(self) -> dict[str, int]:
        """Plain dict of the fields."""
        return {f.name: int(getattr(self, f.name)) for f in fields(self)}


# ---------------------------------------------------------------------- gate costs
def _and_ladder(n_ands: int, qubits: int) -> GateCounts:
    n_ands = max(int(n_ands), 0)
    return GateCounts(logical_qubits=qubits, toffoli_count=n_ands, toffoli_depth=n_ands,
                      measurement_count=n_ands)


def gate_counts(gate: tuple[str, int, int, int], n_qubits: int, *,
                extra_controls: int = 0) -> GateCounts:
    """Counts of one gate as :meth:`GroverCircuit.record_gates` records it.

    Parameters
    ----------
    gate : tuple (kind, target, n_controls, n_angles)
        ``"multiplexed-ry"``/``"payoff-ry"``: ``n_angles`` single-qubit rotations in
        sequence (Moettoenen et al. 2004, Eq. 3); ``"comparator"``: ``n - 1`` ANDs unless
        every state is marked (``n_angles = 2**n``); ``"reflection-zero"`` on
        ``n_controls + 1 + extra_controls`` qubits: ``N - 2`` ANDs; ``"reflection-good"``:
        Clifford (a Z, or a CZ with an extra control).
    n_qubits : int
        Loss register size ``n`` (sets the ancilla count).
    extra_controls : int
        Controls added to the reflections (1 for canonical QAE's controlled ``Q``).

    Returns
    -------
    GateCounts
    """
    kind, _target, n_controls, n_angles = gate
    n = int(n_qubits)
    base = n + 1  # loss qubits + objective
    if kind in ("multiplexed-ry", "payoff-ry"):
        return GateCounts(logical_qubits=base, rotation_count=int(n_angles),
                          rotation_depth=int(n_angles))
    if kind == "comparator":
        if int(n_angles) >= 2**n:  # every state marked: a plain X
            return GateCounts(logical_qubits=base)
        return _and_ladder(n - 1, base + max(n - 1, 0))
    if kind == "reflection-zero":
        width = int(n_controls) + 1 + int(extra_controls)
        return _and_ladder(width - 2, base + int(extra_controls) + max(width - 2, 0))
    if kind == "reflection-good":  # Z (or CZ with a control): Clifford
        return GateCounts(logical_qubits=base + int(extra_controls))
    raise ProblemError(f"unknown gate kind {kind!r}")


def _sum(items: Iterable[GateCounts]) -> GateCounts:
    total = GateCounts()
    for item in items:
        total = total + item
    return total


# ---------------------------------------------------------------------- the circuit model
class AECircuitModel:
    """Gate list and logical counts of ``A``, the comparator, ``Q`` and a whole run.

    Parameters
    ----------
    n_qubits : int
        Loss register size ``n`` (``2**n`` grid points), 1..40.
    kind : {"cdf", "expectation"}
        Comparator ``k <= k*`` (a CDF, the VaR search) or payoff rotation (CVaR, E[L]).
    threshold_index : int, optional
        ``k*`` of the comparator (default: a generic threshold below the last point;
        the count does not depend on it except when every point is marked).
    state_preparation : {"grover-rudolph", "qrom"}
        The multiplexed-rotation loading qfin simulates, or alias sampling with a
        select-swap QROM (see the module docstring for both cost models).
    keep_bits : int
        ``mu``, bits of each keep probability of the QROM preparation (default 20:
        probabilities within ``2**-20 / L``).
    qrom_block : int, optional
        ``lambda``, the select-swap block size (a power of two); default the one that
        minimises the Toffoli count.

    Raises
    ------
    ProblemError
        For ``n`` outside 1..40, an unknown kind or preparation, a bad threshold or block.

    Examples
    --------
    >>> model = AECircuitModel(4)
    >>> model.a().rotation_count, model.a().toffoli_count, model.q().toffoli_count
    (15, 3, 9)
    """

    def __init__(self, n_qubits: int, kind: str = "cdf", *, threshold_index: int | None = None,
                 state_preparation: str = "grover-rudolph", keep_bits: int = 20,
                 qrom_block: int | None = None) -> None:
        if isinstance(n_qubits, bool) or not isinstance(n_qubits, int | float) or (
                float(n_qubits) != int(n_qubits)):
            raise ProblemError(f"n_qubits must be an integer in 1..{MAX_RESOURCE_QUBITS}; "
                               f"got {n_qubits!r}")
        n = int(n_qubits)
        if not 1 <= n <= MAX_RESOURCE_QUBITS:
            raise ProblemError(f"n_qubits must be an integer in 1..{MAX_RESOURCE_QUBITS} "
                               f"(2**n grid points; larger registers overflow the physical "
                               f"estimator's counters); got {n}")
        if kind not in ("cdf", "expectation"):
            raise ProblemError(f"kind must be 'cdf' or 'expectation'; got {kind!r}")
        if state_preparation not in STATE_PREPARATIONS:
            raise ProblemError(f"state_preparation must be one of {STATE_PREPARATIONS}; "
                               f"got {state_preparation!r}")
        self.n_qubits = n
        self.kind = kind
        self.state_preparation = state_preparation
        size = 2**n
        if threshold_index is None:
            threshold_index = max(size - 2, 0)
        if isinstance(threshold_index, bool) or int(threshold_index) != threshold_index or not (
                0 <= int(threshold_index) < size):
            raise ProblemError(f"threshold_index must be an integer in 0..{size - 1}; "
                               f"got {threshold_index!r}")
        self.threshold_index = int(threshold_index)
        self.keep_bits = check_positive_int(keep_bits, "keep_bits")
        if qrom_block is None:
            qrom_block = self._best_block()
        lam = check_positive_int(qrom_block, "qrom_block")
        if lam & (lam - 1) or lam > size:
            raise ProblemError(f"qrom_block must be a power of two in 1..{size}; got {lam}")
        self.qrom_block = lam

    # ------------------------------------------------------------------ gate lists
    def loading_gates(self) -> list[tuple[str, int, int, int]]:
        """The Grover-Rudolph levels: ``("multiplexed-ry", j, j, 2**j)`` for ``j < n``."""
        return [("multiplexed-ry", j, j, 2**j) for j in range(self.n_qubits)]

    def objective_gates(self) -> list[tuple[str, int, int, int]]:
        """The comparator (CDF) or the payoff rotation (expectation)."""
        n = self.n_qubits
        if self.kind == "cdf":
            return [("comparator", n, n, self.threshold_index + 1)]
        return [("payoff-ry", n, n, 2**n)]

    def a_gates(self) -> list[tuple[str, int, int, int]]:
        """Gates of one ``A`` in the order the simulator applies them."""
        return self.loading_gates() + self.objective_gates()

    def q_gates(self) -> list[tuple[str, int, int, int]]:
        """Gates of one ``Q = -A S_0 A^dagger S_chi`` (in application order)."""
        n = self.n_qubits
        a_dag = self.objective_gates() + self.loading_gates()[::-1]
        return ([("reflection-good", n, 0, 0)] + a_dag + [("reflection-zero", 0, n, 0)]
                + self.a_gates())

    # ------------------------------------------------------------------ counts
    def _count(self, gates: Iterable[tuple[str, int, int, int]], extra_controls: int = 0
               ) -> GateCounts:
        return _sum(gate_counts(g, self.n_qubits, extra_controls=extra_controls)
                    for g in gates)

    def state_preparation_counts(self) -> GateCounts:
        """Loading the pmf once (Grover-Rudolph or the QROM alias sampler)."""
        if self.state_preparation == "grover-rudolph":
            return self._count(self.loading_gates())
        return self._qrom_counts()

    def comparator(self) -> GateCounts:
        """The comparator ``k <= k*`` (CDF) or the payoff rotation (expectation)."""
        obj = self._count(self.objective_gates())
        return obj.with_qubits(obj.logical_qubits - (self.n_qubits + 1)
                               + self._register_qubits())

    def a(self) -> GateCounts:
        """One application of ``A`` (``A^dagger`` costs the same)."""
        prep, obj = self.state_preparation_counts(), self._count(self.objective_gates())
        obj_ancillas = obj.logical_qubits - (self.n_qubits + 1)
        return (prep + obj).with_qubits(max(prep.logical_qubits,
                                            self._register_qubits() + obj_ancillas))

    def reflection_zero(self, extra_controls: int = 0) -> GateCounts:
        """``S_0`` on every register ``A`` writes (``extra_controls`` more controls)."""
        width = self._register_qubits()
        return _and_ladder(width - 2 + extra_controls,
                           width + extra_controls + max(width - 2 + extra_controls, 0))

    def q(self) -> GateCounts:
        """One Grover call ``Q``: ``A^dagger`` and ``A`` once each, two reflections."""
        a = self.a()
        s0 = self.reflection_zero()
        return (a + s0 + a).with_qubits(max(a.logical_qubits, s0.logical_qubits))

    def controlled_q(self) -> GateCounts:
        """``Q`` controlled by one evaluation qubit (canonical QAE): reflections controlled."""
        a = self.a()
        s0 = self.reflection_zero(extra_controls=1)
        chi = _and_ladder(0, self._register_qubits() + 1)  # controlled Z: Clifford
        return (a + s0 + a + chi).with_qubits(max(a.logical_qubits + 1, s0.logical_qubits))

    def inverse_qft(self, n_eval_qubits: int) -> GateCounts:
        """Semiclassical inverse QFT on ``m`` qubits: ``m - 1`` rotations, ``m`` readouts."""
        m = check_positive_int(n_eval_qubits, "n_eval_qubits")
        return GateCounts(logical_qubits=m, rotation_count=m - 1, rotation_depth=m - 1,
                          measurement_count=m)

    # ------------------------------------------------------------------ internals
    def _register_qubits(self) -> int:
        """Qubits ``S_0`` reflects: loss + objective (+ alias-sampling registers)."""
        n = self.n_qubits
        if self.state_preparation == "grover-rudolph":
            return n + 1
        mu = self.keep_bits
        return n + n + mu + mu + 1 + 1  # index, alias, keep, uniform, flag, objective

    def _qrom_toffolis(self, lam: int) -> int:
        size, b = 2**self.n_qubits, self.n_qubits + self.keep_bits
        return max(math.ceil(size / lam) - 1, 0) + b * (lam - 1)

    def _best_block(self) -> int:
        size = 2**self.n_qubits
        best, lam = 1, 1
        while lam <= size:
            if self._qrom_toffolis(lam) < self._qrom_toffolis(best):
                best = lam
            lam *= 2
        return best

    def _qrom_counts(self) -> GateCounts:
        n, mu, lam = self.n_qubits, self.keep_bits, self.qrom_block
        b = n + mu
        lookup = self._qrom_toffolis(lam)
        compare = mu  # keep >= uniform: the carry chain of a mu-bit comparison
        swap = n  # controlled swap of index and alias: one Toffoli per bit
        toffolis = lookup + compare + swap
        unary_ancillas = max(math.ceil(math.log2(max(2**n // lam, 1))), 0)
        qubits = self._register_qubits() + (lam - 1) * b + unary_ancillas
        return GateCounts(logical_qubits=qubits, toffoli_count=toffolis,
                          toffoli_depth=toffolis, measurement_count=toffolis)

    def describe(self) -> dict[str, Any]:
        """The model's parameters as a JSON-ready dict."""
        out: dict[str, Any] = {"n_qubits": self.n_qubits, "kind": self.kind,
                               "state_preparation": self.state_preparation}
        if self.state_preparation == "qrom":
            out.update({"keep_bits": self.keep_bits, "qrom_block": self.qrom_block})
        return out

