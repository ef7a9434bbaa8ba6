"""How heavy a run folder is and how fast its pages open in headless Chromium (offline)."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from qfin.errors import BackendUnavailableError, DataError
from qfin.report._pdf import chromium_offline_flags, find_chromium

__all__ = ["folder_bytes", "folder_breakdown", "report_pages", "page_load_times",
           "offline_browser"]

_CHROMEDRIVER = ("chromedriver", "/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")

# Page time (ms since navigation start) at which every plotly figure holds an SVG; polled.
_RENDERED_JS = """
const divs = Array.from(document.querySelectorAll('.plotly-graph-div'));
const drawn = divs.filter(d => d.querySelector('.main-svg')).length;
const nav = performance.getEntriesByType('navigation')[0];
return {figures: divs.length, drawn: drawn, now: performance.now(),
        load_end: nav ? nav.loadEventEnd : 0, ready: document.readyState};
"""


def folder_bytes(folder: str | Path) -> int:
    """Total size in bytes of every file under ``folder`` (what a colleague receives)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{str(folder)!r} is not a folder")
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _kind(path: Path) -> str:
    if path.parent.name == "_assets":
        return f"shared {path.name}"
    if path.name in ("index.html", "report.html"):
        return "pages (html)"
    if path.suffix == ".pdf":
        return "pdf"
    if path.suffix == ".ipynb":
        return "executed notebooks"
    if path.parent.name == "figures":
        return "key figures (json)"
    return "results and run records"


