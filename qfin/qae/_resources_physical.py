"""Physical resource estimates from the Microsoft Quantum resource estimator (``qdk``).

qfin writes no surface-code model of its own: the logical counts of
:mod:`qfin.qae._resources_logical` go to ``qdk.estimator.LogicalCounts(...).estimate(...)``,
which runs locally (a Rust extension) and applies the models of Beverland et al. 2022,
"Assessing requirements to scale to practical quantum advantage" (arXiv:2211.07629): the
Parallel Synthesis Sequential Pauli Computation layout, surface or Floquet codes, T-state
factories. It downloads nothing; the ``qdk`` package does send usage telemetry to Azure by
default, which qfin switches off (``QDK_PYTHON_TELEMETRY=none``) before it imports it.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

from qfin.errors import BackendUnavailableError, ProblemError, SolverError
from qfin.qae._validate import check_open_unit

__all__ = ["QUBIT_MODELS", "DEFAULT_QUBIT_MODELS", "PhysicalEstimate", "physical_estimates",
           "qdk_available", "MAX_LOGICAL_DEPTH"]

#: The estimator's predefined qubit models (Beverland et al. 2022, Table 2) and the QEC
#: scheme qfin pairs with each (Majorana qubits with the Floquet code, as in that paper).
QUBIT_MODELS: dict[str, dict[str, Any]] = {
    "qubit_gate_1us_e3": {"qec": "surface_code", "base": "qubit_gate_us_e3",
                          "times": "1 us", "description":
                          "gate-based, 1 us gates and measurements, 1e-3 error rates (the "
                          "estimator's qubit_gate_us_e3 with every operation time set to "
                          "1 us)"},
    "qubit_gate_us_e3": {"qec": "surface_code", "description":
                         "gate-based, 100 us gates and measurements, 1e-3 error rates "
                         "(trapped-ion-like)"},
    "qubit_gate_us_e4": {"qec": "surface_code", "description":
                         "gate-based, 100 us gates and measurements, 1e-4 error rates"},
    "qubit_gate_ns_e3": {"qec": "surface_code", "description":
                         "gate-based, 50 ns gates, 100 ns measurements, 1e-3 error rates "
                         "(superconducting-like)"},
    "qubit_gate_ns_e4": {"qec": "surface_code", "description":
                         "gate-based, 50 ns gates, 100 ns measurements, 1e-4 error rates"},
    "qubit_maj_ns_e4": {"qec": "floquet_code", "description":
                        "Majorana, 100 ns measurements, 1e-4 error rates, Floquet code"},
    "qubit_maj_ns_e6": {"qec": "floquet_code", "description":
                        "Majorana, 100 ns measurements, 1e-6 error rates, Floquet code"},
}

#: Models reported by default: slow gate-based, fast gate-based, Majorana.
DEFAULT_QUBIT_MODELS = ("qubit_gate_us_e3", "qubit_gate_ns_e4", "qubit_maj_ns_e6")

#: Largest algorithmic logical depth sent to the estimator: it keeps runtimes in 64-bit
#: nanoseconds (it wraps around beyond about 1.8e19 ns) and hangs near 2**63 operations.
MAX_LOGICAL_DEPTH = 10**15


def qdk_available() -> bool:
    """Whether the ``qdk`` resource estimator can be imported."""
    try:
        _load_qdk()
    except BackendUnavailableError:
        return False
    return True


def _load_qdk() -> Any:
    # qdk queues a telemetry event when imported and sends it to Azure from a thread
    # unless this variable disables it; qfin must not talk to the network at run time.
    for var in ("QDK_PYTHON_TELEMETRY", "QSHARP_PYTHON_TELEMETRY"):
        os.environ[var] = "none"
    try:
        import qdk.estimator as estimator
        import qdk.telemetry as telemetry
    except ImportError as exc:  # pragma: no cover - depends on the platform
        raise BackendUnavailableError(
            "physical resource estimates need the Microsoft resource estimator: "
            "pip install qdk (or install qfin with its dependencies)") from exc
    telemetry.TELEMETRY_ENABLED = False  # in case qdk was imported before qfin
    return estimator


@dataclass(frozen=True)
class PhysicalEstimate:
    """One physical estimate of the estimator for one qubit model.

    Attributes
    ----------
    qubit_model : str
        The estimator's model name, e.g. ``"qubit_gate_ns_e4"``.
    qec_scheme : str
        ``"surface_code"`` or ``"floquet_code"``.
    physical_qubits : int
        Physical qubits in total (algorithm and T factories).
    physical_qubits_for_t_factories : int
        Of which in T factories.
    code_distance : int
        Code distance of the logical qubits.
    t_factories : int
        T factories run in parallel.
    runtime_seconds : float
        Wall-clock runtime of the whole computation, seconds.
    logical_cycle_seconds : float
        Duration of one logical cycle, seconds.
    logical_clock_hz : float
        Logical operations per second the layout achieves (the estimator's
        ``clockFrequency``).
    algorithmic_logical_qubits : int
        Logical qubits after the layout (``2Q + ceil(sqrt(8Q)) + 1`` for ``Q`` inputs).
    logical_depth : int
        Logical cycles of the computation.
    error_budget : dict
        The budget the estimator used: ``logical``, ``tstates``, ``rotations``.
    qubit_params : dict
        The model's gate times and error rates as the estimator reports them.
    """

    qubit_model: str
    qec_scheme: str
    physical_qubits: int
    physical_qubits_for_t_factories: int
    code_distance: int
    t_factories: int
    runtime_seconds: float
    logical_cycle_seconds: float
    logical_clock_hz: float
    algorithmic_logical_qubits: int
    logical_depth: int
    error_budget: dict[str, float]
    qubit_params: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict, every figure as ``{"value": ..., "unit": ...}``."""
        return {
            "qubit_model": self.qubit_model,
            "description": QUBIT_MODELS.get(self.qubit_model, {}).get("description", ""),
            "qec_scheme": self.qec_scheme,
            "physical_qubits": {"value": self.physical_qubits, "unit": "physical qubits"},
            "physical_qubits_for_t_factories": {"value": self.physical_qubits_for_t_factories,
                                                "unit": "physical qubits"},
            "code_distance": {"value": self.code_distance, "unit": "code distance"},
            "t_factories": {"value": self.t_factories, "unit": "T factories"},
            "runtime": {"value": self.runtime_seconds, "unit": "s"},
            "logical_cycle_time": {"value": self.logical_cycle_seconds, "unit": "s"},
            "logical_clock_rate": {"value": self.logical_clock_hz,
                                   "unit": "Hz (logical operations per second)"},
            "algorithmic_logical_qubits": {"value": self.algorithmic_logical_qubits,
                                           "unit": "logical qubits (after layout)"},
            "logical_depth": {"value": self.logical_depth, "unit": "logical cycles"},
            "error_budget": dict(self.error_budget),
            "qubit_params": dict(self.qubit_params),
        }


