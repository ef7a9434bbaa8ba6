"""``qfin bench samplers``: qfin's samplers vs tuned neal vs the classical heuristic."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from qfin.bench._names import FAMILIES
from qfin.cli._common import format_table, open_store_from_args, print_json

DEFAULT_SIZES = [50, 100, 200, 500]


def register(bench_sub: Any) -> None:
    parser = bench_sub.add_parser(
        "samplers", help="qfin samplers vs tuned neal, the classical heuristic and the "
                         "polish-only control (whole-call TTS99/TTT99, verdict)",
        description=(
            "Portfolio QUBOs (the sample's 20 assets with K=5 and K=10, synthetic factor-model "
            "universes with K=n/4, 4-bit discretised weights, sector-bounded cardinality): "
            "ParallelAnnealing, simulated bifurcation (bSB/dSB) and the constraint-aware mode "
            "against the relax-round-swap heuristic, tuned neal (sweeps up to 1e4) and the "
            "controls polish-only (random start + the same 2-flip descent) and neal + the "
            "same polish. Every QUBO method samples the same BQM; TTS99/TTT99 are in whole "
            "calls with the model build charged; a verdict line names the winner. Everything "
            "is a classical simulation measured in this one process; BLAS is limited to 1 "
            "thread."))
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
    show = table[["instance", "method", "role", "model", "gap", "p", "p_call", "build_s",
                  "call_s", "tts99_s", "ttt99_s", "tts99_per_read_s",
                  "tts99_speedup_vs_neal"]].rename(columns={
        "gap": "gap (best read)", "p": "p per read", "p_call": "p per call",
        "build_s": "model build s", "call_s": "one call s",
        "tts99_s": "TTS99 s (whole calls)", "ttt99_s": "TTT99@0.1% s (whole calls)",
        "tts99_per_read_s": "TTS99 s per read (secondary)",
        "tts99_speedup_vs_neal": "TTS99 vs tuned neal (x)"})
    print(format_table(show))
    print(f"\nTTS99/TTT99: whole calls of {reads} reads (one call = one attempt), the model "
          "build charged to every method that uses the model; per-read figures are "
          "secondary. Controls: polish only, neal + the same polish, tuned neal.")
    print()
    print("\n".join(lines))
    print(f"\ntable: {saved['path']}  figure: {html}  run: {saved['run_id']}")
    return 0
