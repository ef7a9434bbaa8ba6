"""One entry point for every method: :func:`solve` → :class:`PortfolioResult`."""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any

import dimod
import numpy as np
import pandas as pd

from qfin.errors import ProblemError, SolverError
from qfin.portfolio._methods import METHODS, SOLVERS, make_sampler
from qfin.portfolio._metrics import read_metrics, relative_gap, time_to_solution
from qfin.portfolio._problem import PortfolioProblem

__all__ = ["PortfolioResult", "solve", "METHODS", "resolve_reference", "AUTO_EXACT_LIMIT",
           "NEAL_BETA_RANGE"]

# every method name: the table lives in qfin.portfolio._methods (SOLVERS)

#: ``reference="auto"`` enumerates when there are at most this many candidates.
AUTO_EXACT_LIMIT = 500_000

_NEAL_DEFAULTS = {"num_reads": 2000, "num_sweeps": 1000}
#: Default neal schedule in units of the penalty P: at the hot end an uphill move of size P
#: is accepted with probability e^-0.3 ≈ 0.74; at the cold end one of size P/100 with e^-1.
#: On the 20-asset sample this beat neal's own default range (which is based on the bias
#: magnitudes and stays too hot to separate near-optimal selections).
NEAL_BETA_RANGE = (0.3, 100.0)


@dataclasses.dataclass(frozen=True)
class PortfolioResult:
    """The outcome of :func:`solve`.

    Attributes
    ----------
    weights : ndarray of shape (n_assets,)
        The best portfolio (for QUBO methods: the best feasible read, else the best read).
    tickers : list of str
    objective : float
        ``f(weights) = q·wᵀΣw − μᵀw``.
    feasible : bool
        Whether ``weights`` meet every constraint of the formulation solved.
    method : str
    gap : float or None
        ``(objective − reference) / |reference|``; ``None`` without a ground truth.
    timings : dict
        ``seconds`` (wall clock of the solve), ``seconds_per_read`` for samplers.
    info : dict
        Formulation, reference and its source, penalty, solver status, MIP gap, ...
    sampleset : dimod.SampleSet or None
        The raw reads of QUBO methods.
    metrics : dict
        ``feasibility_rate``, ``success_probability`` (per read; None without ground
        truth), ``call_success_probability``, ``seconds_per_read``, ``tts99`` (whole calls
        with the model build charged; inf when p = 0), ``tts99_per_read`` (secondary),
        ``num_reads``.
    """

    weights: np.ndarray
    tickers: list[str]
    objective: float
    feasible: bool
    method: str
    gap: float | None = None
    timings: dict[str, float] = dataclasses.field(default_factory=dict)
    info: dict[str, Any] = dataclasses.field(default_factory=dict)
    sampleset: Any = None
    metrics: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def is_bound(self) -> bool:
        """Whether this is a relaxation: its objective bounds the optimum, it is no answer."""
        return self.info.get("role") == "lower bound"

    def weights_series(self) -> pd.Series:
        """The weights as a Series indexed by ticker."""
        return pd.Series(self.weights, index=self.tickers, name="weight")

    def summary(self) -> dict[str, Any]:
        """A JSON-friendly summary (no SampleSet)."""
        return {"method": self.method, "objective": self.objective, "feasible": self.feasible,
                "role": "lower bound" if self.is_bound else "solution",
                "gap": self.gap,
                "gap_kind": ("bound gap (relaxation vs optimum)" if self.is_bound
                             else "optimality gap"),
                "weights": {t: float(w) for t, w in zip(self.tickers, self.weights, strict=True)
                            if abs(w) > 1e-12},
                "timings": dict(self.timings), "metrics": dict(self.metrics),
                "info": {k: v for k, v in self.info.items() if k != "reads"}}


def resolve_reference(problem: PortfolioProblem, reference: Any, formulation: str
                      ) -> tuple[float | None, str | None]:
    """The ground-truth objective and where it came from.

    ``reference`` may be a number, a :class:`PortfolioResult` (its objective), ``None``
    (no ground truth) or ``"auto"``: exact enumeration when it visits at most
    :data:`AUTO_EXACT_LIMIT` candidates, else no ground truth.
    """
    from qfin.portfolio._exact import count_candidates, exact_optimum

    if reference is None:
        return None, None
    if isinstance(reference, PortfolioResult):
        return float(reference.objective), f"given ({reference.method})"
    if isinstance(reference, str):
        if reference != "auto":
            raise ProblemError(f"reference must be 'auto', None, a number or a PortfolioResult;"
                               f" got {reference!r}")
        if count_candidates(problem, formulation) <= AUTO_EXACT_LIMIT:
            return exact_optimum(problem, formulation)["objective"], "exact enumeration"
        return None, None
    if isinstance(reference, bool) or not isinstance(reference, int | float | np.floating
                                                      | np.integer) or not math.isfinite(
            reference):
        raise ProblemError(f"reference must be a finite number; got {reference!r}")
    return float(reference), "given"


