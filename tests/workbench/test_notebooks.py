"""The shipped notebooks: committed clean, a typed parameters cell, and they run (smoke)."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from qfin.pipeline import notebook_parameters

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]


def test_the_shipped_notebooks_exist():
    assert [p.stem for p in NOTEBOOKS] == [
        "01_data_explorer", "02_portfolio", "03_var", "04_benchmark_summary", "05_ccef",
        "06_qoblib"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {index} has outputs committed"
            assert cell.execution_count is None, f"{path.name} cell {index} was executed"
    assert nb.metadata["kernelspec"]["name"] == "qfin"  # the kernel `qfin lab` registers


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_parameters_cell_is_typed_and_documented(path):
    params = notebook_parameters(path)  # raises without a 'parameters'-tagged cell
    assert "smoke" in params and params["smoke"].type_name == "bool"
    assert params["smoke"].default is False
    for p in params.values():
        assert p.type_name in ("int", "float", "str", "bool"), (path.name, p)
        assert p.help, f"{path.name}: parameter {p.name} has no trailing comment"
        assert isinstance(p.default, {"int": int, "float": float, "str": str,
                                      "bool": bool}[p.type_name])
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    body = ast.parse(tagged[0].source).body
    assert all(isinstance(node, ast.AnnAssign) for node in body)  # only typed assignments


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_allowed_values_are_declared_next_to_the_parameters(path):
    """A ``parameter-constraints`` cell right after the parameters cell: a literal dict of
    known parameters (read, never executed, by `qfin pipeline check`) that the notebook's
    own defaults satisfy, and a check of the values the notebook got."""
    from qfin.pipeline import CONSTRAINTS_TAG, check_parameters

    nb = nbformat.read(path, as_version=4)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    index = next(i for i, t in enumerate(tags) if "parameters" in t)
    assert CONSTRAINTS_TAG in tags[index + 1]
    assert "check_parameters(PARAMETER_CONSTRAINTS, globals())" in nb.cells[index + 1].source
    params = notebook_parameters(path)
    constraints = {name: p.constraint for name, p in params.items() if p.constraint}
    check_parameters(constraints, {name: p.default for name, p in params.items()})
    for name, p in params.items():  # every number and every fixed-choice string is bounded
        if p.type_name in ("int", "float"):
            assert {"minimum", "exclusiveMinimum", "enum"} & set(p.constraint), (path.name, name)
        if name in ("sampler", "backend", "method"):
            assert "enum" in p.constraint, (path.name, name)


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_runs_in_smoke_mode(path, smoke_runs):
    outcome = smoke_runs[path.stem]
    if isinstance(outcome, Exception):
        raise outcome
    run_dir = outcome
    executed = nbformat.read(run_dir / "notebook.ipynb", as_version=4)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []
    results = pd.read_parquet(run_dir / "results.parquet")
    assert len(results) > 0
    figures = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs
               if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert figures, f"{path.name} shows no plotly figure"
    webgl = [t["type"] for o in figures for t in o["data"]["application/vnd.plotly.v1+json"]
             ["data"] if t["type"].endswith("gl")]
    assert webgl == [], "WebGL traces do not print to PDF; use render_mode='svg'"
    assert list((run_dir / "figures").glob("*.json")), "no key figure recorded"
    if path.stem == "04_benchmark_summary":
        row = results.set_index("method")
        assert row.loc["neal", "median_error"] == pytest.approx(0.2)
        assert row.loc["exact", "median_seconds"] == pytest.approx(1.0)
        assert row.loc["neal", "runs"] == 2
    if path.stem == "02_portfolio":
        main = results[results["task"] == "portfolio"].set_index("method")
        assert main.loc["exact (enumeration)", "error"] == 0.0
        assert main.loc["MIQP (SCIP)", "error"] == pytest.approx(0.0, abs=1e-6)
        assert (main.loc[main["feasible"], "error"] >= -1e-9).all()  # nothing beats exact
        relax = main.loc["convex relaxation"]  # issue 11.5: a bound, never a feasible winner
        assert relax["role"] == "lower bound" and not relax["feasible"]
    if path.stem == "05_ccef":
        # the report leads with the verdict: clean columns first, the winner's row first
        assert list(results.columns[:7]) == ["task", "question", "instance", "method", "error",
                                             "seconds", "verdict"]
        assert results["error"].iloc[0] == results["error"].min()
        assert "verdict" in results["verdict"].iloc[0] and results["verdict"].iloc[1:].isna().all()
        rows = results.set_index("method")
        assert set(rows.index) == {"miqp", "heuristic", "qubo-hybrid", "polish-only"}
        assert (rows["n_within_1e6"] == rows["n_proven"]).all()
        assert rows["error"].max() - rows.loc["miqp", "error"] <= 0.01
    if path.stem == "06_qoblib":
        rows = results[results["method"] == "annealing"].set_index("q")
        assert set(results["method"]) == {"annealing", "polish-only"}
        assert bool(rows.loc[0.0, "matched"]) and rows.loc[0.0, "gurobi_status"] == "OPTIMAL"
        assert (results["feasible_fraction"] == 1.0).all()
        assert results["verdict"].str.contains("VERDICT").all()
    if path.stem == "03_var":
        var = results[results["task"] == "var"].set_index("method")
        assert var.loc["historical", "error"] == pytest.approx(0.0, abs=1e-12)
        assert {"AE iterative", "AE canonical", "AE maximum-likelihood"} <= set(var.index)
        assert (var.loc[var.index.str.startswith("AE"), "oracle_queries"] > 0).all()
        # issue 11.7: two ground truths, separately labelled, never mixed in one row set
        rows = results[results["task"] == "var"]
        kinds = rows.groupby("method")["ground_truth_kind"].agg(set)
        assert set().union(*kinds) == {"data", "model"}
        assert kinds["AE iterative"] == {"data", "model"} and kinds["mc"] == {"data", "model"}
        assert rows.loc[rows["ground_truth_kind"] == "data", "ground_truth"].nunique() == 1
        ae_data = rows[(rows["method"] == "AE iterative") & (rows["ground_truth_kind"] == "data")]
        assert ae_data["model_vs_data"].iloc[0] != 0  # AE's discretisation error is shown
