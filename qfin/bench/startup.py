"""The start-up benchmark: ``qfin --version``, ``--help`` and ``<command> --help`` timed.

Whole processes, optionally against another qfin tree.

Each command is run as a fresh Python process (``python -m qfin ...``), so the figure
includes the interpreter's own start-up; ``python -c pass`` is measured alongside as the
floor. With ``baseline`` (a qfin source tree, e.g. ``git worktree add /tmp/qfin-before
<commit>``), the same commands run with ``PYTHONPATH=<baseline>`` in the same run, the two
trees alternating run by run so that a drift of the machine's speed hits both alike.
Wall-clock and CPU seconds (user + system of the child, from ``os.wait4``) are recorded; the
medians are the figures to quote.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["startup_commands", "time_process", "startup_times"]


def startup_commands(commands: Sequence[str]) -> list[list[str]]:
    """The argument lists measured: ``--version``, ``--help`` and ``<cmd> --help`` each."""
    return [["--version"], ["--help"], *[[c, "--help"] for c in commands]]


def time_process(argv: list[str], env: dict[str, str] | None = None,
                 cwd: str | None = None) -> tuple[float, float, int]:
    """Run ``argv`` to completion; return (wall seconds, CPU seconds, exit code)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=env, cwd=cwd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, proc.returncode


def _env(tree: str | None) -> dict[str, str]:
    """The environment that makes ``import qfin`` load ``tree`` (default: this qfin)."""
    import qfin

    env = dict(os.environ)
    root = Path(qfin.__file__).resolve().parents[1] if tree is None else Path(tree).resolve()
    env["PYTHONPATH"] = str(root)
    return env


def _one_round(keep: bool, lines: list[tuple[str, list[str]]],
               trees: list[tuple[str, str | None]], cwd: str,
               samples: dict[tuple[str, str], list[tuple[float, float, int]]],
               progress: Any) -> None:
    for label, argv in lines:
        for tree, path in trees:
            if label.startswith("python") and tree != "current":
                continue
            out = time_process(argv, _env(path), cwd)
            if keep:
                samples.setdefault((tree, label), []).append(out)
            if progress is not None:
                progress.update(1)


def startup_times(commands: Sequence[str], *, runs: int = 7, warmup: int = 1,
                  baseline: str | None = None, progress: Any = None) -> list[dict[str, Any]]:
    """Median wall and CPU seconds of each start-up command (and the interpreter floor).

    Parameters
    ----------
    commands : sequence of str
        Subcommands whose ``--help`` is timed.
    runs, warmup : int
        Timed and untimed runs of each command line per tree.
    baseline : str, optional
        Another qfin source tree, timed in the same run with ``PYTHONPATH`` pointing at it.
    progress : tqdm-like, optional
        ``update(1)`` after each process.

    Returns
    -------
    list of dict
        One row per (tree, command): ``tree`` ("current" or "baseline"), ``command``,
        ``runs``, ``wall_s_median``, ``wall_s_min``, ``cpu_s_median``, ``failures``.
    """
    import numpy as np

    trees: list[tuple[str, str | None]] = [("current", None)]
    if baseline is not None:
        if not (Path(baseline) / "qfin" / "__init__.py").is_file():
            from qfin.errors import QfinError

            raise QfinError(f"--baseline {baseline!r} is not a qfin source tree (no "
                            "qfin/__init__.py); make one with `git worktree add DIR COMMIT`")
        trees.append(("baseline", baseline))
    lines: list[tuple[str, list[str]]] = [("python -c pass", [sys.executable, "-c", "pass"])]
    for args in startup_commands(commands):
        lines.append(("qfin " + " ".join(args), [sys.executable, "-m", "qfin", *args]))
    samples: dict[tuple[str, str], list[tuple[float, float, int]]] = {}
    # a neutral working folder: `python -m` puts it first on sys.path, before PYTHONPATH
    with tempfile.TemporaryDirectory() as neutral:
        for i in range(warmup + runs):
            _one_round(i >= warmup, lines, trees, neutral, samples, progress)
    rows = []
    for (tree, label), values in samples.items():
        wall = np.array([v[0] for v in values])
        cpu = np.array([v[1] for v in values])
        rows.append({"tree": tree, "command": label, "runs": len(values),
                     "wall_s_median": float(np.median(wall)), "wall_s_min": float(wall.min()),
                     "cpu_s_median": float(np.median(cpu)),
                     "failures": int(sum(v[2] != 0 for v in values))})
    return rows
