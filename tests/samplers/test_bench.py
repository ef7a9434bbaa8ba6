"""The samplers benchmark: TTS arithmetic and a tiny end-to-end CLI run."""

from __future__ import annotations

import json

import pytest

from qfin.bench.samplers import build_instances
from qfin.cli import main
from qfin.errors import ProblemError


def test_unknown_family_rejected():
    with pytest.raises(ProblemError, match="families must be among"):
        build_instances([10], families=["sample", "lottery"])


def test_cli_bench_samplers_quick(fresh_store, tmp_path, capsys):
    out = tmp_path / "samplers.csv"
    code = main(["bench", "samplers", "--quick", "--families", "sample", "--reads", "8",
                 "--out", str(out), "--db", fresh_store.url, "--json"])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    rows = payload["rows"]
    methods = {r["method"] for r in rows}
    assert {"neal (tuned)", "heuristic (relax-round-swap)", "qfin ParallelAnnealing",
            "qfin SB-b + polish", "qfin SB-d + polish", "qfin constraint-aware"} <= methods
    assert {r["reference_source"] for r in rows} == {"enumeration"}
    for r in rows:  # no method can beat the enumerated optimum
        assert float(r["gap"]) >= -1e-9
    assert out.exists() and out.with_suffix(".html").exists()
    assert payload["run_id"] is not None
    assert any("heuristic" in line.lower() for line in payload["summary"])
    kinds = fresh_store.results(kind="bench:samplers")
    assert len(kinds) >= 1


def test_cli_bench_samplers_help(capsys):
    with pytest.raises(SystemExit):
        main(["bench", "samplers", "--help"])
    assert "--sizes" in capsys.readouterr().out
