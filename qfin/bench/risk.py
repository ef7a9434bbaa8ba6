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

__all__ = ["throughput", "peak_memory", "closed_form_latency", "historical_latency",
           "NAIVE_HISTORICAL"]

#: The naive computation qfin's historical VaR + CVaR is measured against (issue 10.14).
NAIVE_HISTORICAL = """\
def naive(frame, w, c=0.99):
    losses = -(frame.to_numpy() @ w)
    var = np.quantile(losses, c, method="inverted_cdf")
    cvar = losses[losses >= var].mean()
    return var, cvar
"""

_HIST_CHILD = r"""
import json, sys, time
import numpy as np
import pandas as pd
import qfin
from qfin.risk import value_at_risk
frame = pd.read_pickle(sys.argv[1])
calls, rounds = int(sys.argv[2]), int(sys.argv[3])
w = np.full(frame.shape[1], 1.0 / frame.shape[1])
exec(sys.argv[4])
def ours():
    res = value_at_risk(frame, w, method="historical", confidence=0.99)
    return res.value, res.cvar
fns = {"naive": lambda: naive(frame, w), "qfin": ours}
for f in fns.values():
    for _ in range(max(10, calls // 10)):
        f()
wall = {k: [] for k in fns}
cpu = {k: [] for k in fns}
for _ in range(rounds):  # interleaved blocks: a drift of the machine hits both alike
    for name, f in fns.items():
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(calls):
            f()
        cpu[name].append((time.process_time() - c0) / calls)
        wall[name].append((time.perf_counter() - t0) / calls)
values = {k: [float(v) for v in f()] for k, f in fns.items()}
print(json.dumps({"qfin_file": qfin.__file__, "values": values,
                  "median_s": {k: float(np.median(v)) for k, v in wall.items()},
                  "cpu_median_s": {k: float(np.median(v)) for k, v in cpu.items()}}))
"""

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
            "latency_us_median": None, "cpu_us_median": None, "peak_rss_mib": None,
            "var": None, "note": ""}
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


def historical_latency(returns: pd.DataFrame, *, calls: int = 20, rounds: int = 201,
                       baseline: str | None = None) -> list[dict[str, Any]]:
    """Historical VaR + CVaR latency: qfin's public call against five lines of numpy.

    Both run in one child process per qfin tree (this one, and ``baseline`` when given:
    another qfin source tree put first on ``PYTHONPATH``), in ``rounds`` interleaved blocks
    of ``calls`` calls each; the figure is the median over blocks of the seconds per call.
    The naive computation is :data:`NAIVE_HISTORICAL` (equal weights, confidence 0.99, on
    the same DataFrame); the child checks that both give the same VaR and CVaR.
    """
    import os

    import qfin

    trees = [("current", str(Path(qfin.__file__).resolve().parents[1]))]
    if baseline is not None:
        trees.append(("baseline", str(Path(baseline).resolve())))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "returns.pkl"
        returns.to_pickle(data)
        for tree, root in trees:
            env = {**os.environ, "PYTHONPATH": root}
            proc = subprocess.run([sys.executable, "-c", _HIST_CHILD, str(data), str(calls),
                                   str(rounds), NAIVE_HISTORICAL], capture_output=True,
                                  text=True, check=False, env=env, cwd=tmp)
            if proc.returncode != 0:
                rows.append(_row(section="historical_latency", method="qfin historical",
                                 note=f"{tree}: child failed: "
                                      f"{proc.stderr.strip().splitlines()[-1:]}"))
                continue
            out = json.loads(proc.stdout.strip().splitlines()[-1])
            same = out["values"]["naive"] == out["values"]["qfin"]
            ratio = out["median_s"]["qfin"] / out["median_s"]["naive"]
            cpu_ratio = out["cpu_median_s"]["qfin"] / out["cpu_median_s"]["naive"]
            for name, label in (("naive", "naive numpy (5 lines)"), ("qfin", "qfin historical")):
                rows.append(_row(
                    section="historical_latency", method=label, backend="numpy", device="cpu",
                    dtype="float64", runs=rounds * calls,
                    latency_us_median=out["median_s"][name] * 1e6,
                    cpu_us_median=out["cpu_median_s"][name] * 1e6,
                    seconds_median=out["median_s"][name], var=out["values"][name][0],
                    note=(f"tree={tree}; qfin/naive = {ratio:.2f}x wall, {cpu_ratio:.2f}x "
                          f"CPU; same VaR and CVaR: {same}; median of {rounds} blocks of "
                          f"{calls} calls" if name == "qfin" else f"tree={tree}")))
    return rows
