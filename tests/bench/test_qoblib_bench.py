"""``qfin bench qoblib``: every method on the same model and clock, .sol output, verdict."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import numpy as np
import pytest

from qfin.bench.qoblib import (
    METHODS,
    QoblibRun,
    aggregate,
    resolve_instances,
    run_method,
    summarise,
)
from qfin.cli import main
from qfin.datasets import load_qoblib_portfolio, qoblib_published_value
from qfin.errors import ProblemError
from qfin.portfolio.qoblib import QoblibModel, read_sol

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def a010():
    return load_qoblib_portfolio("po_a010_t10_s01")


@pytest.mark.parametrize("method", METHODS)
def test_every_method_gives_a_scored_feasible_answer(a010, method):
    run = run_method(a010, 1e-5, method, time_limit=1.5, seed=0, clock="cpu")
    assert run.sample is not None and run.sample.shape == (run.n_variables,)
    score = QoblibModel(a010, 1e-5).evaluate(run.sample)
    assert score.published == run.published and score.exact == run.exact
    assert run.feasible == score.feasible
    assert run.seconds >= run.seconds_build >= 0
    assert run.backend and run.device
    assert all(t <= run.seconds + 1e-6 for t, _ in run.trajectory)
    if method in ("annealing", "polish-only"):
        assert run.feasible and run.backend == "numpy"


def test_time_to_target_is_read_from_the_trajectory(a010):
    run = run_method(a010, 0.0, "annealing", time_limit=2.0, seed=1, clock="cpu")
    target = qoblib_published_value(a010, 0.0)
    assert target.status == "OPTIMAL" and run.published == target.objective
    first = min(t for t, v in run.trajectory if target.reached(v))
    assert run.ttt == first and math.isfinite(run.ttt)


def test_aggregate_and_verdict_from_known_runs():
    def r(method, seed, value, ttt, feasible=True):
        return QoblibRun("a010_t10_orig", 1e-4, method, seed, 690, published=value,
                         exact=value - 1, feasible=feasible, ttt=ttt)

    pub = qoblib_published_value("a010_t10_orig", 1e-4).objective  # -69460.5, TIME_LIMIT
    runs = [r("annealing", 0, pub, 3.0), r("annealing", 1, pub - 10, 5.0),
            r("annealing", 2, pub + 50, math.inf), r("tabu", 0, pub + 100, math.inf),
            r("tabu", 1, -1e9, math.inf, feasible=False)]
    table = aggregate(runs).set_index("method")
    ann = table.loc["annealing"]
    assert ann.best_published == pub - 10 and ann.median_published == pub
    assert ann.reached_fraction == pytest.approx(2 / 3) and ann.ttt_median_s == 5.0
    assert ann.matched and ann.beat and ann.gurobi_status == "TIME_LIMIT"
    tabu = table.loc["tabu"]
    assert tabu.feasible_fraction == 0.5 and tabu.best_published == pub + 100  # infeasible ignored
    assert not tabu.matched and tabu.gap > 0
    lines = summarise(table.reset_index(), 60)
    assert any("annealing    matched-or-beat 1/1" in ln for ln in lines)
    assert any(ln.startswith("VERDICT: a010: annealing matched or beat") for ln in lines)
    # this pair is TIME_LIMIT: no vacuous "reached every OPTIMAL value (0/0)"
    assert lines[-1] == ("VERDICT: qfin's annealing had no pair with a proven-optimal (OPTIMAL) "
                         "published value and matched or beat 100% of the TIME_LIMIT ones (1/1)")
    assert "MET" not in lines[-1] and "target" not in lines[-1]


def test_verdict_names_a_tie_and_the_control_that_explains_it():
    def r(method, value, ttt):
        return QoblibRun("a010_t10_orig", 1e-4, method, 0, 690, published=value,
                         exact=value - 1, feasible=True, ttt=ttt)

    pub = qoblib_published_value("a010_t10_orig", 1e-4).objective
    table = aggregate([r("annealing", pub, 0.48), r("polish-only", pub, 0.08),
                       r("tabu", pub + 100, math.inf)])
    lines = summarise(table, 3)
    control = next(ln for ln in lines if "CONTROL" in ln)
    assert "polish-only) matched 1 of the 1 pairs, annealing 1" in control
    assert "annealing 0.48 s, polish-only 0.08 s" in control
    assert control.endswith("the local search, not the annealing, carries the result here")
    verdict = next(ln for ln in lines if ln.startswith("VERDICT: a010"))
    # a tie on matched pairs is not "next best": the faster one is named first
    assert verdict.startswith("VERDICT: a010: polish-only matched or beat")
    assert "tied with annealing" in verdict and "next best" not in verdict


def test_synthetic_instance_and_size_guard(tmp_path):
    inst = resolve_instances(["synthetic-a12-t4-s1"], synthetic_dir=tmp_path)[0]
    assert (inst.n_assets, inst.n_periods) == (12, 4)
    with pytest.raises(ProblemError, match="pass b_tot"):
        run_method(inst, 1e-4, "annealing", time_limit=0.5)
    run = run_method(inst, 1e-4, "annealing", time_limit=0.5, b_tot=6, clock="cpu",
                     measure_memory=True)
    assert run.feasible and math.isnan(run.target) and run.peak_memory_mb > 0
    # a400-sized: BQM methods are skipped with the reason (the model would not fit)
    big = type(inst)("po_a400_t15_fake", tuple(f"S{i}" for i in range(400)),
                     np.ones((400, 15)), np.zeros((15, 1, 1)))
    skipped = run_method(big, 1e-4, "tabu", time_limit=1)
    assert skipped.status == "skipped" and "43,182,000 couplings" in skipped.note


def test_cli_writes_a_rescorable_sol(tmp_path, capsys, fresh_store):
    """Any folder in QOBLIB's format: the .sol is feasible and re-scores to the printed value."""
    folder = tmp_path / "po_a010_t15_s00"
    folder.mkdir()
    for name in ("stock_prices.txt.gz", "covariance_matrices.txt.gz"):
        src = ROOT / "data" / "qoblib" / "instances" / "po_a010_t15_s00" / name
        with gzip.open(src, "rt") as fin:
            (folder / name[:-3]).write_text(fin.read())
    out, js = tmp_path / "sol", tmp_path / "run.json"
    code = main(["bench", "qoblib", "--instance", str(folder), "--q", "5e-5", "--method",
                 "annealing", "scip", "--time-limit", "2", "--clock", "cpu", "--sol", str(out),
                 "--json", str(js), "--out", str(tmp_path / "q.csv"), "--db", fresh_store.url])
    assert code == 0
    printed = capsys.readouterr().out
    payload = json.loads(js.read_text())
    model = QoblibModel(load_qoblib_portfolio(folder), 5e-5)
    for row in payload["rows"]:
        sol = out / f"{row['method']}.sol"
        values, objective = read_sol(model, sol)
        score = model.evaluate(values)
        assert score.feasible
        assert score.published == objective == row["best_published"]
        assert f"{row['best_published']:.12g}" in printed
    assert "VERDICT" in printed and (tmp_path / "q.html").exists()


