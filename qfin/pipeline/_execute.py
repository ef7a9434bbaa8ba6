"""Executing one run: a notebook through papermill, on whatever process Dask chose."""

from __future__ import annotations

import json
import time
import traceback
from pathlib import Path
from typing import Any

import nbformat

from qfin.errors import NotebookRunError
from qfin.results._context import MARKER_FILE, RESULTS_FILE

__all__ = ["execute_notebook", "execute_run", "cell_timings", "EXECUTED_NOTEBOOK"]

EXECUTED_NOTEBOOK = "notebook.ipynb"


def cell_timings(notebook: str | Path | nbformat.NotebookNode) -> list[dict[str, Any]]:
    """Papermill's per-cell timings of an executed notebook (code cells only).

    Parameters
    ----------
    notebook : path or NotebookNode
        An executed notebook.

    Returns
    -------
    list of dict
        ``cell`` (index), ``tags``, ``first_line``, ``seconds`` (``papermill.duration``;
        ``None`` for a cell that did not run), ``status``.
    """
    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else \
        nbformat.read(Path(notebook), as_version=4)
    rows = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        meta = cell.get("metadata", {}).get("papermill", {})
        lines = [line for line in cell.source.splitlines() if line.strip()]
        rows.append({
            "cell": index,
            "tags": ",".join(cell.get("metadata", {}).get("tags", [])),
            "first_line": lines[0][:80] if lines else "",
            "seconds": meta.get("duration"),
            "status": meta.get("status"),
        })
    return rows


def execute_notebook(notebook: str | Path, run_dir: str | Path, parameters: dict[str, Any],
                     *, context: dict[str, Any] | None = None, kernel_name: str | None = None,
                     execution_timeout: float | None = None) -> Path:
    """Run a notebook with papermill in ``run_dir`` (its working folder); return the output.

    Parameters are injected by papermill as data (a new cell after the ``parameters`` cell,
    each value written as a Python literal), never pasted into the notebook's code.

    Parameters
    ----------
    notebook : path
        The source notebook.
    run_dir : path
        Output folder: receives ``notebook.ipynb`` (executed, also on failure), the marker
        ``qfin-run.json`` and whatever the notebook records.
    parameters : dict
        Values for the notebook's ``parameters`` cell.
    context : dict, optional
        Written to the marker file for :func:`qfin.results.run_context`.
    kernel_name : str, optional
        Jupyter kernel (default: the notebook's own, normally ``python3``).
    execution_timeout : float, optional
        Seconds one cell may run.

    Returns
    -------
    Path
        The executed notebook.

    Raises
    ------
    NotebookRunError
        If a cell raises; ``.path`` is the executed notebook, outputs up to the failure.
    """
    import papermill as pm

    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / MARKER_FILE).write_text(json.dumps(context or {}, indent=2, default=str),
                                       encoding="utf-8")
    output = run_dir / EXECUTED_NOTEBOOK
    try:
        pm.execute_notebook(str(notebook), str(output), parameters=parameters,
                            kernel_name=kernel_name, progress_bar=False, log_output=False,
                            cwd=str(run_dir), execution_timeout=execution_timeout,
                            # the kernel's own start/stop chatter is not the notebook's output
                            extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
    except pm.PapermillExecutionError as exc:
        message = f"{exc.ename}: {exc.evalue} (cell {exc.exec_count})"
        raise NotebookRunError(message, output) from exc
    return output


def execute_run(payload: dict[str, Any]) -> dict[str, Any]:
    """Execute one pipeline run; never raises (a failure is a result).

    Called on a Dask worker. ``payload`` holds ``notebook``, ``run_dir``, ``parameters``,
    ``context`` and optionally ``kernel_name``, ``execution_timeout``, ``dataset``.

    Returns
    -------
    dict
        ``status`` (``"ok"`` or ``"failed"``), ``error``, ``traceback``, ``notebook`` (the
        executed notebook), ``results`` (path or ``None``), ``seconds``, ``cells`` (per-cell
        timings), ``environment`` (versions, machine, git revision) and ``data_hash``.
    """
    from qfin.bench import environment_info

    run_dir = Path(payload["run_dir"])
    started = time.perf_counter()
    status, error, trace = "ok", None, None
    output = run_dir / EXECUTED_NOTEBOOK
    try:
        output = execute_notebook(payload["notebook"], run_dir, payload["parameters"],
                                  context=payload.get("context"),
                                  kernel_name=payload.get("kernel_name"),
                                  execution_timeout=payload.get("execution_timeout"))
    except NotebookRunError as exc:
        status, error = "failed", str(exc)
    except Exception as exc:  # noqa: BLE001 - kernel died, bad notebook...: a failed run
        status, error, trace = "failed", f"{type(exc).__name__}: {exc}", traceback.format_exc()
    seconds = time.perf_counter() - started
    cells: list[dict[str, Any]] = []
    if output.is_file():
        try:
            cells = cell_timings(output)
        except Exception:  # noqa: BLE001 - a half-written notebook has no timings
            cells = []
    data_hash = None
    try:
        from qfin.data import MarketStore

        store = MarketStore((payload.get("context") or {}).get("db_url"))
        data_hash = store.data_hash(payload.get("dataset") or "sample")
    except Exception:  # noqa: BLE001 - provenance is best effort; the run's status stands
        data_hash = None
    results = run_dir / RESULTS_FILE
    return {
        "status": status,
        "error": error,
        "traceback": trace,
        "notebook": str(output) if output.is_file() else None,
        "results": str(results) if results.is_file() and status == "ok" else None,
        "seconds": seconds,
        "cells": cells,
        "environment": environment_info(),
        "data_hash": data_hash,
    }
