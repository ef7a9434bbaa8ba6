"""Issue 10.4-10.6 and the all-or-nothing guarantee, on SQLite and PostgreSQL.

Exact CSV round trips, case-sensitive tickers (and sectors), time-zone-aware and intraday
timestamps, and every rejected file leaving the database exactly as it was.
"""

from __future__ import annotations

import gzip
import os
import uuid

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qfin.data import MarketStore
from qfin.errors import DataError

# ---------------------------------------------------------------------- 10.4 exact export


@pytest.fixture(scope="module")
def roundtrip_store(tmp_path_factory):
    store = MarketStore(tmp_path_factory.mktemp("rt") / "s.sqlite", auto_init=False)
    store.init(datasets=())
    yield store
    store.engine.dispose()


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(prices=st.lists(st.floats(min_value=1e-8, max_value=1e6, allow_nan=False,
                                 allow_infinity=False), min_size=2, max_size=40),
       layout=st.sampled_from(["long", "wide"]))
def test_csv_export_then_ingest_is_a_noop_for_any_price(roundtrip_store, tmp_path_factory,
                                                        prices, layout):
    store, folder = roundtrip_store, tmp_path_factory.mktemp("out")
    dataset = f"x{uuid.uuid4().hex[:8]}"
    days = pd.bdate_range("2022-01-03", periods=len(prices))
    frame = pd.DataFrame({"date": [days[i // 2] for i in range(len(prices))],
                          "ticker": ["AAA", "BBB"] * (len(prices) // 2)
                          + ["AAA"] * (len(prices) % 2), "close": prices})
    store.ingest(frame, dataset=dataset)
    before = store.prices_long(dataset)
    path = store.export(folder / "out.csv", dataset=dataset, layout=layout)
    report = store.ingest_file(path, dataset=dataset, allow_missing=layout == "wide")
    assert report.noop, report.summary()
    after = store.prices_long(dataset)
    assert after["close"].to_numpy().tobytes() == before["close"].to_numpy().tobytes()
    assert sorted(after["close"]) == sorted(prices)


@pytest.mark.parametrize("suffix", [".csv.gz", ".parquet"])
def test_compressed_and_parquet_exports_roundtrip_too(roundtrip_store, tmp_path, suffix):
    frame = pd.DataFrame({"date": ["2022-01-03", "2022-01-04", "2022-01-05"], "ticker": "T",
                          "close": [1e-8, 0.1 + 0.2, 999_999.999999999]})
    dataset = f"y{suffix.replace('.', '')}"
    roundtrip_store.ingest(frame, dataset=dataset)
    path = roundtrip_store.export(tmp_path / f"out{suffix}", dataset=dataset)
    assert roundtrip_store.ingest_file(path, dataset=dataset).noop
    assert roundtrip_store.prices_long(dataset)["close"].tolist() == frame["close"].tolist()


def test_tiny_prices_survive_the_csv_export(fresh_store, tmp_path):
    frame = pd.DataFrame({"date": ["2022-01-03", "2022-01-04"], "ticker": "PENNY",
                          "close": [0.00003312, 0.00000041]})
    fresh_store.ingest(frame, dataset="penny")
    path = fresh_store.export(tmp_path / "penny.csv", dataset="penny")
    assert "3.312e-05" in path.read_text() and "4.1e-07" in path.read_text()
    assert fresh_store.ingest_file(path, dataset="penny").noop


# ---------------------------------------------------------------------- 10.5 case


def test_ticker_lookup_is_case_sensitive(any_store):
    frame = pd.DataFrame({"date": ["2022-01-03", "2022-01-04"] * 2,
                          "ticker": ["SPC", "SPC", "spc", "spc"],
                          "close": [10.0, 11.0, 50.0, 40.0]})
    any_store.ingest(frame, dataset="case")
    lower = any_store.prices(["spc"], dataset="case")
    assert list(lower.columns) == ["spc"] and lower["spc"].tolist() == [50.0, 40.0]
    upper = any_store.prices(["SPC"], dataset="case")
    assert upper["SPC"].tolist() == [10.0, 11.0]
    with pytest.raises(DataError, match=r"unknown ticker\(s\) Spc"):
        any_store.prices(["Spc"], dataset="case")


def test_lowercase_ticker_is_not_silently_upper_cased(sample_store):
    with pytest.raises(DataError, match=r"unknown ticker\(s\) aapl"):
        sample_store.prices(["aapl"])


def test_sector_lookup_prefers_the_exact_label(fresh_store):
    assets = pd.DataFrame({"ticker": ["E1", "E2"], "name": ["a", "b"],
                           "sector": ["Energy", "energy"]})
    frame = pd.DataFrame({"date": ["2022-01-03", "2022-01-04"] * 2,
                          "ticker": ["E1", "E1", "E2", "E2"], "close": [1.0, 2.0, 3.0, 4.0]})
    fresh_store.ingest(frame, dataset="sectors", assets=assets)
    assert list(fresh_store.prices(dataset="sectors", sectors=["energy"]).columns) == ["E2"]
    assert list(fresh_store.prices(dataset="sectors", sectors=["Energy"]).columns) == ["E1"]
    with pytest.raises(DataError, match="matches .*except for case"):
        fresh_store.prices(dataset="sectors", sectors=["ENERGY"])
    # With one spelling only, another case still finds it (the sample's "energy" test).
    assert list(fresh_store.prices(dataset="sample", sectors=["health care"]).columns)


# ---------------------------------------------------------------------- 10.6 time zones


YFINANCE = ("Date,SPY\n"
            "2022-03-10 00:00:00-05:00,425.48\n"
            "2022-03-11 00:00:00-05:00,420.07\n"
            "2022-03-14 00:00:00-04:00,417.00\n"  # after the change to daylight saving
            "2022-03-15 00:00:00-04:00,426.17\n")


def test_yfinance_offsets_across_daylight_saving(any_store, tmp_path):
    path = tmp_path / "spy.csv"
    path.write_text(YFINANCE)
    report = any_store.ingest_file(path)
    assert report.inserted == 4 and "YYYY-MM-DD" in report.date_format
    stored = any_store.prices_long("spy")
    assert [d.date().isoformat() for d in stored["date"]] == [
        "2022-03-10", "2022-03-11", "2022-03-14", "2022-03-15"]
    assert any_store.ingest_file(path).noop
    exported = any_store.export(tmp_path / "back.csv", dataset="spy")
    assert any_store.ingest_file(exported, dataset="spy").noop


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Tokyo", "UTC"])
def test_tz_aware_parquet_keeps_local_dates_and_reingests_as_noop(any_store, tmp_path, zone):
    local = pd.date_range("2022-03-09 16:00", periods=6, freq="B", tz=zone)
    frame = pd.DataFrame({"date": local, "ticker": "TZ", "close": np.arange(1.0, 7.0)})
    path = tmp_path / "tz.parquet"
    frame.to_parquet(path)
    report = any_store.ingest_file(path)
    assert report.inserted == 6 and zone in report.date_format
    stored = any_store.prices_long("tz")["date"].dt.date.tolist()
    assert stored == [d.date() for d in local]
    assert any_store.ingest_file(path).noop
    # The same closes as tz-aware Python objects in a frame, and as text.
    assert any_store.ingest(frame, dataset="tz").noop
    text = frame.assign(date=frame["date"].map(lambda t: t.isoformat()))
    assert any_store.ingest(text, dataset="tz").noop


def test_intraday_file_reingests_as_noop(any_store, tmp_path):
    path = tmp_path / "intra.csv"
    path.write_text("date,ticker,close\n2022-01-03 16:00:00,AAA,1.5\n"
                    "2022-01-04 16:00:00,AAA,1.25\n")
    assert any_store.ingest_file(path).inserted == 2
    assert any_store.ingest_file(path).noop
    frame = pd.read_csv(path, parse_dates=["date"])
    frame.to_parquet(tmp_path / "intra.parquet")
    assert any_store.ingest_file(tmp_path / "intra.parquet", dataset="intra").noop


def test_two_timestamps_on_one_day_are_a_duplicate_key(any_store, tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("date,ticker,close\n2022-01-03,AAA,10\n2022-01-03 15:30,AAA,11\n")
    with pytest.raises(DataError, match=r"line 2 and line 3: duplicate key \(date=2022-01-03, "
                                        r"ticker=AAA\); 2 timestamps on one day"):
        any_store.ingest_file(path)
    frame = pd.DataFrame({"date": pd.to_datetime(["2022-01-03 00:00", "2022-01-03 15:30"]),
                          "ticker": "AAA", "close": [10.0, 11.0]})
    frame.to_parquet(tmp_path / "two.parquet")
    with pytest.raises(DataError, match=r"row 1 and row 2: duplicate key.*timestamps on one"):
        any_store.ingest_file(tmp_path / "two.parquet")


@pytest.mark.parametrize(("cell", "match"), [
    ("2022-01-03 25:00", "time of day out of range"),
    ("2022-01-03 10:00:00+19:00", "UTC offset out of range"),
    ("2022-01-03 10:00 Mars/Olympus", "unknown time zone"),
    ("2022-01-03 10h00", "other dates are YYYY-MM-DD"),
])
def test_bad_timestamps_are_per_line_errors(tmp_path, cell, match, fresh_store):
    path = tmp_path / "bad.csv"
    path.write_text(f"date,ticker,close\n2022-01-04 10:00,AAA,1\n{cell},AAA,2\n")
    with pytest.raises(DataError, match=rf"line 3, column 'date': unparseable date.*{match}"):
        fresh_store.ingest_file(path)


# ---------------------------------------------------------------------- all or nothing


def _gzip_bomb(path, size=64 << 20):
    with gzip.open(path, "wb", compresslevel=1) as f:
        block = b"\0" * (1 << 20)
        for _ in range(size >> 20):
            f.write(block)


def _make(tmp_path, name, content):
    path = tmp_path / name
    if callable(content):
        content(path)
    else:
        path.write_text(content)
    return path


REJECTED = {
    "ambiguous_dates": ("eu.csv", "date,ticker,close\n03.01.2022,AAA,1\n04.01.2022,AAA,2\n",
                        {}, "more than one format"),
    "mixed_formats": ("mix.csv", "date,ticker,close\n2022-01-03,AAA,1\n13/01/2022,AAA,2\n",
                      {}, "unparseable date '13/01/2022'"),
    "two_timestamps": ("ts.csv", "date,ticker,close\n2022-01-03,AAA,1\n2022-01-03 15:30,AAA,2\n",
                       {}, "duplicate key"),
    "bad_offset": ("tz.csv", "date,ticker,close\n2022-01-03 00:00:00-25:00,AAA,1\n", {},
                   "UTC offset"),
    "return_le_minus_one": ("r.csv", "date,AAA\n2022-01-03,0.1\n2022-01-10,-1.0\n",
                            {"values": "returns"}, r"return -1; a simple return must be > -1"),
    "returns_gap": ("g.csv", "date,ticker,close\n2022-01-03,A,0.1\n2022-01-03,B,0.1\n"
                    "2022-01-10,B,0.1\n2022-01-17,A,0.1\n2022-01-17,B,0.1\n",
                    {"values": "returns"}, "skip 2022-01-10"),
    "steps_without_start": ("w.csv", "DJ,S1\nT1,0.1\nT2,0.2\n", {"values": "returns"},
                            "pass --start"),
    "index_not_in_file": ("i.csv", "date,AAA\n2022-01-03,1\n", {"index_tickers": ["Index"]},
                          "not in"),
    "long_ticker": ("t.csv", "date,ticker,close\n2022-01-03," + "X" * 100_000 + ",1\n", {},
                    r"invalid ticker 'XXXX.*…' \(100,000 characters\)"),
    "row_cap": ("big.csv", "date,ticker,close\n" + "".join(
        f"2022-01-{d:02d},AAA,1\n" for d in range(1, 29)), {"max_rows": 10},
        "more than 10 rows"),
    "byte_cap": ("b.csv", "date,ticker,close\n" + "2022-01-03,AAA,1\n" * 200,
                 {"max_bytes": 1000}, "more than 1,000 bytes"),
    "gzip_bomb": ("bomb.csv.gz", _gzip_bomb, {}, "a line longer than 8 MiB"),
    "fifo": ("pipe.csv", lambda p: os.mkfifo(p), {}, r"named pipe \(FIFO\)"),
    "dev_zero": ("zero.csv", lambda p: os.symlink("/dev/zero", p), {},
                 "symlink to a character device"),
    "directory": ("folder.csv", lambda p: p.mkdir(), {}, "directory"),
    "binary": ("bin.csv", lambda p: p.write_bytes(bytes(range(256)) * 10), {},
               "cannot|unknown|layout"),
}


@pytest.mark.parametrize("case", sorted(REJECTED))
def test_every_rejected_file_leaves_the_store_as_it_was(any_store, tmp_path, case):
    if case == "fifo" and not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    good = tmp_path / "good.csv"
    good.write_text("date,AAA,BBB\n2022-01-03,10,20\n2022-01-04,11,21\n")
    any_store.ingest_file(good, dataset="keep", index_tickers=["BBB"])
    before = any_store.content_hash()
    name, content, kwargs, match = REJECTED[case]
    path = _make(tmp_path, name, content)
    with pytest.raises(DataError, match=match) as info:
        any_store.ingest_file(path, dataset="keep", **kwargs)
    assert len(str(info.value)) < 4000
    assert any_store.content_hash() == before
    assert any_store.prices(dataset="keep").shape == (2, 1)


def test_dataset_mismatches_are_refused_and_change_nothing(any_store, tmp_path):
    weekly = tmp_path / "weekly.csv"
    weekly.write_text("date,AAA\n2022-01-07,1\n2022-01-14,2\n2022-01-21,3\n")
    any_store.ingest_file(weekly)
    before = any_store.content_hash()
    daily = tmp_path / "daily.csv"
    daily.write_text("date,AAA\n2022-02-01,1\n2022-02-02,2\n2022-02-03,3\n")
    with pytest.raises(DataError, match="holds weekly data"):
        any_store.ingest_file(daily, dataset="weekly")
    returns = tmp_path / "rets.csv"
    returns.write_text("date,AAA\n2022-02-04,0.01\n2022-02-11,0.02\n")
    with pytest.raises(DataError, match="built from prices files"):
        any_store.ingest_file(returns, dataset="weekly", values="returns")
    assert any_store.content_hash() == before
