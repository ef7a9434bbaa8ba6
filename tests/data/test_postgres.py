"""The PostgreSQL path, against a real server (CI's .ci/run starts one).

Set QFIN_TEST_POSTGRES_URL (e.g. postgresql+psycopg://postgres:qfin@127.0.0.1/qfin_test) to
run these locally; without it they skip with that reason.
"""

from __future__ import annotations

import os

import pandas as pd
import pytest
import sqlalchemy as sa

from qfin.cli import main
from qfin.data import MarketStore
from qfin.data import _schema as schema
from qfin.errors import DataError

pytestmark = pytest.mark.postgres

URL = os.environ.get("QFIN_TEST_POSTGRES_URL")


def _reachable(url: str | None) -> str | None:
    if not url:
        return "QFIN_TEST_POSTGRES_URL is not set (CI's .ci/run starts a PostgreSQL server)"
    try:
        with sa.create_engine(url).connect() as conn:
            conn.execute(sa.text("select 1"))
    except Exception as exc:  # noqa: BLE001
        return f"PostgreSQL at QFIN_TEST_POSTGRES_URL is not reachable: {exc}"
    return None


_skip = _reachable(URL)
if _skip:
    pytestmark = [pytestmark, pytest.mark.skip(reason=_skip)]


@pytest.fixture
def pg_store():
    engine = sa.create_engine(URL)
    schema.metadata.drop_all(engine)
    engine.dispose()
    store = MarketStore(URL)
    yield store
    store.engine.dispose()


def test_postgres_holds_the_sample(pg_store):
    info = pg_store.info()
    assert (info.records, info.tickers, info.dates) == (7320, 20, 366)
    assert (info.first_date, info.last_date) == ("2021-07-19", "2022-12-28")
    MarketStore(URL).init()  # idempotent on a second open
    assert pg_store.info().records == 7320


def test_postgres_and_sqlite_return_identical_prices(pg_store, sample_store):
    pd.testing.assert_frame_equal(pg_store.prices(), sample_store.prices())
    assert pg_store.data_hash() == sample_store.data_hash()


def test_postgres_ingest_upsert_and_rejection(pg_store, tmp_path):
    good = tmp_path / "m.csv"
    good.write_text("date,AAA,BBB\n2022-01-03,10,20\n2022-01-04,11,21\n")
    assert pg_store.ingest_file(good).inserted == 4
    assert pg_store.ingest_file(good).noop
    good.write_text("date,AAA,BBB\n2022-01-04,11.5,21\n2022-01-05,12,22\n")
    report = pg_store.ingest_file(good, dataset="m")
    assert (report.inserted, report.updated, report.unchanged) == (2, 1, 1)
    before = pg_store.prices_long("m")
    bad = tmp_path / "bad.csv"
    bad.write_text("date,AAA,BBB\n2022-01-06,12,nan\n")
    with pytest.raises(DataError, match="line 2, column 'BBB': missing value"):
        pg_store.ingest_file(bad, dataset="m")
    pd.testing.assert_frame_equal(pg_store.prices_long("m"), before)


def test_postgres_results_and_cli(pg_store, capsys):
    run_id = pg_store.record_run("bench:pg", "unit", [{"x": 1.5}], params={"seed": 1})
    assert pg_store.results(run_id=run_id)["x"].tolist() == [1.5]
    assert main(["--db", URL, "data", "info"]) == 0
    out = capsys.readouterr().out
    assert "price records: 7,320" in out
    first_line = out.splitlines()[0]
    assert first_line.startswith("database: postgresql")
    password = sa.engine.make_url(URL).password
    if password:
        assert f":{password}@" not in first_line and ":***@" in first_line
