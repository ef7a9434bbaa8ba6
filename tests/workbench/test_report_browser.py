"""The generated reports in headless Chromium, network blocked: figures render, no errors.

The demo pipeline (pipelines/demo.yaml, every grid point, in smoke mode) is run once: its
folder must stay small (one plotly.js for every page), its index must open with the
findings, and every page must draw every figure offline, quickly.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest
import yaml

from qfin.report import chromium_offline_flags, find_chromium, folder_bytes, page_load_times

pytestmark = [pytest.mark.browser, pytest.mark.notebooks, pytest.mark.slow]

CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "workbench"
#: The demo run folder may hold at most this (issue 11.12: 8 MB; 48 MB before the shared
#: plotly.js). Counted in decimal megabytes, the stricter reading.
MAX_RUN_FOLDER_BYTES = 8_000_000
#: Seconds a page may take to draw every figure here. The goal is under 2 s on a quiet
#: machine (``qfin bench report`` measures it); CI machines are shared, so this is loose.
LOOSE_PAGE_SECONDS = 15.0
DEVELOPER_WORDS = ("NOT MET", "meets_target", "meets target", "within_target", "within target")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed "
                                    "(pip install 'qfin[dev]')")
    chromium = find_chromium()
    if chromium is None or not Path(CHROMEDRIVER).exists():
        pytest.skip("headless Chromium and chromedriver are not installed "
                    "(apt-get install chromium chromium-driver)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in chromium_offline_flags(tmp_path_factory.mktemp("chromium-profile")):
        options.add_argument(flag)
    options.add_argument("--window-size=1300,2400")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _wait_for_figures(driver, timeout: float = 30.0) -> list:
    from selenium.webdriver.common.by import By

    deadline = time.monotonic() + timeout
    while True:
        figures = driver.find_elements(By.CSS_SELECTOR, ".plotly-graph-div")
        rendered = [f for f in figures if f.find_elements(By.CSS_SELECTOR, ".main-svg")]
        if figures and len(rendered) == len(figures) or time.monotonic() > deadline:
            return figures
        time.sleep(0.25)


def _check_page(driver, path: Path, screenshot: str, expected_figures: int) -> None:
    from selenium.webdriver.common.by import By

    driver.get_log("browser")  # drop messages of earlier pages
    driver.get(path.as_uri())
    figures = _wait_for_figures(driver)
    assert len(figures) >= expected_figures
    for figure in figures:
        assert figure.find_elements(By.CSS_SELECTOR, ".js-plotly-plot .main-svg, .main-svg")
        traces = figure.find_elements(By.CSS_SELECTOR, ".trace, .hm, .heatmaplayer image")
        assert traces, f"a figure without data traces in {path.name}"
    assert driver.execute_script("return typeof window.Plotly") == "object"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(ARTIFACTS / screenshot))
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [], errors


def test_index_renders_offline(pipeline_runs, browser):
    # the runtime figure, and the key figure ("bars") of each of the 3 runs
    _check_page(browser, pipeline_runs["out"] / "index.html", "index.png", expected_figures=4)


def test_run_report_renders_offline(pipeline_runs, browser):
    report = pipeline_runs["out"] / "tiny" / "x=2" / "report.html"
    _check_page(browser, report, "run-report.png", expected_figures=3)


# Every shipped notebook's page is drawn in the demo run below; this one checks a page
# made alone (plotly.js inline) still renders.
@pytest.mark.parametrize("stem", ["02_portfolio"])
def test_shipped_notebook_reports_render_offline(smoke_runs, browser, stem):
    from qfin.report import notebook_to_html

    run_dir = smoke_runs[stem]
    if isinstance(run_dir, Exception):
        pytest.fail(f"{stem} did not run in smoke mode: {run_dir}")
    report = notebook_to_html(run_dir / "notebook.ipynb", run_dir / "report.html",
                              info={"status": "ok", "parameters": {"smoke": True}})
    assert "<script src" not in report.read_text()
    _check_page(browser, report, f"{stem}.png", expected_figures=2)


def test_network_is_really_blocked(browser, tmp_path):
    page = tmp_path / "remote.html"
    page.write_text("<html><body><script src='https://cdn.plot.ly/plotly-2.0.0.min.js'>"
                    "</script></body></html>")
    browser.get_log("browser")
    browser.get(page.as_uri())
    time.sleep(0.5)
    assert browser.execute_script("return typeof window.Plotly") == "undefined"
    assert any(e["level"] == "SEVERE" for e in browser.get_log("browser"))


def test_pdf_export_where_chromium_exists(pipeline_runs):
    if find_chromium() is None:
        pytest.skip("no headless Chromium: PDF export is skipped by design")
    pdf = pipeline_runs["out"] / "index.pdf"
    assert pdf.is_file() and pdf.read_bytes()[:5] == b"%PDF-"


# ------------------------------------------------------------------ the demo pipeline
@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory, monkeypatch_session) -> Path:
    """pipelines/demo.yaml as shipped (every step and grid point) with ``smoke: true``."""
    from qfin.cli import main

    monkeypatch_session.setattr("qfin.pipeline._runner.git_revision", lambda: "pinned")
    work = tmp_path_factory.mktemp("demo-smoke")
    spec = yaml.safe_load((REPO / "pipelines" / "demo.yaml").read_text())
    spec.setdefault("defaults", {})["smoke"] = True
    spec["notebook_dir"] = str(REPO / "notebooks")
    pipeline = work / "demo.yaml"
    pipeline.write_text(yaml.safe_dump(spec))
    out = work / "out"
    code = main(["--db", str(work / "demo.sqlite"), "pipeline", "run", str(pipeline),
                 "--out", str(out), "--workers", "2"])
    assert code == 0, (out / "summary.json").read_text()
    return out


def _array(values) -> list:
    """A trace's data as a list: plotly writes numeric arrays as base64 typed arrays."""
    import base64

    import numpy as np

    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values) if values is not None else []


