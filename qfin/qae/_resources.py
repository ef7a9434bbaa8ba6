"""Fault-tolerant resource estimates of an amplitude-estimation run (logical and physical).

:func:`estimate_resources` takes what an estimator reported (its Grover calls and shots,
one :class:`AEResult` or every estimate of a VaR/CVaR search), counts the logical gates of
the circuit qfin simulates (:mod:`qfin.qae._resources_logical`) and, optionally, asks the
Microsoft resource estimator for physical qubits and runtime per qubit model
(:mod:`qfin.qae._resources_physical`). Everything is an estimate under stated assumptions;
nothing here is a measured quantum runtime.

Whole-run counts follow the estimator's own schedule exactly: every shot prepares ``A|0>``
once and applies its round's Grover power ``m``, so a run costs
``Q x oracle_queries + A x shots`` (``oracle_queries = sum shots x m``); canonical QAE
applies controlled ``Q`` ``M - 1`` times per shot and ends with an inverse QFT.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from qfin.errors import ProblemError
from qfin.qae._estimators import AEResult
from qfin.qae._resources_logical import (
    ROTATION_SYNTHESIS,
    AECircuitModel,
    GateCounts,
    t_per_rotation,
)
from qfin.qae._resources_physical import (
    DEFAULT_QUBIT_MODELS,
    PhysicalEstimate,
    check_error_budget,
    check_qubit_models,
    physical_estimates,
)
from qfin.qae._risk import RiskResult

__all__ = ["ResourceEstimate", "estimate_resources", "ae_runs"]


@dataclass(frozen=True)
class ResourceEstimate:
    """Logical (and optionally physical) resources of one amplitude-estimation run.

    Attributes
    ----------
    n_qubits : int
        Loss register size ``n``.
    state_preparation : str
        ``"grover-rudolph"`` or ``"qrom"``.
    method : str
        The estimator (``"iterative"``, ``"maximum-likelihood"``, ``"canonical"``).
    estimates : int
        Amplitude estimates in the run (``n`` for a VaR bisection).
    grover_calls : int
        Grover operators applied (the estimators' ``oracle_queries``).
    shots : int
        Circuit repetitions (each prepares ``A|0>`` once and is measured).
    error_budget : float
        Total failure probability allowed to the fault-tolerant run.
    synthesis : str
        Rotation synthesis model (:data:`ROTATION_SYNTHESIS`).
    rotation_precision : float or None
        Precision of each synthesised rotation: a third of the budget over every rotation
        of the run (``None`` when the run has no rotation).
    t_per_rotation : int
        T gates per rotation at that precision.
    pieces : dict of str to GateCounts
        ``state_preparation``, ``comparator`` (or payoff rotation), ``a``, ``q`` (one
        Grover call), ``per_shot_extra`` (what a shot adds besides its Grover calls).
    whole_run : GateCounts
        The whole run.
    physical : tuple of PhysicalEstimate
        One per qubit model (empty when not requested).
    model : dict
        The circuit model's parameters.
    """

    n_qubits: int
    state_preparation: str
    method: str
    estimates: int
    grover_calls: int
    shots: int
    error_budget: float
    synthesis: str
    rotation_precision: float | None
    t_per_rotation: int
    pieces: dict[str, GateCounts]
    whole_run: GateCounts
    physical: tuple[PhysicalEstimate, ...] = ()
    model: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ derived figures
    def t_count(self, piece: str = "whole_run") -> int:
        """T gates of a piece (``"a"``, ``"q"``, ...) or of the whole run."""
        counts = self.whole_run if piece == "whole_run" else self.pieces[piece]
        return counts.t_count(self.t_per_rotation)

    def t_depth(self, piece: str = "whole_run") -> int:
        """T layers of a piece or of the whole run (everything runs in sequence)."""
        counts = self.whole_run if piece == "whole_run" else self.pieces[piece]
        return counts.t_depth(self.t_per_rotation)

    @property
    def logical_qubits(self) -> int:
        """Peak logical qubits of the run, ancillas included (before any layout)."""
        return self.whole_run.logical_qubits

    def runtime_at(self, logical_clock_hz: float) -> float:
        """Seconds of the whole run if one T layer takes ``1 / logical_clock_hz``.

        The convention of Chakrabarti et al. 2021 (Quantum 5, 463): runtime = T-depth /
        logical clock rate; Clifford gates and classical control are taken as free.
        """
        f = float(logical_clock_hz)
        if not f > 0:
            raise ProblemError(f"logical_clock_hz must be > 0; got {logical_clock_hz!r}")
        return self.t_depth() / f

    def break_even_clock_hz(self, classical_seconds: float) -> float:
        """Logical clock rate (T layers per second) at which the run takes ``seconds``."""
        s = float(classical_seconds)
        if not s > 0:
            raise ProblemError(f"classical_seconds must be > 0; got {classical_seconds!r}")
        return self.t_depth() / s

    def estimator_counts(self) -> dict[str, int]:
        """The whole run as the Microsoft estimator's ``LogicalCounts`` fields.

        Rotations are passed already synthesised into T gates (so qfin and the estimator
        use one T count); ANDs are the estimator's ``ccixCount``.
        """
        w = self.whole_run
        return {"numQubits": w.logical_qubits, "tCount": w.rotation_count * self.t_per_rotation,
                "rotationCount": 0, "rotationDepth": 0, "cczCount": 0,
                "ccixCount": w.toffoli_count, "measurementCount": w.measurement_count}

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict; every figure as ``{"value": ..., "unit": ...}``."""
        def piece(name: str, counts: GateCounts) -> dict[str, Any]:
            return {
                "logical_qubits": {"value": counts.logical_qubits, "unit": "logical qubits"},
                "toffoli_count": {"value": counts.toffoli_count,
                                  "unit": "Toffoli gates (logical ANDs)"},
                "t_count": {"value": counts.t_count(self.t_per_rotation), "unit": "T gates"},
                "t_depth": {"value": counts.t_depth(self.t_per_rotation), "unit": "T layers"},
                "rotation_count": {"value": counts.rotation_count,
                                   "unit": "arbitrary-angle rotations (before synthesis)"},
                "measurement_count": {"value": counts.measurement_count,
                                      "unit": "measurements"}}

        check = (self.t_count("q") * self.grover_calls
                 + self.pieces["per_shot_extra"].t_count(self.t_per_rotation) * self.shots)
        return {
            "model": dict(self.model),
            "method": self.method,
            "logical_qubits": {"value": self.logical_qubits, "unit": "logical qubits"},
            "grover_calls": {"value": self.grover_calls,
                             "unit": "Grover operators Q (oracle queries)"},
            "shots": {"value": self.shots, "unit": "circuit repetitions"},
            "amplitude_estimates": {"value": self.estimates, "unit": "amplitude estimates"},
            "error_budget": {"value": self.error_budget, "unit": "probability"},
            "rotation_synthesis": self.synthesis,
            "rotation_precision": {"value": self.rotation_precision,
                                   "unit": "operator-norm error per rotation"},
            "t_per_rotation": {"value": self.t_per_rotation, "unit": "T gates per rotation"},
            "per_call": {name: piece(name, c) for name, c in self.pieces.items()},
            "whole_run": piece("whole_run", self.whole_run),
            "whole_run_formula": "Q x grover_calls + per_shot_extra x shots",
            "whole_run_t_count_check": {"q_t_count x grover_calls + per_shot_extra_t_count x "
                                        "shots": check,
                                        "equals_whole_run": check == self.t_count()},
            "physical": [p.as_dict() for p in self.physical],
            "assumptions": ASSUMPTIONS,
        }


#: The modelling assumptions, stated with every estimate.
ASSUMPTIONS = (
    "logical counts of the circuit qfin simulates (Grover-Rudolph multiplexed rotations or "
    "a QROM alias sampler, comparator, Q = -A S_0 A^dagger S_chi); Clifford gates free; a "
    "Toffoli is a logical AND of 4 T gates and one T layer, erased by measurement; "
    "rotations synthesised at a third of the error budget spread over every rotation of "
    "the run; everything sequential on one device (no parallel shots); the classical "
    "control, the decoder and the loading of the data into the QROM are free; physical "
    "figures from the Microsoft resource estimator (Beverland et al. 2022), not from "
    "hardware")


def ae_runs(result: Any, kind: str | None = None) -> list[tuple[str, AEResult]]:
    """The amplitude estimates of a result with the kind of circuit each one ran.

    Parameters
    ----------
    result : AEResult, RiskResult or sequence of (kind, AEResult)
        A single estimate (give ``kind``: ``"cdf"`` or ``"expectation"``), a VaR
        (every step a CDF), a CVaR (the VaR steps, then the payoff expectation and
        possibly one more CDF), an expected loss (one expectation), or explicit pairs.
    kind : {"cdf", "expectation"}, optional
        Kind of a single :class:`AEResult` (default ``"cdf"``).
    """
    if isinstance(result, AEResult):
        k = kind or "cdf"
        if k not in ("cdf", "expectation"):
            raise ProblemError(f"kind must be 'cdf' or 'expectation'; got {kind!r}")
        return [(k, result)]
    if isinstance(result, RiskResult):
        if result.measure == "var":
            return [("cdf", e) for e in result.estimates]
        if result.measure == "cvar":
            runs = ae_runs(result.var) if result.var is not None else []
            own = list(result.estimates)
            if own:
                runs.append(("expectation", own[0]))
                runs += [("cdf", e) for e in own[1:]]
            return runs
        return [("expectation", e) for e in result.estimates]
    if isinstance(result, Sequence) and not isinstance(result, str):
        runs = []
        for item in result:
            if (not isinstance(item, tuple) or len(item) != 2
                    or not isinstance(item[1], AEResult)):
                raise ProblemError("result must be an AEResult, a RiskResult or a sequence of "
                                   f"(kind, AEResult) pairs; got an item {item!r}")
            runs += ae_runs(item[1], item[0])
        return runs
    raise ProblemError("result must be an AEResult, a RiskResult or a sequence of (kind, "
                       f"AEResult) pairs; got {type(result).__name__}")


def estimate_resources(result: Any, n_qubits: int, *, kind: str | None = None,
                       state_preparation: str = "grover-rudolph", error_budget: float = 1e-3,
                       synthesis: str = "ross-selinger",
                       qubit_models: Sequence[str] | None = DEFAULT_QUBIT_MODELS,
                       keep_bits: int = 20, qrom_block: int | None = None) -> ResourceEstimate:
    """Fault-tolerant resources of the run an estimator reported.

    Parameters
    ----------
    result : AEResult, RiskResult or sequence of (kind, AEResult)
        What was estimated (see :func:`ae_runs`); its Grover powers and shots set the
        counts.
    n_qubits : int
        Loss register size ``n`` of the distribution (``dist.n_qubits``), 1..40.
    kind : {"cdf", "expectation"}, optional
        Kind of a single :class:`AEResult` (default ``"cdf"``).
    state_preparation : {"grover-rudolph", "qrom"}
        Loading by multiplexed rotations (what qfin simulates) or by a QROM alias sampler.
    error_budget : float
        Total failure probability of the fault-tolerant run, in (0, 1) (default 1e-3, the
        Microsoft estimator's default). A third goes to rotation synthesis when the run
        has rotations; the rest is split evenly between logical errors and T states.
    synthesis : {"ross-selinger", "selinger", "mixed-fallback"}
        T gates per rotation (:func:`t_per_rotation`).
    qubit_models : sequence of str or None
        Physical estimates for these models (:data:`QUBIT_MODELS`); ``None`` or empty:
        logical counts only (no ``qdk`` needed).
    keep_bits, qrom_block
        Parameters of the QROM preparation (:class:`AECircuitModel`).

    Returns
    -------
    ResourceEstimate

    Raises
    ------
    ProblemError
        ``n_qubits`` outside 1..40, an error budget outside (0, 1), an unknown qubit model
        or synthesis, a run beyond what the physical estimator accepts.
    BackendUnavailableError
        Physical estimates requested without ``qdk`` installed.

    Examples
    --------
    >>> import scipy.stats
    >>> from qfin.qae import DiscreteDistribution, IterativeAE
    >>> dist = DiscreteDistribution.from_parametric(scipy.stats.norm(), 6, -4, 4)
    >>> res = IterativeAE(1e-2, seed=1).estimate_cdf_index(dist, dist.var_index(0.99))
    >>> est = estimate_resources(res, dist.n_qubits, qubit_models=None)
    >>> est.t_count() == est.t_count("q") * res.oracle_queries + est.t_count("a") * res.shots
    True
    """
    budget = check_error_budget(error_budget)
    if synthesis not in ROTATION_SYNTHESIS:
        raise ProblemError(f"synthesis must be one of {tuple(ROTATION_SYNTHESIS)}; "
                           f"got {synthesis!r}")
    models = check_qubit_models(qubit_models) if qubit_models else ()
    runs = ae_runs(result, kind)
    if not runs:
        raise ProblemError("the result holds no amplitude estimate")
    methods = sorted({r.method for _, r in runs})
    common = {"state_preparation": state_preparation, "keep_bits": keep_bits,
              "qrom_block": qrom_block}
    circuits = {k: AECircuitModel(n_qubits, k, **common) for k in ("cdf", "expectation")}
    whole = GateCounts()
    grover = shots = 0
    first_kind = runs[0][0]
    for k, res in runs:
        c = circuits[k]
        whole = whole + _run_counts(c, res)
        grover += int(res.oracle_queries)
        shots += int(res.shots)
    c0 = circuits[first_kind]
    canonical = runs[0][1].method == "canonical"
    q = c0.controlled_q() if canonical else c0.q()
    extra = c0.a()
    if canonical:
        m = int(runs[0][1].details.get("n_eval_qubits", len(runs[0][1].schedule)))
        extra = extra + c0.inverse_qft(m)
    pieces = {"state_preparation": c0.state_preparation_counts(), "comparator": c0.comparator(),
              "a": c0.a(), "q": q, "per_shot_extra": extra}
    if whole.rotation_count:
        delta = (budget / 3.0) / whole.rotation_count
        t_rot = t_per_rotation(min(delta, 0.5), synthesis)
        qdk_budget = {"logical": budget / 3.0, "tStates": budget / 3.0, "rotations": 0.0}
    else:
        delta, t_rot = None, 0
        qdk_budget = {"logical": budget / 2.0, "tStates": budget / 2.0, "rotations": 0.0}
    estimate = ResourceEstimate(
        n_qubits=c0.n_qubits, state_preparation=state_preparation,
        method=methods[0] if len(methods) == 1 else "+".join(methods),
        estimates=len(runs), grover_calls=grover, shots=shots, error_budget=budget,
        synthesis=synthesis, rotation_precision=delta, t_per_rotation=t_rot, pieces=pieces,
        whole_run=whole, model=c0.describe() | {"kinds": sorted({k for k, _ in runs})})
    if not models:
        return estimate
    physical = physical_estimates(estimate.estimator_counts(), models, error_budget=qdk_budget)
    return ResourceEstimate(**{**estimate.__dict__, "physical": tuple(physical)})


def _run_counts(circuit: AECircuitModel, res: AEResult) -> GateCounts:
    """``Q x oracle_queries + A x shots`` (canonical: controlled Q and an inverse QFT)."""
    if res.method == "canonical":
        m = int(res.details.get("n_eval_qubits", len(res.schedule)))
        per_shot = circuit.a() + circuit.inverse_qft(m)
        q = circuit.controlled_q()
        qubits = max(q.logical_qubits - 1, per_shot.logical_qubits) + m  # the control is one of m
        return (q.times(res.oracle_queries) + per_shot.times(res.shots)).with_qubits(qubits)
    return circuit.q().times(res.oracle_queries) + circuit.a().times(res.shots)
