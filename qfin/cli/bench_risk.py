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
                    "10^8 paths on numpy, the median latency of each closed-form method "
                    "over >= 1000 calls, and historical VaR + CVaR against five lines of "
                    "numpy in the same process (interleaved blocks; --baseline adds another "
                    "qfin tree), on the sample's 20 stocks with equal weights.")
    p.add_argument("--out", default=None, help="output file (default bench-results/risk.csv)")
    p.add_argument("--quick", action="store_true",
                   help="10^6 paths only, memory at 10^7 paths, 1000 latency calls")
    p.add_argument("--repeat", type=int, default=3, help="timed runs per MC size (default 3)")
    p.add_argument("--sizes", type=int, nargs="+", default=None, metavar="PATHS",
                   help="Monte Carlo sizes to time (default 1000000 10000000; quick: 1000000)")
    p.add_argument("--memory-paths", type=int, default=None,
                   help="paths for the memory test (default 10^8; 10^7 with --quick)")
    p.add_argument("--dataset", default="sample", help="dataset (default sample)")
    p.add_argument("--only", nargs="+", default=None,
                   choices=("mc", "memory", "closed-forms", "historical"),
                   help="run only these sections (default: all)")
    p.add_argument("--baseline", default=None, metavar="DIR",
                   help="another qfin source tree (e.g. `git worktree add /tmp/qfin-before "
                        "COMMIT`) whose historical VaR latency is measured in the same run")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import pandas as pd

    from qfin.bench import save_benchmark
    from qfin.bench.risk import (
        closed_form_latency,
        historical_latency,
        peak_memory,
        throughput,
    )

    store = open_store_from_args(args)
    returns = store.returns(dataset=args.dataset)
    sizes = args.sizes or ([1_000_000] if args.quick else [1_000_000, 10_000_000])
    mem_paths = args.memory_paths or (10_000_000 if args.quick else 100_000_000)
    only = set(args.only or ("mc", "memory", "closed-forms", "historical"))
    rows = throughput(returns, sizes, max(1, args.repeat)) if "mc" in only else []
    if "memory" in only:
        rows.append(peak_memory(returns, mem_paths))
    if "closed-forms" in only:
        rows += closed_form_latency(returns, 1000)
    if "historical" in only:
        rows += historical_latency(returns, calls=20, rounds=51 if args.quick else 201,
                                   baseline=args.baseline)
    table = pd.DataFrame(rows)
    print(f"qfin bench risk: {returns.shape[1]} assets, equal weights, confidence 0.99, "
          f"dataset '{args.dataset}'")
    for section, part in table.groupby("section", sort=False):
        print(f"\n[{section}]")
        cols = [c for c in part.columns if c != "section" and part[c].notna().any()
                and not (part[c] == "").all()]
        print(format_table(part[cols].set_index("method")))
    hist = table[table["section"] == "historical_latency"]
    for tree in ("current", "baseline"):
        part = hist[hist["note"].str.startswith(f"tree={tree}")].set_index("method")
        if len(part) == 2 and part["latency_us_median"].notna().all():
            ours = part.loc["qfin historical", "latency_us_median"]
            naive = part.loc["naive numpy (5 lines)", "latency_us_median"]
            ours_cpu = part.loc["qfin historical", "cpu_us_median"]
            naive_cpu = part.loc["naive numpy (5 lines)", "cpu_us_median"]
            print(f"historical VaR + CVaR ({tree} tree): qfin {ours:.0f} us, naive numpy "
                  f"{naive:.0f} us per call (median wall); qfin/naive = {ours / naive:.2f}x "
                  f"wall, {ours_cpu / naive_cpu:.2f}x CPU")
    mc = table[table["section"] == "mc_throughput"]
    for paths in sizes:
        sub = mc[mc["paths"] == paths].set_index(["backend", "dtype"])["paths_per_second"]
        if ("numpy", "float64") in sub.index and len(sub) > 1:
            ratios = ", ".join(f"{b}/{d}: {v / sub[('numpy', 'float64')]:.2f}x"
                               for (b, d), v in sub.items())
            print(f"ratios to numpy float64 at {paths:,} paths (same run): {ratios}")
    saved = save_benchmark("risk", table, out=args.out, store=store,
                           params={"sizes": sizes, "memory_paths": mem_paths,
                                   "repeat": args.repeat, "dataset": args.dataset,
                                   "only": sorted(only), "baseline": args.baseline})
    print(f"\nwrote {saved['path']} (run {saved['run_id']})")
    print("timings are medians on a possibly shared machine: compare ratios from one run")
    return 0
