"""The cardinality-constrained efficient frontier (CCEF) of Chang et al. (2000).

Every point solves, for one λ of the grid ``λ_e = (e−1)/(E−1)``, ``e = 1..E``,

    min_w  λ·wᵀΣw − (1−λ)·μᵀw
    s.t.   Σw = 1,  exactly k assets held,  min_weight ≤ w_i ≤ max_weight for held i

(T.-J. Chang, N. Meade, J. E. Beasley, Y. M. Sharaiha, Computers & Operations Research 27
(2000) 1271–1302, eqs. 9–14; E = 50 is their convention). The continuous part on a fixed
subset is an exact small QP (:mod:`qfin.portfolio._subset_qp`); the methods differ in how
they choose subsets:

``miqp``
    cvxpy + SCIP per point, warm-started from the neighbouring point, with a per-point time
    limit; SCIP's status, MIP gap and dual bound are recorded (the exact frontier where
    SCIP proves optimality).
``heuristic``
    Relax → round → swap, per point on its own: the continuous relaxation's ``k`` largest
    weights, then swap descent with exact weights.
``qubo-hybrid``
    qfin's quantum-inspired sampler (:class:`qfin.samplers.ParallelAnnealingSampler`,
    constraint-aware: every read holds exactly ``k``) proposes subsets from the QUBO
    surrogate of the selection with equal weights, ``λ/k²·xᵀΣx − (1−λ)/k·μᵀx`` s.t.
    ``Σx = k``, at a few anchor λ; the exact QP weighs each subset; the best proposals
    start the same swap descent; all local optima found are shared across λ.
``polish-only``
    The control: uniformly random subsets instead of the sampler's, the rest identical, so
    the difference to ``qubo-hybrid`` is what the sampler adds.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from qfin.errors import ProblemError
from qfin.portfolio._problem import PortfolioProblem
from qfin.portfolio._subset_qp import SubsetQP, swap_search

__all__ = ["cardinality_frontier", "CardinalityFrontier", "FrontierPoint", "CCEF_METHODS",
           "lambda_grid", "check_ccef_arguments"]

CCEF_METHODS = ("miqp", "heuristic", "qubo-hybrid", "polish-only")


def lambda_grid(n_points: int) -> np.ndarray:
    """``λ_e = (e−1)/(E−1)``, ``e = 1..E`` (Chang et al. 2000, §4); ``[1.0]`` when E = 1."""
    if isinstance(n_points, bool) or not isinstance(n_points, int | np.integer) or n_points < 1:
        raise ProblemError(f"n_points must be an integer ≥ 1; got {n_points!r}")
    if n_points == 1:
        return np.array([1.0])
    return np.arange(n_points) / (n_points - 1)


@dataclasses.dataclass(frozen=True)
class FrontierPoint:
    """One λ-optimum of a frontier.

    Attributes
    ----------
    lam : float
    weights : ndarray of shape (n_assets,)
        Exactly ``k`` non-zero entries in ``[min_weight, max_weight]``, summing to 1.
    expected_return, variance, objective : float
        ``μᵀw``, ``wᵀΣw``, ``λ·wᵀΣw − (1−λ)·μᵀw``.
    seconds : float
        Wall-clock seconds spent on this point (a share of work done for all points, such as
        the sampler's proposals, is spread evenly).
    optimal : bool or None
        ``miqp``: SCIP proved this point optimal. ``None`` for methods without a proof.
    mip_gap, bound : float or None
        ``miqp``: SCIP's relative gap and dual bound (a lower bound on the objective).
    """

    lam: float
    weights: np.ndarray
    expected_return: float
    variance: float
    objective: float
    seconds: float
    optimal: bool | None = None
    mip_gap: float | None = None
    bound: float | None = None


@dataclasses.dataclass(frozen=True, eq=False)
class CardinalityFrontier:
    """A CCEF traced by one method (every method returns this).

    Attributes
    ----------
    method : str
    labels : list of str
        Asset labels, the column order of every weight vector.
    k : int
    min_weight, max_weight : float
    points : tuple of FrontierPoint
        The λ-optima, in increasing λ.
    seconds : float
        Wall-clock seconds of the whole frontier (everything the method did).
    met : DataFrame
        Protocol (b) of Chang et al.: the non-dominated points among *every* portfolio the
        method evaluated during its run (each subset's exact QP optimum at each λ it was
        tried at; for ``miqp`` SCIP's subsets and its warm starts). Columns
        ``expected_return``, ``variance``, ``weights`` (ndarray of shape (n_assets,)).
    info : dict
        Method details (QPs solved, sampler reads, SCIP statuses, ...).
    """

    method: str
    labels: list[str]
    k: int
    min_weight: float
    max_weight: float
    points: tuple[FrontierPoint, ...]
    seconds: float
    met: pd.DataFrame
    info: dict[str, Any]

    @property
    def lambdas(self) -> np.ndarray:
        """λ of each point, shape (n_points,)."""
        return np.array([p.lam for p in self.points])

    @property
    def weights(self) -> pd.DataFrame:
        """Weights of the λ-optima: one row per point (index λ), one column per asset."""
        return pd.DataFrame(np.array([p.weights for p in self.points]),
                            index=pd.Index(self.lambdas, name="lambda"), columns=self.labels)

    @property
    def n_optimal(self) -> int | None:
        """Points SCIP proved optimal (``miqp``), else ``None``."""
        flags = [p.optimal for p in self.points]
        return None if any(f is None for f in flags) else int(sum(flags))

    def to_frame(self) -> pd.DataFrame:
        """One row per λ-optimum: λ, return, variance, objective, seconds, proof, held."""
        return pd.DataFrame([{
            "lambda": p.lam, "expected_return": p.expected_return, "variance": p.variance,
            "objective": p.objective, "seconds": p.seconds, "optimal": p.optimal,
            "mip_gap": p.mip_gap, "bound": p.bound,
            "held": [self.labels[i] for i in np.flatnonzero(p.weights)]}
            for p in self.points])

    def to_dict(self) -> dict[str, Any]:
        """The re-scorable JSON form: weights keyed by label (held assets only).

        ``method``, total ``seconds``, ``k``, ``min_weight``, ``max_weight``, ``points``
        (each ``lambda``, ``weights``, ``expected_return``, ``variance``, ``objective``,
        ``seconds``, ``optimal``, ``mip_gap``, ``bound``) and ``protocol_b_points`` (each
        ``weights``, ``expected_return``, ``variance``).
        """
        def held(w: np.ndarray) -> dict[str, float]:
            return {self.labels[i]: float(w[i]) for i in np.flatnonzero(w)}

        def num(v: float | None) -> float | None:
            return None if v is None or not math.isfinite(v) else float(v)

        return {
            "method": self.method, "seconds": self.seconds, "k": self.k,
            "min_weight": self.min_weight, "max_weight": self.max_weight,
            "points": [{"lambda": p.lam, "weights": held(p.weights),
                        "expected_return": p.expected_return, "variance": p.variance,
                        "objective": p.objective, "seconds": p.seconds,
                        "optimal": p.optimal, "mip_gap": num(p.mip_gap),
                        "bound": num(p.bound)} for p in self.points],
            "protocol_b_points": [{"weights": held(w), "expected_return": float(r),
                                   "variance": float(v)} for r, v, w in zip(
                                       self.met["expected_return"], self.met["variance"],
                                       self.met["weights"], strict=True)],
        }

    def __repr__(self) -> str:
        proven = "" if self.n_optimal is None else f", proven={self.n_optimal}"
        return (f"CardinalityFrontier(method={self.method!r}, points={len(self.points)}, "
                f"k={self.k}, seconds={self.seconds:.3g}{proven})")


def check_ccef_arguments(n_assets: int, k: Any, min_weight: Any, max_weight: Any) -> None:
    """Raise :class:`ProblemError` when no portfolio can meet the constraints.

    ``k`` must be an integer in ``1..n_assets``; ``0 < min_weight ≤ max_weight``;
    ``k·min_weight ≤ 1`` (else the held minimums alone exceed the budget) and
    ``k·max_weight ≥ 1`` (else ``k`` assets cannot hold the whole budget).
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise ProblemError(f"k must be an integer number of assets; got {k!r}")
    if not 1 <= k <= n_assets:
        raise ProblemError(f"k must satisfy 1 ≤ k ≤ n_assets = {n_assets}; got k = {k}")
    for name, value in (("min_weight", min_weight), ("max_weight", max_weight)):
        if isinstance(value, bool) or not isinstance(value, int | float | np.number) or not (
                math.isfinite(value)):
            raise ProblemError(f"{name} must be a finite number; got {value!r}")
    if not 0 < min_weight <= max_weight <= 1:
        raise ProblemError(f"need 0 < min_weight ≤ max_weight ≤ 1 (every held asset has a "
                           f"positive weight); got min_weight={min_weight}, "
                           f"max_weight={max_weight}")
    if k * min_weight > 1 + 1e-12:
        raise ProblemError(f"k·min_weight = {k}·{min_weight:g} = {k * min_weight:g} > 1: "
                           "the minimum weights of k held assets exceed the budget; lower k "
                           "or min_weight")
    if k * max_weight < 1 - 1e-12:
        raise ProblemError(f"k·max_weight = {k}·{max_weight:g} = {k * max_weight:g} < 1: "
                           "k assets at their maximum weight cannot hold the whole budget; "
                           "raise k or max_weight")


def _non_dominated(ret: np.ndarray, var: np.ndarray) -> np.ndarray:
    """Indices of points no other point beats (higher-or-equal return and lower variance)."""
    order = np.lexsort((var, -ret))  # return descending, then variance ascending
    keep, best = [], math.inf
    for i in order:
        if var[i] < best:
            keep.append(i)
            best = var[i]
    return np.array(sorted(keep, key=lambda i: ret[i]), dtype=np.int64)


def _met_frame(engine: SubsetQP) -> pd.DataFrame:
    entries = engine.met()
    n = engine.n
    if not entries:
        return pd.DataFrame(columns=["expected_return", "variance", "weights"])
    ret = np.array([float(engine.mu[s] @ w) for _, s, w in entries])
    var = np.array([float(w @ engine.cov[np.ix_(s, s)] @ w) for _, s, w in entries])
    keep = _non_dominated(ret, var)
    rows = []
    for i in keep:
        full = np.zeros(n)
        full[entries[i][1]] = entries[i][2]
        rows.append({"expected_return": ret[i], "variance": var[i], "weights": full})
    return pd.DataFrame(rows)


def _point(engine: SubsetQP, lam: float, subset: np.ndarray, w: np.ndarray, seconds: float,
           **extra: Any) -> FrontierPoint:
    full = np.zeros(engine.n)
    full[subset] = w
    var = float(w @ engine.cov[np.ix_(subset, subset)] @ w)
    ret = float(engine.mu[subset] @ w)
    return FrontierPoint(lam=float(lam), weights=full, expected_return=ret, variance=var,
                         objective=lam * var - (1 - lam) * ret, seconds=seconds, **extra)


def _progress(total: int, desc: str, progress: bool | None) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, disable=None if progress is None else not progress,
                leave=False)


# ---------------------------------------------------------------------------- methods
def _run_miqp(engine: SubsetQP, lams: np.ndarray, *, time_limit: float, progress: Any,
              **_: Any) -> tuple[dict[float, FrontierPoint], dict[str, Any]]:
    from qfin.portfolio._ccef_miqp import ScipFrontier

    scip = ScipFrontier(engine, time_limit)
    points, statuses, start = {}, [], None
    for lam in lams[::-1]:  # from minimum variance towards maximum return
        t0 = time.perf_counter()
        res = scip.solve(float(lam), start)
        start = res["subset"]
        points[float(lam)] = _point(engine, lam, res["subset"], res["weights"],
                                    time.perf_counter() - t0, optimal=res["optimal"],
                                    mip_gap=res["mip_gap"], bound=res["bound"])
        statuses.append(res["status"])
        progress.update()
    return points, {"time_limit": time_limit, "scip_status": statuses,
                    "warm_start": "neighbouring point's subset, exact weights at the new λ"}


def _run_heuristic(engine: SubsetQP, lams: np.ndarray, *, progress: Any, **_: Any
                   ) -> tuple[dict[float, FrontierPoint], dict[str, Any]]:
    points, moves = {}, 0
    for lam in lams[::-1]:
        t0 = time.perf_counter()
        relaxed = engine.relaxed(float(lam))
        start = np.argsort(-relaxed, kind="stable")[:engine.k]
        subset, w, _, m = swap_search(engine, float(lam), start)
        moves += m
        points[float(lam)] = _point(engine, lam, subset, w, time.perf_counter() - t0)
        progress.update()
    return points, {"swap_moves": moves}


def _surrogate_cqm(mu: np.ndarray, cov: np.ndarray, k: int, lam: float) -> Any:
    """QUBO surrogate of selection with equal weights ``1/k`` (DESIGN §3), ``Σx = k``."""
    import dimod

    n = mu.size
    Q = (lam / k**2) * cov
    linear = np.diag(Q) - ((1 - lam) / k) * mu
    quad = 2 * np.triu(Q, 1)
    bqm = dimod.BinaryQuadraticModel(quad + np.diag(linear), "BINARY")
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(bqm)
    cqm.add_constraint_from_iterable([(v, 1) for v in range(n)], "==", rhs=k,
                                     label="cardinality")
    return cqm


def _proposals(engine: SubsetQP, anchors: np.ndarray, *, source: str, num_reads: int,
               num_sweeps: int, seed: int | None) -> tuple[dict[float, list[np.ndarray]], dict]:
    """Subsets proposed at each anchor λ: sampler reads, or random subsets (control)."""
    out: dict[float, list[np.ndarray]] = {}
    info: dict[str, Any] = {"anchors": [float(a) for a in anchors], "num_reads": num_reads}
    rng = np.random.default_rng(seed)
    if source == "sampler":
        from qfin.samplers import ParallelAnnealingSampler

        sampler = ParallelAnnealingSampler()
        info.update(sampler="ParallelAnnealingSampler.sample_cqm (swap moves keep Σx = k)",
                    num_sweeps=num_sweeps)
        for a, lam in enumerate(anchors):
            cqm = _surrogate_cqm(engine.mu, engine.cov, engine.k, float(lam))
            ss = sampler.sample_cqm(cqm, num_reads=num_reads, num_sweeps=num_sweeps,
                                    seed=None if seed is None else seed + a)
            x = ss.record.sample[:, np.argsort(np.asarray(ss.variables, dtype=np.int64))]
            subsets = {tuple(np.flatnonzero(row)) for row in x if row.sum() == engine.k}
            out[float(lam)] = [np.array(s, dtype=np.int64) for s in sorted(subsets)]
    else:
        for lam in anchors:
            out[float(lam)] = [np.sort(rng.choice(engine.n, engine.k, replace=False))
                               for _ in range(num_reads)]
    info["distinct_proposals"] = int(len({s.tobytes() for v in out.values() for s in v}))
    return out, info


def _run_pooled(engine: SubsetQP, lams: np.ndarray, *, source: str, num_reads: int,
                num_sweeps: int, n_anchors: int, starts: int, seed: int | None,
                progress: Any, **_: Any) -> tuple[dict[float, FrontierPoint], dict[str, Any]]:
    t_prop = time.perf_counter()
    anchors = np.linspace(0.0, 1.0, max(2, min(n_anchors, len(lams))))
    proposals, info = _proposals(engine, anchors, source=source, num_reads=num_reads,
                                 num_sweeps=num_sweeps, seed=seed)
    shared_seconds = (time.perf_counter() - t_prop) / len(lams)
    pool: dict[bytes, np.ndarray] = {}
    best: dict[float, tuple[np.ndarray, np.ndarray, float]] = {}
    spent: dict[float, float] = {}
    previous = None
    for lam in lams[::-1]:
        t0 = time.perf_counter()
        lam = float(lam)
        near = anchors[np.argsort(np.abs(anchors - lam), kind="stable")[:2]]
        candidates = [s for a in near for s in proposals[float(a)]]
        if previous is not None:
            candidates.append(previous)
        scored = sorted(((engine.solve(lam, s)[1], s.tobytes(), s) for s in candidates),
                        key=lambda t: t[0])
        seen, result = set(), None
        for _, key, s in scored:
            if key in seen:
                continue
            seen.add(key)
            found = swap_search(engine, lam, s)
            pool[found[0].tobytes()] = found[0]
            if result is None or found[2] < result[2]:
                result = found[:3]
            if len(seen) >= starts:
                break
        best[lam] = result  # type: ignore[assignment]
        previous = result[0]  # type: ignore[index]
        spent[lam] = time.perf_counter() - t0 + shared_seconds
        progress.update()
    # share every local optimum across λ until no point improves
    passes = 0
    for passes in range(1, 4):  # noqa: B007
        changed = False
        for lam in lams[::-1]:
            t0 = time.perf_counter()
            lam = float(lam)
            current = best[lam]
            for s in list(pool.values()):
                w, v = engine.solve(lam, s)
                if v < current[2] - 1e-12 * (abs(current[2]) + 1e-12):
                    found = swap_search(engine, lam, s)
                    pool[found[0].tobytes()] = found[0]
                    current = found[:3]
                    changed = True
            best[lam] = current
            spent[lam] += time.perf_counter() - t0
        if not changed:
            break
    points = {lam: _point(engine, lam, s, w, spent[lam]) for lam, (s, w, _) in best.items()}
    info.update({"pool_size": len(pool), "sharing_passes": passes, "starts_per_point": starts,
                 "proposal_source": "sampler" if source == "sampler" else "uniform random"})
    return points, info


def cardinality_frontier(
    problem: PortfolioProblem,
    k: int = 10,
    min_weight: float = 0.01,
    max_weight: float = 1.0,
    n_points: int = 50,
    method: str = "qubo-hybrid",
    *,
    lambdas: Sequence[float] | None = None,
    time_limit: float = 60.0,
    num_reads: int = 32,
    num_sweeps: int = 20,
    n_anchors: int = 10,
    starts: int = 3,
    seed: int | None = 0,
    record: bool = True,
    progress: bool | None = False,
) -> CardinalityFrontier:
    """Trace the cardinality-constrained efficient frontier with one method.

    Parameters
    ----------
    problem : PortfolioProblem
        Supplies μ, Σ and the labels (see :meth:`PortfolioProblem.from_moments`); its own
        risk aversion, cardinality and bounds are not used here.
    k : int
        Exactly ``k`` assets held (Chang et al.: 10).
    min_weight, max_weight : float
        Bounds of each held weight (Chang et al.: 0.01 and 1).
    n_points : int
        ``E``: the grid ``λ_e = (e−1)/(E−1)`` (Chang et al.: 50).
    method : {"miqp", "heuristic", "qubo-hybrid", "polish-only"}
        See the module docstring.
    lambdas : sequence of float, optional
        Explicit λ values in [0, 1] instead of the grid.
    time_limit : float
        ``miqp``: SCIP's seconds per point.
    num_reads, num_sweeps, n_anchors, starts : int
        ``qubo-hybrid`` / ``polish-only``: proposals per anchor λ (sampler reads or random
        subsets), sampler sweeps, anchor λ values, and swap descents started per point.
    seed : int, optional
    record : bool
        Keep every portfolio evaluated, for protocol (b) (:attr:`CardinalityFrontier.met`).
    progress : bool, optional
        A tqdm bar over the points (``None``: only on a terminal).

    Returns
    -------
    CardinalityFrontier

    Raises
    ------
    ProblemError
        ``k > n``, ``k·min_weight > 1``, ``k·max_weight < 1``, bad bounds, λ outside [0, 1],
        an unknown method.
    SolverError
        SCIP or the QP solver failed.

    Examples
    --------
    >>> from qfin.datasets import load_orlib
    >>> port1 = load_orlib(1)
    >>> p = PortfolioProblem.from_moments(port1.mu, port1.cov)
    >>> f = cardinality_frontier(p, k=10, n_points=3, method="heuristic")
    >>> [int((w > 0).sum()) for w in f.weights.to_numpy()]
    [10, 10, 10]
    """
    if not isinstance(problem, PortfolioProblem):
        raise ProblemError(f"problem must be a PortfolioProblem (PortfolioProblem.from_moments"
                           f"(mu, cov)); got {type(problem).__name__}")
    if method not in CCEF_METHODS:
        raise ProblemError(f"method must be one of {CCEF_METHODS}; got {method!r}")
    check_ccef_arguments(problem.n_assets, k, min_weight, max_weight)
    if lambdas is None:
        lams = lambda_grid(n_points)
    else:
        lams = np.unique(np.asarray(lambdas, dtype=float))
        if lams.size == 0 or not np.isfinite(lams).all() or lams.min() < 0 or lams.max() > 1:
            raise ProblemError(f"lambdas must be numbers in [0, 1]; got {list(lambdas)}")
    for name, value in (("num_reads", num_reads), ("num_sweeps", num_sweeps),
                        ("n_anchors", n_anchors), ("starts", starts)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ProblemError(f"{name} must be an integer ≥ 1; got {value!r}")
    engine = SubsetQP(problem.mu, problem.cov, int(k), float(min_weight), float(max_weight),
                      record=record)
    bar = _progress(len(lams), f"CCEF {method}", progress)
    t0 = time.perf_counter()
    runners = {"miqp": _run_miqp, "heuristic": _run_heuristic}
    try:
        if method in runners:
            points, info = runners[method](engine, lams, time_limit=time_limit, progress=bar)
        else:
            points, info = _run_pooled(
                engine, lams, source="sampler" if method == "qubo-hybrid" else "random",
                num_reads=num_reads, num_sweeps=num_sweeps, n_anchors=n_anchors,
                starts=starts, seed=seed, progress=bar)
    finally:
        bar.close()
    seconds = time.perf_counter() - t0
    info.update({"qp_solves": engine.n_solves, "qp_solver": "DAQP", "seed": seed})
    ordered = tuple(points[float(lam)] for lam in lams)
    return CardinalityFrontier(method=method, labels=problem.tickers, k=int(k),
                               min_weight=float(min_weight), max_weight=float(max_weight),
                               points=ordered, seconds=seconds, met=_met_frame(engine),
                               info=info)
