"""Pipelines under faults (issue 12): TLS, credentials, store outages, stale runs, dead workers.

The slow tests run real pipelines (LocalCluster, or a separately started scheduler and
workers); the store outage is simulated at record time in the runner's process, and on
PostgreSQL by cutting a TCP proxy in front of the server.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from qfin.cli import main
from qfin.data import MarketStore
from qfin.errors import PipelineError
from qfin.pipeline import run_pipeline
from qfin.results._records import (
    StoreUnavailable,
    delete_runs,
    record_with_retry,
    stored_runs,
)

PG_URL = os.environ.get("QFIN_TEST_POSTGRES_URL")


def _pg_skip() -> str | None:
    if not PG_URL:
        return "QFIN_TEST_POSTGRES_URL is not set (CI's .ci/run starts a PostgreSQL server)"
    try:
        with sa.create_engine(PG_URL).connect() as conn:
            conn.execute(sa.text("select 1"))
    except Exception as exc:  # noqa: BLE001
        return f"PostgreSQL at QFIN_TEST_POSTGRES_URL is not reachable: {exc}"
    return None


def _store_rows(db: str | Path, out: Path) -> pd.DataFrame:
    rows = MarketStore(db).results("pipeline")
    if rows.empty:
        return rows
    return rows[rows["pipeline_run"] == str(out)]


# ------------------------------------------------------------------ 12.2 TLS on the cluster
def test_the_local_cluster_accepts_tls_clients_with_its_certificate_only():
    from distributed import Client

    from qfin.pipeline._runner import _start_client

    client, cluster = _start_client(1, None)
    try:
        address = cluster.scheduler_address
        assert address.startswith("tls://127.0.0.1:")
        assert client.submit(sum, [1, 2]).result(timeout=60) == 3
        from distributed.security import Security

        with pytest.raises((OSError, TimeoutError)):  # no TLS
            Client(address.replace("tls://", "tcp://"), timeout="3s")
        with pytest.raises((OSError, TimeoutError)):  # TLS, but not this cluster's certificate
            Client(address, timeout="3s", security=Security.temporary())
    finally:
        client.close()
        cluster.close()


def test_a_tcp_scheduler_is_named_insecure(monkeypatch, capsys):
    from qfin.pipeline._runner import _start_client

    monkeypatch.setattr("qfin.pipeline._runner._CONNECT_TIMEOUT", "1s")

    with pytest.raises(PipelineError, match=r"--scheduler 'tcp://127.0.0.1:1': cannot reach"):
        _start_client(None, "tcp://127.0.0.1:1")
    assert "is not a tls:// address: whoever can reach it can run code" in \
        capsys.readouterr().err


# ---------------------------------------------------------- 12.3 no credentials on disk
SECRET = "S3cret-Pw-7f2c"


def test_the_database_url_reaches_the_kernel_but_no_file(tmp_path, notebook_factory):
    """execute_run (what a worker calls): the URL is in the kernel's environment only."""
    from qfin.pipeline import execute_run

    url = f"postgresql+psycopg://alice:{SECRET}@127.0.0.1:9/research"  # nothing listens
    nb = notebook_factory(tmp_path / "env.ipynb", "x: int = 1  # x\n", (
        "import hashlib, os\nfrom qfin.results import record_results, run_context\n"
        "url = os.environ['QFIN_DB_URL']\n"
        "record_results([{'sha': hashlib.sha256(url.encode()).hexdigest(), "
        "'db': run_context()['db']}])\n"))
    info = execute_run({"notebook": str(nb), "run_dir": str(tmp_path / "run"),
                        "parameters": {"x": 2}, "db_url": url,
                        "context": {"pipeline": "p"}})
    assert info["status"] == "ok", info["error"]
    row = pd.read_parquet(tmp_path / "run" / "results.parquet").iloc[0]
    import hashlib

    assert row["sha"] == hashlib.sha256(url.encode()).hexdigest()  # the kernel got it
    assert SECRET not in json.dumps(info, default=str)
    for path in (tmp_path / "run").rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    assert row["db"] == "postgresql+psycopg://alice:***@127.0.0.1:9/research"


