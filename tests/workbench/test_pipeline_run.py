"""A real pipeline on a dask.distributed LocalCluster: failure kept, results, --resume."""

from __future__ import annotations

import json

import nbformat
import pandas as pd
import pytest

from tests.workbench.conftest import LABEL, PAYLOAD

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]


def _by_key(summary: dict) -> dict:
    return {r["key"]: r for r in summary["runs"]}


def test_failed_point_is_recorded_and_the_others_complete(pipeline_runs):
    assert pipeline_runs["first_code"] == 1  # non-zero exit because one run failed
    runs = _by_key(pipeline_runs["first"])
    assert {k: r["status"] for k, r in runs.items()} == {
        "tiny/x=1": "ok", "tiny/x=2": "ok", "tiny/x=3": "failed"}
    failed = runs["tiny/x=3"]
    assert "deliberate failure at x=3" in failed["error"]
    assert failed["notebook"].endswith("tiny/x=3/notebook.ipynb")
    assert str(pipeline_runs["out"]) in failed["error"]  # the error names the notebook too
    executed = pipeline_runs["failed_notebook"]  # as it was before --resume replaced it
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors and errors[0]["evalue"] == "deliberate failure at x=3"
    run_json = pipeline_runs["failed_run"]
    assert run_json["status"] == "failed" and run_json["notebook"] == failed["notebook"]
    db = {json.loads(r["params"])["run"]: r for r in pipeline_runs["first_db"]}
    assert db["x=3"]["status"] == "failed" and "deliberate failure" in db["x=3"]["error"]
    assert db["x=1"]["status"] == "ok" and db["x=1"]["name"] == "tiny/tiny"


def test_resume_reruns_only_the_failed_point(pipeline_runs):
    assert pipeline_runs["second_code"] == 0
    runs = _by_key(pipeline_runs["second"])
    assert {k: r["status"] for k, r in runs.items()} == {
        "tiny/x=1": "skipped", "tiny/x=2": "skipped", "tiny/x=3": "ok"}
    out = pipeline_runs["out"]
    for name in ("x=1", "x=2"):  # untouched by the second run
        assert (out / "tiny" / name / "run.json").stat().st_mtime_ns == \
            pipeline_runs["run_mtimes"][name]
    assert (out / "tiny" / "x=3" / "run.json").stat().st_mtime_ns != \
        pipeline_runs["run_mtimes"]["x=3"]
    db = {json.loads(r["params"])["run"]: r["status"] for r in pipeline_runs["second_db"]}
    assert db == {"x=1": "ok", "x=2": "ok", "x=3": "ok"}  # the failed record was replaced


def test_results_are_collected_with_provenance(pipeline_runs):
    out = pipeline_runs["out"]
    table = pd.read_parquet(out / "results.parquet")
    assert sorted(table["x"]) == [1, 2, 3]
    csv = pd.read_csv(out / "results.csv")  # parquet and csv hold the same rows
    assert csv["x"].tolist() == table["x"].tolist()
    assert csv["value"].tolist() == pytest.approx(table["value"].tolist())
    row = table.set_index("x").loc[2]
    assert row["value"] == pytest.approx(4.0)  # scale=2 passed through, x from the grid
    for column in ("pipeline", "pipeline_run", "step", "run", "param_x", "param_scale", "seed",
                   "qfin_version", "numpy_version", "python_version", "git_revision",
                   "data_hash", "code_version", "run_seconds"):
        assert column in table.columns, column
    assert row["data_hash"] and len(row["data_hash"]) == 16
    assert row["code_version"].endswith("-pinned")


def test_parameters_arrive_as_data(pipeline_runs):
    table = pd.read_parquet(pipeline_runs["out"] / "results.parquet")
    assert set(table["label"]) == {LABEL}
    executed = nbformat.read(pipeline_runs["out"] / "tiny" / "x=1" / "notebook.ipynb",
                             as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "x = 1\n" in injected[0].source


def test_cell_timings_are_kept_as_latency_data(pipeline_runs):
    cells = pd.read_csv(pipeline_runs["out"] / "cell_timings.csv")
    done = cells[cells["run"] == "x=1"]
    assert len(done) == 3 and (done["seconds"] >= 0).all()  # parameters, injected, body
    assert {"step", "run", "cell", "tags", "first_line", "seconds"} <= set(cells.columns)
    assert len(pipeline_runs["cells_db"]) == 3  # one cell-timing record per run


def test_reports_and_index_are_written(pipeline_runs):
    out = pipeline_runs["out"]
    index = (out / "index.html").read_text()
    for key in ("tiny/x=1", "tiny/x=2", "tiny/x=3"):
        assert f"{key}/report.html" in index
        report = (out / key / "report.html").read_text()
        assert "record_results(" not in report  # code cells hidden
        assert "plotly-graph-div" in report
    # offline: the only script a page loads is the folder's own copy of plotly.js
    import re

    for page in (out / "index.html", out / "tiny" / "x=1" / "report.html"):
        sources = re.findall(r"<script[^>]*\bsrc=['\"]([^'\"]+)", page.read_text())
        assert [s.rsplit("/", 2)[-2:] for s in sources] == [["_assets", "plotly.min.js"]]
        assert all("://" not in s for s in sources)
    for page in (index, (out / "tiny" / "x=1" / "report.html").read_text()):
        assert PAYLOAD not in page and "<img src=x" not in page  # parameters are escaped
        assert "alert(1)" not in page or "&lt;script&gt;alert(1)" in page


def test_an_existing_cluster_via_scheduler_address(tiny_dir, tmp_path, monkeypatch):
    """--scheduler: the same pipeline on a cluster the runner did not start."""
    import logging

    from distributed import LocalCluster

    from qfin.pipeline import run_pipeline

    monkeypatch.setattr("qfin.pipeline._runner.git_revision", lambda: "pinned")
    pipeline = tiny_dir / "pipelines" / "remote.yaml"
    pipeline.write_text("name: remote\nsteps:\n  - notebook: tiny\n    grid:\n      x: [7]\n")
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster:
        outcome = run_pipeline(pipeline, out=tmp_path / "out", db=tmp_path / "r.sqlite",
                               scheduler=cluster.scheduler_address, report=False,
                               verbose=False)
        assert len(cluster.scheduler.workers) == 1  # still up: the runner did not close it
    assert [r.status for r in outcome.runs] == ["ok"]
    assert outcome.results["x"].tolist() == [7]
    assert (tmp_path / "out" / "tiny" / "x=7" / "notebook.ipynb").is_file()
