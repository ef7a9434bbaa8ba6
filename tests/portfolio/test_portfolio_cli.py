"""``qfin optimize`` and ``qfin bench portfolio`` through qfin.cli.main."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from qfin.cli import main
from qfin.data import MarketStore


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli-db") / "q.sqlite"
    MarketStore(path)
    return str(path)


def test_optimize_exact_text(db, capsys):
    assert main(["--db", db, "optimize", "--k", "5", "--method", "exact"]) == 0
    out = capsys.readouterr().out
    assert "objective f(w)" in out and "gap: 0.000e+00" in out and "exact enumeration" in out


def test_optimize_neal_json(db, capsys):
    code = main(["--db", db, "optimize", "--k", "2", "--tickers", "AAPL", "XOM", "KO", "PG",
                 "--method", "neal", "--reads", "50", "--seed", "3", "--json"])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["method"] == "neal" and payload["gap"] == pytest.approx(0.0, abs=1e-12)
    assert len(payload["weights"]) == 2 and payload["metrics"]["num_reads"] == 50
    assert 0 < payload["metrics"]["success_probability"] <= 1


def test_optimize_weights_miqp_and_heuristic(db, capsys):
    assert main(["--db", db, "optimize", "--bits", "2", "--tickers", "AAPL", "XOM", "KO",
                 "--method", "miqp", "--start", "2022-01-01", "--end", "2022-06-30"]) == 0
    out = capsys.readouterr().out
    assert "formulation: weights" in out and "SCIP status: optimal" in out
    assert main(["--db", db, "optimize", "--k", "3", "--method", "heuristic",
                 "--risk-aversion", "1.5"]) == 0
    assert "q: 1.5" in capsys.readouterr().out


@pytest.mark.parametrize("argv, match", [
    (["optimize", "--k", "30"], "1 ≤ K ≤ n_assets = 20; got K = 30"),
    (["optimize", "--k", "2", "--tickers", "AAPL", "NOPE"], "unknown ticker"),
    (["optimize", "--method", "neal"], "cardinality formulation needs cardinality=K"),
    (["optimize", "--k", "2", "--penalty", "huge"], "penalty method must be one of"),
])
def test_optimize_errors_are_one_line(db, capsys, argv, match):
    assert main(["--db", db, *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qfin: error:") and len(err.strip().splitlines()) == 1
    assert re.search(match, err)


def test_bench_portfolio_writes_table_and_store(db, tmp_path, capsys):
    out = tmp_path / "bench.csv"
    code = main(["--db", db, "bench", "portfolio", "--sizes", "20", "--reads", "100",
                 "--methods", "exact", "heuristic", "neal", "--out", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "TTS99" in text or "tts99" in text
    table = pd.read_csv(out)
    assert set(table["method"]) == {"exact", "heuristic", "neal"}
    assert (table["reference_source"] == "exact enumeration").all()
    assert table.loc[table["method"] == "exact", "gap"].iloc[0] == 0
    assert table["feasibility_rate"].between(0, 1).all()
    runs = MarketStore(db).results(kind="bench:portfolio")
    assert len(runs) >= 3


def test_help_texts(capsys):
    for argv in (["optimize", "--help"], ["bench", "portfolio", "--help"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 0
    assert "--sizes" in capsys.readouterr().out
