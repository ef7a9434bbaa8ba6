from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qfin.cli import main
from qfin.data import MarketStore, read_price_file
from qfin.errors import DataError


def _other_market_wide(path: Path, n_days: int = 30, seed: int = 1) -> Path:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2020-01-01", periods=n_days)
    prices = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, size=(n_days, 3)), axis=0))
    frame = pd.DataFrame(prices, columns=["SAP.DE", "SIE.DE", "ALV.DE"])
    frame.insert(0, "date", dates.strftime("%Y-%m-%d"))
    frame.to_csv(path, index=False)
    return path


def _snapshot(store: MarketStore) -> list[tuple]:
    with store.engine.connect() as conn:
        from sqlalchemy import text

        return {
            table: conn.execute(text(f"select * from {table} order by 1, 2")).all()
            for table in ("datasets", "assets", "prices")
        }


def test_ingest_wide_csv_of_another_market(fresh_store, tmp_path):
    path = _other_market_wide(tmp_path / "dax.csv")
    report = fresh_store.ingest_file(path)
    assert report.dataset == "dax" and report.layout == "wide"
    assert (report.records, report.inserted, report.updated) == (90, 90, 0)
    assert set(report.new_tickers) == {"SAP.DE", "SIE.DE", "ALV.DE"}
    prices = fresh_store.prices(dataset="dax")
    assert prices.shape == (30, 3)
    assert fresh_store.info().records == 7320  # the sample is untouched


def test_reingest_is_a_noop_and_overlap_is_an_upsert(fresh_store, tmp_path):
    path = _other_market_wide(tmp_path / "dax.csv")
    fresh_store.ingest_file(path)
    again = fresh_store.ingest_file(path)
    assert again.noop and "no-op" in again.summary()
    frame = pd.read_csv(path)
    frame.loc[frame.index[-1], "SAP.DE"] *= 1.01
    extra = frame.iloc[[-1]].copy()
    extra["date"] = "2020-03-02"
    pd.concat([frame.iloc[-5:], extra]).to_csv(tmp_path / "dax2.csv", index=False)
    report = fresh_store.ingest_file(tmp_path / "dax2.csv", dataset="dax")
    assert (report.inserted, report.updated, report.unchanged) == (3, 1, 14)
    assert "upsert" in report.summary()
    stored = fresh_store.prices(["SAP.DE"], dataset="dax")
    assert stored["SAP.DE"].iloc[-2] == pytest.approx(frame["SAP.DE"].iloc[-1])


def test_ingest_long_parquet_and_gzipped_csv(fresh_store, tmp_path, sample_csv):
    long = pd.read_csv(sample_csv)
    subset = long[long["ticker"].isin(["AAPL", "KO"])]
    subset.to_parquet(tmp_path / "two.parquet", index=False)
    report = fresh_store.ingest_file(tmp_path / "two.parquet", dataset="two")
    assert report.records == 732 and report.layout == "long"
    with open(sample_csv, "rb") as src, gzip.open(tmp_path / "copy.csv.gz", "wb") as dst:
        shutil.copyfileobj(src, dst)
    report = fresh_store.ingest_file(tmp_path / "copy.csv.gz", dataset="sample")
    assert report.noop


def test_ingest_wide_parquet(fresh_store, tmp_path):
    csv = _other_market_wide(tmp_path / "m.csv")
    pd.read_csv(csv).to_parquet(tmp_path / "m.parquet", index=False)
    assert fresh_store.ingest_file(tmp_path / "m.parquet").records == 90


