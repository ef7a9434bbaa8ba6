"""``qfin bench ccef``: cardinality-constrained efficient frontiers (CCEF).

OR-Library port1–5 against the published UEF and figures; the weekly universes in and out of
sample.
"""

from __future__ import annotations

import argparse
from typing import Any

from qfin.cli._common import format_table, open_store_from_args

METHODS = ("miqp", "heuristic", "qubo-hybrid", "polish-only")
SHIPPED_UNIVERSES = ("nasdaq100", "indtrack6", "dowjones")


def register(bench_sub: Any) -> None:
    p = bench_sub.add_parser(
        "ccef", help="cardinality-constrained efficient frontiers: OR-Library port1-5 vs "
                     "published results; weekly universes with a walk-forward test",
        description="Trace the CCEF (exactly k assets, weights in [min, max], sum 1) on the "
                    "grid lambda_e=(e-1)/(E-1) with each method on the same clock; score it "
                    "against the UEF (Chang et al. 2000 % deviation, protocols a and b; "
                    "VRE, MRE) and against SCIP's exact frontier of the same run; print the "
                    "published figures beside them and a verdict. With --universe: the same "
                    "on a weekly universe against the UEF computed with cvxpy, or "
                    "--walk-forward: out-of-sample results of each method's portfolios.")
    p.add_argument("--instance", type=int, nargs="+", default=[1, 2, 3, 4, 5],
                   choices=[1, 2, 3, 4, 5], metavar="N", help="OR-Library port N (default 1-5)")
    p.add_argument("--method", nargs="+", default=None, choices=METHODS,
                   metavar="M", help=f"methods (default all: {', '.join(METHODS)}; with "
                                     "--universe all but miqp, which takes up to "
                                     "--time-limit per point on hundreds of assets)")
    p.add_argument("--points", type=int, default=50, metavar="E",
                   help="frontier points E (default 50, Chang et al.)")
    p.add_argument("--k", type=int, nargs="+", default=None, metavar="K",
                   help="assets held (default 10; --universe: 10 20)")
    p.add_argument("--min-weight", type=float, default=0.01)
    p.add_argument("--max-weight", type=float, default=1.0)
    p.add_argument("--time-limit", type=float, default=60.0, metavar="SECONDS",
                   help="SCIP CPU seconds per frontier point (default 60)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--universe", default=None, metavar="DATASET",
                   help="a dataset of the market store instead of the OR-Library instances: "
                        f"{', '.join(SHIPPED_UNIVERSES)} ship with qfin (weekly, loaded on "
                        "first use), or any dataset you ingested")
    p.add_argument("--walk-forward", action="store_true",
                   help="--universe: walk-forward test instead of the in-sample frontier")
    p.add_argument("--window", type=int, default=104, metavar="PERIODS",
                   help="walk-forward estimation window (default 104 periods: 2 years of "
                        "weeks)")
    p.add_argument("--hold", type=int, default=13, metavar="PERIODS",
                   help="walk-forward holding period before re-selecting (default 13)")
    p.add_argument("--uef-points", type=int, default=300, metavar="N",
                   help="--universe: points of the UEF computed with cvxpy (default 300)")
    p.add_argument("--json", default=None, metavar="FILE",
                   help="write the frontiers (weights keyed by label) to FILE, re-scorable")
    p.add_argument("--figure", default=None, metavar="HTML",
                   help="write the CCEF-over-UEF figure (one panel per instance)")
    p.add_argument("--out", default=None,
                   help="table file (default bench-results/ccef.csv)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    if args.method is None:
        args.method = [m for m in METHODS if not (args.universe and m == "miqp")]
    if args.universe:
        return _run_universe(args)
    from qfin.bench import save_benchmark
    from qfin.bench._ccef_reference import PUBLISHED_CAVEAT
    from qfin.bench.ccef import (
        benchmark,
        ccef_figure,
        comparison_lines,
        json_payload,
        scip_shortfalls,
        verdict_lines,
        write_json,
    )

    k = (args.k or [10])[0]
    table, results = benchmark(args.instance, args.method, k=k, min_weight=args.min_weight,
                               max_weight=args.max_weight, n_points=args.points,
                               time_limit=args.time_limit, seed=args.seed)
    store = open_store_from_args(args)
    params = {"instances": args.instance, "methods": args.method, "points": args.points,
              "k": k, "min_weight": args.min_weight, "max_weight": args.max_weight,
              "time_limit": args.time_limit, "seed": args.seed}
    saved = save_benchmark("ccef", table.drop(columns=["citation"], errors="ignore"),
                           out=args.out, store=store, params=params)
    columns = ["instance", "method", "mean_error", "median_error", "mean_error_b", "vre", "mre",
               "seconds", "cpu_seconds", "n_optimal", "max_gap", "n_within_1e6", "n_proven"]
    shown = table[[c for c in columns if c in table.columns]]
    print("Errors in % (Chang et al. percentage deviation in variance space: (a) λ-optima, "
          "(b) every non-dominated point met; VRE/MRE as Cura 2009); seconds = whole "
          "frontier, wall clock on this machine")
    print(format_table(shown.set_index(["instance", "method"]), floatfmt="{:.6g}"))
    print(f"\nNote: {PUBLISHED_CAVEAT}. No k = 10 frontier reaches the top of the UEF, so even "
          "the exact frontier has a non-zero error.")
    if args.points != 50:
        print(f"Note: this run traced {args.points} points; the published figures are for "
              "Chang et al.'s 50, so compare them only with a 50-point run.")
    for res in results:
        for gap in scip_shortfalls(res):
            print(f"{res['instance'].name} λ={gap['lambda']:.4f}: SCIP stopped at its time "
                  f"limit with MIP gap {gap['scip_gap']:.3g}; better point: "
                  f"{gap['better_point']}")
    print()
    for line in verdict_lines(table):
        print(line)
    for line in comparison_lines(table):
        print(line)
    if args.json:
        payload = json_payload(results, table)
        payload["params"] = params
        write_json(args.json, payload)
        print(f"wrote {args.json}")
    if args.figure:
        ccef_figure(results).write_html(args.figure, include_plotlyjs=True)
        print(f"wrote {args.figure}")
    print(f"wrote {saved['path']} (results store run {saved['run_id']})")
    return 0


def _run_universe(args: argparse.Namespace) -> int:
    from qfin.bench import save_benchmark
    from qfin.bench.ccef import json_payload, run_universe, walk_forward_benchmark, write_json

    ks = args.k or [10, 20]
    store = open_store_from_args(args)
    params = {"universe": args.universe, "methods": args.method, "points": args.points,
              "k": ks, "min_weight": args.min_weight, "max_weight": args.max_weight,
              "time_limit": args.time_limit, "seed": args.seed}
    if args.walk_forward:
        params.update(window=args.window, hold=args.hold, points=min(args.points, 10))
        table = walk_forward_benchmark(args.universe, args.method, ks=ks,
                                       min_weight=args.min_weight, max_weight=args.max_weight,
                                       window=args.window, hold=args.hold,
                                       n_points=min(args.points, 10),
                                       time_limit=args.time_limit, seed=args.seed,
                                       store=store)
        name = "ccef-walkforward"
        periods = table["periods_per_year"].iloc[0]
        print(f"Walk-forward on {args.universe} (market store): select on the trailing "
              f"{args.window} periods (the point of highest in-sample Sharpe ratio of a "
              f"{params['points']}-point CCEF), hold {args.hold} periods, re-select; "
              f"annualised with {periods:g} periods a year (the dataset's frequency); "
              "turnover = mean one-way turnover per re-selection. Out of sample: an "
              "in-sample optimum is not an investment result.")
        shown = table.drop(columns=["universe", "periods_per_year"]).set_index(
            ["k", "portfolio"])
    else:
        table, results = run_universe(args.universe, args.method, ks=ks,
                                      min_weight=args.min_weight, max_weight=args.max_weight,
                                      n_points=args.points, time_limit=args.time_limit,
                                      seed=args.seed, uef_points=args.uef_points,
                                      store=store)
        name = "ccef-universe"
        periods = table["periods_per_year"].iloc[0]
        print(f"{args.universe} (market store, {table['n_assets'].iloc[0]} assets, "
              f"{periods:g} periods a year): CCEF vs the UEF computed with cvxpy (errors in "
              "%; seconds = whole frontier, wall clock)")
        columns = ["k", "method", "mean_error", "median_error", "mean_error_b", "vre", "mre",
                   "seconds", "cpu_seconds", "n_optimal", "max_gap", "n_within_1e6",
                   "n_proven", "min_var_annual_volatility", "top_annual_return"]
        shown = table[[c for c in columns if c in table.columns]].set_index(["k", "method"])
        if args.json:
            payload = json_payload(results, table)
            payload["params"] = params
            write_json(args.json, payload)
            print(f"wrote {args.json}")
    print(format_table(shown, floatfmt="{:.6g}"))
    saved = save_benchmark(name, table, out=args.out, store=store, params=params)
    print(f"wrote {saved['path']} (results store run {saved['run_id']})")
    return 0
