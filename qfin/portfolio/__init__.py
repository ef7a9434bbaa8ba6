"""Portfolio selection as a QUBO, checked against exact optima and classical baselines.

Every method minimises the same objective ``f(w) = q·wᵀΣw − μᵀw`` (no ½).

>>> import numpy as np
>>> from qfin.portfolio import PortfolioProblem, solve
>>> p = PortfolioProblem([0.1, 0.3, 0.2], np.diag([0.1, 0.2, 0.1]), cardinality=1)
>>> solve(p, "exact").weights.tolist()
[0.0, 0.0, 1.0]
"""

from qfin.portfolio._ccef import (
    CCEF_METHODS,
    CardinalityFrontier,
    FrontierPoint,
    cardinality_frontier,
    lambda_grid,
)
from qfin.portfolio._ccef_error import (
    frontier_errors,
    objective_gaps,
    percentage_deviation,
    rescore_frontier,
    unconstrained_frontier,
    vre_mre,
)
from qfin.portfolio._classical import solve_convex, solve_miqp
from qfin.portfolio._exact import MAX_CANDIDATES, count_candidates, exact_optimum
from qfin.portfolio._frontier import efficient_frontier, frontier_figure
from qfin.portfolio._heuristic import heuristic_weights
from qfin.portfolio._metrics import SUCCESS_RTOL, read_metrics, relative_gap, tts99
from qfin.portfolio._penalty import (
    PENALTY_METHODS,
    calibrate_penalty,
    penalty_details,
    penalty_figure,
    penalty_sweep,
)
from qfin.portfolio._problem import DEFAULT_RISK_AVERSION, FORMULATIONS, PortfolioProblem
from qfin.portfolio._solve import AUTO_EXACT_LIMIT, METHODS, PortfolioResult, solve
from qfin.portfolio._synthetic import synthetic_problem
from qfin.portfolio._walkforward import performance_summary, walk_forward

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
    "FORMULATIONS",
    "PENALTY_METHODS",
    "DEFAULT_RISK_AVERSION",
    "SUCCESS_RTOL",
    "AUTO_EXACT_LIMIT",
    "MAX_CANDIDATES",
]