def test_cli_rejects_negative_q(capsys):
    assert main(["bench", "qoblib", "--instance", "po_a010_t10_orig", "--q", "-0.1",
                 "--no-store"]) == 2
    assert "--q must be >= 0" in capsys.readouterr().err


def test_unknown_method_and_mode(a010):
    with pytest.raises(ProblemError, match="method must be one of"):
        run_method(a010, 1e-4, "gurobi", time_limit=1)
    with pytest.raises(ProblemError, match="mode must be one of"):
        run_method(a010, 1e-4, "annealing", time_limit=1, mode="rounded")


def test_pipeline_grid_is_valid_and_bad_q_refused(tmp_path):
    from qfin.errors import PipelineError
    from qfin.pipeline import load_pipeline

    spec = load_pipeline(ROOT / "pipelines" / "qoblib.yaml")
    runs = [r for step in spec.steps for r in step.runs()]
    assert len(runs) == 6 * 8 * 5 + 2 * 2 * 5 + 1
    bad = tmp_path / "bad.yaml"
    bad.write_text((ROOT / "pipelines" / "qoblib.yaml").read_text()
                   .replace('q: ["0.0001", "0.001"]', 'q: ["-0.001"]')
                   .replace("notebook: 06_qoblib", f"notebook: {ROOT / 'notebooks' / '06_qoblib'}"))
    with pytest.raises(PipelineError, match="risk weight >= 0"):
        load_pipeline(bad)
