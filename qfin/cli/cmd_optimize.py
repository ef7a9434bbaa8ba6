"""``qfin optimize``: solve a portfolio problem on market data with one method."""

from __future__ import annotations

import argparse
import math
from typing import Any

from qfin.cli._common import add_universe_options, open_store_from_args, print_json
from qfin.cli._registry import COMMANDS
from qfin.portfolio import METHODS, SOLVERS


def register(sub: Any) -> None:
    p = sub.add_parser(
        "optimize", help=COMMANDS["optimize"],
        description="Minimise f(w) = q·wᵀΣw − μᵀw (annualised sample moments) with one method "
                    "and print the weights, objective, gap to the ground truth and timing. "
                    "Annealing is a classical simulation.")
    add_universe_options(p)
    p.add_argument("--k", type=int, default=None, metavar="K",
                   help="hold exactly K assets (required by the cardinality formulation)")
    p.add_argument("--method", choices=METHODS, default="neal",
                   help="solver (default: neal); --list-methods describes each")
    p.add_argument("--list-methods", action="store_true",
                   help="list every method with its solver and exit")
    p.add_argument("--formulation", choices=("cardinality", "weights"), default=None,
                   help="default: weights if --bits is given, else cardinality")
    p.add_argument("--bits", type=int, default=None, metavar="B",
                   help="bits per asset of the discretised-weights formulation")
    p.add_argument("--risk-aversion", type=float, default=None, metavar="Q",
                   help="q in f(w) (default: qfin.portfolio.DEFAULT_RISK_AVERSION)")
    p.add_argument("--estimator", default="sample", choices=("sample", "ledoit-wolf", "ewma"),
                   help="covariance estimator (default: sample)")
    p.add_argument("--reads", type=int, default=None, metavar="N",
                   help="reads of the sampler methods (default: 2000 for neal, the sampler's "
                        "own default for qfin's samplers)")
    p.add_argument("--sweeps", type=int, default=None, metavar="N",
                   help="sweeps per read (annealing methods; neal default 1000) or steps "
                        "(bifurcation methods); default: the sampler's own")
    p.add_argument("--backend", default=None, metavar="NAME",
                   help="numpy | mlx | auto for qfin's own samplers (default numpy)")
    p.add_argument("--penalty", default="auto",
                   help="'auto' (default: the heuristic penalty, escalated to the provable "
                        "bound if the lowest-energy read is infeasible), 'bound', 'heuristic' "
                        "or a number")
    p.add_argument("--seed", type=int, default=None, help="seed of stochastic methods")
    p.add_argument("--time-limit", type=float, default=60.0, metavar="SECONDS",
                   help="miqp time limit (default 60)")
    p.add_argument("--no-reference", action="store_true",
                   help="skip the automatic exact ground truth (no gap reported)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_run)


def _penalty(text: str | None) -> Any:
    if text is None or text in ("auto", "bound", "heuristic"):
        return text
    try:
        return float(text)
    except ValueError:
        return text  # the library's error names the allowed values


def _list_methods(as_json: bool) -> int:
    from qfin.portfolio import solver_table

    rows = solver_table()
    if as_json:
        print_json(rows)
        return 0
    width = max(len(r["method"]) for r in rows)
    print("method".ljust(width), " kind         solver / reference")
    for r in rows:
        print(f"{r['method'].ljust(width)}  {r['kind']:<12} {r['solver']}")
        print(f"{'':{width}}  {r['summary']}")
    print("\nAnnealing and bifurcation are classical simulations (quantum-inspired).")
    return 0


def _sampler_options(args: argparse.Namespace) -> dict[str, Any]:
    from qfin.errors import ProblemError

    spec = SOLVERS[args.method]
    options: dict[str, Any] = {}
    if spec.kind == "classical":
        given = [flag for flag, value in (("--reads", args.reads), ("--sweeps", args.sweeps),
                                          ("--backend", args.backend)) if value is not None]
        if given:
            raise ProblemError(f"{', '.join(given)} apply to the sampler methods; method "
                               f"{args.method!r} is {spec.summary}")
        return options
    if args.reads is not None:
        options["num_reads"] = args.reads
    elif args.method == "neal":
        options["num_reads"] = 2000
    if args.sweeps is not None:
        options[spec.length_parameter or "num_sweeps"] = args.sweeps
    if args.backend is not None:
        if args.method == "neal":
            raise ProblemError("--backend applies to qfin's own samplers; neal runs on the CPU")
        options["backend"] = args.backend
    if spec.kind == "bqm-sampler":
        options["penalty"] = _penalty(args.penalty)
    elif args.penalty not in (None, "auto"):
        raise ProblemError(f"--penalty does not apply to {args.method!r}: it keeps the "
                           "constraints exactly (no penalty)")
    return options


def _run(args: argparse.Namespace) -> int:
    if args.list_methods:
        return _list_methods(args.json)
    from qfin.portfolio import DEFAULT_RISK_AVERSION, PortfolioProblem, solve

    store = open_store_from_args(args)
    problem = PortfolioProblem.from_store(
        args.tickers, start=args.start, end=args.end, estimator=args.estimator, store=store,
        dataset=args.dataset, sectors=args.sectors,
        risk_aversion=DEFAULT_RISK_AVERSION if args.risk_aversion is None
        else args.risk_aversion, cardinality=args.k, bits=args.bits)
    options: dict[str, Any] = {"formulation": args.formulation,
                               "reference": None if args.no_reference else "auto"}
    options.update(_sampler_options(args))
    if args.method == "miqp":
        options["time_limit"] = args.time_limit
    result = solve(problem, args.method, seed=args.seed, **options)
    if args.json:
        print_json(result.summary())
        return 0
    info, metrics = result.info, result.metrics
    print(f"method: {result.method}   formulation: {info['formulation']}   "
          f"assets: {problem.n_assets}   K: {problem.cardinality}   q: {problem.risk_aversion:g}")
    weights = result.weights_series()
    print("\nweights:")
    print(weights[weights.abs() > 1e-12].sort_values(ascending=False).map("{:.4f}".format)
          .to_string())
    if result.is_bound:
        violated = ", ".join(sorted(info.get("violated_constraints", {}))) or "none"
        print(f"\nlower bound f(w): {result.objective:.10g}   (continuous relaxation: a bound "
              f"on the optimum, not a portfolio of this problem)")
        print(f"feasible: {result.feasible}   violates: {violated}")
    else:
        print(f"\nobjective f(w): {result.objective:.10g}   feasible: {result.feasible}")
    print(f"expected return {info['expected_return']:.4%}   volatility "
          f"{info['volatility']:.4%}   risk term q·wᵀΣw {info['risk_term']:.6g}")
    if result.gap is None:
        print("gap: n/a (no ground truth: too large to enumerate; pass --method miqp for one)")
    else:
        label = "bound gap" if result.is_bound else "gap"
        print(f"{label}: {result.gap:.3e} (relative, vs {info['reference']:.10g} from "
              f"{info['reference_source']})")
    print(f"seconds: {result.timings['seconds']:.4f}")
    if result.sampleset is not None:
        p = metrics["success_probability"]
        def _tts(value: Any) -> str:
            return ("n/a" if value is None else "inf (optimum never seen)"
                    if math.isinf(value) else f"{value:.4g} s")

        print(f"reads: {metrics['num_reads']:.0f}   feasibility rate: "
              f"{metrics['feasibility_rate']:.3f}   success probability p: "
              f"{'n/a' if p is None else f'{p:.3f}'} per read")
        print(f"TTS99: {_tts(metrics['tts99'])} in whole calls of {metrics['num_reads']:.0f} "
              f"reads, model build {metrics['setup_seconds']:.3g} s charged   "
              f"(per read, secondary: {_tts(metrics['tts99_per_read'])}; "
              f"{metrics['seconds_per_read']:.3g} s/read)")
        if info.get("penalty") is None:
            print(f"no penalty: constraint-aware moves on the CQM ({info['cqm_variables']} "
                  f"variables, {info['cqm_constraints']} constraints; classical simulation)")
        else:
            print(f"penalty: {info['penalty']:.6g}   BQM: {info['bqm_variables']} variables, "
                  f"{info['bqm_interactions']} interactions (classical simulation)")
    if "mip_gap" in info:
        print(f"SCIP status: {info['status']}   MIP gap: {info['mip_gap']:.3g}")
    return 0
