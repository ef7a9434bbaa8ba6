"""``qfin var --method qae-* --resources``: the estimate in the JSON and on the terminal."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from qfin.cli import main
from qfin.qae._resources_logical import AECircuitModel
from qfin.qae._resources_physical import qdk_available


def _db(store):
    return ["--db", str(store.url)] if hasattr(store, "url") else []


@pytest.mark.skipif(not qdk_available(), reason="the qdk resource estimator is not installed")
def test_var_resources_json_reports_labelled_figures(sample_store, capsys):
    argv = _db(sample_store) + ["var", "--method", "qae-iterative", "--qubits", "8",
                                "--epsilon", "1e-2", "--seed", "2", "--resources", "--json"]
    assert main(argv) == 0
    payload = json.loads(capsys.readouterr().out)
    res = payload["resources"]
    assert res["logical_qubits"] == {"value": 16, "unit": "logical qubits"}
    assert res["grover_calls"]["value"] == payload["var_oracle_queries"] > 0
    q, whole = res["per_call"]["q"], res["whole_run"]
    model = AECircuitModel(8)
    assert q["toffoli_count"]["value"] == model.q().toffoli_count
    assert q["t_count"]["unit"] == "T gates" and whole["t_count"]["unit"] == "T gates"
    t_rot = res["t_per_rotation"]["value"]
    assert q["t_count"]["value"] == model.q().t_count(t_rot)
    # whole run = per Grover call x Grover calls + per shot x shots, exactly
    extra = res["per_call"]["per_shot_extra"]["t_count"]["value"]
    assert whole["t_count"]["value"] == (q["t_count"]["value"] * res["grover_calls"]["value"]
                                         + extra * res["shots"]["value"])
    assert res["whole_run_t_count_check"]["equals_whole_run"] is True
    models = [p["qubit_model"] for p in res["physical"]]
    assert models == ["qubit_gate_us_e3", "qubit_gate_ns_e4", "qubit_maj_ns_e6"]
    for p in res["physical"]:
        assert p["physical_qubits"]["unit"] == "physical qubits"
        assert p["runtime"]["unit"] == "s" and p["runtime"]["value"] > 0
    assert "resources_cvar_step" in payload
    assert res["assumptions"]


def test_var_resources_text_and_logical_only(sample_store, capsys):
    argv = _db(sample_store) + ["var", "--method", "qae-ml", "--qubits", "6", "--seed", "1",
                                "--resources", "--qubit-models", "none",
                                "--state-preparation", "qrom"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "resources:   qrom loading" in out
    assert "one Grover call Q:" in out and "T gates" in out
    assert "not a measured runtime" in out


@pytest.mark.parametrize("extra, message", [
    (["--error-budget", "0"], "error_budget must be in"),
    (["--error-budget", "1.2"], "error_budget must be in"),
    (["--qubit-models", "qubit_gate_ns_e4", "qubit_fast_ps_e9"], "unknown qubit model"),
    (["--epsilon", "0"], "epsilon must be a finite number > 0"),
    (["--epsilon", "1"], "epsilon must be in \\(0, 0.5\\)"),
])
def test_var_resources_bad_options(sample_store, capsys, extra, message):
    argv = _db(sample_store) + ["var", "--method", "qae-iterative", "--qubits", "6",
                                "--resources"] + extra
    assert main(argv) == 2
    assert re.search(message, capsys.readouterr().err)


def test_var_resources_qubits_out_of_range(sample_store, capsys):
    for n in ("0", "25"):
        argv = _db(sample_store) + ["var", "--method", "qae-iterative", "--qubits", n,
                                    "--resources"]
        assert main(argv) == 2
        assert "--qubits must be an integer in 1..24" in capsys.readouterr().err


@pytest.mark.slow
def test_bench_qae_resources_only_prints_the_break_even_table(sample_store, capsys, tmp_path):
    out = tmp_path / "qae.csv"
    argv = _db(sample_store) + ["bench", "qae", "--resources-only", "--quick", "--out",
                                str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "[break-even: the sample's 99% VaR" in text
    for label in ("ae_grover_calls", "break_even_clock_hz", "quasi-monte-carlo",
                  "importance-sampling", "exact", "QMC crossover", "encoding error"):
        assert label in text, label
    table = pd.read_csv(out)
    be = table[table["section"] == "break-even"]
    assert sorted(be["epsilon"].unique()) == [1e-4, 1e-3, 1e-2]
    assert set(be["method"]) == {"exact", "monte-carlo", "quasi-monte-carlo",
                                 "importance-sampling"}
    assert (be["classical_seconds"] > 0).all()
    ratio = be["ae_t_depth"] / be["classical_seconds"]
    assert ((be["break_even_clock_hz"] - ratio).abs() <= 1e-9 * ratio).all()
    if qdk_available():
        assert {"ae_runtime_s_qubit_gate_ns_e4", "ae_runtime_s_qubit_maj_ns_e6"} <= set(table)
    enc = table[table["section"] == "encoding-error"]
    assert set(enc["source"]) == {"historical", "t-copula monte carlo"}
    assert {8, 20} <= set(enc["n_qubits"])
