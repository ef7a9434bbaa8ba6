"""Stores on every backend the data tests run against: SQLite always, PostgreSQL when
``QFIN_TEST_POSTGRES_URL`` points at a reachable server (CI's ``.ci/run`` starts one)."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

PG_URL = os.environ.get("QFIN_TEST_POSTGRES_URL")


@functools.cache
def postgres_skip_reason() -> str | None:
    """Why the PostgreSQL variants skip here (``None``: they run)."""
    if not PG_URL:
        return "QFIN_TEST_POSTGRES_URL is not set (CI's .ci/run starts a PostgreSQL server)"
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001
        return f"PostgreSQL at QFIN_TEST_POSTGRES_URL is not reachable: {exc}"
    return None


def empty_postgres_url() -> str:
    """The test server's URL after dropping every qfin table (skips when unreachable)."""
    reason = postgres_skip_reason()
    if reason:
        pytest.skip(reason)
    import sqlalchemy as sa

    from qfin.data import _schema as schema

    engine = sa.create_engine(PG_URL)
    schema.metadata.drop_all(engine)
    engine.dispose()
    assert PG_URL is not None
    return PG_URL


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL on each backend (the schema is created on first open)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return empty_postgres_url()


@pytest.fixture
def any_store(store_url: str):
    """A store on each backend, without the shipped sample (fast to build)."""
    from qfin.data import MarketStore

    store = MarketStore(store_url, auto_init=False)
    store.init(datasets=())
    yield store
    store.engine.dispose()


_INGEST = """
import sys
from qfin.data import MarketStore
url, path, dataset = sys.argv[1:4]
store = MarketStore(url, auto_init=False)
report = store.ingest_file(path, dataset=dataset)
print(report.summary())
"""


class Ingests:
    """Ingest processes started by a test; any still running are killed at its end."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.procs: list = []

    def start(self, url: str, path: Path, dataset: str, *, stop_at: str | None = None):
        """Start ``MarketStore(url).ingest_file(path)`` in a new process.

        ``stop_at`` names a checkpoint (``qfin.data._faults``) where the process waits;
        returns ``(process, marker)``: the marker file appears when it gets there.
        """
        import subprocess
        import sys
        import uuid

        env = dict(os.environ)
        marker = self.tmp_path / f"at-{uuid.uuid4().hex[:8]}"
        if stop_at:
            env["QFIN_FAULT_CHECKPOINT"] = f"{stop_at}={marker}"
        env.pop("QFIN_DB_URL", None)
        proc = subprocess.Popen([sys.executable, "-c", _INGEST, url, str(path), dataset],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env)
        self.procs.append(proc)
        return proc, marker

    @staticmethod
    def wait_for(proc, marker: Path, timeout: float = 120.0) -> None:
        """Wait until the process reaches its checkpoint (fail if it exits first)."""
        import time

        deadline = time.monotonic() + timeout
        while not marker.exists():
            if proc.poll() is not None:
                out, err = proc.communicate()
                raise AssertionError(f"ingest exited ({proc.returncode}) before its "
                                     f"checkpoint: {out}{err[-2000:]}")
            if time.monotonic() > deadline:
                raise AssertionError("ingest never reached its checkpoint")
            time.sleep(0.02)

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@pytest.fixture
def ingests(tmp_path: Path):
    """Start ingests in separate processes (see :class:`Ingests`)."""
    runner = Ingests(tmp_path)
    yield runner
    runner.close()


@pytest.fixture
def pg_url() -> str:
    """An empty PostgreSQL database's URL (skips without a reachable server)."""
    return empty_postgres_url()