def _sample(problem: PortfolioProblem, sampler: Any, formulation: str, seed: int | None,
            penalty: Any, options: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    from qfin.portfolio._penalty import resolve_penalty

    t_build = time.perf_counter()
    value = resolve_penalty(problem, penalty, formulation)
    bqm = problem.to_bqm(value, formulation)
    build_seconds = time.perf_counter() - t_build
    params = set(getattr(sampler, "parameters", {}) or {})
    kwargs = dict(options)
    num_reads = int(kwargs.pop("num_reads", _NEAL_DEFAULTS["num_reads"]))
    if num_reads < 1:
        raise ProblemError(f"num_reads must be ≥ 1; got {num_reads}")
    # dimod convention: a sampler declares the keyword arguments it takes in `parameters`
    if "num_reads" in params:
        kwargs["num_reads"] = num_reads
    if seed is not None and "seed" in params:
        kwargs["seed"] = int(seed) % 2**32
    unknown = set(kwargs) - params - {"_scaled_beta"}
    if unknown:
        raise ProblemError(f"sampler {type(sampler).__name__} does not accept "
                           f"{sorted(unknown)}; it accepts {sorted(params)}")
    if kwargs.pop("_scaled_beta", False) and "beta_range" not in kwargs:
        kwargs["beta_range"] = (NEAL_BETA_RANGE[0] / value, NEAL_BETA_RANGE[1] / value)
    start = time.perf_counter()
    sampleset = sampler.sample(bqm, **kwargs)
    sampleset.resolve()
    seconds = time.perf_counter() - start
    return {"penalty": value, "bqm_variables": bqm.num_variables,
            "bqm_interactions": bqm.num_interactions, "sampler": type(sampler).__name__,
            "sampler_parameters": {k: v for k, v in kwargs.items() if k != "seed"},
            "seconds": seconds, "build_seconds": build_seconds}, sampleset


def solve(problem: PortfolioProblem, method: Any = "neal", seed: int | None = None,
          **options: Any) -> PortfolioResult:
    """Solve a portfolio problem with one method; every method reports the same figures.

    Parameters
    ----------
    problem : PortfolioProblem
    method : str or dimod.Sampler
        A name of :data:`qfin.portfolio.SOLVERS` (``qfin optimize --list-methods``):
        - ``"annealing"``, ``"bifurcation"`` (ballistic bSB), ``"bifurcation-discrete"``
          (dSB): qfin's own samplers on the same penalised QUBO as neal (options as their
          ``sample``: ``num_reads``, ``num_sweeps``/``num_steps``, ``backend``, ``polish``,
          ``penalty``, ...);
        - ``"annealing-cqm"``: qfin's constraint-aware annealing on :meth:`to_cqm` (moves
          keep the budget/cardinality; options of ``sample_cqm``; no penalty);
        - ``"neal"``: dwave-neal simulated annealing on :meth:`PortfolioProblem.to_bqm`
          (options ``num_reads`` (2000), ``num_sweeps`` (1000), ``beta_range``
          (default ``(0.3/P, 100/P)`` for penalty P), ``penalty``: ``"auto"`` (default:
          the heuristic penalty, escalated to the provable ``"bound"`` when the
          lowest-energy read is infeasible), ``"bound"``, ``"heuristic"`` or a number);
        - any dimod Sampler instance: the same, with that sampler;
        - ``"exact"``: enumeration (:func:`qfin.portfolio.exact_optimum`);
        - ``"miqp"``: cvxpy + SCIP (option ``time_limit`` seconds, default 60);
        - ``"convex"``: continuous long-only Markowitz with Clarabel (no cardinality, no
          grid): a **lower bound** (``is_bound``), feasible only if its weights happen to
          meet the problem's own constraints (``info["violated_constraints"]`` lists the
          others), and its gap is the relaxation gap, never an error;
        - ``"heuristic"``: relax → round (K largest) → pairwise-swap local search.
    seed : int, optional
        Seed of stochastic methods.
    **options
        ``formulation`` ("cardinality"/"weights"), ``reference`` ("auto" default, a number,
        a PortfolioResult or None), method options above.

    Returns
    -------
    PortfolioResult

    Raises
    ------
    ProblemError
        Unknown method or option.
    SolverError
        A solver failed (status in the message).

    Examples
    --------
    >>> import numpy as np
    >>> p = PortfolioProblem([0.1, 0.3, 0.2], np.diag([0.1, 0.2, 0.1]), cardinality=1)
    >>> solve(p, "exact").weights.tolist()
    [0.0, 0.0, 1.0]
    """
    if not isinstance(problem, PortfolioProblem):
        raise ProblemError(f"problem must be a PortfolioProblem; got {type(problem).__name__}")
    formulation = problem._formulation(options.pop("formulation", None))
    reference = options.pop("reference", "auto")
    is_sampler = isinstance(method, dimod.Sampler) or (
        not isinstance(method, str) and callable(getattr(method, "sample", None)))
    spec = SOLVERS.get(method) if isinstance(method, str) else None
    if not is_sampler and spec is None:
        from qfin._suggest import did_you_mean

        raise ProblemError(f"method must be one of {', '.join(METHODS)} or a dimod Sampler; "
                           f"got {method!r}" + (did_you_mean(method, METHODS)
                                                if isinstance(method, str) else ""))
    if isinstance(seed, bool) or (seed is not None and not isinstance(seed, int | np.integer)):
        raise ProblemError(f"seed must be an integer or None; got {seed!r}")
    start = time.perf_counter()
    info: dict[str, Any] = {"formulation": formulation}
    sampleset = None
    metrics: dict[str, Any] = {}
    if spec is not None and spec.kind == "cqm-sampler":
        name = str(method)
        run, sampleset = _sample_cqm(problem, make_sampler(name), formulation, seed,
                                     {**spec.defaults, **options})
        info.update(run)
        weights, feasible, solver_seconds, reads = _best_read(problem, sampleset, formulation,
                                                              run, info)
    elif is_sampler or spec.kind == "bqm-sampler":
        if method == "neal":
            import neal

            sampler: Any = neal.SimulatedAnnealingSampler()
            options = {"num_sweeps": _NEAL_DEFAULTS["num_sweeps"], "_scaled_beta": True,
                       **options}
            name = "neal"
        elif is_sampler:
            sampler, name = method, type(method).__name__
        else:
            sampler, name = make_sampler(method), str(method)
            options = {**spec.defaults, **options}
        penalty = options.pop("penalty", "auto")
        if penalty is None or (isinstance(penalty, str) and penalty == "auto"):
            # Calibration as a procedure: the cheap heuristic penalty gives annealers a far
            # gentler landscape; if the lowest-energy read it produces is infeasible, the
            # penalty was too small for this instance, so sample again with the provable
            # bound (both runs' seconds are counted).
            run, sampleset = _sample(problem, sampler, formulation, seed, "heuristic",
                                     dict(options))
            reads = problem.interpret(sampleset, formulation)
            run["penalty_method"] = "auto: heuristic"
            if not bool(reads.loc[reads["energy"].idxmin(), "feasible"]):
                first_seconds, first_build = run["seconds"], run["build_seconds"]
                run, sampleset = _sample(problem, sampler, formulation, seed, "bound", options)
                run["seconds"] += first_seconds
                run["build_seconds"] += first_build
                run["penalty_method"] = ("auto: bound (the heuristic penalty's lowest-energy "
                                         "read was infeasible)")
        else:
            run, sampleset = _sample(problem, sampler, formulation, seed, penalty, options)
            run["penalty_method"] = penalty if isinstance(penalty, str) else "given"
        info.update(run)
        weights, feasible, solver_seconds, reads = _best_read(problem, sampleset, formulation,
                                                              run, info)
    else:
        name = str(method)
        weights, feasible, solver_seconds = _classical(problem, name, formulation, options, info)
    seconds = time.perf_counter() - start
    ref_value, ref_source = resolve_reference(problem, reference, formulation)
    objective = float(problem.objective(weights))
    gap = relative_gap(objective, ref_value) if ref_value is not None else None
    info.update({"reference": ref_value, "reference_source": ref_source,
                 **{f"{k}": v for k, v in problem.terms(weights).items() if k != "objective"}})
    timings = {"seconds": seconds, "solver_seconds": solver_seconds}
    if sampleset is not None:
        metrics = read_metrics(reads, ref_value, solver_seconds,
                               setup_seconds=info["build_seconds"])
        timings["seconds_per_read"] = metrics["seconds_per_read"]
        timings["build_seconds"] = info["build_seconds"]
    else:
        hit = None
        if ref_value is not None and name != "convex":  # a relaxation cannot "hit"
            hit = float(feasible and objective <= ref_value + 1e-9 * max(abs(ref_value), 1e-12))
        tts = None if hit is None else time_to_solution(solver_seconds, hit)
        metrics = {"num_reads": 1, "feasibility_rate": float(feasible),
                   "success_probability": hit, "call_success_probability": hit,
                   "seconds_per_read": solver_seconds, "call_seconds": solver_seconds,
                   "setup_seconds": 0.0, "tts99": tts, "tts99_per_read": tts}
    return PortfolioResult(weights=weights, tickers=problem.tickers, objective=objective,
                           feasible=feasible, method=name, gap=gap, timings=timings, info=info,
                           sampleset=sampleset, metrics=metrics)


def _best_read(problem: PortfolioProblem, sampleset: Any, formulation: str,
               run: dict[str, Any], info: dict[str, Any]
               ) -> tuple[np.ndarray, bool, float, pd.DataFrame]:
    """The best feasible read (else the least violating), its feasibility and the reads."""
    reads = problem.interpret(sampleset, formulation)
    feasible_reads = reads[reads["feasible"]]
    pool = feasible_reads if len(feasible_reads) else reads
    best = pool.loc[pool["objective"].idxmin()] if len(feasible_reads) else pool.loc[
        pool["violation"].idxmin()]
    info["best_energy"] = float(reads["energy"].min())
    info["best_read_feasible"] = bool(reads.loc[reads["energy"].idxmin(), "feasible"])
    return (np.asarray(best["weights"], dtype=float), bool(best["feasible"]),
            float(run["seconds"]), reads)


def _sample_cqm(problem: PortfolioProblem, sampler: Any, formulation: str, seed: int | None,
                options: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """Constraint-aware sampling of the problem's CQM (no penalty, no slack variables)."""
    kwargs = dict(options)
    if kwargs.pop("penalty", "auto") not in (None, "auto"):
        raise ProblemError("the constraint-aware method keeps the constraints exactly and "
                           "takes no penalty; use 'annealing' for the penalised QUBO")
    num_reads = int(kwargs.pop("num_reads", 256))
    if num_reads < 1:
        raise ProblemError(f"num_reads must be ≥ 1; got {num_reads}")
    t_build = time.perf_counter()
    cqm = problem.to_cqm(formulation)
    build_seconds = time.perf_counter() - t_build
    start = time.perf_counter()
    sampleset = sampler.sample_cqm(cqm, num_reads=num_reads,
                                   seed=None if seed is None else int(seed) % 2**32, **kwargs)
    sampleset.resolve()
    seconds = time.perf_counter() - start
    return {"penalty": None, "penalty_method": "none (constraint-aware moves)",
            "cqm_variables": len(cqm.variables), "cqm_constraints": len(cqm.constraints),
            "sampler": type(sampler).__name__,
            "sampler_parameters": {"num_reads": num_reads, **kwargs},
            "mode": sampleset.info.get("mode"), "seconds": seconds,
            "build_seconds": build_seconds}, sampleset


def _classical(problem: PortfolioProblem, method: str, formulation: str,
               options: dict[str, Any], info: dict[str, Any]
               ) -> tuple[np.ndarray, bool, float]:
    from qfin.portfolio._classical import solve_convex, solve_miqp
    from qfin.portfolio._exact import exact_optimum
    from qfin.portfolio._heuristic import heuristic_weights

    allowed = {"exact": {"max_candidates"}, "miqp": {"time_limit", "verbose"},
               "convex": {"solver"}, "heuristic": set()}[method]
    options = {k: v for k, v in options.items() if k != "penalty" or method != "heuristic"}
    unknown = set(options) - allowed
    if unknown:
        raise ProblemError(f"method {method!r} does not accept {sorted(unknown)}; "
                           f"it accepts {sorted(allowed) or 'no options'}")
    start = time.perf_counter()
    if method == "exact":
        out = exact_optimum(problem, formulation, **options)
        info.update(n_candidates=out["n_candidates"], n_feasible=out["n_feasible"])
        weights = out["weights"]
    elif method == "miqp":
        out = solve_miqp(problem, formulation, **options)
        info.update(status=out["status"], optimal=out["optimal"], mip_gap=out["mip_gap"],
                    dual_bound=out["dual_bound"])
        weights = out["weights"]
    elif method == "convex":
        out = solve_convex(problem, **options)
        info.update(status=out["status"], role="lower bound",
                    note="continuous relaxation: ignores the cardinality and the weight grid, "
                    "so its objective is a lower bound on the optimum, not a portfolio of "
                    "this problem; its gap is the relaxation (bound) gap, not an error")
        weights = out["weights"]
    else:
        weights = heuristic_weights(problem, formulation)
    seconds = time.perf_counter() - start
    weights = np.asarray(weights, dtype=float)
    # feasible = the problem's own constraints in this formulation (equal weights or the
    # weight grid, K held, budget, bounds, sectors), whatever the method optimised
    violated = problem.violated_constraints(weights, formulation=formulation)
    feasible = not violated
    if method == "convex":
        info["violated_constraints"] = violated
    if not feasible and method in ("exact", "miqp", "heuristic"):
        raise SolverError(f"method {method!r} returned an infeasible portfolio "
                          f"(violates {sorted(violated)})")
    return weights, feasible, seconds

