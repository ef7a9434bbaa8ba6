"""The generated reports in headless Chromium, network blocked: figures render, no errors."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from qfin.report import chromium_offline_flags, find_chromium

pytestmark = [pytest.mark.browser, pytest.mark.notebooks, pytest.mark.slow]

CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "workbench"


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
    # runtime + cell-timing figures, and the key figure ("bars") of each of the 3 runs
    _check_page(browser, pipeline_runs["out"] / "index.html", "index.png", expected_figures=5)


def test_run_report_renders_offline(pipeline_runs, browser):
    report = pipeline_runs["out"] / "tiny" / "x=2" / "report.html"
    _check_page(browser, report, "run-report.png", expected_figures=3)


@pytest.mark.parametrize("stem", ["01_data_explorer", "02_portfolio", "03_var",
                                  "04_benchmark_summary"])
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
