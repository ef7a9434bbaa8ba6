"""The ingest benchmark: bounded memory on hostile files, readers during a large ingest.

Two sections, each measured in child processes (so peak RSS is the ingest's own):

* ``hostile``: a gzip of zeros (1 GiB inflated, ~1 MB on disk), a gzip of line breaks
  (1 GiB inflated), a symlink to ``/dev/zero`` and a FIFO with no writer. Each must be
  refused quickly with memory bounded (peak RSS of the child against the same child doing
  nothing).
* ``lockout``: a large ingest (default 2,000,000 records) into a SQLite store while this
  process opens the store and reads prices every half second (latency of each read), and a
  second writer with a short busy timeout tries to ingest (it must get a "busy, retry"
  error, or get in, never hang); then the large ingest's throughput and peak RSS.

Timings are from a possibly shared machine: compare figures from one run.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["hostile_files", "lockout"]

_CHILD = r"""
import json, resource, sys, time
from qfin.data import MarketStore
from qfin.errors import DataError
url, path, options = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
store = MarketStore(url, auto_init=False, busy_timeout=options.pop("busy_timeout", None))
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
ok, outcome = False, ""
if path != "-":
    try:
        outcome = store.ingest_file(path, **options).summary()
        ok = True
    except DataError as exc:
        outcome = str(exc).splitlines()[0]
