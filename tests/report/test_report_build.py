"""Run folders (issue 11.12): one plotly.js per folder referenced by every page, offline;
index.html opens with the findings; run pages lead with their notebook's findings."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import plotly.express as px
import pytest

from qfin.errors import DataError
from qfin.report import ASSETS_DIR, build_reports, notebook_to_html, write_assets
from qfin.report._findings import FINDINGS_METADATA

PLOTLY_MIME = "application/vnd.plotly.v1+json"


def _executed_notebook(path: Path, *, findings: bool) -> Path:
    """A notebook as papermill leaves it: outputs of show() and show_findings()."""
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("# A run\n\nSome words."))
    cell = nbformat.v4.new_code_cell("show(fig)")
    fig = px.bar(x=["a", "b"], y=[1, 3], title="bars")
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        PLOTLY_MIME: json.loads(fig.to_json()), "text/plain": "<plotly figure>"})]
    nb.cells.append(cell)
    if findings:
        done = nbformat.v4.new_code_cell("show_findings(table)")
        done.outputs = [nbformat.v4.new_output(
            "display_data", data={"text/html": "<div class='qfin-findings'>VERDICT</div>"},
            metadata={FINDINGS_METADATA: True})]
        nb.cells.append(done)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pipeline-out")
    rows = []
    for step, run in (("portfolio", "k=3"), ("portfolio", "k=5"), ("var", "confidence=0.99")):
        folder = out / step / run
        _executed_notebook(folder / "notebook.ipynb", findings=step == "var")
        (folder / "run.json").write_text(json.dumps({"status": "ok", "seconds": 1.5,
                                                     "parameters": {"run": run}}))
        figures = folder / "figures"
        figures.mkdir()
        (figures / "bars.json").write_text(px.bar(x=[1, 2], y=[2, 1]).to_json())
    for k in (3, 5):
        for method, error, seconds in (("exact (enumeration)", 0.0, 0.01),
                                       ("QUBO neal", 0.0, 2.0)):
            rows.append({"step": "portfolio", "run": f"k={k}", "task": "portfolio",
                         "method": method, "k": k, "n_assets": 10, "risk_aversion": 3.0,
                         "error": error, "seconds": seconds, "feasible": True,
                         "meets_target": True})
    pd.DataFrame(rows).to_csv(out / "results.csv", index=False)
    build_reports(out, pdf="none")
    return out


def test_one_copy_of_plotly_js_per_folder_referenced_by_every_page(run_folder):
    copies = [p for p in run_folder.rglob("*.js")]
    assert [p.relative_to(run_folder).as_posix() for p in copies] == [
        f"{ASSETS_DIR}/plotly.min.js"]
    pages = [run_folder / "index.html", *sorted(run_folder.glob("*/*/report.html"))]
    assert len(pages) == 4
    for page in pages:
        text = page.read_text()
        assert len(text.encode()) < 600_000, f"{page} embeds plotly.js"
        sources = re.findall(r"<script[^>]*\bsrc=['\"]([^'\"]+)['\"]", text)
        assert sources, page
        for src in sources:
            assert "://" not in src and not src.startswith("//")  # offline
            assert (page.parent / src).resolve().is_file()
        links = re.findall(r"<link[^>]*href=['\"]([^'\"]+\.css)['\"]", text)
        for href in links:
            assert (page.parent / href).resolve().is_file()
    assert re.search(r"src=['\"]\.\./\.\./_assets/plotly\.min\.js['\"]",
                     (run_folder / "var" / "confidence=0.99" / "report.html").read_text())


def test_index_opens_with_the_findings(run_folder):
    text = (run_folder / "index.html").read_text()
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", text)
    assert headings[0] == "Findings"
    body = text[text.index("<body>"):]
    assert body.index("Findings") < body.index("<table") < body.index("plotly-graph-div")
    assert "exact (enumeration) wins" in body
    assert "meets_target" not in body and "meets target" not in body


def test_run_pages_lead_with_the_notebooks_findings_and_draw_its_figures(run_folder):
    text = (run_folder / "var" / "confidence=0.99" / "report.html").read_text()
    assert text.index("VERDICT") < text.index("Some words")
    assert text.count("VERDICT") == 1  # moved, not copied
    assert "plotly-graph-div" in text and "bars" in text
    plain = (run_folder / "portfolio" / "k=3" / "report.html").read_text()
    assert "VERDICT" not in plain and "plotly-graph-div" in plain


def test_a_page_made_alone_still_opens_offline(tmp_path):
    notebook = _executed_notebook(tmp_path / "nb.ipynb", findings=True)
    page = notebook_to_html(notebook, tmp_path / "alone.html")
    text = page.read_text()
    assert "<script src" not in text and "<link rel" not in text
    assert len(text.encode()) > 3_000_000  # plotly.js inline
    with pytest.raises(DataError, match="lacks plotly.min.js or report.css"):
        notebook_to_html(notebook, tmp_path / "x.html", assets=tmp_path)
    assets = write_assets(tmp_path)
    shared = notebook_to_html(notebook, tmp_path / "shared.html", assets=assets)
    assert len(shared.read_text().encode()) < 200_000


def test_index_key_figures_take_turns_between_steps_later_steps_first(run_folder):
    text = (run_folder / "index.html").read_text().replace("\\u002f", "/")
    labels = re.findall(r"\(((?:portfolio|var)/[^:]+): bars\)", text)
    # each step's first run before any step's second; the summarising (later) step first
    assert labels == ["var/confidence=0.99", "portfolio/k=3", "portfolio/k=5"]


def test_docs_quote_the_run_folder_size_from_the_benchmark_tables():
    from qfin.bench.docs import render_snippet

    root = Path(__file__).resolve().parents[2]
    doc = (root / "docs" / "workbench.md").read_text()
    assert "<!-- bench:report-size -->" in doc
    block = render_snippet("report-size", root)
    assert block in doc  # up to date with docs/benchmarks/report*.csv
    now = pd.read_csv(root / "docs" / "benchmarks" / "report.csv")
    total = now[(now["section"] == "size") & (now["kind"] == "total")]["bytes"].iloc[0]
    assert total <= 8_000_000
    assert "now (one shared plotly.js)" in block and "before (plotly.js inline" in block


def test_index_points_to_raw_rows_and_links_heavy_figures(run_folder, tmp_path):
    text = (run_folder / "index.html").read_text()
    rows = text[text.index('id="results"'):]
    assert "QUBO neal" not in rows  # the raw rows are on the run pages and in results.csv
    assert "results.csv" in rows and "portfolio/k=3/report.html" in rows
    # a heavy key figure is linked, not drawn
    import numpy as np

    from qfin.report import write_index

    heavy = tmp_path / "big" / "only" / "figures"
    heavy.mkdir(parents=True)
    rng = np.random.default_rng(0)
    (heavy / "cloud.json").write_text(px.scatter(x=rng.random(6000), y=rng.random(6000),
                                                 title="cloud").to_json())
    (heavy / "small.json").write_text(px.bar(x=[1], y=[1], title="small").to_json())
    page = write_index(tmp_path, [{"key": "big/only", "status": "ok", "seconds": 1.0,
                                   "report": "big/only/report.html"}]).read_text()
    assert "small" in page and "plotly-graph-div" in page
    assert "<a href='big/only/report.html'>cloud</a>" in page
    assert page.count("plotly-graph-div") == 2  # small + the runtime figure
