"""Soak benchmark: a pipeline on a real cluster under faults, then ``--resume``; counts checked.

What :func:`run_soak` does, on loopback, with separately started processes:

1. a Dask scheduler and ``workers`` workers (``python -m distributed.cli.dask_scheduler`` /
   ``dask_worker``), speaking TLS with a certificate written to a user-only folder (the
   setup docs/workbench.md recommends for ``--scheduler``);
2. a PostgreSQL results store reached through a TCP proxy (:class:`~qfin.bench._proxy.TcpProxy`)
   so it can be made unavailable without stopping the shared server;
3. ``qfin pipeline run`` of ``runs`` grid points (each sleeps, reads the store, records
   ``rows`` rows), while two ``qfin data ingest`` processes load files that introduce the
   same new tickers; one worker is killed (SIGKILL) mid-run and the store is cut for
   ``outage`` seconds;
4. ``qfin pipeline run --resume`` with one grid point removed and one added;
5. the check: store rows = CSV rows = expected rows, no duplicates, no stale runs.

Everything is a figure in the returned dict (and ``bench-results/soak.json``); nothing here
is a pass/fail test.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

__all__ = ["run_soak", "SOAK_NOTEBOOK_BODY"]

SOAK_PARAMETERS = ("x: int = 1  # grid point\nrows: int = 10  # result rows to record\n"
                   "seconds: float = 1.0  # simulated work\n")
SOAK_NOTEBOOK_BODY = """import time
from qfin.results import open_run_store, record_results

time.sleep(seconds)
store = open_run_store()  # the results store: fails while it is unavailable
records = store.info("sample").records
record_results([{"x": x, "i": i, "value": x * 100_000 + i, "sample_records": records}
                for i in range(rows)])
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write_private(path: Path, text: str) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    return path


def _tls_files(folder: Path) -> dict[str, Path]:
    """A self-signed certificate and key (Dask's ``Security.temporary``), user-only files."""
    from distributed.security import Security

    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    security = Security.temporary()
    return {"cert": _write_private(folder / "cert.pem", security.tls_ca_file),
            "key": _write_private(folder / "key.pem", security.tls_client_key)}


def _notebook(path: Path) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(SOAK_PARAMETERS)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# soak"), cell,
                nbformat.v4.new_code_cell(SOAK_NOTEBOOK_BODY)]
    nb.metadata["kernelspec"] = {"name": "qfin", "display_name": "Python (qfin)",
                                 "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def _pipeline(path: Path, notebook_dir: Path, points: list[int], rows: int,
              seconds: float) -> Path:
    path.write_text(f"name: soak\nnotebook_dir: {notebook_dir}\nsteps:\n"
                    f"  - notebook: soak\n    parameters: {{rows: {rows}, seconds: {seconds}}}\n"
                    f"    grid:\n      x: [{', '.join(map(str, points))}]\n", encoding="utf-8")
    return path


def _ingest_files(folder: Path, token: str, days: int) -> list[tuple[Path, int]]:
    """Two long price files whose new tickers overlap (5 of 10 in common), with their records."""
    import numpy as np
    import pandas as pd

    dates = pd.bdate_range("2015-01-02", periods=days)
    files = []
    for name, tickers in (("a", range(0, 10)), ("b", range(5, 15))):
        rng = np.random.default_rng(len(files))
        frames = [pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "ticker": f"SK{token}{t:02d}",
                                "close": 100 * np.exp(np.cumsum(rng.normal(0, 0.01, days)))})
                  for t in tickers]
        path = folder / f"soak_{name}_{token}.csv"
        table = pd.concat(frames)
        table.to_csv(path, index=False)
        files.append((path, len(table)))
    return files


class _Timeline:
    def __init__(self, log: Any) -> None:
        self.start = time.monotonic()
        self.events: list[tuple[float, str]] = []
        self.log = log

    def __call__(self, event: str) -> None:
        t = time.monotonic() - self.start
        self.events.append((round(t, 1), event))
        self.log(f"[{t:7.1f} s] {event}")


def _spawn(args: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", *args], stdout=subprocess.DEVNULL,
                            stderr=log.open("ab"), start_new_session=True, env=env)


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=60)


def _statuses(out: Path) -> Counter:
    found: Counter = Counter()
    for path in out.glob("soak/*/run.json"):
        try:
            found[json.loads(path.read_text())["status"]] += 1
        except (OSError, ValueError, KeyError):
            continue
    return found


def _cause(error: str | None) -> str:
    text = error or ""
    if text.startswith("results not stored"):
        return "store unavailable at record time"
    if "no Dask worker alive" in text:
        return "no live worker"
    if "cannot use database" in text or "OperationalError" in text or "connection" in text:
        return "store unavailable inside the notebook"
    if "Dask task failed" in text:
        return "worker lost"
    return "other: " + text[:80]


