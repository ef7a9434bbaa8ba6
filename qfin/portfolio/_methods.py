"""Every solver qfin has, by name (``solve(problem, method)``, ``qfin optimize --method``).

The table behind ``qfin optimize --list-methods``. Pure data (no imports of the solvers
themselves: the ``qfin`` command reads it to build its ``--help``); :func:`make_sampler`
creates a sampler when a method runs.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SolverSpec", "SOLVERS", "METHODS", "BASELINE_METHODS", "solver_table",
           "make_sampler"]


@dataclass(frozen=True)
class SolverSpec:
    """One named method.

    Attributes
    ----------
    name : str
        The ``method`` argument of :func:`qfin.portfolio.solve`.
    kind : {"bqm-sampler", "cqm-sampler", "classical"}
        A dimod sampler run on the penalised QUBO (``to_bqm``), a constraint-aware sampler run
        on the CQM (``to_cqm``, no penalty), or a classical solver.
    summary : str
        One line for ``--list-methods``.
    sampler : str or None
        ``"module:Class"`` of the sampler.
    defaults : dict
        Sampler keyword arguments set by the method (e.g. the bifurcation variant).
    length_parameter : str or None
        The sampler's run-length keyword (``num_sweeps`` or ``num_steps``).
    reference : str
        Paper or package the method implements.
    """

    name: str
    kind: str
    summary: str
    sampler: str | None = None
    defaults: dict[str, Any] = field(default_factory=dict)
    length_parameter: str | None = None
    reference: str = ""


SOLVERS: dict[str, SolverSpec] = {spec.name: spec for spec in (
    SolverSpec("neal", "bqm-sampler", "simulated annealing on the QUBO (dwave-neal)",
               "neal:SimulatedAnnealingSampler", length_parameter="num_sweeps",
               reference="dwave-neal / dwave-samplers"),
    SolverSpec("annealing", "bqm-sampler",
               "qfin's parallel simulated annealing on the QUBO (numpy/MLX), + 2-flip polish",
               "qfin.samplers:ParallelAnnealingSampler", length_parameter="num_sweeps",
               reference="Kirkpatrick et al. 1983; qfin.samplers"),
    SolverSpec("annealing-cqm", "cqm-sampler",
               "qfin's constraint-aware annealing on the CQM (unit exchanges keep the budget / "
               "cardinality exactly; no penalty)",
               "qfin.samplers:ParallelAnnealingSampler", length_parameter="num_sweeps",
               reference="qfin.samplers (sample_cqm)"),
    SolverSpec("bifurcation", "bqm-sampler",
               "qfin's simulated bifurcation, ballistic (bSB) on the QUBO, + 2-flip polish",
               "qfin.samplers:SimulatedBifurcationSampler", {"variant": "ballistic"},
               length_parameter="num_steps", reference="Goto et al., Sci. Adv. 2021"),
    SolverSpec("bifurcation-discrete", "bqm-sampler",
               "qfin's simulated bifurcation, discrete (dSB) on the QUBO, + 2-flip polish",
               "qfin.samplers:SimulatedBifurcationSampler", {"variant": "discrete"},
               length_parameter="num_steps", reference="Goto et al., Sci. Adv. 2021"),
    SolverSpec("exact", "classical", "exhaustive enumeration (the ground truth, small n)",
               reference="qfin.portfolio.exact_optimum"),
    SolverSpec("miqp", "classical", "mixed-integer QP with cvxpy + SCIP (certified optimum)",
               reference="cvxpy, pyscipopt"),
    SolverSpec("convex", "classical",
               "continuous long-only Markowitz relaxation (Clarabel): a lower bound",
               reference="cvxpy, Clarabel"),
    SolverSpec("heuristic", "classical", "relax -> round (K largest) -> pairwise-swap search",
               reference="qfin.portfolio.heuristic_weights"),
)}

#: Every method name, in the order of :data:`SOLVERS`.
METHODS: tuple[str, ...] = tuple(SOLVERS)
#: The methods the portfolio benchmark runs by default (the baselines and dwave-neal).
BASELINE_METHODS: tuple[str, ...] = ("neal", "exact", "miqp", "convex", "heuristic")


def solver_table() -> list[dict[str, str]]:
    """One row per method: ``method``, ``kind``, ``solver``, ``summary``, ``reference``."""
    return [{"method": s.name, "kind": s.kind, "solver": s.sampler or s.reference,
             "summary": s.summary, "reference": s.reference} for s in SOLVERS.values()]


def make_sampler(name: str) -> Any:
    """A new sampler instance for the sampler method ``name``.

    Raises
    ------
    ProblemError
        ``name`` is not a sampler method.
    """
    from qfin.errors import ProblemError

    spec = SOLVERS.get(name)
    if spec is None or spec.sampler is None:
        raise ProblemError(f"{name!r} is not a sampler method; sampler methods: "
                           f"{', '.join(s.name for s in SOLVERS.values() if s.sampler)}")
    module, cls = spec.sampler.split(":")
    return getattr(importlib.import_module(module), cls)()
