"""Issue 12.11 and 12.13: bounded resources on hostile files, one-line database errors."""

from __future__ import annotations

import errno
import gzip
import os
import subprocess
import sys
import threading

import pandas as pd
import pytest
import sqlalchemy as sa

from qfin.cli import main
from qfin.data import MarketStore, read_price_file
from qfin.data._errors import short, translate_db_error
from qfin.errors import DataError

_PEAK_RSS = """
import resource, sys
from qfin.data import read_price_file
from qfin.errors import DataError
try:
    read_price_file(sys.argv[1])
except DataError as exc:
    print("refused:", str(exc)[:200])
print("peak_mib", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def _peak_rss(path):
    out = subprocess.run([sys.executable, "-c", _PEAK_RSS, str(path)], capture_output=True,
                         text=True, timeout=300, check=True).stdout
    peak = float(out.rsplit("peak_mib", 1)[1])
    return out, peak


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss in KiB is Linux's")
def test_gzip_bomb_is_refused_with_bounded_memory(tmp_path):
    bomb = tmp_path / "bomb.csv.gz"
    with gzip.open(bomb, "wb", compresslevel=1) as f:  # 64 MiB of zeros, 280 kB on disk
        for _ in range(64):
            f.write(b"\0" * (1 << 20))
    out, peak = _peak_rss(bomb)
    assert "a line longer than 8 MiB" in out
    _, baseline = _peak_rss(tmp_path / "missing.csv")
    assert peak - baseline < 200, (peak, baseline)


def test_fifo_is_refused_without_blocking(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    result: list[BaseException] = []
    worker = threading.Thread(target=lambda: _catch(result, fifo), daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "reading a FIFO blocked"
    assert isinstance(result[0], DataError) and "named pipe" in str(result[0])


def _catch(result, path):
    try:
        read_price_file(path)
    except BaseException as exc:  # noqa: BLE001
        result.append(exc)


def test_caps_are_raised_from_the_command_line(tmp_path, capsys):
    db = tmp_path / "caps.sqlite"
    path = tmp_path / "rows.csv"
    days = pd.bdate_range("2020-01-01", periods=300).strftime("%Y-%m-%d")
    pd.DataFrame({"date": days, "AAA": 1.0, "BBB": 2.0}).to_csv(path, index=False)
    assert main(["--db", str(db), "data", "ingest", str(path), "--max-rows", "100"]) == 2
    assert "more than 100 " in capsys.readouterr().err
    assert main(["--db", str(db), "data", "ingest", str(path), "--max-bytes", "1K"]) == 2
    assert "more than 1,024 bytes" in capsys.readouterr().err
    assert main(["--db", str(db), "data", "ingest", str(path), "--max-rows", "600",
                 "--max-bytes", "1M"]) == 0
    assert "600 new" in capsys.readouterr().out
    assert main(["--db", str(db), "data", "ingest", str(path), "--max-bytes", "lots"]) == 2
    assert "a size must look like" in capsys.readouterr().err


def test_parquet_caps_come_from_its_metadata(tmp_path):
    path = tmp_path / "p.parquet"
    pd.DataFrame({"date": pd.bdate_range("2020-01-01", periods=50), "ticker": "A",
                  "close": 1.0}).to_parquet(path)
    with pytest.raises(DataError, match="50 rows, more than the cap of 10"):
        read_price_file(path, max_rows=10)
    with pytest.raises(DataError, match="uncompressed, more than the cap of 100"):
        read_price_file(path, max_bytes=100)


def test_a_million_character_ticker_is_not_echoed(tmp_path, capsys):
    path = tmp_path / "long.csv"
    path.write_text("date,ticker,close\n2022-01-03," + "Z" * 1_000_000 + ",1\n")
    assert main(["--db", str(tmp_path / "x.sqlite"), "data", "ingest", str(path)]) == 2
    err = capsys.readouterr().err
    assert len(err) < 1000 and "(1,000,000 characters)" in err
    store = MarketStore(tmp_path / "x.sqlite")
    with pytest.raises(DataError) as info:
        store.prices(["Q" * 1_000_000])
    assert len(str(info.value)) < 1500


def test_a_symlinked_file_content_is_not_echoed(tmp_path, capsys):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:$6$s4lt$Zq9hashhashhashhashhashhashhash:19000:0:99999:7:::\n"
                      "daemon:*:19000:0:99999:7:::\n")
    link = tmp_path / "prices.csv"
    link.symlink_to(secret)
    assert main(["--db", str(tmp_path / "x.sqlite"), "data", "ingest", str(link)]) == 2
    err = capsys.readouterr().err
    assert "cannot tell the layout" in err
    assert "s4lt" not in err and "hash" not in err and "daemon" not in err


def test_full_disk_is_one_line_and_changes_nothing(tmp_path, capsys):
    path = tmp_path / "full.sqlite"
    store = MarketStore(path)
    with store.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    sa.event.listen(store.engine, "connect",
                    lambda dbapi, rec: dbapi.execute(f"PRAGMA max_page_count={pages + 3}"))
    store.engine.dispose()
    before = store.content_hash()
    big = tmp_path / "big.csv"
    days = pd.bdate_range("2000-01-03", periods=2000).strftime("%Y-%m-%d")
    pd.DataFrame({"date": days, **{f"T{i}": 1.0 + i for i in range(20)}}).to_csv(big,
                                                                                 index=False)
    with pytest.raises(DataError, match=r"out of disk space while ingesting 'big.csv'.*"
                                        r"Nothing was written.*free space"):
        store.ingest_file(big)
    assert store.content_hash() == before


def test_export_to_a_full_disk_leaves_no_partial_file(sample_store, tmp_path, monkeypatch):
    def no_space(self, path, *args, **kwargs):
        with open(path, "w") as handle:
            handle.write("date,ticker,close\n2021-07-19,AA")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", no_space)
    with pytest.raises(DataError, match="no space left on the device while writing"):
        sample_store.export(tmp_path / "out.csv")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.postgres
def test_a_dropped_postgres_connection_is_one_line_and_changes_nothing(pg_url, tmp_path,
                                                                       monkeypatch):
    url = pg_url
    store = MarketStore(url, auto_init=False)
    store.init(datasets=())
    good = tmp_path / "first.csv"
    good.write_text("date,AAA\n2022-01-03,1\n")
    store.ingest_file(good)
    before = store.content_hash()
    killer = sa.create_engine(url)

    def drop_connection(name):
        if name == "inserting":
            with killer.begin() as conn:
                conn.execute(sa.text(
                    "select pg_terminate_backend(pid) from pg_stat_activity where "
                    "datname = current_database() and pid <> pg_backend_pid() and "
                    "state like 'idle in transaction%'"))

    monkeypatch.setattr("qfin.data._store._BATCH", 100)
    monkeypatch.setattr("qfin.data._store.checkpoint", drop_connection)
    big = tmp_path / "second.csv"
    days = pd.bdate_range("2001-01-01", periods=500).strftime("%Y-%m-%d")
    pd.DataFrame({"date": days, "AAA": 2.0, "BBB": 3.0}).to_csv(big, index=False)
    with pytest.raises(DataError, match=r"lost the connection to database postgresql.*Nothing "
                                        r"from this operation was written"):
        store.ingest_file(big, dataset="first")
    killer.dispose()
    assert store.content_hash() == before  # the pool replaces the dropped connection


@pytest.mark.parametrize(("make", "match"), [
    (lambda: sa.exc.IntegrityError("INSERT", {}, Exception(
        "UNIQUE constraint failed: assets.ticker")), "uniqueness violation.*retry"),
    (lambda: sa.exc.OperationalError("INSERT", {}, Exception(
        "database is locked")), r"busy.*for 60 s"),
    (lambda: sa.exc.OperationalError("INSERT", {}, Exception(
        "could not extend file \"base/1/2\": No space left on device")), "out of disk space"),
    (lambda: sa.exc.OperationalError("SELECT", {}, Exception(
        "server closed the connection unexpectedly")), "lost the connection"),
    (lambda: sa.exc.OperationalError("connect", {}, Exception(
        "connection refused")), "lost the connection|cannot open"),
    (lambda: sa.exc.OperationalError("INSERT", {}, Exception(
        "attempt to write a readonly database")), "read-only"),
])
def test_driver_failures_become_one_line_messages(make, match):
    error = translate_db_error(make(), "sqlite:////x.sqlite", "ingesting 'x.csv'", 60.0)
    assert isinstance(error, DataError)
    import re

    assert re.search(match, str(error)) and "\n" not in str(error)


def test_short_truncates_and_counts():
    assert short("abc") == "'abc'"
    text = short("x" * 5000)
    assert len(text) < 80 and "5,000 characters" in text


def test_an_unusable_database_location_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["--db", str(blocker / "sub" / "x.sqlite"), "data", "info"]) == 2
    err = capsys.readouterr().err
    assert "cannot create the database folder" in err and "Traceback" not in err
    assert main(["--db", "postgresql://u:secret@127.0.0.1:1/none", "data", "info"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qfin: error: cannot open database") and "secret" not in err
