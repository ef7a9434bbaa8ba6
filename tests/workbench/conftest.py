"""Fixtures of the workbench tests: tiny notebooks, and one real pipeline run on Dask."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
ARTIFACTS = REPO / "test-artifacts" / "workbench"

TINY_PARAMETERS = '''x: int = 1  # the grid value
scale: float = 1.5  # a float parameter
label: str = "plain"  # a string, passed as data
fail_if_exists: str = ""  # a path: the notebook raises when this file exists and x is 3
seed: int = 0  # a seed, recorded with the results
smoke: bool = False  # shrink sizes
'''

# a string parameter that is not code, and HTML that every report must escape
PAYLOAD = "</script><script>alert(1)</script><img src=x onerror=alert(2)>"
LABEL = 'it\'s "quoted"; import os  # not code' + PAYLOAD

TINY_BODY = '''import os
import plotly.express as px
from qfin.results import record_results
from qfin.report import show

if fail_if_exists and os.path.exists(fail_if_exists) and x == 3:
    raise RuntimeError(f"deliberate failure at x={x}")
show(px.bar(x=["a", "b", "c"], y=[x, 2 * x, scale]), name="bars")
show(px.scatter(x=[1, 2, 3], y=[3, 1, x], title="points"))
show(px.imshow([[1, 2], [3, x]], title="heat"))
record_results([{"method": "tiny", "x": x, "value": x * scale, "label": label,
                 "seconds": 0.001 * x, "error": 0.0}])
'''


def make_notebook(path: Path, parameters: str = TINY_PARAMETERS, body: str = TINY_BODY,
                  *, tag: bool = True) -> Path:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(parameters)
    if tag:
        cell.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# tiny"), cell, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project folder with notebooks/tiny.ipynb and an empty pipelines/."""
    root = tmp_path_factory.mktemp("tiny-project")
    make_notebook(root / "notebooks" / "tiny.ipynb")
    (root / "pipelines").mkdir()
    return root


def _db_runs(db: Path, kind: str) -> list[dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(
            "SELECT run_id, kind, name, status, error, params FROM runs WHERE kind = ?",
            (kind,))]


@pytest.fixture(scope="session")
def pipeline_runs(tiny_dir: Path, tmp_path_factory: pytest.TempPathFactory,
                  monkeypatch_session) -> dict:
    """Run a 3-point pipeline (x=3 fails deliberately) on a 2-worker LocalCluster, then
    remove the cause of the failure and run it again with --resume; snapshot both."""
    from qfin.cli import main

    # Other engineers commit while the suite runs: pin the git part of the code version.
    monkeypatch_session.setattr("qfin.pipeline._runner.git_revision", lambda: "pinned")
    work = tmp_path_factory.mktemp("pipeline-run")
    fail_flag = work / "FAIL"
    fail_flag.write_text("fail x=3\n")
    pipeline = tiny_dir / "pipelines" / "tiny.yaml"
    pipeline.write_text(f"""name: tiny
steps:
  - notebook: tiny
    parameters:
      label: {json.dumps(LABEL)}
      fail_if_exists: {json.dumps(str(fail_flag))}
      scale: 2
    grid:
      x: [1, 2, 3]
""")
    db = work / "runs.sqlite"
    out = work / "out"
    first_code = main(["--db", str(db), "pipeline", "run", str(pipeline), "--out", str(out),
                       "--workers", "2", "--pdf", "none"])
    first = json.loads((out / "summary.json").read_text())
    first_db = _db_runs(db, "pipeline")
    failed_nb = nbformat.read(out / "tiny" / "x=3" / "notebook.ipynb", as_version=4)
    failed_run = json.loads((out / "tiny" / "x=3" / "run.json").read_text())
    run_files = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("tiny/*/run.json")}
    fail_flag.unlink()
    second_code = main(["--db", str(db), "pipeline", "run", str(pipeline), "--out", str(out),
                        "--workers", "2", "--resume"])
    second = json.loads((out / "summary.json").read_text())
    return {"out": out, "db": db, "first_code": first_code, "first": first,
            "first_db": first_db, "failed_notebook": failed_nb, "failed_run": failed_run,
            "run_mtimes": run_files, "second_code": second_code, "second": second,
            "second_db": _db_runs(db, "pipeline"), "cells_db": _db_runs(db, "pipeline:cells")}


@pytest.fixture(scope="session")
def monkeypatch_session():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


@pytest.fixture(scope="session")
def notebook_factory():
    """``make_notebook(path, parameters=..., body=..., tag=True)``."""
    return make_notebook


@pytest.fixture(scope="session")
def smoke_runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every shipped notebook executed once in smoke mode (stem -> run folder, or the error).

    The benchmark summary reads a store holding two known pipeline runs per method.
    """
    from qfin.data import MarketStore
    from qfin.pipeline import execute_notebook

    root = tmp_path_factory.mktemp("smoke")
    store = MarketStore(root / "nb.sqlite")
    for method, errors, seconds in (("exact", [0.0, 0.0], [0.5, 1.5]),
                                    ("neal", [0.1, 0.3], [0.2, 0.4])):
        for error, second in zip(errors, seconds, strict=True):
            store.record_run("pipeline", "demo/portfolio", [{
                "task": "portfolio", "method": method, "backend": "numpy", "error": error,
                "seconds": second, "pipeline_run": "r1"}])
    outcomes: dict = {}
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        run_dir = root / path.stem / "smoke"
        parameters = {"smoke": True}
        if path.stem == "04_benchmark_summary":
            parameters["pipeline_run"] = ""
        try:
            execute_notebook(path, run_dir, parameters, context={"db_url": store.url})
        except Exception as exc:  # noqa: BLE001 - reported by the test of that notebook
            outcomes[path.stem] = exc
        else:
            outcomes[path.stem] = run_dir
    return outcomes
