"""The practitioner's heuristic: relax → round → pairwise local search.

1. Solve the continuous Markowitz problem (cvxpy, Clarabel).
2. Round: cardinality — hold the K largest convex weights equally; weights — keep the K
   largest (if K is set), renormalise and round to the unit grid by largest remainders.
3. Local search: repeatedly apply the best improving move "one unit from asset i to asset
   j" (for the cardinality formulation this is a swap, so exactly K assets stay held)
   until no move improves. Moves that break a constraint are never taken, except that an
   infeasible start is first repaired by moves that reduce its violation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qfin.errors import ProblemError
from qfin.portfolio._classical import solve_convex
from qfin.portfolio._formulations import encoding, residuals, unit_limits

if TYPE_CHECKING:  # pragma: no cover
    from qfin.portfolio._problem import PortfolioProblem

__all__ = ["heuristic_weights", "round_to_grid", "local_search"]


def round_to_grid(weights: np.ndarray, unit: float, total_units: int, low: np.ndarray,
                  high: np.ndarray) -> np.ndarray:
    """Largest-remainder rounding of weights to integer units summing to ``total_units``."""
    target = np.clip(weights / unit, low, high)
    if target.sum() > 0:
        target = target * total_units / target.sum()
    units = np.clip(np.floor(target), low, high).astype(int)
    order = np.argsort(-(target - np.floor(target)), kind="stable")
    k = 0
    while units.sum() < total_units and k < 10 * len(units):
        i = order[k % len(units)]
        if units[i] < high[i]:
            units[i] += 1
        k += 1
    while units.sum() > total_units:
        i = int(np.argmax(np.where(units > low, units - target, -np.inf)))
        units[i] -= 1
    return units


def local_search(problem: PortfolioProblem, formulation: str, units: np.ndarray,
                 max_iter: int = 10_000) -> np.ndarray:
    """Best-improvement search over one-unit transfers (see the module docstring)."""
    enc = encoding(problem, formulation)
    low, high = unit_limits(problem, enc)
    cov, mu = problem.cov, problem.mu
    a, b = problem.risk_aversion * enc.unit**2, enc.unit
    diag = np.diag(cov)
    needs_residuals = bool(problem.sector_limits) or bool(enc.indicator_labels)
    u = units.astype(int).copy()
    n = u.size

    def violation(mat: np.ndarray) -> np.ndarray:
        return np.abs(residuals(problem, enc, mat)[1]).sum(axis=1)

    current_violation = float(violation(u[None, :])[0])
    for _ in range(max_iter):
        src = np.flatnonzero(u > low)
        if src.size == 0:
            break
        g = cov @ u
        # Δ of q·unit²·uᵀΣu − unit·μᵀu for u → u − e_i + e_j
        delta = a * (diag[src][:, None] + diag[None, :] - 2 * cov[src] - 2 * g[src][:, None]
                     + 2 * g[None, :]) - b * (mu[None, :] - mu[src][:, None])
        allowed = (u[None, :] < high[None, :]) & (src[:, None] != np.arange(n)[None, :])
        if needs_residuals or current_violation > 0:
            ii, jj = np.nonzero(allowed)
            cand = np.repeat(u[None, :], ii.size, axis=0)
            cand[np.arange(ii.size), src[ii]] -= 1
            cand[np.arange(ii.size), jj] += 1
            viol = np.full(allowed.shape, np.inf)
            viol[ii, jj] = violation(cand) if ii.size else viol[ii, jj]
            if current_violation > 0:
                score = np.where(viol < current_violation, viol * 1e6 + delta, np.inf)
            else:
                score = np.where(viol == 0, delta, np.inf)
        else:
            score = np.where(allowed, delta, np.inf)
        best = np.unravel_index(int(np.argmin(score)), score.shape)
        improving = score[best] < -1e-15 * max(1.0, abs(float(problem.objective(enc.unit * u))))
        if current_violation > 0:
            improving = bool(np.isfinite(score[best]))
        if not improving:
            break
        u[src[best[0]]] -= 1
        u[best[1]] += 1
        current_violation = float(violation(u[None, :])[0])
    return u


def heuristic_weights(problem: PortfolioProblem, formulation: str | None = None) -> np.ndarray:
    """Weights found by relax → round → local search (feasible, or ProblemError)."""
    formulation = problem._formulation(formulation)
    enc = encoding(problem, formulation)
    low, high = unit_limits(problem, enc)
    w = solve_convex(problem)["weights"]
    if formulation == "cardinality":
        K = int(problem.cardinality)  # type: ignore[arg-type]
        score = np.where(high >= 1, w, -np.inf) + np.where(low >= 1, np.inf, 0.0)
        chosen = np.argsort(-score, kind="stable")[:K]
        units = np.zeros(problem.n_assets, dtype=int)
        units[chosen] = 1
    else:
        if problem.cardinality is not None:
            keep = np.argsort(-(w + np.where(low > 0, np.inf, 0.0)),
                              kind="stable")[:problem.cardinality]
            mask = np.zeros(problem.n_assets, dtype=bool)
            mask[keep] = True
            w = np.where(mask, np.maximum(w, enc.unit), 0.0)
            hi = np.where(mask, high, 0)
            lo = np.where(mask, np.maximum(low, 1), 0)
            units = round_to_grid(w, enc.unit, enc.total_units, lo, hi)
        else:
            units = round_to_grid(w, enc.unit, enc.total_units, low, high)
    units = local_search(problem, formulation, units)
    _, res = residuals(problem, enc, units[None, :])
    if (res != 0).any():
        raise ProblemError("the heuristic found no feasible portfolio; the constraints may be "
                           "too tight (check bounds, sector_limits and cardinality)")
    return enc.unit * units