def run_soak(postgres_url: str, *, runs: int = 40, workers: int = 4, rows: int = 100,
             seconds: float = 2.0, outage: float = 90.0, store_patience: float = 30.0,
             worker_timeout: float = 120.0, ingest_days: int = 1000,
             work_dir: str | Path | None = None, log: Any = print) -> dict[str, Any]:
    """Run the soak (see the module docstring) and return its figures.

    Parameters
    ----------
    postgres_url : str
        SQLAlchemy URL of a PostgreSQL database for the results store (reached through a
        proxy; the server itself is never stopped).
    runs, workers, rows : int
        Grid points, Dask workers (one is killed), result rows per run.
    seconds : float
        Work per run (a sleep inside the notebook).
    outage : float
        Seconds the store is unavailable.
    store_patience, worker_timeout : float
        The runner's ``--store-patience`` and ``--worker-timeout``.
    ingest_days : int
        Business days per ticker in each ingested file (10 tickers per file).
    work_dir : path, optional
        Where everything is written (default: a new temporary folder, kept).

    Returns
    -------
    dict
        ``first_pass``, ``resume``, ``ingests``, ``check`` (store, CSV and expected rows,
        duplicates, stale runs), ``timeline``, ``config``.
    """
    import pandas as pd
    import sqlalchemy as sa

    from qfin.bench._proxy import TcpProxy
    from qfin.data import MarketStore
    from qfin.results._records import stored_runs

    work = Path(work_dir or tempfile.mkdtemp(prefix="qfin-soak-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    token = os.urandom(3).hex().upper()
    timeline = _Timeline(log)
    url = sa.engine.make_url(postgres_url)
    MarketStore(postgres_url)  # schema and sample present before the clock matters
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    tls = _tls_files(work / "tls")
    tls_args = ["--tls-ca-file", str(tls["cert"]), "--tls-cert", str(tls["cert"]),
                "--tls-key", str(tls["key"])]
    env = {**os.environ,
           "DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION": "True",
           "DASK_DISTRIBUTED__COMM__TLS__CA_FILE": str(tls["cert"]),
           "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT": str(tls["cert"]),
           "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY": str(tls["key"])}
    port = _free_port()
    address = f"tls://127.0.0.1:{port}"
    dask_log = work / "dask.log"
    notebook_dir = work / "notebooks"
    _notebook(notebook_dir / "soak.ipynb")
    first_points = list(range(1, runs + 1))
    final_points = list(range(1, runs)) + [runs + 1]  # x=runs removed, x=runs+1 added
    out = work / "out"
    processes: list[subprocess.Popen] = []
    outage_thread = None
    try:
        scheduler = _spawn(["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port",
                            str(port), "--protocol", "tls", "--dashboard-address", ":0",
                            *tls_args], dask_log, env)
        processes.append(scheduler)
        worker_args = ["distributed.cli.dask_worker", address, "--nthreads", "1",
                       "--no-nanny", "--no-dashboard", *tls_args]
        pool = [_spawn(worker_args, dask_log, env) for _ in range(workers)]
        processes += pool
        timeline(f"scheduler {address} (TLS) and {workers} workers started; store via proxy "
                 f"127.0.0.1:{proxy.port} -> {url.host}:{url.port}")
        first_file = _pipeline(work / "soak.yaml", notebook_dir, first_points, rows, seconds)
        base = [sys.executable, "-m", "qfin", "--db", proxied, "pipeline", "run"]
        options = ["--out", str(out), "--scheduler", address, "--no-report", "--json",
                   "--store-patience", str(store_patience), "--worker-timeout",
                   str(worker_timeout)]
        pipeline = subprocess.Popen([*base, str(first_file), *options], env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first_started = time.monotonic()
        timeline(f"pipeline started: {runs} runs x {rows} rows")
        ingests = []
        for path, records in _ingest_files(work, token, ingest_days):
            ingests.append((path, records, subprocess.Popen(
                [sys.executable, "-m", "qfin", "--db", proxied, "data", "ingest", str(path),
                 "--dataset", path.stem], env=env, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True)))
        timeline("two ingests started (10 new tickers each, 5 in common)")
        killed = cut = False
        while pipeline.poll() is None:
            done = sum(_statuses(out).values())
            if not killed and done >= max(1, runs // 4):
                _kill(pool[0])
                killed = True
                timeline(f"worker 1 of {workers} killed (SIGKILL) after {done} runs finished")
            if killed and not cut and done >= max(2, runs // 2):
                proxy.cut()
                cut = True
                timeline(f"store cut (proxy closed) for {outage:.0f} s after {done} runs")

                def restore() -> None:
                    proxy.restore()
                    timeline("store back")

                outage_thread = threading.Timer(outage, restore)
                outage_thread.start()
            time.sleep(0.5)
        stdout, stderr = pipeline.communicate()
        first_seconds = time.monotonic() - first_started
        timeline(f"pipeline finished (exit {pipeline.returncode})")
        first = json.loads(stdout) if stdout.strip() else {"runs": [], "error": stderr[-500:]}
        if outage_thread is not None:
            outage_thread.join()
        ingest_results = []
        for path, records, process in ingests:
            out_text, err_text = process.communicate(timeout=1800)
            lines = [line for line in (err_text + "\n" + out_text).splitlines()
                     if line.strip() and "Background on this error" not in line]
            errors = [line for line in lines if "rror" in line]
            ingest_results.append({"file": path.name, "dataset": path.stem,
                                   "exit_code": process.returncode, "rows_expected": records,
                                   "message": ((errors or lines or [""])[-1]).strip()[:300]})
        timeline("ingests finished: exit codes "
                 + ", ".join(str(r["exit_code"]) for r in ingest_results))

        final_file = _pipeline(work / "soak.yaml", notebook_dir, final_points, rows, seconds)
        resume_started = time.monotonic()
        resumed = subprocess.run([*base, str(final_file), *options, "--resume"], env=env,
                                 capture_output=True, text=True, timeout=7200)
        resume_seconds = time.monotonic() - resume_started
        timeline(f"--resume finished (exit {resumed.returncode})")
        second = json.loads(resumed.stdout) if resumed.stdout.strip() else {
            "runs": [], "error": resumed.stderr[-500:]}
    finally:
        if outage_thread is not None:
            outage_thread.cancel()
        for process in processes:
            _kill(process)
        proxy.cut()

    store = MarketStore(postgres_url)
    table = store.results("pipeline")
    stored = table[table["pipeline_run"] == str(out)] if not table.empty else table
    csv = pd.read_csv(out / "results.csv") if (out / "results.csv").is_file() else pd.DataFrame()
    records = stored_runs(store, str(out))
    expected_keys = {f"soak/x={x}" for x in final_points}
    stored_keys = {r.key for r in records.values() if r.kind == "pipeline"}
    with store.engine.connect() as conn:
        for result in ingest_results:
            result["rows_stored"] = conn.execute(
                sa.text("select count(*) from prices where dataset = :d"),
                {"d": result["dataset"]}).scalar_one()
    figures = {
        "config": {"runs": runs, "workers": workers, "rows_per_run": rows, "seconds": seconds,
                   "outage_seconds": outage, "store_patience": store_patience,
                   "worker_timeout": worker_timeout, "work_dir": str(work),
                   "scheduler": "separate processes, TLS, loopback",
                   "store": store.display_url},
        "first_pass": {
            "exit_code": pipeline.returncode, "seconds": round(first_seconds, 1),
            "status": dict(Counter(r["status"] for r in first["runs"])),
            "failures": dict(Counter(_cause(r.get("error")) for r in first["runs"]
                                     if r["status"] == "failed"))},
        "resume": {
            "exit_code": resumed.returncode, "seconds": round(resume_seconds, 1),
            "status": dict(Counter(r["status"] for r in second["runs"])),
            "re_recorded": sum(1 for r in second["runs"] if r.get("note")),
            "failures": dict(Counter(_cause(r.get("error")) for r in second["runs"]
                                     if r["status"] == "failed"))},
        "ingests": ingest_results,
        "check": {
            "expected_rows": len(final_points) * rows,
            "store_rows": int(len(stored)),
            "csv_rows": int(len(csv)),
            "store_duplicates": int(stored.duplicated(["x", "i"]).sum()) if len(stored) else 0,
            "csv_duplicates": int(csv.duplicated(["x", "i"]).sum()) if len(csv) else 0,
            "stale_runs_in_store": sorted(stored_keys - expected_keys),
            "missing_runs_in_store": sorted(expected_keys - stored_keys),
            "runs_not_ok_in_store": sum(1 for r in records.values() if r.status != "ok"),
            "superseded_folders": len(list((out / ".superseded").glob("*/soak/*"))),
            # both concurrent ingests must succeed and store every record of their file
            "ingests_failed": [r["file"] for r in ingest_results
                               if r["exit_code"] != 0 or r["rows_stored"] != r["rows_expected"]],
        },
        "timeline": timeline.events,
    }
    check = figures["check"]
    check["ok"] = (check["store_rows"] == check["csv_rows"] == check["expected_rows"]
                   and not check["store_duplicates"] and not check["csv_duplicates"]
                   and not check["stale_runs_in_store"] and not check["missing_runs_in_store"]
                   and not check["runs_not_ok_in_store"] and not check["ingests_failed"])
    return figures
