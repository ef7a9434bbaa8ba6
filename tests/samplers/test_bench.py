"""The samplers benchmark: fair by construction (issue 11.6) and a tiny end-to-end CLI run."""

from __future__ import annotations

import json
import math

import pytest

from qfin.bench.samplers import NEAL_SWEEPS, build_instances
from qfin.cli import main
from qfin.errors import ProblemError
from qfin.portfolio import call_success_probability, time_to_solution


def test_unknown_family_rejected():
    with pytest.raises(ProblemError, match="families must be among"):
        build_instances([10], families=["sample", "lottery"])


@pytest.fixture(scope="module")
def quick_run(sample_store, tmp_path_factory):
    import io
    from contextlib import redirect_stdout

    out = tmp_path_factory.mktemp("bench") / "samplers.csv"
    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main(["bench", "samplers", "--quick", "--families", "sample", "--reads", "8",
                     "--out", str(out), "--db", sample_store.url, "--json"])
    assert code == 0
    return json.loads(buf.getvalue()), out, sample_store


def _float(v):
    return float(v) if not isinstance(v, str) else float(v.replace("Infinity", "inf"))


def test_cli_bench_samplers_quick(quick_run):
    payload, out, store = quick_run
    rows = payload["rows"]
    methods = {r["method"] for r in rows}
    assert {"neal (tuned)", "heuristic (relax-round-swap)", "qfin ParallelAnnealing",
            "qfin SB-b + polish", "qfin SB-d + polish", "qfin constraint-aware"} <= methods
    assert {r["reference_source"] for r in rows} == {"enumeration"}
    for r in rows:  # no method can beat the enumerated optimum
        assert _float(r["gap"]) >= -1e-9
    assert out.exists() and out.with_suffix(".html").exists()
    assert payload["run_id"] is not None
    assert len(store.results(kind="bench:samplers")) >= 1


def test_controls_run_in_the_same_run(quick_run):
    """polish-only, neal + the same polish and tuned neal sit beside every qfin sampler."""
    rows = quick_run[0]["rows"]
    for inst in {r["instance"] for r in rows}:
        mine = {r["method"]: r for r in rows if r["instance"] == inst}
        assert {"polish only (random start + 2-flip)", "neal (tuned) + qfin polish",
                "neal (tuned)", "polish only (random feasible start + swap descent)"} <= set(mine)
        assert mine["polish only (random start + 2-flip)"]["role"] == "control"
        # tuned neal's grid: sweeps up to 1e4 and qfin's own beta rule for neal
        note = mine["neal (tuned)"]["note"]
        assert "3 sweeps x 3 beta ranges" in note and max(NEAL_SWEEPS) == 10_000
        assert _float(mine["neal (tuned)"]["tuning_s"]) > 0


def test_one_model_one_clock_whole_calls(quick_run):
    """Every QUBO method: the same BQM, the same build charged, TTS99 in whole calls."""
    rows = quick_run[0]["rows"]
    for inst in {r["instance"] for r in rows}:
        qubo = [r for r in rows if r["instance"] == inst and r["model"] == "QUBO"]
        assert len(qubo) >= 8
        assert len({r["build_s"] for r in qubo}) == 1 and qubo[0]["build_s"] > 0
        assert len({r["n_variables"] for r in qubo}) == 1
        for r in rows:
            if r["instance"] != inst:
                continue
            p_call = call_success_probability(_float(r["p"]), int(r["num_reads"]))
            expected = time_to_solution(_float(r["call_s"]), p_call, whole_attempts=True,
                                        setup_seconds=_float(r["build_s"]))
            tts = _float(r["tts99_s"])
            assert tts == pytest.approx(expected) or (math.isinf(tts) and math.isinf(expected))
            assert tts >= _float(r["whole_call_s"]) - 1e-12  # never below one whole call
            assert _float(r["whole_call_s"]) == pytest.approx(
                _float(r["build_s"]) + _float(r["call_s"]))
            if math.isfinite(tts):  # the per-read figure is secondary and smaller
                assert _float(r["tts99_per_read_s"]) <= tts


def test_verdict_names_the_winner_and_the_polish_share(quick_run):
    payload = quick_run[0]
    summary = payload["summary"]
    verdicts = [line for line in summary if line.strip().startswith("VERDICT")]
    assert len(verdicts) >= 3  # one per instance and the closing one
    methods = {r["method"] for r in payload["rows"]}
    for line in verdicts[:-1]:
        assert any(f"VERDICT: {m} wins" in line for m in methods)
    assert any(line.strip().startswith("POLISH ALONE:") and "of the best qfin sampler's p"
               in line for line in summary)
    assert "Random start + the 2-flip polish alone reaches the reference" in summary[-1]


def test_cli_bench_samplers_prints_whole_call_tts_by_default(sample_store, tmp_path, capsys):
    code = main(["bench", "samplers", "--quick", "--families", "sample", "--reads", "4",
                 "--out", str(tmp_path / "s.csv"), "--db", sample_store.url, "--no-store"])
    assert code == 0
    text = capsys.readouterr().out
    assert "TTS99 s (whole calls)" in text and "TTS99 s per read (secondary)" in text
    assert "polish only (random start + 2-flip)" in text and "neal (tuned) + qfin polish" in text
    assert "VERDICT:" in text


def test_cli_bench_samplers_help(capsys):
    with pytest.raises(SystemExit):
        main(["bench", "samplers", "--help"])
    assert "--sizes" in capsys.readouterr().out