@pytest.mark.slow
@pytest.mark.notebooks
@pytest.mark.postgres
@pytest.mark.skipif(_pg_skip() is not None, reason=str(_pg_skip()))
def test_no_run_folder_file_holds_the_password(tiny_dir, tmp_path, monkeypatch):
    """A whole pipeline on PostgreSQL (a URL with a password): no file of the run folder,
    reports included, holds it (SQLite URLs carry no password)."""
    monkeypatch.setattr("qfin.pipeline._runner.git_revision", lambda: "pinned")
    url = sa.engine.make_url(PG_URL)
    db = url.render_as_string(hide_password=False)
    password = url.password
    assert password, "the test URL needs a password"
    pipeline = tiny_dir / "pipelines" / "secret.yaml"
    pipeline.write_text("name: secret\nsteps:\n  - notebook: tiny\n    grid:\n      x: [1]\n")
    out = tmp_path / "out"
    outcome = run_pipeline(pipeline, out=out, db=db, workers=1, report=True, pdf="none",
                           verbose=False)
    assert [r.status for r in outcome.runs] == ["ok"]
    marker = json.loads((out / "tiny" / "x=1" / "qfin-run.json").read_text())
    assert "db_url" not in marker and marker["db"] == MarketStore(db).display_url
    needle = f":{password}@".encode()
    for path in out.rglob("*"):
        if path.is_file():
            assert needle not in path.read_bytes(), f"{path} holds the password"
    assert "***" in marker["db"]


# ------------------------------------------------- 12.4 store writes: retries, outages
def _dropped() -> OperationalError:
    return OperationalError("INSERT INTO runs ...", {},
                            ConnectionError("server closed the connection unexpectedly"))


def test_store_writes_are_retried_with_back_off():
    waits: list[float] = []
    failures = iter([_dropped(), _dropped(), None])

    def flaky() -> str:
        error = next(failures)
        if error is not None:
            raise error
        return "stored"

    assert record_with_retry(flaky, patience=60, sleep=waits.append) == "stored"
    assert waits == [0.5, 1.0]
    waits.clear()

    def down() -> None:
        raise _dropped()

    with pytest.raises(StoreUnavailable, match="server closed the connection unexpectedly"):
        record_with_retry(down, patience=5, sleep=waits.append)
    assert waits == [0.5, 1.0, 2.0, 1.5] and sum(waits) == 5
    with pytest.raises(ValueError, match="a bug"):  # not a store outage: raised at once
        record_with_retry(lambda: (_ for _ in ()).throw(ValueError("a bug")), sleep=waits.append)


@pytest.mark.postgres
@pytest.mark.skipif(_pg_skip() is not None, reason=str(_pg_skip()))
def test_a_postgres_outage_is_ridden_out(tmp_path):
    """A real dropped PostgreSQL connection (a cut proxy): retried until the server is back."""
    import threading

    from qfin.bench._proxy import TcpProxy

    url = sa.engine.make_url(PG_URL)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    try:
        store = MarketStore(url.set(host="127.0.0.1", port=proxy.port)
                            .render_as_string(hide_password=False))
        run_id = f"outage-{os.getpid()}-{time.time_ns()}"
        proxy.cut()
        threading.Timer(2.0, proxy.restore).start()
        started = time.monotonic()
        record_with_retry(lambda: store.record_run("pipeline", "t", [{"a": 1}],
                                                   params={"pipeline_run": str(tmp_path)},
                                                   run_id=run_id), patience=30)
        assert 1.5 < time.monotonic() - started < 30
        assert stored_runs(store, str(tmp_path))[run_id].rows == 1
        proxy.cut()
        with pytest.raises(StoreUnavailable, match="OperationalError"):
            record_with_retry(lambda: store.record_run("pipeline", "t", [{"a": 1}],
                                                       run_id=run_id), patience=1)
        proxy.restore()
        assert delete_runs(store, [run_id]) == 1
    finally:
        proxy.cut()