def check_qubit_models(qubit_models: Any) -> tuple[str, ...]:
    """Return the model names as a tuple or raise :class:`ProblemError` naming the bad one."""
    if isinstance(qubit_models, str):
        qubit_models = (qubit_models,)
    names = tuple(str(m) for m in qubit_models)
    if not names:
        raise ProblemError(f"give at least one qubit model; known: {', '.join(QUBIT_MODELS)}")
    for name in names:
        if name not in QUBIT_MODELS:
            raise ProblemError(f"unknown qubit model {name!r}; known: "
                               f"{', '.join(QUBIT_MODELS)}")
    return names


def check_error_budget(error_budget: Any) -> float:
    """Return the total error budget as a float in (0, 1) or raise :class:`ProblemError`."""
    return check_open_unit(error_budget, "error_budget")


def _qubit_params(name: str) -> dict[str, str]:
    """The estimator's ``qubitParams``: a predefined model, its operation times overridden."""
    model = QUBIT_MODELS[name]
    if "base" not in model:
        return {"name": name}
    times = model["times"]
    return {"name": model["base"], "oneQubitGateTime": times, "twoQubitGateTime": times,
            "oneQubitMeasurementTime": times, "tGateTime": times}


def physical_estimates(counts: dict[str, int], qubit_models: Any = DEFAULT_QUBIT_MODELS, *,
                       error_budget: dict[str, float]) -> list[PhysicalEstimate]:
    """Run the Microsoft resource estimator on logical counts for each qubit model.

    Parameters
    ----------
    counts : dict
        The estimator's ``LogicalCounts`` fields: ``numQubits``, ``tCount``,
        ``rotationCount``, ``rotationDepth``, ``cczCount``, ``ccixCount``,
        ``measurementCount``.
    qubit_models : sequence of str
        Names from :data:`QUBIT_MODELS`.
    error_budget : dict
        ``{"logical": ..., "tStates": ..., "rotations": ...}``, each in [0, 1), summing
        to less than 1.

    Returns
    -------
    list of PhysicalEstimate
        One per model, in order.

    Raises
    ------
    ProblemError
        For an unknown model, a bad budget, or counts beyond what the estimator handles
        (logical depth above :data:`MAX_LOGICAL_DEPTH`, or a runtime that overflows).
    BackendUnavailableError
        When ``qdk`` is not installed.
    SolverError
        When the estimator rejects the input for another reason.
    """
    names = check_qubit_models(qubit_models)
    total = sum(float(v) for v in error_budget.values())
    if not 0 < total < 1 or any(float(v) < 0 for v in error_budget.values()):
        raise ProblemError(f"error_budget parts must be >= 0 and sum to a value in (0, 1); "
                           f"got {error_budget!r}")
    depth = (int(counts.get("measurementCount", 0)) + int(counts.get("tCount", 0))
             + 3 * (int(counts.get("cczCount", 0)) + int(counts.get("ccixCount", 0)))
             + int(counts.get("rotationCount", 0)))
    if depth > MAX_LOGICAL_DEPTH:
        raise ProblemError(
            f"the whole run needs about {depth:.3g} logical operations, beyond what the "
            f"resource estimator accepts ({MAX_LOGICAL_DEPTH:.0e}); use fewer qubits, a "
            f"larger epsilon or the qrom state preparation")
    estimator = _load_qdk()
    params = [{"qubitParams": _qubit_params(name),
               "qecScheme": {"name": QUBIT_MODELS[name]["qec"]},
               "errorBudget": dict(error_budget)} for name in names]
    try:
        raw = estimator.LogicalCounts({k: int(v) for k, v in counts.items()}).estimate(params)
    except Exception as exc:  # the estimator raises its own error types
        raise SolverError(f"the resource estimator rejected the counts {counts}: {exc}") from exc
    out = []
    for i, name in enumerate(names):
        r = raw[i] if len(names) > 1 else raw
        pc = r["physicalCounts"]
        br = pc["breakdown"]
        lq = r["logicalQubit"]
        runtime_ns = float(pc["runtime"])
        expected_ns = float(br["logicalDepth"]) * float(lq["logicalCycleTime"])
        if not math.isfinite(runtime_ns) or runtime_ns < 0.5 * expected_ns:
            raise ProblemError(
                f"the run is beyond what the resource estimator accepts for {name} (its "
                f"runtime counter overflows at {expected_ns:.3g} ns); use fewer qubits, a "
                f"larger epsilon or the qrom state preparation")
        qp = r["jobParams"]["qubitParams"]
        out.append(PhysicalEstimate(
            qubit_model=name, qec_scheme=r["jobParams"]["qecScheme"]["name"],
            physical_qubits=int(pc["physicalQubits"]),
            physical_qubits_for_t_factories=int(br["physicalQubitsForTfactories"]),
            code_distance=int(lq["codeDistance"]), t_factories=int(br["numTfactories"]),
            runtime_seconds=runtime_ns * 1e-9,
            logical_cycle_seconds=float(lq["logicalCycleTime"]) * 1e-9,
            logical_clock_hz=float(br["clockFrequency"]),
            algorithmic_logical_qubits=int(br["algorithmicLogicalQubits"]),
            logical_depth=int(br["logicalDepth"]),
            error_budget={k: float(v) for k, v in r["errorBudget"].items()},
            qubit_params={k: v for k, v in qp.items() if k != "instructionSet"}
            | {"instruction_set": qp.get("instructionSet")}))
    return out
