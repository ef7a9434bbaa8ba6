"""``qfin bench samplers``: qfin's samplers vs tuned neal vs the classical heuristic."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from qfin.bench.samplers import FAMILIES
from qfin.cli._common import format_table, open_store_from_args, print_json

DEFAULT_SIZES = [50, 100, 200, 500]


def register(bench_sub: Any) -> None:
    parser = bench_sub.add_parser(
        "samplers", help="qfin samplers vs tuned neal vs the classical heuristic (TTS99/TTT99)",
        description=(
            "Portfolio QUBOs (the sample's 20 assets with K=5 and K=10, synthetic factor-model "
            "universes with K=n/4, 4-bit discretised weights, sector-bounded cardinality): "
            "tuned neal, ParallelAnnealing, simulated bifurcation (bSB/dSB), the "
            "constraint-aware mode and the relax-round-swap heuristic. Everything is a "
            "classical simulation measured in this one process; BLAS is limited to 1 thread."))
    parser.add_argument("--sizes", nargs="+", type=int, default=None, metavar="N",
                        help="synthetic universe sizes (default 50 100 200 500; --quick: 50 100)")
    parser.add_argument("--reads", type=int, default=None,
                        help="reads per sampler (default 128; --quick: 32)")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes, fewer reads and sweeps (a smoke run, seconds)")
    parser.add_argument("--backend", choices=["numpy", "mlx", "auto"], default="numpy",
                        help="array backend of the qfin samplers (default numpy)")
    parser.add_argument("--seed", type=int, default=7, help="sampler seed (default 7)")
    parser.add_argument("--instance-seed", type=int, default=0,
                        help="seed of the synthetic universes (default 0; change it to check "
                        "the figures on instances not seen before)")
    parser.add_argument("--scip-seconds", type=float, default=None,
                        help="SCIP time limit for a reference where enumeration is too big "
                        "(default 20; --quick: 0 = best-of-all-methods only)")
    parser.add_argument("--families", nargs="+", choices=list(FAMILIES), default=list(FAMILIES),
                        help="instance families to run (default all)")
    parser.add_argument("--out", default=None,
                        help="table file (.csv/.json/.parquet; default "
                        "bench-results/samplers.csv); the figure goes next to it as .html")
    parser.add_argument("--db", default=None, help="database URL or SQLite path")
    parser.add_argument("--no-store", action="store_true",
                        help="do not record the run in the results store")
    parser.add_argument("--json", action="store_true", help="print the table as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from qfin.bench import save_benchmark
    from qfin.bench.samplers import figure, run_benchmark, summarise

    sizes = args.sizes or ([50, 100] if args.quick else DEFAULT_SIZES)
    reads = args.reads or (32 if args.quick else 128)
    store = open_store_from_args(args)
    scip = args.scip_seconds if args.scip_seconds is not None else (0.0 if args.quick else 20.0)
    table = run_benchmark(sizes, reads=reads, quick=args.quick, backend=args.backend,
                          seed=args.seed, store=store, families=args.families,
                          instance_seed=args.instance_seed, scip_seconds=scip)
    params = {"sizes": sizes, "reads": reads, "quick": args.quick, "backend": args.backend,
              "seed": args.seed, "instance_seed": args.instance_seed,
              "families": args.families, "scip_seconds": scip}
    saved = save_benchmark("samplers", table, out=args.out,
                           store=None if args.no_store else store, params=params)
    html = Path(saved["path"]).with_suffix(".html")
    figure(table).write_html(html, include_plotlyjs=True)
    lines = summarise(table)
    if args.json:
        records = table.to_dict(orient="records")
        for r in records:
            for k, v in r.items():
                if isinstance(v, float) and not math.isfinite(v):
                    r[k] = str(v)
        print_json({"rows": records, "summary": lines, "table": str(saved["path"]),
                    "figure": str(html), "run_id": saved["run_id"]})
        return 0
    show = table[["instance", "method", "best_objective", "gap", "feasibility_rate", "p",
                  "p_gap0.1%", "seconds_per_read", "tts99_s", "ttt99_gap0.1%_s",
                  "tts99_speedup_vs_neal", "ttt99_speedup_vs_neal"]]
    print(format_table(show))
    print()
    print("\n".join(lines))
    print(f"\ntable: {saved['path']}  figure: {html}  run: {saved['run_id']}")
    return 0
