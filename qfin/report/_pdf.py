"""PDF export through headless Chromium, where the machine has it."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["find_chromium", "chromium_offline_flags", "html_to_pdf"]

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """The Chromium executable (``$QFIN_CHROMIUM`` or the first on ``PATH``), or ``None``."""
    explicit = os.environ.get("QFIN_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else None
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_offline_flags(user_data_dir: str | Path) -> list[str]:
    """Flags that run Chromium headless with every network lookup refused."""
    return [
        "--headless=new",
        "--no-sandbox",  # root in containers
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-proxy-server",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={user_data_dir}",
    ]


def html_to_pdf(html: str | Path, pdf: str | Path | None = None, *,
                timeout: float = 120.0) -> Path | None:
    """Print an HTML file to PDF with headless Chromium; ``None`` where there is none.

    Parameters
    ----------
    html : path
        A local HTML file (scripts run first: plotly figures are drawn before printing).
    pdf : path, optional
        Output file (default: ``html`` with suffix ``.pdf``).
    timeout : float
        Seconds before giving up.

    Returns
    -------
    Path or None
        The PDF, or ``None`` when Chromium is missing or failed.
    """
    browser = find_chromium()
    if browser is None:
        return None
    html = Path(html).resolve()
    pdf = Path(pdf) if pdf else html.with_suffix(".pdf")
    with tempfile.TemporaryDirectory(prefix="qfin-chromium-") as profile:
        command = [browser, *chromium_offline_flags(profile), "--no-pdf-header-footer",
                   "--run-all-compositor-stages-before-draw", "--virtual-time-budget=20000",
                   f"--print-to-pdf={pdf.resolve()}", html.as_uri()]
        try:
            subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
    return pdf if pdf.is_file() and pdf.stat().st_size > 0 else None
