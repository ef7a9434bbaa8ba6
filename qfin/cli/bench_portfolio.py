"""``qfin bench portfolio``: every method against ground truth for n ∈ {20, 50, 100}."""

from __future__ import annotations

import argparse
import math
from typing import Any

import pandas as pd
from tqdm import tqdm

from qfin.bench import save_benchmark
from qfin.cli._common import format_table, open_store_from_args, print_json
from qfin.portfolio import (
    AUTO_EXACT_LIMIT,
    METHODS,
    PortfolioProblem,
    count_candidates,
    solve,
    synthetic_problem,
)


def register(bench_sub: Any) -> None:
    p = bench_sub.add_parser(
        "portfolio", help="QUBO annealing vs exact, MIQP, convex and heuristic: gap, "
                          "feasibility, p, seconds per read, TTS99",
        description="For each size n: n=20 is the real sample (sample covariance), larger n "
                    "are seeded synthetic factor-model universes; K = n//4. The reference "
                    "optimum comes from exact enumeration when feasible, else from SCIP "
                    "(column reference_source says which and whether it is proven). "
                    "Annealing is a classical simulation; timings are wall clock here.")
    p.add_argument("--sizes", type=int, nargs="+", default=[20, 50, 100], metavar="N")
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    p.add_argument("--reads", type=int, default=1000, metavar="N",
                   help="annealing reads per run (default 1000)")
    p.add_argument("--sweeps", type=int, default=1000, metavar="N",
                   help="annealing sweeps per read (default 1000)")
    p.add_argument("--risk-aversion", type=float, default=None, metavar="Q",
                   help="q (default: the library default)")
    p.add_argument("--time-limit", type=float, default=60.0, metavar="SECONDS",
                   help="SCIP time limit per MIQP (default 60)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None, help="output file (default bench-results/portfolio.csv)")
    p.add_argument("--json", action="store_true", help="print the table as JSON")
    p.set_defaults(func=_run)


def _problem(n: int, store: Any, seed: int, q: float | None) -> tuple[PortfolioProblem, str]:
    extra = {} if q is None else {"risk_aversion": q}
    if n == 20:
        return (PortfolioProblem.from_store(store=store, cardinality=5, **extra),
                "sample (20 S&P 500 stocks)")
    return synthetic_problem(n, seed=seed, **extra), f"synthetic factor model (seed {seed})"


def benchmark(sizes: list[int], methods: list[str], *, store: Any, reads: int = 1000,
              sweeps: int = 1000, seed: int = 0, time_limit: float = 60.0,
              risk_aversion: float | None = None) -> pd.DataFrame:
    """Run every method on every size; one row per (n, method)."""
    rows: list[dict[str, Any]] = []
    bar = tqdm(total=len(sizes) * len(methods), disable=None, desc="portfolio bench")
    for n in sizes:
        problem, universe = _problem(n, store, seed, risk_aversion)
        enumerable = count_candidates(problem) <= AUTO_EXACT_LIMIT
        results = {}
        order = sorted(methods, key=lambda m: (m not in ("exact", "miqp"), m))
        for method in order:
            if method == "exact" and not enumerable:
                bar.update()
                continue
            options: dict[str, Any] = {"reference": None}
            if method == "neal":
                options.update(num_reads=reads, num_sweeps=sweeps)
            elif method == "miqp":
                options["time_limit"] = time_limit
            bar.set_postfix(n=n, method=method)
            results[method] = solve(problem, method, seed=seed, **options)
            bar.update()
        if "exact" in results:
            reference, source = results["exact"].objective, "exact enumeration"
        elif "miqp" in results and results["miqp"].info.get("optimal"):
            reference, source = results["miqp"].objective, "miqp (SCIP, proven optimal)"
        else:
            feasible = [r.objective for r in results.values() if r.feasible]
            reference = min(feasible) if feasible else None
            gap = results["miqp"].info.get("mip_gap") if "miqp" in results else None
            source = ("best found, not proven" if gap is None
                      else f"best found (SCIP stopped at MIP gap {gap:.2g})")
        for method, res in results.items():
            # every method is scored against the same reference (solved without one)
            rows.append(_row(n, problem, universe, method, res, reference, source))
    bar.close()
    return pd.DataFrame(rows)


def _row(n: int, problem: PortfolioProblem, universe: str, method: str, res: Any,
         reference: float | None, source: str) -> dict[str, Any]:
    from qfin.portfolio import relative_gap, tts99
    from qfin.portfolio._metrics import read_metrics

    if res.sampleset is not None:
        metrics = read_metrics(problem.interpret(res.sampleset), reference,
                               res.timings["solver_seconds"])
    else:
        hit = None
        if reference is not None and method != "convex":
            hit = float(res.feasible and res.objective
                        <= reference + 1e-9 * max(abs(reference), 1e-12))
        secs = res.timings["solver_seconds"]
        metrics = {"num_reads": 1, "feasibility_rate": float(res.feasible),
                   "success_probability": hit, "seconds_per_read": secs,
                   "tts99": None if hit is None else tts99(secs, hit)}
    return {
        "n_assets": n, "cardinality": problem.cardinality, "universe": universe,
        "method": method, "objective": res.objective, "feasible": res.feasible,
        "reference": reference, "reference_source": source,
        "gap": None if reference is None else relative_gap(res.objective, reference),
        "feasibility_rate": metrics["feasibility_rate"],
        "success_probability": metrics["success_probability"],
        "num_reads": metrics["num_reads"], "seconds": res.timings["seconds"],
        "seconds_per_read": metrics["seconds_per_read"], "tts99": metrics["tts99"],
        "penalty": res.info.get("penalty"), "mip_gap": res.info.get("mip_gap"),
    }


def _run(args: argparse.Namespace) -> int:
    store = open_store_from_args(args)
    table = benchmark(args.sizes, args.methods, store=store, reads=args.reads,
                      sweeps=args.sweeps, seed=args.seed, time_limit=args.time_limit,
                      risk_aversion=args.risk_aversion)
    params = {"sizes": args.sizes, "methods": args.methods, "reads": args.reads,
              "sweeps": args.sweeps, "seed": args.seed, "time_limit": args.time_limit,
              "risk_aversion": args.risk_aversion}
    saved = save_benchmark("portfolio", table, out=args.out, store=store, params=params)
    if args.json:
        print_json(table.to_dict(orient="records"))
        return 0
    shown = table[["n_assets", "cardinality", "method", "objective", "gap", "feasible",
                   "feasibility_rate", "success_probability", "seconds_per_read", "tts99",
                   "reference_source"]].copy()
    shown["tts99"] = shown["tts99"].map(
        lambda v: "n/a" if v is None or (isinstance(v, float) and math.isnan(v))
        else "inf (p=0)" if math.isinf(v) else f"{v:.4g}")
    print(format_table(shown.set_index(["n_assets", "method"])))
    print("\ngap = (objective − reference)/|reference|; p = share of reads within 1e-9 of the "
          "reference; convex is a relaxation (a lower bound, not a feasible selection).")
    print("Simulated annealing is a classical algorithm; seconds are wall clock on this "
          "machine (noisy when shared).")
    print(f"wrote {saved['path']} (results store run {saved['run_id']})")
    return 0
