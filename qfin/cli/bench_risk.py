"""``qfin bench risk``: Monte Carlo throughput, 10**8-path memory, closed-form latency."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from qfin.backends import mlx_available
from qfin.bench import save_benchmark, time_call
from qfin.cli._common import format_table, open_store_from_args
from qfin.risk import CLOSED_FORM_METHODS, value_at_risk

_CHILD = r"""
import json, resource, sys, time
import numpy as np
from qfin.risk import monte_carlo_var
returns = np.load(sys.argv[1])
paths = int(sys.argv[2])
monte_carlo_var(returns, paths=10_000, seed=0)  # warm-up: imports, thread pool, BLAS
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
res = monte_carlo_var(returns, paths=paths, seed=1)
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"baseline_kib": base, "peak_kib": peak, "seconds": seconds,
                  "var": res.value, "kept": res.info["kept_losses"]}))
"""


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


def _row(**kwargs: Any) -> dict[str, Any]:
    base = {"section": None, "method": None, "backend": None, "device": None, "dtype": None,
            "paths": None, "runs": None, "seconds_median": None, "paths_per_second": None,
            "latency_us_median": None, "peak_rss_mib": None, "var": None, "note": ""}
    base.update(kwargs)
    return base


def _throughput(returns: pd.DataFrame, sizes: list[int], repeat: int) -> list[dict[str, Any]]:
    configs: list[tuple[str, str | None]] = [("numpy", "float64"), ("numpy", "float32")]
    if mlx_available():
        configs.append(("mlx", None))
    rows = []
    for backend, dtype in tqdm(configs, desc="monte carlo", disable=None, leave=False):
        for paths in sizes:
            last: dict[str, Any] = {}

            def call(b: str = backend, d: str | None = dtype, n: int = paths,
                     out: dict[str, Any] = last) -> None:
                out["res"] = value_at_risk(returns, method="mc", backend=b, paths=n, seed=7,
                                            dtype=d)

            timing = time_call(call, repeat=repeat, warmup=1)
            res = last["res"]
            rows.append(_row(section="mc_throughput", method="mc", backend=res.backend,
                             device=res.device, dtype=res.info.get("dtype"), paths=paths,
                             runs=timing.n, seconds_median=timing.median,
                             paths_per_second=paths / timing.median, var=res.value,
                             note=f"threads={res.info.get('threads')}"))
    return rows


def _memory(returns: pd.DataFrame, paths: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "returns.npy"
        np.save(data, returns.to_numpy())
        proc = subprocess.run([sys.executable, "-c", _CHILD, str(data), str(paths)],
                              capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return _row(section="peak_memory", method="mc", backend="numpy", paths=paths,
                    note=f"child failed: {proc.stderr.strip().splitlines()[-1:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    peak = out["peak_kib"] / 1024
    return _row(section="peak_memory", method="mc", backend="numpy", device="cpu",
                dtype="float64", paths=paths, runs=1, seconds_median=out["seconds"],
                paths_per_second=paths / out["seconds"], peak_rss_mib=peak, var=out["var"],
                note=(f"RSS high-water mark (getrusage ru_maxrss) of a child process; "
                      f"{out['baseline_kib'] / 1024:.0f} MiB after imports+warm-up; kept "
                      f"{out['kept']:,} losses; {'under' if peak < 2048 else 'OVER'} 2 GiB"))


def _latency(returns: pd.DataFrame, calls: int) -> list[dict[str, Any]]:
    rows = []
    for method in tqdm(("historical", *CLOSED_FORM_METHODS), desc="closed forms",
                       disable=None, leave=False):
        timing = time_call(lambda m=method: value_at_risk(returns, method=m), repeat=calls,
                           warmup=10)
        res = value_at_risk(returns, method=method)
        rows.append(_row(section="closed_form_latency", method=method, backend="numpy",
                         device="cpu", dtype="float64", runs=timing.n,
                         latency_us_median=timing.median * 1e6, seconds_median=timing.median,
                         var=res.value, note="full public call incl. validation"))
    return rows


def _run(args: argparse.Namespace) -> int:
    store = open_store_from_args(args)
    returns = store.returns(dataset=args.dataset)
    sizes = args.sizes or ([1_000_000] if args.quick else [1_000_000, 10_000_000])
    mem_paths = args.memory_paths or (10_000_000 if args.quick else 100_000_000)
    rows = _throughput(returns, sizes, max(1, args.repeat))
    rows.append(_memory(returns, mem_paths))
    rows += _latency(returns, 1000)
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