def folder_breakdown(folder: str | Path) -> pd.DataFrame:
    """Bytes of a run folder by kind of file (shared assets, pages, notebooks, ...).

    Returns
    -------
    DataFrame
        ``kind``, ``files``, ``bytes``, largest first, and a ``total`` row last.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{str(folder)!r} is not a folder")
    rows: dict[str, list[int]] = {}
    for path in folder.rglob("*"):
        if path.is_file():
            entry = rows.setdefault(_kind(path), [0, 0])
            entry[0] += 1
            entry[1] += path.stat().st_size
    table = pd.DataFrame([{"kind": k, "files": v[0], "bytes": v[1]} for k, v in rows.items()])
    if table.empty:
        table = pd.DataFrame(columns=["kind", "files", "bytes"])
    table = table.sort_values("bytes", ascending=False, ignore_index=True)
    total = pd.DataFrame([{"kind": "total", "files": int(table["files"].sum()),
                           "bytes": int(table["bytes"].sum())}])
    return pd.concat([table, total], ignore_index=True)


def report_pages(run_dir: str | Path) -> list[Path]:
    """``index.html`` and every ``report.html`` of a pipeline output folder."""
    run_dir = Path(run_dir)
    pages = [run_dir / "index.html"] if (run_dir / "index.html").is_file() else []
    return pages + sorted(run_dir.glob("*/*/report.html"))


@contextlib.contextmanager
def offline_browser(width: int = 1300, height: int = 2400) -> Iterator[Any]:
    """A headless Chromium (selenium) with every network lookup refused.

    Raises
    ------
    BackendUnavailableError
        Without selenium (``pip install "qfin[dev]"``), Chromium or chromedriver.
    """
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as exc:
        raise BackendUnavailableError(
            'measuring page loads needs selenium: pip install "qfin[dev]"') from exc
    chromium = find_chromium()
    driver_path = next((found for name in _CHROMEDRIVER
                        if (found := shutil.which(name) or (name if Path(name).is_file()
                                                            else None))), None)
    if chromium is None or driver_path is None:
        raise BackendUnavailableError("measuring page loads needs headless Chromium and "
                                      "chromedriver (apt-get install chromium chromium-driver)")
    with tempfile.TemporaryDirectory(prefix="qfin-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for flag in chromium_offline_flags(profile):
            options.add_argument(flag)
        options.add_argument(f"--window-size={width},{height}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(driver_path), options=options)
        driver.set_page_load_timeout(120)
        try:
            yield driver
        finally:
            driver.quit()


def _open(driver: Any, page: Path, timeout: float) -> dict[str, Any]:
    driver.get("about:blank")
    driver.get_log("browser")
    started = time.perf_counter()
    driver.get(page.resolve().as_uri())  # returns after the load event
    state: dict[str, Any] = {}
    while time.perf_counter() - started < timeout:
        state = driver.execute_script(_RENDERED_JS)
        if state["ready"] == "complete" and state["drawn"] == state["figures"]:
            break
        time.sleep(0.02)
    wall = time.perf_counter() - started
    metrics = {m["name"]: m["value"]
               for m in driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]}
    errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    rendered_ms = max(float(state.get("now", 0.0)), float(state.get("load_end", 0.0)))
    return {"figures": int(state.get("figures", 0)), "drawn": int(state.get("drawn", 0)),
            "load_event_s": float(state.get("load_end", 0.0)) / 1000.0,
            "rendered_s": rendered_ms / 1000.0, "wall_s": wall,
            "main_thread_s": float(metrics.get("TaskDuration", float("nan"))),
            "console_errors": len(errors)}


def page_load_times(run_dir: str | Path, *, repeat: int = 3, timeout: float = 60.0,
                    driver: Any = None) -> pd.DataFrame:
    """Open every page of a run folder in offline headless Chromium and time it.

    Each page is opened ``repeat`` times (the first open also warms the disk cache); the
    time is taken in the page: from navigation start to the moment the load event ended and
    every plotly figure holds its SVG (polled every 20 ms), so it includes parsing plotly.js
    and drawing every figure.

    Parameters
    ----------
    run_dir : path
        A pipeline output folder (``index.html`` and ``<step>/<run>/report.html``).
    repeat : int
        Opens per page; the median is reported.
    timeout : float
        Seconds to wait for the figures of one page.
    driver : selenium WebDriver, optional
        A browser to reuse (default: :func:`offline_browser`).

    Returns
    -------
    DataFrame
        One row per page: ``page`` (relative path), ``bytes`` (the page file), ``figures``,
        ``drawn``, ``load_event_s``, ``rendered_s`` (median), ``rendered_max_s``,
        ``main_thread_s`` (median busy time of the page's main thread, Chromium's
        ``TaskDuration``: less sensitive to a loaded machine than wall time),
        ``console_errors``.

    Raises
    ------
    DataError
        When the folder holds no pages.
    BackendUnavailableError
        Without selenium, Chromium or chromedriver.
    """
    run_dir = Path(run_dir)
    pages = report_pages(run_dir)
    if not pages:
        raise DataError(f"{str(run_dir)!r} holds no index.html or <step>/<run>/report.html; "
                        "give the folder `qfin pipeline run` wrote")
    if repeat < 1:
        raise DataError(f"repeat must be at least 1; got {repeat}")
    with contextlib.ExitStack() as stack:
        if driver is None:
            driver = stack.enter_context(offline_browser())
        driver.execute_cdp_cmd("Performance.enable", {})
        rows = []
        for page in pages:
            opens = [_open(driver, page, timeout) for _ in range(repeat)]
            times = pd.Series([o["rendered_s"] for o in opens])
            last = opens[-1]
            rows.append({"page": page.relative_to(run_dir).as_posix(),
                         "bytes": page.stat().st_size, "figures": last["figures"],
                         "drawn": last["drawn"],
                         "load_event_s": float(pd.Series([o["load_event_s"] for o in opens])
                                               .median()),
                         "rendered_s": float(times.median()),
                         "rendered_max_s": float(times.max()),
                         "main_thread_s": float(pd.Series([o["main_thread_s"] for o in opens])
                                                .median()),
                         "console_errors": max(o["console_errors"] for o in opens)})
    return pd.DataFrame(rows)