@pytest.mark.slow
@pytest.mark.notebooks
def test_outage_at_record_time_then_resume_with_a_changed_grid(tiny_dir, tmp_path,
                                                               monkeypatch):
    """12.4 and 12.7: a run whose rows could not be stored fails (the pipeline goes on);
    --resume re-runs it, re-records rows the store lost, retires a removed grid point and
    re-runs re-parameterised ones; the store, results.csv and index.html always agree."""
    monkeypatch.setattr("qfin.pipeline._runner.git_revision", lambda: "pinned")
    original = MarketStore.record_run
    down = {"x=2"}
    refused: list[str] = []

    def record_run(self, kind, name, rows, **kwargs):
        run = (kwargs.get("params") or {}).get("run")
        if run in down:
            refused.append(run)
            raise _dropped()
        return original(self, kind, name, rows, **kwargs)

    monkeypatch.setattr(MarketStore, "record_run", record_run)
    pipeline = tiny_dir / "pipelines" / "outage.yaml"
    text = "name: outage\nsteps:\n  - notebook: tiny\n    parameters: {scale: 2}\n" \
           "    grid:\n      x: [1, 2, 3]\n"
    pipeline.write_text(text)
    db, out = tmp_path / "o.sqlite", tmp_path / "out"

    first = run_pipeline(pipeline, out=out, db=db, workers=1, report=False, verbose=False,
                         store_patience=0.6)
    status = {r.slug: r.status for r in first.runs}
    assert status == {"x=1": "ok", "x=2": "failed", "x=3": "ok"}
    error = next(r.error for r in first.runs if r.slug == "x=2")
    assert error.startswith("results not stored: the database stayed unreachable") and \
        "server closed the connection unexpectedly" in error and "--resume" in error
    assert len(refused) >= 2  # retried before giving up
    assert json.loads((out / "tiny" / "x=2" / "run.json").read_text())["status"] == "failed"
    assert sorted(_store_rows(db, out)["x"]) == [1, 3]
    assert sorted(pd.read_csv(out / "results.csv")["x"]) == [1, 3]

    # the outage is over; meanwhile the store lost x=1's rows and the grid lost x=3
    down.clear()
    store = MarketStore(db)
    lost = [rid for rid, r in stored_runs(store, str(out)).items() if r.key == "tiny/x=1"]
    assert delete_runs(store, lost) == 2  # rows and cell timings
    x1_mtime = (out / "tiny" / "x=1" / "run.json").stat().st_mtime_ns
    pipeline.write_text(text.replace("[1, 2, 3]", "[1, 2]"))
    second = run_pipeline(pipeline, out=out, db=db, workers=1, resume=True, pdf="none",
                          verbose=False)
    assert {r.slug: (r.status, r.note) for r in second.runs} == {
        "x=1": ("skipped", "re-recorded: the store lacked its rows"), "x=2": ("ok", None)}
    assert (out / "tiny" / "x=1" / "run.json").stat().st_mtime_ns == x1_mtime  # not re-run
    assert not (out / "tiny" / "x=3").exists()
    assert list((out / ".superseded").glob("*/tiny/x=3/run.json"))  # kept, out of sight
    stored, csv = _store_rows(db, out), pd.read_csv(out / "results.csv")
    assert sorted(stored["x"]) == sorted(csv["x"]) == [1, 2]
    assert {r.key for r in stored_runs(store, str(out)).values()} == {"tiny/x=1", "tiny/x=2"}
    index = (out / "index.html").read_text()
    assert "tiny/x=2/report.html" in index and "tiny/x=3" not in index

    # re-parameterised: the same grid points with another fixed value are re-run
    pipeline.write_text(text.replace("[1, 2, 3]", "[1, 2]").replace("scale: 2", "scale: 5"))
    third = run_pipeline(pipeline, out=out, db=db, workers=1, resume=True, report=False,
                         verbose=False)
    assert [r.status for r in third.runs] == ["ok", "ok"]
    stored, csv = _store_rows(db, out), pd.read_csv(out / "results.csv")
    assert sorted(stored["value"]) == sorted(csv["value"]) == [5.0, 10.0]
    assert len(stored) == len(csv) == 2 and not stored.duplicated(["run"]).any()


