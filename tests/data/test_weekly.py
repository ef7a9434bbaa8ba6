"""Issue 13.2: returns files, step-labelled weekly rows, frequencies and index series.

The fixtures are written here in the format of the weekly universes (first row: the
dataset's name then the asset labels; first column: step labels T1, T2, ...); the tests never
read the shared originals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qfin.cli import main
from qfin.data import covariance, mean_returns
from qfin.errors import DataError


def _weekly_returns(path, n_assets=4, steps=60, seed=3, name="DowJones"):
    rng = np.random.default_rng(seed)
    values = rng.normal(0.002, 0.03, size=(steps, n_assets))
    frame = pd.DataFrame(values, columns=[f"S{i + 1}" for i in range(n_assets)])
    frame.insert(0, name, [f"T{k + 1}" for k in range(steps)])
    frame.to_csv(path, index=False, float_format="%.15g")
    return frame.set_index(name)


def _weekly_prices_with_index(path, n_assets=5, steps=40, seed=4):
    rng = np.random.default_rng(seed)
    growth = np.exp(np.cumsum(rng.normal(0.001, 0.02, size=(steps, n_assets + 1)), axis=0))
    prices = np.round(growth * np.r_[700.0, rng.uniform(5, 60, n_assets)], 2)
    frame = pd.DataFrame(prices, columns=["Index"] + [f"S{i + 1}" for i in range(n_assets)])
    frame.insert(0, "INDTRACK6", [f"T{k + 1}" for k in range(steps)])
    frame.to_csv(path, index=False)
    return frame.set_index("INDTRACK6")


def test_cli_ingests_a_weekly_returns_file_and_annualises_with_52(tmp_path, capsys):
    db = tmp_path / "w.sqlite"
    path = tmp_path / "timeseries.csv"
    original = _weekly_returns(path)
    args = ["--db", str(db), "data", "ingest", str(path), "--dataset", "dowjones",
            "--values", "returns", "--start", "1990-02-02", "--frequency", "weekly"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "step labels T1..T60 on a weekly calendar, T1 = 1990-02-02" in out
    assert "weekly (52 periods per year" in out and "60 new" not in out
    assert main(args) == 0
    assert "no-op" in capsys.readouterr().out

    from qfin.data import MarketStore

    store = MarketStore(db)
    rets = store.returns(dataset="dowjones")
    assert rets.shape == (60, 4)
    assert rets.index[0] == pd.Timestamp("1990-02-02")
    assert rets.index[-1] == pd.Timestamp("1990-02-02") + pd.Timedelta(weeks=59)
    np.testing.assert_allclose(rets.to_numpy(), original.to_numpy(), rtol=0, atol=1e-14)
    assert store.periods_per_year("dowjones") == 52.0
    assert rets.attrs["periods_per_year"] == 52.0 and rets.attrs["frequency"] == "weekly"
    np.testing.assert_allclose(mean_returns(rets, periods_per_year="auto"),
                               original.mean().to_numpy() * 52, rtol=1e-10)
    np.testing.assert_allclose(covariance(rets, periods_per_year="auto"),
                               original.cov().to_numpy() * 52, rtol=1e-10)
    info = store.info("dowjones")
    assert info.periods_per_year == 52.0 and info.values == "returns"
    np.testing.assert_allclose(info.per_asset["ann_return"], original.mean() * 52, rtol=1e-10)
    assert main(["--db", str(db), "data", "info", "--dataset", "dowjones"]) == 0
    assert "mean x 52, std x sqrt(52)" in capsys.readouterr().out


def test_portfolio_problem_annualises_weekly_data_with_52(tmp_path):
    from qfin.data import MarketStore
    from qfin.portfolio import PortfolioProblem

    store = MarketStore(tmp_path / "p.sqlite")
    original = _weekly_returns(tmp_path / "w.csv", n_assets=5)
    store.ingest_file(tmp_path / "w.csv", dataset="nasdaq", values="returns",
                      start="2004-11-05", frequency="weekly")
    problem = PortfolioProblem.from_store(store=store, dataset="nasdaq")
    np.testing.assert_allclose(problem.mu, original.mean().to_numpy() * 52, rtol=1e-10)
    np.testing.assert_allclose(problem.cov, original.cov().to_numpy() * 52, rtol=1e-10)
    daily = PortfolioProblem.from_store(["AAPL", "KO"], store=store)
    rets = store.returns(["AAPL", "KO"])
    np.testing.assert_allclose(daily.mu, rets.mean().to_numpy() * 252, rtol=1e-10)


def test_index_column_is_kept_marked_and_left_out_of_universes(tmp_path):
    from qfin.data import MarketStore

    store = MarketStore(tmp_path / "i.sqlite")
    original = _weekly_prices_with_index(tmp_path / "ind.csv")
    report = store.ingest_file(tmp_path / "ind.csv", dataset="indtrack6", start="1991-03-01",
                               frequency="weekly", index_tickers=["Index"])
    assert report.index_tickers == ("Index",)
    assert list(store.prices(dataset="indtrack6").columns) == [f"S{i}" for i in range(1, 6)]
    assert "Index" in store.prices(dataset="indtrack6", include_index=True).columns
    assert store.index_tickers("indtrack6") == ["Index"]
    bench = store.benchmark_returns("indtrack6")
    expected = original["Index"].pct_change().dropna().to_numpy()
    np.testing.assert_allclose(bench.to_numpy(), expected, rtol=1e-12)
    assert bench.attrs["periods_per_year"] == 52.0
    assert store.benchmark_prices("indtrack6").iloc[0] == original["Index"].iloc[0]
    roles = store.assets("indtrack6").set_index("ticker")["role"]
    assert roles["Index"] == "index" and roles["S1"] == "asset"
    assert store.info("indtrack6").per_asset.loc["Index", "role"] == "index"
    with pytest.raises(DataError, match="has no index series"):
        store.benchmark_prices("sample")


def test_a_return_at_or_below_minus_one_is_refused(tmp_path, capsys):
    db = tmp_path / "r.sqlite"
    path = tmp_path / "bad.csv"
    path.write_text("NASDAQ100,S1,S2\nT1,0.01,0.02\nT2,-1.0,0.01\nT3,0.02,-1.5\n")
    capsys.readouterr()
    assert main(["--db", str(db), "data", "ingest", str(path), "--values", "returns",
                 "--start", "2004-11-05", "--frequency", "weekly"]) == 2
    err = capsys.readouterr().err
    assert "line 3, column 'S1': return -1; a simple return must be > -1" in err
    assert "line 4, column 'S2': return -1.5; a simple return must be > -1" in err
    from qfin.data import MarketStore

    assert "bad" not in MarketStore(db).dataset_names()


def test_returns_continue_from_the_stored_index(fresh_store, tmp_path):
    first = tmp_path / "a.csv"
    first.write_text("week,S1\nT1,0.10\nT2,-0.05\n")
    fresh_store.ingest_file(first, dataset="chain", values="returns", start="2020-01-03",
                            frequency="weekly")
    second = tmp_path / "b.csv"
    second.write_text("week,S1\nT3,0.20\nT4,0.01\n")
    report = fresh_store.ingest_file(second, dataset="chain", values="returns",
                                     start="2020-01-03", frequency="weekly")
    assert report.inserted == 2 and report.unchanged == 1  # T2's level is the new base
    rets = fresh_store.returns(dataset="chain")["S1"].tolist()
    np.testing.assert_allclose(rets, [0.10, -0.05, 0.20, 0.01], rtol=1e-13)
    detached = tmp_path / "c.csv"
    detached.write_text("week,S1\nT9,0.01\n")
    with pytest.raises(DataError, match="cannot be joined to the prices already in dataset"):
        fresh_store.ingest_file(detached, dataset="chain", values="returns",
                                start="2020-01-03", frequency="weekly")


def test_dated_weekly_files_get_their_frequency_from_the_dates(fresh_store, tmp_path):
    path = tmp_path / "fridays.csv"
    days = pd.date_range("2021-01-01", periods=30, freq="W-FRI")
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "AAA": np.linspace(10, 20, 30)}).to_csv(
        path, index=False)
    report = fresh_store.ingest_file(path)
    assert report.frequency == "weekly" and report.periods_per_year == 52.0
    assert fresh_store.periods_per_year("fridays") == 52.0
    monthly = tmp_path / "monthly.csv"
    pd.DataFrame({"date": pd.date_range("2020-01-31", periods=12, freq="ME")
                  .strftime("%Y-%m-%d"), "AAA": np.arange(1.0, 13.0)}).to_csv(monthly,
                                                                             index=False)
    assert fresh_store.ingest_file(monthly).periods_per_year == 12.0
    custom = fresh_store.ingest_file(path, dataset="crypto", periods_per_year=365)
    assert fresh_store.periods_per_year("crypto") == 365.0 and custom.inserted == 30


def test_step_labels_on_other_calendars(fresh_store, tmp_path):
    path = tmp_path / "steps.csv"
    path.write_text("step,AAA\nT1,1\nT2,2\nT3,3\n")
    fresh_store.ingest_file(path, dataset="bd", start="2022-01-07", frequency="daily")
    days = fresh_store.prices(dataset="bd").index.strftime("%Y-%m-%d").tolist()
    assert days == ["2022-01-07", "2022-01-10", "2022-01-11"]  # business days
    fresh_store.ingest_file(path, dataset="mo", start="2022-01-31", frequency="monthly")
    days = fresh_store.prices(dataset="mo").index.strftime("%Y-%m-%d").tolist()
    assert days == ["2022-01-31", "2022-02-28", "2022-03-31"]


@pytest.mark.parametrize(("content", "kwargs", "match"), [
    ("DJ,S1\nT1,0.1\n", {"values": "returns", "start": "1990-02-02"}, "need --frequency"),
    ("date,S1\n2022-01-03,1\n", {"start": "1990-02-02", "frequency": "weekly"},
     "--start applies to step-labelled rows only"),
    ("DJ,S1\nT1,0.1\n", {"values": "percent"}, "values must be"),
    ("DJ,S1\nT1,0.1\n", {"frequency": "hourly"}, "frequency must be one of"),
    ("DJ,S1\nT1,0.1\n", {"start": "not a date", "frequency": "weekly"}, "start must be a date"),
    ("date,S1\n2022-01-03,0.1\n", {"values": "returns"}, "need --frequency|--frequency"),
])
def test_bad_weekly_options(fresh_store, tmp_path, content, kwargs, match):
    path = tmp_path / "x.csv"
    path.write_text(content)
    before = fresh_store.content_hash()
    with pytest.raises(DataError, match=match):
        fresh_store.ingest_file(path, **kwargs)
    assert fresh_store.content_hash() == before


@pytest.mark.parametrize(("name", "options"), [
    ("NASDAQ100", {"values": "returns", "start": "2004-11-05"}),
    ("INDTRACK6", {"start": "1991-03-01", "index_tickers": ["Index"]}),
])
def test_shipped_weekly_universes_match_their_loader(fresh_store, name, options):
    """The shipped files (data/weekly) through the store give qfin.datasets' returns."""
    from qfin.data import shipped_data_dir
    from qfin.datasets import load_weekly

    path = shipped_data_dir() / "weekly" / name / "timeseries.csv"
    fresh_store.ingest_file(path, dataset=name.lower(), frequency="weekly", **options)
    universe = load_weekly(name)
    rets = fresh_store.returns(universe.labels, dataset=name.lower())
    np.testing.assert_allclose(rets.to_numpy(), universe.returns.to_numpy(), rtol=0,
                               atol=1e-15)
    assert sorted(fresh_store.returns(dataset=name.lower()).columns) == sorted(universe.labels)
    assert fresh_store.periods_per_year(name.lower()) == 52.0
    if universe.index_returns is not None:
        np.testing.assert_allclose(fresh_store.benchmark_returns(name.lower()).to_numpy(),
                                   universe.index_returns.to_numpy(), rtol=0, atol=1e-15)
