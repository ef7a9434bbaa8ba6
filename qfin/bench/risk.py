"""The risk benchmark: Monte Carlo paths/s, 10**8-path peak memory, closed-form latency.

Monte Carlo VaR throughput at each size on each backend (median of ``repeat`` runs), the
peak RSS of a child process simulating many paths on numpy, and the median latency of each
closed-form method over many calls. Timings are medians on a possibly shared machine:
compare ratios from one run.
"""

from __future__ import annotations

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
from qfin.bench._timing import time_call
from qfin.risk import CLOSED_FORM_METHODS, value_at_risk

__all__ = ["throughput", "peak_memory", "closed_form_latency"]

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


def _row(**kwargs: Any) -> dict[str, Any]:
    base = {"section": None, "method": None, "backend": None, "device": None, "dtype": None,
            "paths": None, "runs": None, "seconds_median": None, "paths_per_second": None,
            "latency_us_median": None, "peak_rss_mib": None, "var": None, "note": ""}
    base.update(kwargs)
    return base


def throughput(returns: pd.DataFrame, sizes: list[int], repeat: int) -> list[dict[str, Any]]:
    """Monte Carlo VaR paths per second for each backend/dtype and size (median of runs)."""
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


def peak_memory(returns: pd.DataFrame, paths: int) -> dict[str, Any]:
    """Peak RSS of a child process simulating ``paths`` Monte Carlo paths on numpy."""
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


def closed_form_latency(returns: pd.DataFrame, calls: int) -> list[dict[str, Any]]:
    """Median latency of each closed-form VaR method over ``calls`` public calls."""
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
