"""SCIP (pyscipopt) on QOBLIB's BQP, with the same variables, constraints and objective.

The objective is passed to SCIP in an equivalent compact form (an identity, not an
approximation): per period the risk is written through the unit sums ``c[t,k] = Σ_m x[i,m,s,t]``
(integer variables tied to the binaries by equalities) as ``hᵀc + ½cᵀPc`` (the count model of
:meth:`QoblibModel.to_structured`, which equals the binary objective term by term), and each
transaction product ``x[·,t−1]·x[·,t]`` (negative coefficient) becomes a variable
``y ≤ x[·,t−1], y ≤ x[·,t]``, exact for a minimisation. The 2T equalities with their slack
bits are as in the ``.zpl``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qfin.errors import SolverError
from qfin.portfolio.qoblib._dimod import constraint_terms
from qfin.portfolio.qoblib._model import QoblibModel, check_mode

__all__ = ["ScipResult", "solve_scip"]


@dataclass
class ScipResult:
    """SCIP's answer.

    Attributes
    ----------
    sample : ndarray of shape (n_variables,) or None
        Best solution (0/1 in labels order), None if SCIP found none.
    objective : float
        Its objective in the mode solved (``inf`` if none).
    status : str
        SCIP's status (``"optimal"``, ``"timelimit"``, ...).
    dual_bound : float
        SCIP's lower bound.
    trajectory : list of (float, float)
        ``(seconds since t0, objective)`` of every new incumbent.
    seconds_build : float
    """

    sample: np.ndarray | None
    objective: float
    status: str
    dual_bound: float
    trajectory: list[tuple[float, float]] = field(default_factory=list)
    seconds_build: float = 0.0


def solve_scip(model: QoblibModel, mode: str = "published", *, time_limit: float = 60.0,
               seed: int = 0, t0: float | None = None,
               clock: Callable[[], float] = time.perf_counter, threads: int = 1) -> ScipResult:
    """Solve the BQP with SCIP within ``time_limit`` seconds (model building included).

    Parameters
    ----------
    model : QoblibModel
    mode : {"published", "exact"}
        Which coefficients SCIP optimises.
    time_limit : float
        Seconds from ``t0`` (building SCIP's model is charged).
    seed : int
        ``randomization/randomseedshift``.
    t0 : float, optional
        ``clock()`` when the caller's clock started.
    clock : callable
        ``time.perf_counter`` (wall, SCIP's clock type 2) or ``time.process_time`` (CPU,
        SCIP's clock type 1).

    Returns
    -------
    ScipResult

    Raises
    ------
    SolverError
        pyscipopt cannot be imported or SCIP fails.
    """
    try:
        from pyscipopt import SCIP_EVENTTYPE, Eventhdlr, Model, quicksum
    except ImportError as exc:  # pragma: no cover - a dependency
        raise SolverError(f"SCIP needs pyscipopt, which cannot be imported: {exc}") from exc
    mode = check_mode(mode)
    t0 = clock() if t0 is None else t0
    coeffs = model.coefficients(mode)
    sm = model.to_structured(mode)
    n, T, U = model.n_assets, model.n_periods, model.parameters.ub
    m = Model("qoblib-portfolio")
    m.hideOutput()
    x = [m.addVar(name=label, vtype="B") for label in model.labels]
    pos = model.position_index()
    s1, s2 = model.slack_index()
    for label, terms, rhs in constraint_terms(model):
        m.addCons(quicksum(coef * x[model.index[v]] for v, coef in terms) == rhs, name=label)
    objective = []
    objective += [float(coeffs["cash"][k]) * x[s1[k, t]] for k in range(s1.shape[0])
                  for t in range(T) if coeffs["cash"][k]]
    objective += [float(coeffs["count"][k]) * x[s2[k, t]] for k in range(s2.shape[0])
                  for t in range(T) if coeffs["count"][k]]
    # transaction products, linearised: y ≤ x_prev, y ≤ x_now (coefficient < 0)
    for t in range(1, T):
        for i in range(n):
            w = float(coeffs["chain"][i, t])
            if w == 0.0:
                continue
            if w > 0:
                raise SolverError("positive transaction product coefficient; the "
                                  "linearisation assumes W <= 0")
            for mm in range(U):
                for s in range(2):
                    a, b = x[pos[i, mm, s, t - 1]], x[pos[i, mm, s, t]]
                    y = m.addVar(vtype="C", lb=0.0, ub=1.0)
                    m.addCons(y <= a)
                    m.addCons(y <= b)
                    objective.append(w * y)
    # per-period block through the unit sums c[t, k]
    epigraph = []
    for t in range(T):
        c = []
        for k in range(2 * n):
            i, s = divmod(k, 2)
            ck = m.addVar(vtype="I", lb=0, ub=U)
            m.addCons(ck == quicksum(x[pos[i, mm, s, t]] for mm in range(U)))
            c.append(ck)
        h, P = sm.h[t], sm.P[t]
        objective += [float(h[k]) * c[k] for k in range(2 * n) if h[k]]
        iu, ju = np.nonzero(np.triu(P != 0))
        if iu.size:
            z = m.addVar(vtype="C", lb=-m.infinity(), ub=m.infinity())
            quad = quicksum((0.5 if a == b else 1.0) * float(P[a, b]) * c[a] * c[b]
                            for a, b in zip(iu.tolist(), ju.tolist(), strict=True))
            m.addCons(z >= quad)
            epigraph.append(z)
    m.setObjective(quicksum(objective) + quicksum(epigraph), "minimize")
    seconds_build = clock() - t0
    trajectory: list[tuple[float, float]] = []

    class _Incumbents(Eventhdlr):  # type: ignore[misc, valid-type]
        def eventinit(self) -> None:
            self.model.catchEvent(SCIP_EVENTTYPE.BESTSOLFOUND, self)

        def eventexit(self) -> None:
            self.model.dropEvent(SCIP_EVENTTYPE.BESTSOLFOUND, self)

        def eventexec(self, event: Any) -> None:
            sol = self.model.getBestSol()
            trajectory.append((clock() - t0, float(self.model.getSolObjVal(sol))))

    m.includeEventhdlr(_Incumbents(), "qfin-incumbents", "records every new incumbent")
    remaining = max(0.5, float(time_limit) - (clock() - t0))
    m.setParam("limits/time", remaining)
    m.setParam("timing/clocktype", 1 if clock is time.process_time else 2)
    m.setParam("randomization/randomseedshift", int(seed))
    m.setParam("parallel/maxnthreads", int(threads))
    try:
        m.optimize()
    except Exception as exc:  # noqa: BLE001 - SCIP errors become SolverError
        raise SolverError(f"SCIP failed on {model.name}: {exc}") from exc
    status = str(m.getStatus())
    dual = float(m.getDualbound()) if m.getNSols() else -math.inf
    if m.getNSols() == 0:
        return ScipResult(None, math.inf, status, dual, trajectory, seconds_build)
    sol = m.getBestSol()
    values = np.array([round(m.getSolVal(sol, v)) for v in x], dtype=np.int8)
    return ScipResult(values, float(m.getSolObjVal(sol)), status, dual, trajectory,
                      seconds_build)