# ---------------------------------------------------- 12.8 every worker dies: liveness
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _spawn(args: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", *args], stdout=subprocess.DEVNULL,
                            stderr=log.open("ab"), start_new_session=True)


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


SLEEPY_PARAMETERS = "x: int = 1  # grid value\nseconds: float = 0.0  # how long to work\n"
SLEEPY_BODY = ("import time\nfrom qfin.results import record_results\ntime.sleep(seconds)\n"
               "record_results([{'x': x, 'i': i} for i in range(3)])\n")


@pytest.mark.slow
@pytest.mark.notebooks
def test_every_worker_dies_then_resume(tmp_path, notebook_factory):
    """A separately started scheduler with two workers: one killed mid-run is survived; when
    the last dies too, the remaining runs fail after --worker-timeout with a message (no
    hang), and --resume on a new worker completes every run once."""
    notebook_factory(tmp_path / "nb" / "sleepy.ipynb", SLEEPY_PARAMETERS, SLEEPY_BODY)
    pipeline = tmp_path / "sleepy.yaml"
    pipeline.write_text(f"notebook_dir: {tmp_path / 'nb'}\nsteps:\n  - notebook: sleepy\n"
                        "    parameters: {seconds: 2}\n    grid:\n      x: [1, 2, 3, 4]\n")
    port, log = _free_port(), tmp_path / "dask.log"
    address = f"tcp://127.0.0.1:{port}"
    scheduler = _spawn(["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port",
                        str(port), "--dashboard-address", ":0"], log)
    worker_args = ["distributed.cli.dask_worker", address, "--nthreads", "1", "--no-nanny",
                   "--no-dashboard"]
    workers = [_spawn(worker_args, log), _spawn(worker_args, log)]
    db, out = tmp_path / "w.sqlite", tmp_path / "out"
    MarketStore(db)  # built before the clock starts
    command = [sys.executable, "-m", "qfin", "--db", str(db), "pipeline", "run", str(pipeline),
               "--out", str(out), "--scheduler", address, "--no-report", "--json",
               "--worker-timeout", "5"]
    try:
        run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
        _wait_for(lambda: len(list(out.glob("sleepy/*/qfin-run.json"))) >= 1, 180,
                  "a run to start")
        _kill(workers[0])  # one of two: survived
        _wait_for(lambda: any(json.loads(p.read_text())["status"] == "ok"
                              for p in out.glob("sleepy/*/run.json")), 180, "a finished run")
        _kill(workers[1])  # the last one: the runner must not wait forever
        killed = time.monotonic()
        stdout, stderr = run.communicate(timeout=120)
        assert time.monotonic() - killed < 60
        assert run.returncode == 1, stderr
        outcome = json.loads(stdout)
        status = [r["status"] for r in outcome["runs"]]
        assert "ok" in status and "failed" in status
        for r in outcome["runs"]:
            if r["status"] == "failed":
                assert "no Dask worker alive for 5 s" in r["error"]
                assert "start workers and run the pipeline again with --resume" in r["error"]
        assert "qfin: warning: no Dask worker alive" in stderr
        workers.append(_spawn(worker_args, log))
        resumed = subprocess.run([*command, "--resume"], capture_output=True, text=True,
                                 timeout=600)
        assert resumed.returncode == 0, resumed.stderr
        again = json.loads(resumed.stdout)
        assert sorted(r["status"] for r in again["runs"]) == sorted(
            "skipped" if s == "ok" else "ok" for s in status)
    finally:
        for process in [*workers, scheduler]:
            _kill(process)
    stored, csv = _store_rows(db, out), pd.read_csv(out / "results.csv")
    assert len(stored) == len(csv) == 12  # 4 runs x 3 rows, each once
    assert not stored.duplicated(["x", "i"]).any() and not csv.duplicated(["x", "i"]).any()