print(json.dumps({"baseline_kib": base, "seconds": time.perf_counter() - t0, "ok": ok,
                  "outcome": outcome[:160],
                  "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def _row(**kwargs: Any) -> dict[str, Any]:
    base = {"section": None, "case": None, "records": None, "seconds": None,
            "peak_rss_mib": None, "rss_over_idle_mib": None, "records_per_second": None,
            "reads": None, "read_latency_median_s": None, "read_latency_max_s": None,
            "refused": None, "outcome": ""}
    base.update(kwargs)
    return base


def _child(url: str, path: str, options: dict[str, Any], timeout: float
           ) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env.pop("QFIN_FAULT_CHECKPOINT", None)
    return subprocess.Popen([sys.executable, "-c", _CHILD, url, path, json.dumps(options)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _result(proc: subprocess.Popen[str], timeout: float) -> dict[str, Any]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return {"ok": False, "outcome": f"did not finish within {timeout:g} s", "seconds":
                timeout, "peak_kib": np.nan, "baseline_kib": np.nan}
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if proc.returncode or not lines:
        return {"ok": False, "outcome": (err.strip().splitlines() or ["crashed"])[-1][:160],
                "seconds": np.nan, "peak_kib": np.nan, "baseline_kib": np.nan}
    return json.loads(lines[-1])


def _store_url(folder: Path) -> str:
    from qfin.data import MarketStore

    path = folder / "bench.sqlite"
    MarketStore(path).engine.dispose()  # schema and the sample, once
    return f"sqlite:///{path}"


def hostile_files(inflated_bytes: int = 1 << 30, timeout: float = 120.0
                  ) -> list[dict[str, Any]]:
    """Peak RSS and time of ingesting each hostile file, against an idle child."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="qfin-bench-ingest-") as tmp:
        folder = Path(tmp)
        url = _store_url(folder)
        idle = _result(_child(url, "-", {}, timeout), timeout)
        idle_mib = idle["peak_kib"] / 1024
        cases: dict[str, Path] = {}
        zeros = folder / "zeros.csv.gz"
        with gzip.open(zeros, "wb", compresslevel=9) as f:
            block = b"\0" * (1 << 20)
            for _ in range(max(1, inflated_bytes >> 20)):
                f.write(block)
        cases[f"gzip of zeros ({zeros.stat().st_size / 1e6:.1f} MB -> "
              f"{inflated_bytes / 2**30:g} GiB)"] = zeros
        breaks = folder / "breaks.csv.gz"
        with gzip.open(breaks, "wb", compresslevel=9) as f:
            f.write(b"date,ticker,close\n")
            block = b"\n" * (1 << 20)
            for _ in range(max(1, inflated_bytes >> 20)):
                f.write(block)
        cases[f"gzip of line breaks ({breaks.stat().st_size / 1e6:.1f} MB -> "
              f"{inflated_bytes / 2**30:g} GiB)"] = breaks
        if os.path.exists("/dev/zero"):
            link = folder / "zero.csv"
            link.symlink_to("/dev/zero")
            cases["symlink to /dev/zero"] = link
        if hasattr(os, "mkfifo"):
            fifo = folder / "pipe.csv"
            os.mkfifo(fifo)
            cases["FIFO without a writer"] = fifo
        rows.append(_row(section="hostile", case="idle child (imports, open store)",
                         peak_rss_mib=idle_mib, seconds=idle["seconds"], outcome="baseline"))
        for case, path in cases.items():
            got = _result(_child(url, str(path), {}, timeout), timeout)
            peak = got["peak_kib"] / 1024
            rows.append(_row(section="hostile", case=case, seconds=got["seconds"],
                             peak_rss_mib=peak, rss_over_idle_mib=peak - idle_mib,
                             refused=not got["ok"], outcome=got["outcome"]))
    return rows


def _write_large(path: Path, records: int, seed: int = 0) -> None:
    tickers = [f"L{i:04d}" for i in range(500)]
    days = -(-records // len(tickers))
    dates = pd.bdate_range("1990-01-01", periods=days).strftime("%Y-%m-%d")
    rng = np.random.default_rng(seed)
    with open(path, "w") as out:
        out.write("date,ticker,close\n")
        for lo in range(0, days, 200):
            part = dates[lo:lo + 200]
            frame = pd.DataFrame({"date": np.repeat(part, len(tickers)),
                                  "ticker": np.tile(tickers, len(part)),
                                  "close": np.round(rng.uniform(1, 500, len(part)
                                                                * len(tickers)), 4)})
            frame.to_csv(out, header=False, index=False)


def lockout(records: int = 2_000_000, url: str | None = None, interval: float = 0.5,
            writer_timeout: float = 2.0, timeout: float = 1800.0) -> list[dict[str, Any]]:
    """Readers' latency and a second writer's outcome while a large ingest runs."""
    from qfin.data import MarketStore
    from qfin.errors import DataError

    rows = []
    with tempfile.TemporaryDirectory(prefix="qfin-bench-lockout-") as tmp:
        folder = Path(tmp)
        url = url or _store_url(folder)
        MarketStore(url).engine.dispose()
        big = folder / "large.csv"
        _write_large(big, records)
        small = folder / "small.csv"
        small.write_text("date,W1\n2022-01-03,1\n2022-01-04,2\n")
        def read_once() -> float:
            t0 = time.perf_counter()
            store = MarketStore(url)
            store.prices(["AAPL"])
            store.engine.dispose()
            return time.perf_counter() - t0

        quiet = [read_once() for _ in range(5)]
        proc = _child(url, str(big), {"dataset": "large", "max_rows": records + 1000}, timeout)
        latencies: list[float] = []
        writer: dict[str, Any] = {"attempts": 0}

        def second_writer() -> None:
            # Try until the large ingest holds the write lock: before that a writer gets in
            # (its file is then already stored: a no-op); after, it must wait and give up.
            while proc.poll() is None and "busy" not in writer.get("outcome", ""):
                store = MarketStore(url, auto_init=False, busy_timeout=writer_timeout)
                t0 = time.perf_counter()
                writer["attempts"] += 1
                try:
                    store.ingest_file(small, dataset="small")
                    writer["outcome"] = "got in (the large ingest was still validating)"
                except DataError as exc:
                    writer["outcome"] = str(exc).splitlines()[0][:160]
                writer["seconds"] = time.perf_counter() - t0
                store.engine.dispose()
                time.sleep(interval)

        started = time.perf_counter()
        thread = threading.Thread(target=second_writer, daemon=True)
        thread.start()
        while proc.poll() is None and time.perf_counter() - started < timeout:
            latencies.append(read_once())
            time.sleep(interval)
        result = _result(proc, timeout)
        thread.join(timeout=writer_timeout + 60)
        lat = np.array(latencies) if latencies else np.array([np.nan])
        rows.append(_row(section="lockout", case=f"large ingest ({records:,} records)",
                         records=records, seconds=result["seconds"],
                         records_per_second=records / result["seconds"]
                         if result["seconds"] else None,
                         peak_rss_mib=result["peak_kib"] / 1024, refused=not result["ok"],
                         outcome=result["outcome"]))
        rows.append(_row(section="lockout", case="open store + prices(), no ingest running",
                         reads=len(quiet), read_latency_median_s=float(np.median(quiet)),
                         read_latency_max_s=float(np.max(quiet)), outcome="baseline"))
        rows.append(_row(section="lockout", case="open store + prices() during the ingest",
                         reads=len(latencies), read_latency_median_s=float(np.median(lat)),
                         read_latency_max_s=float(np.max(lat)),
                         outcome=f"max {np.nanmax(lat) / max(np.max(quiet), 1e-9):.1f}x the "
                                 "quiet maximum"))
        rows.append(_row(section="lockout", case=f"second writer (busy timeout "
                         f"{writer_timeout:g} s), {writer['attempts']} attempt(s)",
                         seconds=writer.get("seconds"),
                         outcome=writer.get("outcome", "not started")))
    return rows


