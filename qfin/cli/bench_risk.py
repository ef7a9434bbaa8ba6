"""``qfin bench risk``: Monte Carlo throughput, 10**8-path memory, closed-form latency."""

from __future__ import annotations

import argparse
from typing import Any

from qfin.cli._common import format_table, open_store_from_args


def register(bench_sub: Any) -> None:
    p = bench_sub.add_parser(
        "risk", help="Monte Carlo VaR paths/s (numpy, MLX), peak memory at 10^8 paths, "
                     "closed-form latency",
        description="Monte Carlo VaR throughput at 10^6 and 10^7 paths on each backend "
                    "(median of --repeat runs), the peak RSS of a child process simulating "
                    "10^8 paths on numpy, and the median latency of each closed-form method "
                    "over >= 1000 calls, on the sample's 20 stocks with equal weights.")
    p.add_argument("--out", default=None, help="output file (default bench-results/risk.csv)")
    p.add_argument("--quick", action="store_true",
                   help="10^6 paths only, memory at 10^7 paths, 1000 latency calls")
    p.add_argument("--repeat", type=int, default=3, help="timed runs per MC size (default 3)")
    p.add_argument("--sizes", type=int, nargs="+", default=None, metavar="PATHS",
                   help="Monte Carlo sizes to time (default 1000000 10000000; quick: 1000000)")
    p.add_argument("--memory-paths", type=int, default=None,
                   help="paths for the memory test (default 10^8; 10^7 with --quick)")
    p.add_argument("--dataset", default="sample", help="dataset (default sample)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import pandas as pd

    from qfin.bench import save_benchmark
    from qfin.bench.risk import closed_form_latency, peak_memory, throughput

    store = open_store_from_args(args)
    returns = store.returns(dataset=args.dataset)
    sizes = args.sizes or ([1_000_000] if args.quick else [1_000_000, 10_000_000])
    mem_paths = args.memory_paths or (10_000_000 if args.quick else 100_000_000)
    rows = throughput(returns, sizes, max(1, args.repeat))
    rows.append(peak_memory(returns, mem_paths))
    rows += closed_form_latency(returns, 1000)
    table = pd.DataFrame(rows)
    print(f"qfin bench risk: {returns.shape[1]} assets, equal weights, confidence 0.99, "
          f"dataset '{args.dataset}'")
    for section, part in table.groupby("section", sort=False):
        print(f"\n[{section}]")
        cols = [c for c in part.columns if c != "section" and part[c].notna().any()
                and not (part[c] == "").all()]
        print(format_table(part[cols].set_index("method")))
    mc = table[table["section"] == "mc_throughput"]
    for paths in sizes:
        sub = mc[mc["paths"] == paths].set_index(["backend", "dtype"])["paths_per_second"]
        if ("numpy", "float64") in sub.index and len(sub) > 1:
            ratios = ", ".join(f"{b}/{d}: {v / sub[('numpy', 'float64')]:.2f}x"
                               for (b, d), v in sub.items())
            print(f"ratios to numpy float64 at {paths:,} paths (same run): {ratios}")
    saved = save_benchmark("risk", table, out=args.out, store=store,
                           params={"sizes": sizes, "memory_paths": mem_paths,
                                   "repeat": args.repeat, "dataset": args.dataset})
    print(f"\nwrote {saved['path']} (run {saved['run_id']})")
    print("timings are medians on a possibly shared machine: compare ratios from one run")
    return 0
