from __future__ import annotations

import json
import math

import numpy as np
import pytest

from qfin.cli import main


@pytest.fixture(scope="module")
def db(sample_store):
    return sample_store.url


def _json(capsys, argv):
    code = main(argv)
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)


def test_historical_json_matches_csv(db, capsys, csv_equal_losses):
    payload = _json(capsys, ["--db", db, "var", "--method", "historical", "--confidence", "0.99",
                             "--equal", "--horizon", "1", "--json"])
    losses = np.sort(csv_equal_losses)
    k = math.ceil(0.99 * losses.size)
    assert abs(payload["var"] - losses[k - 1]) <= 1e-12
    assert abs(payload["cvar"] - losses[k - 1:].mean()) <= 1e-12
    assert payload["quantile_method"] == "inverted_cdf"
    assert len(payload["tickers"]) == 20 and sum(payload["weights"]) == pytest.approx(1.0)


def test_normal_and_mc_json(db, capsys, backend_name):
    normal = _json(capsys, ["--db", db, "var", "--method", "normal", "--equal", "--json"])
    mc = _json(capsys, ["--db", db, "var", "--method", "mc", "--equal", "--json", "--seed", "1",
                        "--paths", "1000000", "--backend", backend_name])
    lo, hi = mc["confidence_interval"]
    assert lo <= normal["var"] <= hi
    assert mc["samples"] == 1_000_000 and mc["backend"] == backend_name and mc["seed"] == 1


def test_weights_by_ticker_pairs(db, capsys):
    pairs = _json(capsys, ["--db", db, "var", "--method", "normal", "--tickers", "AAPL", "MSFT",
                           "--weights", "MSFT=0.25", "AAPL=0.75", "--json"])
    ordered = _json(capsys, ["--db", db, "var", "--method", "normal", "--tickers", "AAPL",
                             "MSFT", "--weights", "0.75", "0.25", "--json"])
    assert pairs["var"] == ordered["var"] and pairs["weights"] == [0.75, 0.25]


def test_human_output(db, capsys):
    assert main(["--db", db, "var", "--method", "qmc", "--paths", "4096", "--seed", "2"]) == 0
    out = capsys.readouterr().out
    assert "VaR:" in out and "CVaR:" in out and "samples:" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["--weights", "0.5", "0.6", "--tickers", "AAPL", "MSFT"], "weights must sum to 1"),
    (["--weights", "1", "--tickers", "AAPL", "MSFT"], "one weight per ticker"),
    (["--weights", "AAPL=1", "0", "--tickers", "AAPL", "MSFT"], "a mix"),
    (["--weights", "ZZZ=1", "--tickers", "AAPL", "MSFT"], "not in the universe"),
    (["--weights", "x", "y", "--tickers", "AAPL", "MSFT"], "numbers or TICKER=W"),
    (["--confidence", "1.5"], "confidence must be in"),
    (["--horizon", "0"], "horizon must be >= 1"),
    (["--method", "mc", "--paths", "50"], r"at least 1/\(1 - confidence\) = 100"),
    (["--method", "mc", "--backend", "cupy"], "backend must be one of"),
    (["--method", "normal", "--paths", "100"], "--paths and --seed apply"),
])
def test_cli_errors(db, capsys, argv, message):
    import re

    assert main(["--db", db, "var", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qfin: error:") and re.search(message, err), err
    assert err.count("\n") == 1


def test_leverage_flag(db, capsys):
    payload = _json(capsys, ["--db", db, "var", "--method", "normal", "--tickers", "AAPL", "MSFT",
                             "--weights", "1.0", "0.5", "--allow-leverage", "--json"])
    assert payload["weights"] == [1.0, 0.5]


def test_unknown_method_is_rejected_by_argparse(db, capsys):
    with pytest.raises(SystemExit) as info:
        main(["--db", db, "var", "--method", "garch"])
    assert info.value.code == 2


def test_backtest_cli(db, capsys, tmp_path):
    chart = tmp_path / "chart.html"
    series = tmp_path / "series.csv"
    payload = _json(capsys, ["--db", db, "backtest", "--dataset", "sample", "--window", "150",
                             "--method", "historical", "normal", "--out", str(chart),
                             "--csv", str(series), "--json"])
    assert [m["method"] for m in payload["methods"]] == ["historical", "normal"]
    assert all(0 <= m["kupiec_p_value"] <= 1 for m in payload["methods"])
    assert chart.stat().st_size > 100_000 and "plotly" in chart.read_text()[:200_000].lower()
    assert series.read_text().startswith("date,loss,var_historical")
    assert main(["--db", db, "backtest", "--dataset", "sample", "--window", "50"]) == 2
    assert "window must be at least 100" in capsys.readouterr().err


def test_bench_risk_quick(capsys, tmp_path):
    from qfin.data import MarketStore

    store = MarketStore(tmp_path / "bench.sqlite")  # the benchmark records a run: own database
    out = tmp_path / "risk.csv"
    assert main(["--db", store.url, "bench", "risk", "--quick", "--repeat", "1",
                 "--sizes", "100000", "--memory-paths", "200000", "--out", str(out)]) == 0
    import pandas as pd

    table = pd.read_csv(out)
    assert set(table["section"]) == {"mc_throughput", "peak_memory", "closed_form_latency",
                                     "historical_latency"}
    hist = table[table["section"] == "historical_latency"].set_index("method")
    assert set(hist.index) == {"naive numpy (5 lines)", "qfin historical"}
    assert (hist["latency_us_median"] > 0).all() and (hist["cpu_us_median"] > 0).all()
    assert hist["var"].nunique() == 1  # the same VaR both ways
    assert "same VaR and CVaR: True" in hist.loc["qfin historical", "note"]
    lat = table[table["section"] == "closed_form_latency"]
    assert set(lat["method"]) == {"historical", "normal", "t", "cornish-fisher"}
    assert (lat["runs"] >= 1000).all() and (lat["latency_us_median"] > 0).all()
    mem = table[table["section"] == "peak_memory"].iloc[0]
    assert 0 < mem["peak_rss_mib"] < 2048
    printed = capsys.readouterr().out
    assert "paths_per_second" in printed and "qfin/naive =" in printed
    assert len(store.results(kind="bench:risk")) == len(table)


def test_auto_backend_is_numpy_for_closed_forms(db, capsys):
    payload = _json(capsys, ["--db", db, "var", "--method", "normal", "--backend", "auto",
                             "--json"])
    assert payload["backend"] == "numpy"


def test_amplitude_estimation_methods_dispatch(db, capsys):
    from qfin.cli import cmd_var

    qae_cli = cmd_var._qae_cli()
    if qae_cli is None:
        pytest.skip("qfin.qae._cli is not available")
    method = next(iter(qae_cli.VAR_METHODS))
    payload = _json(capsys, ["--db", db, "var", "--method", method, "--qubits", "6",
                             "--seed", "1", "--json"])
    assert {"var", "cvar"} <= set(payload) and payload["tickers"]
    assert main(["--db", db, "var", "--method", method, "--confidence", "1.2"]) == 2
    assert "confidence must be in" in capsys.readouterr().err
