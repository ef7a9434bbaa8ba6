"""``qfin bench ccef``: what it prints equals the JSON re-scored from its weights alone."""

from __future__ import annotations

import json
import re

import pytest

from qfin.bench._ccef_reference import published_figures
from qfin.cli import main
from qfin.datasets import load_orlib
from qfin.portfolio import rescore_frontier


def test_published_table_has_sources():
    table = published_figures(1).set_index("method")
    assert table.loc["GA", "mean_error"] == pytest.approx(1.0974)
    assert table.loc["GA", "vre"] == pytest.approx(1.6441)
    assert table.loc["PSO (Deng et al. 2012)", "mean_error"] == pytest.approx(1.0953)
    assert table["source"].str.len().min() > 20
    assert published_figures(5)["mean_error"].isna().all()  # no port5 mean % error quoted


@pytest.mark.slow
def test_bench_ccef_json_rescores_to_the_printed_errors(tmp_path, capsys):
    out = tmp_path / "ccef.json"
    code = main(["--db", str(tmp_path / "q.sqlite"), "bench", "ccef", "--instance", "1",
                 "--points", "3", "--time-limit", "10", "--json", str(out),
                 "--out", str(tmp_path / "ccef.csv")])
    assert code == 0
    printed = capsys.readouterr().out
    assert "port1 verdict: lowest mean % error (a)" in printed and "GA" in printed
    assert re.search(r"^port1 best non-exact method \(\S+\) vs the exact frontier: 3/3 "
                     r"SCIP-proven points matched within 1e-06 relative", printed, re.M)
    assert "MET" not in printed
    payload = json.loads(out.read_text())
    inst = load_orlib(1)
    entry = payload["instances"][0]
    assert entry["instance"] == "port1" and entry["labels"] == inst.labels
    # one flat list of per-method objects, each complete on its own (docs/ccef.md)
    assert {m["method"] for m in payload["methods"]} == {"miqp", "heuristic", "qubo-hybrid",
                                                         "polish-only"}
    assert {m["instance"] for m in payload["methods"]} == {"port1"}
    for method in payload["methods"]:
        again = rescore_frontier(method, inst.mu, inst.cov, inst.uef, labels=inst.labels, k=10,
                                 min_weight=0.01, max_weight=1.0)
        assert again["mean_error"] == pytest.approx(method["scores"]["mean_error"], abs=1e-12)
        assert again["mean_error_b"] == pytest.approx(method["scores"]["mean_error_b"],
                                                      abs=1e-12)
        line = re.search(rf"^\s*(port1)?\s+{re.escape(method['method'])}\s+([0-9.]+)",
                         printed, re.M)
        assert line and float(line.group(2)) == pytest.approx(again["mean_error"], rel=1e-5)
        assert method["seconds"] > 0 and len(method["points"]) == 3


def test_bench_ccef_rejects_bad_k(tmp_path, capsys):
    code = main(["--db", str(tmp_path / "q.sqlite"), "bench", "ccef", "--instance", "1",
                 "--k", "40", "--points", "2", "--method", "heuristic"])
    assert code == 2
    assert "1 ≤ k ≤ n_assets = 31" in capsys.readouterr().err


@pytest.mark.slow
def test_weekly_universe_from_the_store(tmp_path, capsys):
    """Issue 13.7: INDTRACK6 enters the store, annualises with 52, k = 20 on 457 assets."""
    import math

    import numpy as np

    from qfin.data import open_store

    db = str(tmp_path / "q.sqlite")
    out = tmp_path / "u.json"
    code = main(["--db", db, "bench", "ccef", "--universe", "indtrack6", "--k", "20",
                 "--points", "2", "--method", "heuristic", "--uef-points", "12",
                 "--json", str(out), "--out", str(tmp_path / "u.csv")])
    assert code == 0
    printed = capsys.readouterr().out
    assert "indtrack6 (market store, 457 assets, 52 periods a year)" in printed
    store = open_store(db)
    assert store.periods_per_year("indtrack6") == 52 and store.index_tickers("indtrack6") == [
        "Index"]
    payload = json.loads(out.read_text())
    (method,) = payload["methods"]
    labels = payload["instances"][0]["labels"]
    assert len(labels) == 457 and "Index" not in labels  # the index is not an asset
    assert all(len(p["weights"]) == 20 for p in method["points"])

    code = main(["--db", db, "bench", "ccef", "--universe", "indtrack6", "--walk-forward",
                 "--k", "20", "--points", "2", "--method", "heuristic", "polish-only",
                 "--window", "150", "--hold", "70", "--out", str(tmp_path / "w.csv")])
    assert code == 0
    printed = capsys.readouterr().out
    assert "annualised with 52 periods a year" in printed
    for row in ("heuristic", "polish-only", "equal weights (1/n)", "S&P 500 index (Index)"):
        assert re.search(rf"^\s*(20)?\s+{re.escape(row)}\s+-?[0-9.]", printed, re.M), row
    # the index row is the store's index series out of sample, annualised with 52
    index = store.benchmark_returns("indtrack6").iloc[150:]
    table = __import__("pandas").read_csv(tmp_path / "w.csv").set_index("portfolio")
    vol = table.loc["S&P 500 index (Index)", "annual_volatility"]
    assert vol == pytest.approx(np.std(index.to_numpy(), ddof=1) * math.sqrt(52), rel=1e-9)


def test_unknown_universe_is_one_clear_error(tmp_path, capsys):
    code = main(["--db", str(tmp_path / "q.sqlite"), "bench", "ccef", "--universe",
                 "nasdaq10", "--method", "heuristic", "--points", "2"])
    assert code == 2
    assert "nasdaq10" in capsys.readouterr().err


def test_comparison_line_states_facts_without_acceptance_targets():
    import pandas as pd

    from qfin.bench.ccef import comparison_lines

    rows = [("miqp", 1.00, 900.0, 50, 50, 0.0), ("heuristic", 1.02, 2.0, 50, 49, 3e-4),
            ("polish-only", 1.005, 70.0, 50, 50, 0.0)]
    table = pd.DataFrame([{"instance": "port9", "method": m, "mean_error": e, "seconds": t,
                           "cpu_seconds": t, "n_proven": p, "n_within_1e6": w, "max_gap": g,
                           "source": "measured (this run)"} for m, e, t, p, w, g in rows])
    (line,) = comparison_lines(table)
    # the best other method on error is polish-only
    assert line.startswith("port9 best non-exact method (polish-only)")
    assert "50/50 SCIP-proven points" in line and "+0.0050 pp" in line and "70 s wall" in line
    assert "MET" not in line and "target" not in line
    (line,) = comparison_lines(table[table["method"] != "polish-only"])
    assert "49/50 SCIP-proven" in line and "+0.0200 pp" in line and "gap 0.0003" in line
