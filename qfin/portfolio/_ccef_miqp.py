"""The exact CCEF point: cvxpy + SCIP per λ, warm-started from the neighbouring point.

Model (Chang et al. 2000, eqs. 9–14, with binary z): ``min λ·‖Lᵀw‖² − (1−λ)·μᵀw`` s.t.
``Σw = 1``, ``min_weight·z ≤ w ≤ max_weight·z``, ``Σz = k``, ``z ∈ {0,1}ⁿ`` (``LLᵀ = Σ``). One
cvxpy problem with λ as a parameter serves every point. cvxpy's SCIP interface takes no
starting solution, so a thin subclass hands SCIP the neighbouring point's subset, re-weighted
by the subset QP at the new λ, as a partial solution (``w`` and ``z``; SCIP completes the
cone's auxiliary variables) before it starts. SCIP's feasibility tolerance lets its own
solution miss the budget and the cone by ~1e-6, so the point reported is SCIP's subset with
its weights re-solved exactly by the subset QP; SCIP's status, gap and dual bound are kept.
"""

from __future__ import annotations

import math
import time
import warnings
from typing import Any

import numpy as np

from qfin.errors import SolverError
from qfin.portfolio._subset_qp import SubsetQP

__all__ = ["ScipFrontier"]


def _warm_scip_class() -> type:
    from cvxpy.reductions.solvers.conic_solvers.scip_conif import SCIP

    class WarmStartSCIP(SCIP):
        """cvxpy's SCIP interface plus a partial starting solution (column -> value)."""

        start: dict[int, float] | None = None

        def name(self) -> str:
            return "QFIN_WARM_SCIP"

        def _solve(self, model: Any, variables: list, constraints: list, data: dict,
                   dims: dict) -> dict:
            if self.start:
                sol = model.createPartialSol()
                for column, value in self.start.items():
                    model.setSolVal(sol, variables[column], value)
                model.addSol(sol)
            return super()._solve(model, variables, constraints, data, dims)

    return WarmStartSCIP


class ScipFrontier:
    """One MIQP with λ as a parameter; :meth:`solve` returns one frontier point.

    Parameters
    ----------
    engine : SubsetQP
        Supplies μ, Σ, k, bounds, and the exact re-weighting of SCIP's subsets.
    time_limit : float
        Seconds per point.
    """

    def __init__(self, engine: SubsetQP, time_limit: float) -> None:
        import cvxpy as cp

        if "SCIP" not in cp.installed_solvers():
            raise SolverError("method 'miqp' needs SCIP (pip install pyscipopt)")
        if not (isinstance(time_limit, int | float) and math.isfinite(time_limit)
                and time_limit > 0):
            raise SolverError(f"time_limit must be a positive number of seconds; got "
                              f"{time_limit!r}")
        self.engine = engine
        self.time_limit = float(time_limit)
        self.feastol = 1e-7  # with the scaling below: ~1e-7 relative on the variance
        n = engine.n
        vals, vecs = np.linalg.eigh(engine.cov)
        keep = vals > 1e-14 * max(1.0, float(vals.max()))
        # SCIP's tolerances are absolute (feasibility 1e-6): with weekly variances ~1e-3 the
        # cone would be met only to ~1e-3 relative, enough for SCIP to "prove" a wrong subset
        # optimal. Scaling the objective by 1/scale puts the variance term near 1.
        self.scale = float(max(np.abs(engine.cov).max(), 1e-300))
        factor = (vecs[:, keep] * np.sqrt(vals[keep] / self.scale)).T
        self.w = cp.Variable(n)
        self.z = cp.Variable(n, boolean=True)
        self.lam = cp.Parameter(nonneg=True)
        self.one_minus = cp.Parameter(nonneg=True)
        self.problem = cp.Problem(
            cp.Minimize(self.lam * cp.sum_squares(factor @ self.w)
                        - self.one_minus * ((engine.mu / self.scale) @ self.w)),
            [cp.sum(self.w) == 1, self.w >= engine.min_weight * self.z,
             self.w <= engine.max_weight * self.z, cp.sum(self.z) == engine.k])
        self.solver = _warm_scip_class()()
        self._offsets: dict[int, int] | None = None

    def _columns(self) -> dict[int, int]:
        if self._offsets is None:
            _, _, inverse = self.problem.get_problem_data(self.solver)
            offsets = [inv.var_offsets for inv in inverse if hasattr(inv, "var_offsets")]
            if not offsets:
                raise SolverError("cannot map cvxpy's variables to SCIP's columns for the "
                                  "warm start")
            self._offsets = offsets[-1]
        return self._offsets

    def solve(self, lam: float, start: np.ndarray | None = None) -> dict[str, Any]:
        """Solve the MIQP at ``lam``; ``start`` is a subset (indices) to warm-start from.

        Returns
        -------
        dict
            ``subset``, ``weights`` (exact, on the subset), ``objective`` (of those weights),
            ``scip_objective`` (SCIP's own incumbent value), ``optimal`` (SCIP proved it),
            ``mip_gap``, ``bound`` (SCIP's dual bound: no portfolio beats it, up to SCIP's
            tolerances), ``status``, ``seconds``.
        """
        import cvxpy as cp

        engine = self.engine
        self.lam.value = float(lam)
        self.one_minus.value = float(1.0 - lam)
        self.solver.start = None
        if start is not None:
            subset = np.sort(np.asarray(start, dtype=np.int64))
            w_start, _ = engine.solve(lam, subset)
            columns = self._columns()
            w_col, z_col = columns[self.w.id], columns[self.z.id]
            values = {w_col + i: 0.0 for i in range(engine.n)}
            values.update({z_col + i: 0.0 for i in range(engine.n)})
            for i, weight in zip(subset, w_start, strict=True):
                values[w_col + int(i)] = float(weight)
                values[z_col + int(i)] = 1.0
            self.solver.start = values
        params = {"limits/gap": 0.0, "limits/absgap": 0.0, "limits/time": self.time_limit,
                  "numerics/feastol": self.feastol}
        t0 = time.perf_counter()
        try:
            with warnings.catch_warnings():
                # cvxpy warns "inaccurate" at SCIP's time limit; the status is recorded instead
                warnings.simplefilter("ignore", UserWarning)
                self.problem.solve(solver=self.solver, scip_params=params)
        except cp.error.SolverError as exc:
            raise SolverError(f"SCIP failed at lambda={lam:g}: {exc}") from exc
        seconds = time.perf_counter() - t0
        if self.w.value is None or self.z.value is None:
            raise SolverError(f"SCIP found no solution at lambda={lam:g} within "
                              f"{self.time_limit:g} s (status {self.problem.status!r}); "
                              "raise time_limit")
        model = self.problem.solver_stats.extra_stats.get("model")
        status = str(model.getStatus()) if model is not None else str(self.problem.status)
        z = np.asarray(self.z.value, dtype=float)
        subset = np.sort(np.argsort(-z, kind="stable")[:engine.k]).astype(np.int64)
        weights, value = engine.solve(lam, subset)
        gap = float(model.getGap()) if model is not None else math.nan
        return {"subset": subset, "weights": weights, "objective": value,
                "scip_objective": float(self.problem.value) * self.scale,
                "optimal": status == "optimal", "mip_gap": gap,
                "bound": (float(model.getDualbound()) * self.scale if model is not None
                          else math.nan),
                "status": status, "seconds": seconds}
