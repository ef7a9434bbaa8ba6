"""Helpers a notebook calls, and small report pieces."""

from __future__ import annotations

import json

import pandas as pd
import plotly.express as px
import pytest

from qfin.errors import DataError
from qfin.pipeline import (
    MARKER_FILE,
    cell_timings,
    open_run_store,
    record_figure,
    record_results,
    run_context,
)
from qfin.report import correlation_heatmap, drawdowns, figure_html, notebook_to_html, show


def test_outside_a_pipeline_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_context() is None
    frame = record_results([{"a": 1}, {"a": 2}])
    assert list(frame["a"]) == [1, 2]
    record_figure(px.bar(x=[1], y=[1]), "f")
    assert list(tmp_path.iterdir()) == []


def test_inside_a_pipeline_results_and_figures_are_written(tmp_path, monkeypatch):
    (tmp_path / MARKER_FILE).write_text(json.dumps({"pipeline": "p", "db_url": str(
        tmp_path / "x.sqlite")}))
    monkeypatch.chdir(tmp_path)
    assert run_context()["pipeline"] == "p"
    record_results(pd.DataFrame({"m": ["a"], "nested": [{"k": 1}], "v": [0.5]}))
    back = pd.read_parquet(tmp_path / "results.parquet")
    assert back.loc[0, "v"] == 0.5 and json.loads(back.loc[0, "nested"]) == {"k": 1}
    record_figure(px.bar(x=[1], y=[2]), "key")
    assert json.loads((tmp_path / "figures" / "key.json").read_text())["data"]
    assert open_run_store().url.endswith("x.sqlite")


def test_bad_inputs_are_qfin_errors():
    with pytest.raises(DataError, match="rows must be a DataFrame or a list of dicts; got int"):
        record_results(3)
    with pytest.raises(DataError, match="name must be a short file-name-safe label"):
        record_figure(px.bar(x=[1], y=[1]), "../evil")
    with pytest.raises(DataError, match="figure must be a plotly Figure; got str"):
        record_figure("fig", "ok")
    with pytest.raises(DataError, match="figure must be a plotly Figure; got dict"):
        show({"data": []})
    with pytest.raises(DataError, match="figure must be a plotly Figure"):
        figure_html(None)
    with pytest.raises(DataError, match="prices must be positive"):
        drawdowns(pd.DataFrame({"a": [1.0, -1.0]}))
    with pytest.raises(DataError, match="at least two columns"):
        correlation_heatmap(pd.DataFrame({"a": [1.0, 2.0]}))
    with pytest.raises(DataError, match="does not exist"):
        notebook_to_html("/nonexistent/notebook.ipynb")


def test_drawdowns_against_a_hand_computed_path():
    prices = pd.DataFrame({"A": [100.0, 120.0, 90.0, 60.0, 130.0]})
    assert drawdowns(prices)["A"].tolist() == pytest.approx([0, 0, -0.25, -0.5, 0])


def test_figure_html_has_no_network_script():
    html = figure_html(px.line(x=[1, 2], y=[2, 1]))
    assert "plotly-graph-div" in html and "<script src" not in html
    assert len(html) < 100_000  # the library is not repeated in every figure


def test_cell_timings_reads_papermill_metadata(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("x"), nbformat.v4.new_code_cell("a = 1\nb = 2")]
    nb.cells[1].metadata["papermill"] = {"duration": 0.25, "status": "completed"}
    rows = cell_timings(nb)
    assert rows == [{"cell": 1, "tags": "", "first_line": "a = 1", "seconds": 0.25,
                     "status": "completed"}]
