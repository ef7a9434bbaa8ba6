"""Executing one run: a notebook through papermill, on whatever process Dask chose."""

from __future__ import annotations

import json
import os
import time
import traceback
from pathlib import Path
from typing import Any

import nbformat

from qfin.errors import NotebookRunError, PipelineError
from qfin.pipeline._text import short_repr
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
                     execution_timeout: float | None = None,
                     env: dict[str, str] | None = None) -> Path:
    """Run a notebook with papermill in ``run_dir`` (its working folder); return the output.

    Parameters are injected by papermill as data (a new cell after the ``parameters`` cell,
    each value written as a Python literal), never pasted into the notebook's code; anything
    but plain data (str, int, float, bool, None, lists and str-keyed dicts of those) is
    refused before papermill sees it.

    Credentials never reach the run folder: a database URL (``env["QFIN_DB_URL"]``, or a
    ``db_url`` in ``context``, which is moved there) goes to the kernel's environment only,
    and the marker file holds the URL with its password masked.

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
        Written to the marker file for :func:`qfin.results.run_context` (``db_url`` masked).
    kernel_name : str, optional
        Jupyter kernel (default: the notebook's own, ``qfin`` for the shipped notebooks;
        registered for this interpreter where missing, see :func:`qfin._kernel.ensure_kernel`).
    execution_timeout : float, optional
        Seconds one cell may run.
    env : dict, optional
        Extra environment variables of the kernel process (never written to disk).

    Returns
    -------
    Path
        The executed notebook.

    Raises
    ------
    NotebookRunError
        If a cell raises; ``.path`` is the executed notebook, outputs up to the failure.
    PipelineError
        If a parameter is not plain data, or the kernel cannot be registered.
    """
    import papermill as pm

    from qfin._kernel import ensure_kernel
    from qfin.pipeline._yaml import plain_data_problem

    for name, value in parameters.items():
        why = plain_data_problem(value)
        if why is not None or not isinstance(name, str) or not name.isidentifier():
            raise PipelineError(f"parameter {short_repr(name)} is not plain data: "
                                f"{why or 'names must be identifiers'}; nothing was run")
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    marker = dict(context or {})
    kernel_env = dict(env or {})
    if marker.get("db_url"):
        kernel_env.setdefault("QFIN_DB_URL", str(marker["db_url"]))
    marker.pop("db_url", None)
    if kernel_env.get("QFIN_DB_URL"):
        marker.setdefault("db", mask_url(kernel_env["QFIN_DB_URL"]))
    (run_dir / MARKER_FILE).write_text(json.dumps(marker, indent=2, default=str),
                                       encoding="utf-8")
    output = run_dir / EXECUTED_NOTEBOOK
    kernel = kernel_name or _kernel_of(notebook)
    ensure_kernel(kernel)
    try:
        pm.execute_notebook(str(notebook), str(output), parameters=parameters,
                            kernel_name=kernel, progress_bar=False, log_output=False,
                            cwd=str(run_dir), execution_timeout=execution_timeout,
                            # the kernel's own start/stop chatter is not the notebook's output
                            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
                            kernel_manager_class=_kernel_manager_class(kernel_env))
    except pm.PapermillExecutionError as exc:
        message = f"{exc.ename}: {exc.evalue} (cell {exc.exec_count})"
        raise NotebookRunError(message, output) from exc
    return output


def _kernel_of(notebook: str | Path) -> str | None:
    try:
        nb = nbformat.read(Path(notebook), as_version=4)
    except Exception:  # noqa: BLE001 - papermill reports an unreadable notebook itself
        return None
    return nb.metadata.get("kernelspec", {}).get("name")


def mask_url(url: str) -> str:
    """A database URL with its password masked (SQLAlchemy's rendering)."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL (a SQLite path): nothing to mask
        return url if "@" not in url else "<database URL>"


def _kernel_manager_class(env: dict[str, str]) -> type:
    """Jupyter's kernel manager, starting the kernel with ``env`` added to its environment.

    Passed to papermill (and so to nbclient) as ``kernel_manager_class``: the public way
    to give the kernel process variables without touching this process's environment, so
    runs sharing a worker never see each other's credentials.
    """
    from jupyter_client import AsyncKernelManager

    extra = dict(env)

    class _RunKernelManager(AsyncKernelManager):
        async def start_kernel(self, **kw: Any) -> None:
            kw["env"] = {**(kw.get("env") or os.environ), **extra}
            await super().start_kernel(**kw)

    return _RunKernelManager


def execute_run(payload: dict[str, Any]) -> dict[str, Any]:
    """Execute one pipeline run; never raises (a failure is a result).

    Called on a Dask worker. ``payload`` holds ``notebook``, ``run_dir``, ``parameters``,
    ``context`` and optionally ``db_url`` (handed to the kernel's environment, never
    written), ``kernel_name``, ``execution_timeout``, ``dataset``.

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
        env = {"QFIN_DB_URL": payload["db_url"]} if payload.get("db_url") else None
        output = execute_notebook(payload["notebook"], run_dir, payload["parameters"],
                                  context=payload.get("context"),
                                  kernel_name=payload.get("kernel_name"),
                                  execution_timeout=payload.get("execution_timeout"), env=env)
    except (NotebookRunError, PipelineError) as exc:
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

        store = MarketStore(payload.get("db_url") or (payload.get("context") or {}).get("db_url"))
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
