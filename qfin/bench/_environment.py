"""Provenance recorded with every benchmark and pipeline result."""

from __future__ import annotations

import os
import platform
import subprocess
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["environment_info", "git_revision"]

_PACKAGES = ("qfin", "numpy", "scipy", "pandas", "cvxpy", "dimod", "dwave-neal", "mlx",
             "papermill")


def git_revision(path: str | Path | None = None) -> str | None:
    """The git commit of the working tree holding ``path`` (``+dirty`` if modified).

    Read once per process and tree (it is part of the pipeline's code version: asking git
    again on a loaded machine must not give a different answer, e.g. a time-out read as
    "no git", and make ``--resume`` re-run finished runs).
    """
    where = Path(path) if path else Path(__file__).resolve().parents[2]
    return _git_revision(str(where.resolve()))


@cache
def _git_revision(where: str) -> str | None:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=where,
                             capture_output=True, text=True, timeout=60,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=where, capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return rev + ("+dirty" if dirty.strip() else "")


def environment_info(backend: Any = None) -> dict[str, Any]:
    """Versions, machine and backend/device, for storing beside results."""
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "versions": versions,
        "git_revision": git_revision(),
    }
    if backend is not None:
        info["backend"] = getattr(backend, "name", str(backend))
        info["device"] = getattr(backend, "device", None)
    return info
