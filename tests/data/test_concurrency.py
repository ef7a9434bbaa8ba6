"""Issue 12.5/12.6 and the crash guarantees, with real processes on SQLite and PostgreSQL.

* kill -9 of an ingest while validating, after validation, while inserting and while
  upserting leaves the store hash-identical, and the next ingest works;
* concurrent ingests that introduce the same new tickers both land (upserts);
* four concurrent ingests store every row exactly once;
* a writer holding SQLite's lock does not lock readers out (WAL, no DDL on open), and a
  second writer gets a one-line "busy, retry" error after the busy timeout.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import time

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from qfin.cli import main
from qfin.data import MarketStore
from qfin.errors import DataError


def _long_file(path, tickers, days, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2015-01-02", periods=days).strftime("%Y-%m-%d")
    frame = pd.DataFrame({"date": np.repeat(dates, len(tickers)),
                          "ticker": np.tile(tickers, days),
                          "close": np.round(rng.uniform(10, 100, days * len(tickers)), 4)
                          * scale})
    frame.to_csv(path, index=False)
    return frame


def _store(url):
    store = MarketStore(url, auto_init=False)
    store.init(datasets=())
    return store


PHASES = [
    pytest.param(("sqlite", phase), id=f"sqlite-{phase}")
    for phase in ("validating", "validated", "inserting", "upserting")
] + [
    pytest.param(("postgres", phase), id=f"postgres-{phase}", marks=pytest.mark.postgres)
    for phase in ("inserting", "upserting")
]


@pytest.fixture
def phase_url(request, tmp_path):
    backend, phase = request.param
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}", phase
    return request.getfixturevalue("pg_url"), phase


@pytest.mark.slow
@pytest.mark.parametrize("phase_url", PHASES, indirect=True)
def test_kill_9_mid_ingest_leaves_the_store_hash_identical(phase_url, tmp_path, ingests):
    """Before the transaction, or inside it (after its inserts, after its upserts)."""
    store_url, phase = phase_url
    store = _store(store_url)
    tickers = [f"K{i:03d}" for i in range(20)]
    base = _long_file(tmp_path / "base.csv", tickers, 100)
    store.ingest_file(tmp_path / "base.csv", dataset="k")
    # The second file: every old record changed (upserts) plus 2,000 new ones (inserts).
    # The checkpoints stop it inside its one transaction: after its inserts, before its
    # upserts, or after its upserts and before the commit.
    frame = base.assign(close=base["close"] * 1.01)
    extra = _long_file(tmp_path / "x.csv", tickers, 200, seed=1).iloc[2_000:]
    pd.concat([frame, extra]).to_csv(tmp_path / "next.csv", index=False)
    before = store.content_hash()
    proc, marker = ingests.start(store_url, tmp_path / "next.csv", "k", stop_at=phase)
    ingests.wait_for(proc, marker)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    store.engine.dispose()
    again = _store(store_url)
    assert again.content_hash() == before
    report = again.ingest_file(tmp_path / "next.csv", dataset="k")  # no stale lock
    assert (report.inserted, report.updated) == (2_000, 2_000)
    again.engine.dispose()


def test_concurrent_ingests_of_the_same_new_tickers_both_land(store_url, tmp_path, ingests):
    """12.5: process A reads, B commits the same new tickers, then A writes (upsert)."""
    store = _store(store_url)
    new = ["NEW1", "NEW2", "NEW3"]
    _long_file(tmp_path / "a.csv", new, 20, seed=1)
    _long_file(tmp_path / "b.csv", new, 30, seed=2)
    proc, marker = ingests.start(store_url, tmp_path / "a.csv", "first", stop_at="validated")
    ingests.wait_for(proc, marker)
    assert store.ingest_file(tmp_path / "b.csv", dataset="second").inserted == 90
    (tmp_path / f"{marker.name}.go").write_text("")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err[-2000:]
    assert "60 new" in out
    assert store.prices(dataset="first").shape == (20, 3)
    assert store.prices(dataset="second").shape == (30, 3)
    assert sorted(store.assets()["ticker"]) == new
    store.engine.dispose()


@pytest.mark.slow
def test_four_concurrent_ingests_store_every_row_once(tmp_path, ingests):
    store_url = f"sqlite:///{tmp_path / 'four.sqlite'}"
    store = _store(store_url)
    shared = ["SH1", "SH2"]
    expected = 0
    procs = []
    for i in range(4):
        frame = _long_file(tmp_path / f"f{i}.csv", shared + [f"OWN{i}"], 400, seed=i)
        frame["date"] = (pd.to_datetime(frame["date"]) + pd.DateOffset(years=2 * i)
                         ).dt.strftime("%Y-%m-%d")
        frame.to_csv(tmp_path / f"f{i}.csv", index=False)
        expected += len(frame)
    for i in range(4):
        procs.append(ingests.start(store_url, tmp_path / f"f{i}.csv", "together")[0])
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-2000:]
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("select count(*), count(distinct ticker || date) "
                                    "from prices where dataset = 'together'")).one()
    assert rows[0] == rows[1] == expected
    assert sorted(store.assets()["ticker"]) == ["OWN0", "OWN1", "OWN2", "OWN3", "SH1", "SH2"]
    store.engine.dispose()


# ---------------------------------------------------------------------- 12.6 (SQLite)


def _hold_write_lock(path):
    conn = sqlite3.connect(path, isolation_level=None, timeout=0.1)
    conn.execute("BEGIN EXCLUSIVE")
    conn.execute("insert into qfin_meta(key, value) values ('held', 'by a test')")
    return conn


def test_a_writer_does_not_lock_readers_out(tmp_path, capsys):
    path = tmp_path / "busy.sqlite"
    store = MarketStore(path)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    lock = _hold_write_lock(path)
    try:
        started = time.monotonic()
        reader = MarketStore(path)  # opens without DDL
        assert reader.prices(["AAPL"]).shape == (366, 1)
        assert reader.info().records == 7320
        assert main(["--db", str(path), "data", "info"]) == 0
        assert "price records: 7,320" in capsys.readouterr().out
        assert time.monotonic() - started < 30
        good = tmp_path / "good.csv"
        good.write_text("date,AAA\n2022-01-03,1\n2022-01-04,2\n")
        writer = MarketStore(path, busy_timeout=0.5)
        with pytest.raises(DataError, match=r"is busy: another process holds its write lock.*"
                                            r"for 0\.5 s.*Nothing was written; retry"):
            writer.ingest_file(good)
    finally:
        lock.rollback()
        lock.close()
    writer = MarketStore(path, busy_timeout=0.5)
    assert writer.ingest_file(good).inserted == 2


def test_cli_busy_message_is_one_line(tmp_path, capsys, monkeypatch):
    path = tmp_path / "busy.sqlite"
    MarketStore(path)
    good = tmp_path / "good.csv"
    good.write_text("date,AAA\n2022-01-03,1\n")
    monkeypatch.setenv("QFIN_DB_BUSY_TIMEOUT", "0.2")
    lock = _hold_write_lock(path)
    try:
        capsys.readouterr()
        assert main(["--db", str(path), "data", "ingest", str(good)]) == 2
    finally:
        lock.rollback()
        lock.close()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "busy" in err and "Traceback" not in err


def test_opening_an_up_to_date_store_runs_no_ddl(tmp_path):
    path = tmp_path / "ddl.sqlite"
    MarketStore(path)
    store = MarketStore(path, auto_init=False)
    seen: list[str] = []
    sa.event.listen(store.engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *a: seen.append(statement))
    store.init()
    assert seen and not [s for s in seen if s.lstrip().upper().startswith(
        ("CREATE", "ALTER", "DROP"))]


def test_an_old_store_is_extended_in_place(tmp_path):
    """A store written before frequencies and roles existed opens and gains them."""
    path = tmp_path / "old.sqlite"
    MarketStore(path).engine.dispose()
    with sqlite3.connect(path) as conn:
        for column in ("frequency", "periods_per_year", "value_kind"):
            conn.execute(f"ALTER TABLE datasets DROP COLUMN {column}")
        conn.execute("DROP TABLE asset_roles")
        conn.execute("DROP TABLE qfin_meta")
    store = MarketStore(path)
    assert store.info().records == 7320
    assert store.periods_per_year("sample") == 252  # inferred from the dates
    with sqlite3.connect(path) as conn:
        columns = {r[1] for r in conn.execute("pragma table_info(datasets)")}
    assert {"frequency", "periods_per_year", "value_kind"} <= columns


def test_a_locked_store_that_needs_its_schema_says_busy(tmp_path):
    """Was "cannot create the schema" (a misleading message and a traceback-like cause)."""
    path = tmp_path / "old.sqlite"
    MarketStore(path).engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE qfin_meta")
        conn.execute("DROP TABLE asset_roles")
    lock = sqlite3.connect(path, isolation_level=None, timeout=0.1)
    lock.execute("BEGIN EXCLUSIVE")
    lock.execute("insert into assets(ticker) values ('HELD')")
    try:
        with pytest.raises(DataError, match=r"is busy.*while opening the database.*retry"):
            MarketStore(path, busy_timeout=0.3)
    finally:
        lock.rollback()
        lock.close()
    assert MarketStore(path).info().records == 7320


@pytest.mark.postgres
def test_a_postgres_writer_waiting_for_locked_rows_gets_busy(pg_url, tmp_path):
    store = _store(pg_url)
    path = tmp_path / "rows.csv"
    path.write_text("date,AAA\n2022-01-03,1\n2022-01-04,2\n")
    store.ingest_file(path)
    before = store.content_hash()
    path.write_text("date,AAA\n2022-01-03,5\n2022-01-04,6\n")
    holder = sa.create_engine(pg_url)
    conn = holder.connect()
    trans = conn.begin()
    conn.execute(sa.text("update prices set close = close where dataset = 'rows'"))
    try:
        writer = MarketStore(pg_url, auto_init=False, busy_timeout=0.5)
        with pytest.raises(DataError, match=r"is busy.*for 0\.5 s.*retry"):
            writer.ingest_file(path)
        writer.engine.dispose()
    finally:
        trans.rollback()
        conn.close()
        holder.dispose()
    assert store.content_hash() == before
    assert store.ingest_file(path).updated == 2
    store.engine.dispose()


@pytest.mark.postgres
def test_an_old_postgres_store_is_extended_in_place(pg_url):
    MarketStore(pg_url).engine.dispose()
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        for column in ("frequency", "periods_per_year", "value_kind"):
            conn.execute(sa.text(f"ALTER TABLE datasets DROP COLUMN {column}"))
        conn.execute(sa.text("DROP TABLE asset_roles"))
        conn.execute(sa.text("DROP TABLE qfin_meta"))
    store = MarketStore(pg_url)
    assert store.info().records == 7320 and store.periods_per_year("sample") == 252
    columns = {c["name"] for c in sa.inspect(engine).get_columns("datasets")}
    assert {"frequency", "periods_per_year", "value_kind"} <= columns
    store.engine.dispose()
    engine.dispose()