BAD_FILES = {
    "nan": ("date,ticker,close\n2022-01-03,AAA,10\n2022-01-04,AAA,NaN\n",
            r"line 3, column 'close': missing value"),
    "empty_value": ("date,ticker,close\n2022-01-03,AAA,10\n2022-01-04,AAA,\n",
                    r"line 3, column 'close': missing value"),
    "negative": ("date,ticker,close\n2022-01-03,AAA,10\n2022-01-04,AAA,-5\n",
                 r"line 3, column 'close': non-positive price -5"),
    "zero": ("date,ticker,close\n2022-01-03,AAA,0\n", r"line 2, column 'close': non-positive"),
    "non_numeric": ("date,ticker,close\n2022-01-03,AAA,ten\n",
                    r"line 2, column 'close': non-numeric value 'ten'"),
    "duplicate": ("date,ticker,close\n2022-01-03,AAA,10\n2022-01-04,AAA,11\n2022-01-03,AAA,12\n",
                  r"line 2 and line 4: duplicate key \(date=2022-01-03, ticker=AAA\)"),
    "bad_date": ("date,ticker,close\n2022-13-45,AAA,10\n",
                 r"line 2, column 'date': unparseable date '2022-13-45'"),
    "missing_date": ("date,ticker,close\n,AAA,10\n", r"line 2, column 'date': missing date"),
    "unknown_column": ("date,ticker,close,volume\n2022-01-03,AAA,10,5\n",
                       r"column 'volume': unknown column"),
    "wide_nan": ("date,AAA,BBB\n2022-01-03,10,20\n2022-01-04,11,nan\n",
                 r"line 3, column 'BBB': missing value"),
    "wide_negative": ("date,AAA,BBB\n2022-01-03,10,-20\n",
                      r"line 2, column 'BBB': non-positive price -20"),
    "wide_duplicate_date": ("date,AAA\n2022-01-03,10\n2022-01-03,11\n",
                            r"line 2 and line 3: duplicate date 2022-01-03"),
    "wide_unknown_column": ("date,AAA,Unnamed: 2\n2022-01-03,10,1\n",
                            r"column 'Unnamed: 2': unknown column"),
    "wide_bad_date": ("date,AAA,BBB\nyesterday,10,20\n",
                      r"line 2, column 'date': unparseable date 'yesterday'"),
    "no_layout": ("when,what\n2022-01-03,1\n", "cannot tell the layout"),
    "header_only": ("date,ticker,close\n", "no data rows"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_are_rejected_with_their_place(case, fresh_store, tmp_path):
    content, match = BAD_FILES[case]
    path = tmp_path / f"{case}.csv"
    path.write_text(content)
    before = _snapshot(fresh_store)
    with pytest.raises(DataError, match=match):
        fresh_store.ingest_file(path)
    assert _snapshot(fresh_store) == before


def test_every_problem_is_reported_at_once(tmp_path):
    path = tmp_path / "many.csv"
    path.write_text("date,ticker,close\n2022-01-03,AAA,nan\n2022-01-04,AAA,-1\nxx,AAA,3\n")
    with pytest.raises(DataError) as info:
        read_price_file(path)
    assert len(info.value.problems) == 3
    assert "nothing was written" in str(info.value)


def test_file_errors(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        read_price_file(tmp_path / "missing.csv")
    (tmp_path / "x.xlsx").write_text("x")
    with pytest.raises(DataError, match=r"expected a \.csv"):
        read_price_file(tmp_path / "x.xlsx")


def test_unsorted_and_gapped_files_are_accepted_with_notes(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("date,ticker,close\n2022-01-04,AAA,10\n2022-01-03,AAA,11\n"
                    "2022-01-03,BBB,5\n2022-01-04,BBB,5\n2022-01-05,BBB,6\n2022-01-05,AAA,6\n"
                    "2022-01-06,AAA,6\n2022-01-07,BBB,6\n2022-01-07,AAA,6\n")
    result = read_price_file(path)
    assert result.frame["date"].is_monotonic_increasing
    assert any("not sorted" in w for w in result.warnings)
    assert any("BBB" in w and "1 date" in w for w in result.warnings)


def test_cli_ingest_rejects_with_row_and_leaves_database_unchanged(tmp_path, capsys):
    db = tmp_path / "cli.sqlite"
    assert main(["--db", str(db), "data", "init"]) == 0
    exported_before = tmp_path / "before.csv"
    main(["--db", str(db), "data", "export", str(exported_before)])
    bad = tmp_path / "bad.csv"
    bad.write_text("date,ticker,close\n2022-01-03,AAPL,10\n2022-01-04,AAPL,-3\n")
    capsys.readouterr()
    assert main(["--db", str(db), "data", "ingest", str(bad), "--dataset", "sample"]) == 2
    err = capsys.readouterr().err
    assert "line 3" in err and "non-positive" in err and "Traceback" not in err
    exported_after = tmp_path / "after.csv"
    main(["--db", str(db), "data", "export", str(exported_after)])
    assert exported_before.read_bytes() == exported_after.read_bytes()


def test_cli_ingest_good_file_reports_counts(tmp_path, capsys):
    db = tmp_path / "cli.sqlite"
    path = _other_market_wide(tmp_path / "asx.csv", n_days=10)
    assert main(["--db", str(db), "data", "ingest", str(path)]) == 0
    assert "30 new" in capsys.readouterr().out
    assert main(["--db", str(db), "data", "ingest", str(path)]) == 0
    assert "no-op" in capsys.readouterr().out


def test_allow_missing_skips_empty_cells_of_wide_files(fresh_store, tmp_path):
    path = tmp_path / "ipo.csv"
    path.write_text("date,OLD,NEW\n2022-01-03,10,\n2022-01-04,11,\n2022-01-05,12,5\n")
    with pytest.raises(DataError, match="line 2, column 'NEW': missing value"):
        fresh_store.ingest_file(path)
    report = fresh_store.ingest_file(path, allow_missing=True)
    assert (report.records, report.inserted) == (4, 4)
    assert any("2 empty cell(s) skipped" in w for w in report.warnings)
