"""Portfolio selection as a QUBO, checked against exact optima and classical baselines.

Every method minimises the same objective ``f(w) = q·wᵀΣw − μᵀw`` (no ½).

>>> import numpy as np
>>> from qfin.portfolio import PortfolioProblem, solve
>>> p = PortfolioProblem([0.1, 0.3, 0.2], np.diag([0.1, 0.2, 0.1]), cardinality=1)
>>> solve(p, "exact").weights.tolist()
[0.0, 0.0, 1.0]

Every solver by name: :data:`SOLVERS` (``qfin optimize --list-methods``). Names are loaded
on first use (PEP 562), so reading :data:`METHODS` imports no solver.
"""

from __future__ import annotations

from qfin._lazy import lazy_exports
from qfin.portfolio._methods import (
    BASELINE_METHODS,
    METHODS,
    SOLVERS,
    SolverSpec,
    make_sampler,
    solver_table,
)

_LAZY = {
    "CCEF_METHODS": "_ccef",
    "CardinalityFrontier": "_ccef",
    "FrontierPoint": "_ccef",
    "cardinality_frontier": "_ccef",
    "lambda_grid": "_ccef",
    "frontier_errors": "_ccef_error",
    "objective_gaps": "_ccef_error",
    "percentage_deviation": "_ccef_error",
    "rescore_frontier": "_ccef_error",
    "unconstrained_frontier": "_ccef_error",
    "vre_mre": "_ccef_error",
    "performance_summary": "_walkforward",
    "walk_forward": "_walkforward",
    "solve_convex": "_classical",
    "solve_miqp": "_classical",
    "MAX_CANDIDATES": "_exact",
    "count_candidates": "_exact",
    "exact_optimum": "_exact",
    "efficient_frontier": "_frontier",
    "frontier_figure": "_frontier",
    "heuristic_weights": "_heuristic",
    "SUCCESS_RTOL": "_metrics",
    "read_metrics": "_metrics",
    "relative_gap": "_metrics",
    "tts99": "_metrics",
    "attempts_needed": "_metrics",
    "call_success_probability": "_metrics",
    "time_to_solution": "_metrics",
    "PENALTY_METHODS": "_penalty",
    "calibrate_penalty": "_penalty",
    "penalty_details": "_penalty",
    "penalty_figure": "_penalty",
    "penalty_sweep": "_penalty",
    "DEFAULT_RISK_AVERSION": "_problem",
    "FORMULATIONS": "_problem",
    "PortfolioProblem": "_problem",
    "AUTO_EXACT_LIMIT": "_solve",
    "PortfolioResult": "_solve",
    "solve": "_solve",
    "synthetic_problem": "_synthetic",
}

__all__ = [
    "PortfolioProblem",
    "cardinality_frontier",
    "CardinalityFrontier",
    "FrontierPoint",
    "CCEF_METHODS",
    "lambda_grid",
    "percentage_deviation",
    "vre_mre",
    "frontier_errors",
    "objective_gaps",
    "unconstrained_frontier",
    "rescore_frontier",
    "walk_forward",
    "performance_summary",
    "PortfolioResult",
    "solve",
    "synthetic_problem",
    "tts99",
    "time_to_solution",
    "attempts_needed",
    "call_success_probability",
    "exact_optimum",
    "count_candidates",
    "solve_convex",
    "solve_miqp",
    "heuristic_weights",
    "calibrate_penalty",
    "penalty_details",
    "penalty_sweep",
    "penalty_figure",
    "efficient_frontier",
    "frontier_figure",
    "relative_gap",
    "read_metrics",
    "METHODS",
    "SOLVERS",
    "SolverSpec",
    "BASELINE_METHODS",
    "solver_table",
    "make_sampler",
    "FORMULATIONS",
    "PENALTY_METHODS",
    "DEFAULT_RISK_AVERSION",
    "SUCCESS_RTOL",
    "AUTO_EXACT_LIMIT",
    "MAX_CANDIDATES",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
