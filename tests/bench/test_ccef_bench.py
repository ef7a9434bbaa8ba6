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
    payload = json.loads(out.read_text())
    inst = load_orlib(1)
    entry = payload["instances"][0]
    assert entry["instance"] == "port1" and entry["labels"] == inst.labels
    assert {m["method"] for m in entry["methods"]} == {"miqp", "heuristic", "qubo-hybrid",
                                                       "polish-only"}
    for method in entry["methods"]:
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
