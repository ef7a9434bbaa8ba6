"""``qfin bench qoblib``: QOBLIB 06-portfolio, qfin's annealing vs tabu, SA, SCIP, polish-only."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from qfin._format import format_duration
from qfin.cli._common import format_table, open_store_from_args

_METHODS = ("annealing", "tabu", "sa", "scip", "polish-only")
_Q_GRID = (0.0, 1e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 1e-2)


def register(bench_sub: Any) -> None:
    parser = bench_sub.add_parser(
        "qoblib", help="QOBLIB 06-portfolio: qfin's annealing vs tabu, SA, SCIP and Gurobi's "
        "published values",
        description=(
            "The multi-period portfolio BQP of QOBLIB (Koch et al., arXiv:2504.03832): every "
            "method on the same model and the same clock (model building charged), scored "
            "independently in the 'published' mode (the truncated coefficients Gurobi "
            "solved; the mode of its published values) and the 'exact' mode (the .zpl as "
            "written). Prints best and median objectives over seeds, feasibility, time to "
            "Gurobi's published value (TTT), the share of seeds that reached it, a summary "
            "per size and a verdict. Everything quantum-inspired is a classical simulation."))
    parser.add_argument("--instance", nargs="+", default=None, metavar="NAME|PATH",
                        help="shipped names (po_a010_t10_orig, a050_t15_s01, ...), folders in "
                        "QOBLIB's format, or synthetic-a<N>[-t<T>][-s<seed>] (generated; "
                        "e.g. synthetic-a400 for the scale test); default: every shipped one")
    parser.add_argument("--size", nargs="+", type=int, default=None, metavar="A",
                        help="with the default instances: keep these numbers of assets (10 50)")
    parser.add_argument("--q", nargs="+", type=float, default=None, metavar="Q",
                        help="risk weights (default QOBLIB's grid: 0 1e-6 1e-5 5e-5 1e-4 5e-4 "
                        "1e-3 1e-2)")
    parser.add_argument("--method", nargs="+", choices=_METHODS, default=None,
                        help="methods (default all: annealing tabu sa scip polish-only)")
    parser.add_argument("--time-limit", type=float, default=60.0, metavar="S",
                        help="seconds per (instance, q, method, seed), model build included "
                        "(default 60)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0], metavar="SEED",
                        help="seeds (default 0); best and median are taken over them")
    parser.add_argument("--mode", choices=("published", "exact"), default="published",
                        help="the model every method optimises (default published: the one "
                        "Gurobi's values refer to); both modes are always scored")
    parser.add_argument("--b-tot", type=int, default=None, metavar="B",
                        help="position limit (default QOBLIB's: 4, 20, 50, 100 for 10, 50, "
                        "200, 400 assets)")
    parser.add_argument("--backend", choices=("numpy", "mlx", "auto"), default="numpy",
                        help="array backend of qfin's annealing (default numpy)")
    parser.add_argument("--reads", type=int, default=None, metavar="R",
                        help="replicas of qfin's annealing (default 8 on numpy, 256 on MLX)")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="time limits and TTT in wall seconds (default) or this process's "
                        "CPU seconds (fairer on a shared machine)")
    parser.add_argument("--memory", action="store_true",
                        help="record each run's peak Python/numpy memory (tracemalloc)")
    parser.add_argument("--json", default=None, metavar="FILE",
                        help="write every run, the aggregated rows and the summary as JSON")
    parser.add_argument("--sol", default=None, metavar="DIR",
                        help="write each method's best solution as DIR/<method>.sol (QOBLIB's "
                        "format; DIR/<instance>_q<q>/ when several pairs are run)")
    parser.add_argument("--out", default=None,
                        help="table file (default bench-results/qoblib.csv); the figure goes "
                        "next to it as .html")
    parser.add_argument("--no-store", action="store_true",
                        help="do not record the run in the results store")
    parser.add_argument("--db", default=None, help="database URL or SQLite path")
    parser.set_defaults(func=run)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def run(args: argparse.Namespace) -> int:
    from qfin._json import json_default
    from qfin.bench import save_benchmark
    from qfin.bench.qoblib import (
        aggregate,
        figure,
        resolve_instances,
        run_benchmark,
        summarise,
        write_solutions,
    )
    from qfin.errors import ProblemError

    qs = args.q if args.q is not None else list(_Q_GRID)
    for q in qs:
        if not math.isfinite(q) or q < 0:
            raise ProblemError(f"--q must be >= 0 (a risk weight); got {q:g}")
    methods = args.method or list(_METHODS)
    instances = resolve_instances(args.instance, args.size)
    jobs = len(instances) * len(qs) * len(methods) * len(args.seeds)
    print(f"qoblib: {len(instances)} instance(s) x {len(qs)} q x {len(methods)} method(s) x "
          f"{len(args.seeds)} seed(s) = {jobs} runs of {args.time_limit:g} s "
          f"(about {format_duration(jobs * args.time_limit)}); clock: {args.clock}; model "
          f"solved: {args.mode}", flush=True)
    runs = run_benchmark(instances, qs, methods, time_limit=args.time_limit, seeds=args.seeds,
                         mode=args.mode, b_tot=args.b_tot, backend=args.backend,
                         reads=args.reads, clock=args.clock, measure_memory=args.memory)
    table = aggregate(runs, args.mode)
    lines = summarise(table, args.time_limit)
    params = {"instances": [i.label for i in instances], "q": qs, "methods": methods,
              "time_limit": args.time_limit, "seeds": args.seeds, "mode": args.mode,
              "backend": args.backend, "clock": args.clock, "reads": args.reads}
    store = None if args.no_store else open_store_from_args(args)
    saved = save_benchmark("qoblib", table, out=args.out, store=store, params=params)
    html = Path(saved["path"]).with_suffix(".html")
    figure(table).write_html(html, include_plotlyjs=True)
    columns = ["instance", "q", "method", "best_published", "median_published", "best_exact",
               "feasible_fraction", "ttt_median_s", "reached_fraction", "published",
               "gurobi_status", "gap", "backend", "device"]
    if args.memory:
        columns += ["n_variables", "peak_memory_mb", "seconds_median"]
    show = table[columns]
    print(format_table(show, floatfmt="{:.12g}"))
    notes = table[table["note"] != ""][["instance", "q", "method", "note"]]
    if len(notes):
        print()
        print(format_table(notes))
    print()
    print("\n".join(lines))
    if args.sol:
        written = write_solutions(runs, args.sol, mode=args.mode, b_tot=args.b_tot,
                                  instances=instances)
        missing = sorted({f"{r.instance} q={r.q:g} {r.method}" for r in runs}
                         - {f"{r.instance} q={r.q:g} {r.method}" for r in runs if r.feasible})
        print(f"\nsolutions: {len(written)} .sol file(s) in {args.sol}"
              + (f"; no feasible solution, no file: {', '.join(missing)}" if missing else ""))
    if args.json:
        payload = {"params": params, "summary": lines,
                   "rows": [{k: _finite(v) for k, v in r.items()}
                            for r in table.to_dict(orient="records")],
                   "runs": [{**{k: _finite(v) for k, v in r.row().items()},
                             "trajectory": r.trajectory, "info": r.info} for r in runs]}
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(payload, indent=2, default=json_default))
        print(f"json: {args.json}")
    print(f"table: {saved['path']}  figure: {html}"
          + (f"  run: {saved['run_id']}" if saved.get("run_id") else ""))
    return 0

