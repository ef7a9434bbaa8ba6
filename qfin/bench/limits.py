"""Bounded resources: ``qfin pipeline check`` on hostile pipeline files, in child processes.

Each case is a file that once exhausted memory or time (issue 12: a 650-byte alias bomb, a
10^6-point grid, a huge list value, deep nesting, a FIFO, a symlink to ``/dev/zero``). Each
runs as ``python -m qfin pipeline check FILE`` in a child process capped at 4 GiB of
address space and 120 s, and reports its exit code, wall seconds, peak RSS (``wait4``) and
the head of its one-line message, next to the same figures for ``pipelines/demo.yaml``.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

__all__ = ["hostile_files", "measure_check", "run_limits"]

_CAP_BYTES = 4 * 1024**3
_TIMEOUT = 120.0


def hostile_files(folder: Path, notebook_dir: Path) -> dict[str, Path]:
    """Write the hostile cases into ``folder``; name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    head = f"notebook_dir: {notebook_dir}\n"
    step = "steps:\n  - notebook: 01_data_explorer\n"
    cases: dict[str, str] = {}
    laughs = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    laughs += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    cases["alias bomb (9 levels, 9**9 leaves, ~650 bytes)"] = (
        head + "defaults:\n" + "".join(f"  {line}\n" for line in laughs) + step)
    cases["alias bomb in a parameter value"] = (
        head + "x: &x [" + ", ".join(["lol"] * 9) + "]\n" + step
        + "    parameters:\n      dataset: [" + ", ".join(["*x"] * 9) + "]\n")
    grid = {"k": range(1, 11), "n_assets": range(10, 20), "num_reads": range(1, 11),
            "seed": range(10), "frontier_points": range(2, 12), "risk_aversion": range(10)}
    cases["10^6-point grid (valid values)"] = (
        head + "steps:\n  - notebook: 02_portfolio\n    grid:\n"
        + "".join(f"      {p}: [{', '.join(map(str, v))}]\n" for p, v in grid.items()))
    cases["list value of 200,000 items"] = (head + step + "    parameters:\n      dataset: ["
                                            + ", ".join(["1"] * 200_000) + "]\n")
    cases["2 MB file"] = head + step + "# " + "x" * 2_000_000 + "\n"
    cases["100,000 nested lists"] = (head + step + "    parameters:\n      dataset: "
                                     + "[" * 100_000 + "]" * 100_000 + "\n")
    paths = {}
    for i, (name, text) in enumerate(cases.items()):
        path = folder / f"case{i}.yaml"
        path.write_text(text, encoding="utf-8")
        paths[name] = path
    fifo = folder / "fifo.yaml"
    if not fifo.exists():
        os.mkfifo(fifo)
    paths["FIFO"] = fifo
    zero = folder / "zero.yaml"
    if not zero.exists():
        zero.symlink_to("/dev/zero")
    paths["symlink to /dev/zero"] = zero
    return paths


def _limit() -> None:  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_AS, (_CAP_BYTES, _CAP_BYTES))


def measure_check(path: Path) -> dict[str, Any]:
    """``qfin pipeline check PATH`` in a capped child: exit code, seconds, peak RSS, message."""
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "qfin", "pipeline", "check", str(path)],
                                 stdout=output, stderr=subprocess.STDOUT,
                                 preexec_fn=_limit)  # noqa: PLW1509 - a plain resource cap
        while True:
            pid, status, rusage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - started > _TIMEOUT:
                child.kill()
                _, status, rusage = os.wait4(child.pid, 0)
                break
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read(1_000_000).decode("utf-8", "replace")
    lines = text.strip().splitlines()
    return {"exit_code": child.returncode, "seconds": round(seconds, 2),
            "peak_rss_mib": round(rusage.ru_maxrss / 1024, 1),
            "output_lines": len(lines), "message_chars": len(lines[-1]) if lines else 0,
            "message": (lines[-1][:160] + "...") if lines and len(lines[-1]) > 160 else
            (lines[-1] if lines else "")}


def run_limits(repo_notebooks: Path, baseline: Path, work_dir: str | Path | None = None,
               log: Any = print) -> list[dict[str, Any]]:
    """Measure the baseline and every hostile case; one row each."""
    folder = Path(work_dir or tempfile.mkdtemp(prefix="qfin-limits-"))
    rows = [{"case": "baseline: pipelines/demo.yaml", "bytes": baseline.stat().st_size,
             **measure_check(baseline)}]
    log(f"{rows[-1]['case']}: {rows[-1]['peak_rss_mib']} MiB, {rows[-1]['seconds']} s")
    for name, path in hostile_files(folder, repo_notebooks).items():
        size = path.stat().st_size if path.is_file() and not path.is_symlink() else None
        rows.append({"case": name, "bytes": size, **measure_check(path)})
        log(f"{name}: {rows[-1]['peak_rss_mib']} MiB, {rows[-1]['seconds']} s, exit "
            f"{rows[-1]['exit_code']}")
    return rows