def _pages(folder: Path) -> list[Path]:
    return [folder / "index.html", *sorted(folder.glob("*/*/report.html"))]


def test_demo_run_folder_is_small(demo_run):
    size = folder_bytes(demo_run)
    assert size <= MAX_RUN_FOLDER_BYTES, f"demo run folder {size / 1e6:.1f} MB"
    scripts = sorted(p.relative_to(demo_run).as_posix() for p in demo_run.rglob("*.js"))
    assert scripts == ["_assets/plotly.min.js"]
    for page in _pages(demo_run):
        assert page.stat().st_size < 1_000_000, f"{page} is {page.stat().st_size:,} bytes"


def test_demo_index_starts_with_the_findings(demo_run):
    text = (demo_run / "index.html").read_text()
    body = text[text.index("<body>"):]
    assert re.findall(r"<h2[^>]*>(.*?)</h2>", body)[0] == "Findings"
    findings = body[body.index("Findings"):body.index('id="figures"')]
    assert findings.index("<table") < findings.index("<li>")  # the table, then the verdicts
    assert "Portfolio selection" in findings and "Value at Risk" in findings
    for truth in ("Against the exact optimum", "Against the VaR of the data"):
        assert truth in findings
    assert findings.count(" wins: ") >= 3
    assert "time per call (s)" in findings
    assert body.index("Findings") < body.index("plotly-graph-div")


def test_demo_pages_hold_no_developer_targets(demo_run):
    for page in _pages(demo_run):
        text = page.read_text()
        for word in DEVELOPER_WORDS:
            assert word not in text, f"{word!r} in {page.relative_to(demo_run)}"


def test_demo_run_pages_lead_with_findings_and_show_what_a_quant_asks(demo_run):
    for page in sorted(demo_run.glob("*/*/report.html")):
        if page.parts[-3] in ("portfolio", "var", "summary"):
            text = page.read_text()
            body = text[text.index("<body"):]
            assert body.index("qfin-findings") < body.index("jp-MarkdownCell"), page
    portfolio = (demo_run / "portfolio" / "k=3,sampler=neal" / "report.html").read_text()
    assert "Sharpe ratio" in portfolio and "held assets (weight)" in portfolio
    frontier = json.loads((demo_run / "portfolio" / "k=3,sampler=neal" / "figures" /
                           "frontier.json").read_text())
    assert max(len(_array(t.get("x"))) for t in frontier["data"]) >= 20
    var = (demo_run / "var" / "confidence=0.95" / "report.html").read_text()
    assert "VaR 95 % = " in var and "CVaR 95 % = " in var and "discretisation (" in var
    summary = json.loads((demo_run / "summary" / "default" / "figures" /
                          "accuracy_latency.json").read_text())
    ys = [_array(t.get("y")) for t in summary["data"]]
    numbers = [v for y in ys for v in y if not isinstance(v, str)]
    assert numbers and min(numbers) > 1e-9  # no error of 0 drawn at a tiny number
    assert any(y[:1] == ["exact"] for y in ys)


def test_every_demo_page_draws_every_figure_offline_quickly(demo_run, browser):
    from selenium.webdriver.common.by import By

    times = page_load_times(demo_run, repeat=1, driver=browser)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    times.to_csv(ARTIFACTS / "demo-page-load.csv", index=False)
    assert len(times) == 9  # index + 8 runs
    assert (times["figures"] > 0).all() and (times["drawn"] == times["figures"]).all()
    assert (times["console_errors"] == 0).all(), times
    assert (times["rendered_s"] < LOOSE_PAGE_SECONDS).all(), times
    for page in _pages(demo_run):  # every figure holds data traces
        browser.get(page.as_uri())
        for figure in _wait_for_figures(browser):
            assert figure.find_elements(By.CSS_SELECTOR, ".trace, .hm, .heatmaplayer image"), \
                f"a figure without data traces in {page.relative_to(demo_run)}"
    browser.get((demo_run / "index.html").as_uri())
    _wait_for_figures(browser)
    assert browser.save_screenshot(str(ARTIFACTS / "demo-index.png"))


def test_bench_report_prints_and_writes_sizes_and_load_times(pipeline_runs, tmp_path, capsys):
    import pandas as pd

    from qfin.cli import main

    out = tmp_path / "report.csv"
    assert main(["--db", str(tmp_path / "bench.sqlite"), "bench", "report",
                 str(pipeline_runs["out"]), "--repeat", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "[folder size]" in printed and "shared plotly.min.js" in printed
    assert "index.html" in printed and "tiny/x=2/report.html" in printed
    assert re.search(r"run folder \d+\.\d\d MB", printed)
    table = pd.read_csv(out)
    pages = table[table["section"] == "page_load"]
    assert len(pages) == 4 and (pages["rendered_s"] > 0).all()
    assert main(["bench", "report", str(tmp_path), "--repeat", "1"]) == 2
    assert "holds no index.html" in capsys.readouterr().err
