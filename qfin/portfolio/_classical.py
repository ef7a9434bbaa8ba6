"""Classical solvers with cvxpy: the continuous Markowitz baseline and the exact MIQP."""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from qfin.errors import SolverError
from qfin.portfolio._formulations import encoding, residuals, sector_caps, unit_limits

if TYPE_CHECKING:  # pragma: no cover
    from qfin.portfolio._problem import PortfolioProblem

__all__ = ["solve_convex", "solve_miqp", "cov_factor"]


def cov_factor(cov: np.ndarray) -> np.ndarray:
    """A matrix ``F`` with ``FᵀF = Σ`` (eigenvalues clipped at 0), for ``‖F w‖²``."""
    vals, vecs = np.linalg.eigh(cov)
    keep = vals > 1e-14 * max(1.0, float(vals.max()))
    return (vecs[:, keep] * np.sqrt(vals[keep])).T


def _objective_expr(problem: PortfolioProblem, w: Any) -> Any:
    import cvxpy as cp

    F = cov_factor(problem.cov)
    return problem.risk_aversion * cp.sum_squares(F @ w) - problem.mu @ w


def solve_convex(problem: PortfolioProblem, *, solver: str = "CLARABEL") -> dict[str, Any]:
    """Continuous long-only Markowitz: min f(w) s.t. budget, bounds, sector limits.

    Ignores the cardinality and the weight grid, so its objective is a lower bound for
    both discrete formulations.

    Returns
    -------
    dict
        ``weights``, ``status``, ``solver_seconds``.
    """
    import cvxpy as cp

    w = cp.Variable(problem.n_assets)
    cons = [cp.sum(w) == problem.budget, w >= problem.lower, w <= problem.upper]
    for sector, limit in problem.sector_limits.items():
        mask = np.array([s == sector for s in problem.sectors or []], dtype=float)
        cons.append(mask @ w <= limit)
    prob = cp.Problem(cp.Minimize(_objective_expr(problem, w)), cons)
    try:
        prob.solve(solver=solver)
    except cp.error.SolverError as exc:
        raise SolverError(f"convex solver {solver} failed: {exc}") from exc
    if prob.status not in ("optimal", "optimal_inaccurate") or w.value is None:
        raise SolverError(f"convex solver {solver} returned status {prob.status!r}")
    weights = np.clip(np.asarray(w.value, dtype=float), problem.lower, problem.upper)
    weights *= problem.budget / weights.sum()
    return {"weights": weights, "status": prob.status,
            "solver_seconds": prob.solver_stats.solve_time}


def solve_miqp(problem: PortfolioProblem, formulation: str, *, time_limit: float | None = 60.0,
               verbose: bool = False) -> dict[str, Any]:
    """Exact mixed-integer QP with cvxpy + SCIP on the integer units of ``formulation``.

    The returned objective is recomputed exactly from the decoded integer solution, so
    it compares to enumeration at machine precision.

    Parameters
    ----------
    problem : PortfolioProblem
    formulation : {"cardinality", "weights"}
    time_limit : float, optional
        Seconds for SCIP; the best solution found so far is returned with its MIP gap.

    Returns
    -------
    dict
        ``weights``, ``status`` (SCIP's), ``optimal`` (proven), ``mip_gap`` (SCIP's relative
        gap between incumbent and bound), ``dual_bound``, ``solver_seconds``.
    """
    import cvxpy as cp

    if "SCIP" not in cp.installed_solvers():
        raise SolverError("method 'miqp' needs SCIP (pip install pyscipopt)")
    if time_limit is not None and not (math.isfinite(time_limit) and time_limit > 0):
        raise SolverError(f"time_limit must be a positive number of seconds; got {time_limit!r}")
    enc = encoding(problem, formulation)
    low, high = unit_limits(problem, enc)
    n = problem.n_assets
    units = cp.Variable(n, integer=True)
    cons = [cp.sum(units) == enc.total_units, units >= low, units <= high]
    if formulation == "weights" and problem.cardinality is not None:
        held = cp.Variable(n, boolean=True)
        cons += [units <= cp.multiply(high, held), units >= held,
                 cp.sum(held) == problem.cardinality]
    for _, (mask, cap) in sector_caps(problem, enc).items():
        cons.append(mask.astype(float) @ units <= cap)
    w = enc.unit * units
    prob = cp.Problem(cp.Minimize(_objective_expr(problem, w)), cons)
    params: dict[str, Any] = {"limits/gap": 0.0, "limits/absgap": 0.0}
    if time_limit is not None:
        params["limits/time"] = float(time_limit)
    start = time.perf_counter()
    try:
        prob.solve(solver="SCIP", scip_params=params, verbose=verbose)
    except cp.error.SolverError as exc:
        raise SolverError(f"SCIP failed on the {formulation} MIQP: {exc}") from exc
    seconds = time.perf_counter() - start
    if units.value is None:
        raise SolverError(f"SCIP found no solution within the time limit ({time_limit} s); "
                          f"status {prob.status!r}")
    solved_units = np.rint(np.asarray(units.value, dtype=float))
    _, res = residuals(problem, enc, solved_units[None, :])
    if (res != 0).any():
        raise SolverError("SCIP returned a solution that violates the constraints after "
                          "rounding; try a longer time_limit")
    extra = prob.solver_stats.extra_stats
    model = extra.get("model") if isinstance(extra, dict) else None
    status = str(model.getStatus()) if model is not None else str(prob.status)
    mip_gap = float(model.getGap()) if model is not None else math.nan
    dual = float(model.getDualbound()) if model is not None else math.nan
    return {"weights": enc.unit * solved_units, "status": status,
            "optimal": status == "optimal", "mip_gap": mip_gap, "dual_bound": dual,
            "solver_seconds": seconds}