# ------------------------------------------ concurrency that already held: keep it holding
NOTEBOOK_WRITER_BODY = (
    "import hashlib, time\n"
    "from qfin.results import open_run_store, record_results, run_context\n"
    "time.sleep(seconds)\n"
    "ctx = run_context()\n"
    "key = hashlib.sha256(f\"{ctx['pipeline_run']}/{x}\".encode()).hexdigest()[:32]\n"
    "open_run_store().record_run('notebook-writes', ctx['pipeline'], "
    "[{'x': x, 'i': i} for i in range(2)], params={'pipeline_run': ctx['pipeline_run']}, "
    "run_id=key)  # a re-run replaces its own record\n"
    "record_results([{'x': x, 'i': i} for i in range(3)])\n")


@pytest.mark.slow
@pytest.mark.notebooks
def test_two_concurrent_pipelines_writing_from_notebooks_one_client_killed(tmp_path,
                                                                         notebook_factory):
    """Two pipelines at once on one SQLite store, their notebooks writing to it too; one
    `qfin pipeline run` is killed (kill -9: client and its local cluster) after its first run
    and resumed. Every row is stored once, none is lost."""
    notebook_factory(tmp_path / "nb" / "writer.ipynb", SLEEPY_PARAMETERS, NOTEBOOK_WRITER_BODY)
    db = tmp_path / "c.sqlite"
    MarketStore(db)
    commands = {}
    for name in ("left", "right"):
        path = tmp_path / f"{name}.yaml"
        path.write_text(f"name: {name}\nnotebook_dir: {tmp_path / 'nb'}\nsteps:\n"
                        "  - notebook: writer\n    parameters: {seconds: 1}\n"
                        "    grid:\n      x: [1, 2, 3]\n")
        commands[name] = [sys.executable, "-m", "qfin", "--db", str(db), "pipeline", "run",
                          str(path), "--out", str(tmp_path / name), "--workers", "1",
                          "--no-report", "--json"]
    runs = {name: subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, start_new_session=True)
            for name, command in commands.items()}
    try:
        _wait_for(lambda: any(json.loads(p.read_text())["status"] == "ok"
                              for p in (tmp_path / "left").glob("writer/*/run.json")), 300,
                  "a finished run of the left pipeline")
    finally:
        _kill(runs["left"])
    assert len(list((tmp_path / "left").glob("writer/*/run.json"))) < 3
    stdout, stderr = runs["right"].communicate(timeout=600)
    assert runs["right"].returncode == 0, stderr
    resumed = subprocess.run([*commands["left"], "--resume"], capture_output=True, text=True,
                             timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    statuses = [r["status"] for r in json.loads(resumed.stdout)["runs"]]
    assert "skipped" in statuses and "failed" not in statuses
    written = MarketStore(db).results("notebook-writes")
    assert len(written) == 12 and not written.duplicated(["name", "x", "i"]).any()
    for name in ("left", "right"):
        stored = _store_rows(db, tmp_path / name)
        csv = pd.read_csv(tmp_path / name / "results.csv")
        assert len(stored) == len(csv) == 9
        assert not stored.duplicated(["x", "i"]).any() and not csv.duplicated(["x", "i"]).any()


# ------------------------------------------------------- 12.13 one line, never a traceback
def test_disk_and_database_failures_are_one_line(monkeypatch, capsys, tmp_path):
    import errno

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "run.json"))

    monkeypatch.setattr("qfin.pipeline.run_pipeline", full_disk)
    assert main(["pipeline", "run", "pipelines/demo.yaml"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("qfin: error: the pipeline stopped: No space "
                                                   "left on device") and "--resume" in err

    def dropped(*args, **kwargs):
        raise _dropped()

    monkeypatch.setattr("qfin.pipeline.run_pipeline", dropped)
    assert main(["pipeline", "run", "pipelines/demo.yaml"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the database failed: ConnectionError: server closed the " \
        "connection unexpectedly; once it is reachable" in err and "INSERT" not in err
