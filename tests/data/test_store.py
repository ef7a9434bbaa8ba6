from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest

from qfin.data import MarketStore, compute_returns, open_store
from qfin.errors import DataError


def test_sample_database_has_the_7320_records(sample_store):
    info = sample_store.info()
    assert info.records == 7320
    assert info.tickers == 20
    assert info.dates == 366
    assert (info.first_date, info.last_date) == ("2021-07-19", "2022-12-28")
    assert info.missing == 0
    assert set(info.per_asset["sector"]) >= {"Energy", "Health Care", "Financials"}


def test_per_asset_statistics_match_an_independent_computation(sample_store, sample_csv):
    raw = pd.read_csv(sample_csv)
    wide = raw.pivot(index="date", columns="ticker", values="close")
    daily = wide / wide.shift(1) - 1
    info = sample_store.info()
    np.testing.assert_allclose(info.per_asset["ann_return"], daily.mean() * 252, rtol=1e-12)
    np.testing.assert_allclose(info.per_asset["ann_volatility"],
                               daily.std(ddof=1) * np.sqrt(252), rtol=1e-12)


def test_init_is_idempotent(tmp_path):
    path = tmp_path / "db.sqlite"
    first = MarketStore(path)
    first.init()
    MarketStore(path).init()
    assert MarketStore(path).info().records == 7320
    with sqlite3.connect(path) as conn:
        assert conn.execute("select count(*) from prices").fetchone()[0] == 7320
        assert conn.execute("select count(*) from assets").fetchone()[0] == 20


def test_schema_has_primary_keys_and_results_tables(tmp_path):
    path = tmp_path / "db.sqlite"
    MarketStore(path)
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
        assert {"assets", "prices", "datasets", "runs", "results"} <= tables
        pk = [r[1] for r in conn.execute("pragma table_info(prices)") if r[5]]
        assert set(pk) == {"dataset", "date", "ticker"}


def test_default_database_lives_under_qfin_home(_isolated_home):
    store = open_store()
    assert str(_isolated_home) in store.url
    assert store.info().records == 7320


def test_db_url_environment_variable(tmp_path, monkeypatch):
    target = tmp_path / "from-env.sqlite"
    monkeypatch.setenv("QFIN_DB_URL", f"sqlite:///{target}")
    store = open_store()
    assert target.exists()
    assert store.info().records == 7320


def test_prices_are_aligned_and_match_the_csv(sample_store, sample_csv):
    raw = pd.read_csv(sample_csv, parse_dates=["date"])
    expected = raw.pivot(index="date", columns="ticker", values="close")[["MSFT", "AAPL"]]
    got = sample_store.prices(["MSFT", "AAPL"])
    assert list(got.columns) == ["MSFT", "AAPL"]
    np.testing.assert_array_equal(got.to_numpy(), expected.to_numpy())


def test_universe_by_sector_and_window(sample_store):
    prices = sample_store.prices(sectors=["energy"], start="2022-01-01", end="2022-06-30")
    assert sorted(prices.columns) == ["CVX", "RRC", "XOM"]
    assert prices.index.min() >= pd.Timestamp("2022-01-01")
    assert prices.index.max() <= pd.Timestamp("2022-06-30")


def test_returns_simple_and_log(sample_store):
    prices = sample_store.prices(["KO"])
    simple = sample_store.returns(["KO"])
    log = sample_store.returns(["KO"], kind="log")
    p = prices["KO"].to_numpy()
    np.testing.assert_allclose(simple["KO"].to_numpy(), p[1:] / p[:-1] - 1, rtol=1e-14)
    np.testing.assert_allclose(log["KO"].to_numpy(), np.log(p[1:] / p[:-1]), rtol=1e-14)
    assert len(simple) == 365


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"tickers": ["AAPL", "NOPE"]}, "unknown ticker.*NOPE"),
        ({"sectors": ["Utilities"]}, "unknown sector.*Utilities"),
        ({"tickers": ["AAPL"], "start": "2030-01-01"}, "no prices"),
        ({"tickers": ["AAPL"], "start": "2022-12-28"}, "at least"),
        ({"tickers": ["AAPL"], "start": "2022-06-01", "end": "2022-01-01"}, "after end"),
        ({"tickers": ["AAPL"], "start": "not a date"}, "start must be a date"),
        ({"tickers": ["AAPL", "AAPL"]}, "distinct"),
        ({"dataset": "nope"}, "unknown dataset 'nope'"),
    ],
)
def test_bad_universe_requests(sample_store, kwargs, match):
    tickers = kwargs.pop("tickers", None)
    with pytest.raises(DataError, match=match):
        sample_store.prices(tickers, **kwargs)


def test_compute_returns_rejects_bad_prices():
    with pytest.raises(DataError, match="kind must be"):
        compute_returns(pd.DataFrame({"A": [1.0, 2.0]}), kind="weird")
    with pytest.raises(DataError, match="missing values"):
        compute_returns(pd.DataFrame({"A": [1.0, np.nan, 2.0]}))
    with pytest.raises(DataError, match="positive"):
        compute_returns(pd.DataFrame({"A": [1.0, -2.0]}))
    with pytest.raises(DataError, match="at least 2"):
        compute_returns(pd.DataFrame({"A": [1.0]}))


def test_full_history_is_a_second_dataset(fresh_store):
    fresh_store.ensure_dataset("full")
    table = fresh_store.datasets().set_index("dataset")
    assert table.loc["full", "records"] == 166_260
    assert table.loc["full", "dates"] == 8313
    assert table.loc["sample", "records"] == 7320
    assert fresh_store.info().records == 7320


def test_results_roundtrip(fresh_store):
    rows = pd.DataFrame({"method": ["a", "b"], "gap": [0.0, np.inf],
                         "p": [np.float32(0.5), np.nan]})
    run_id = fresh_store.record_run("bench:test", "unit", rows, params={"seed": 7},
                                    environment={"backend": "numpy"})
    back = fresh_store.results(kind="bench:test")
    assert list(back["method"]) == ["a", "b"]
    assert back.loc[0, "gap"] == 0.0 and back.loc[1, "gap"] == "inf"
    assert back.loc[0, "p"] == 0.5 and pd.isna(back.loc[1, "p"])
    runs = fresh_store.runs("bench:test")
    assert runs.loc[0, "run_id"] == run_id and runs.loc[0, "params"] == {"seed": 7}


def test_data_hash_is_stable(sample_store, fresh_store):
    assert sample_store.data_hash() == fresh_store.data_hash()


def test_export_roundtrips(sample_store, tmp_path):
    out = sample_store.export(tmp_path / "wide.parquet", layout="wide")
    frame = pd.read_parquet(out)
    assert frame.shape == (366, 21)
    with pytest.raises(DataError, match="must end in"):
        sample_store.export(tmp_path / "x.xlsx")


def test_result_rows_may_reuse_run_column_names(fresh_store):
    fresh_store.record_run("bench:a", "first", [{"name": "iterative", "kind": "x", "v": 1}])
    fresh_store.record_run("bench:b", "second", [{"name": "canonical", "v": 2}])
    both = pd.concat([fresh_store.results("bench:a"), fresh_store.results("bench:b")],
                     ignore_index=True)
    assert both.columns.is_unique
    assert list(both["name"]) == ["first", "second"]
    assert list(both["row_name"]) == ["iterative", "canonical"]
    assert both.loc[0, "row_kind"] == "x" and both.loc[0, "kind"] == "bench:a"
