"""What a notebook calls to hand results to the pipeline runner.

When the runner executes a notebook, the kernel's working folder is the run's output folder
and holds a marker file, ``qfin-run.json``. These helpers write next to it; run
interactively (no marker), they only return what they were given, so a notebook behaves
the same in JupyterLab and in a pipeline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from qfin.errors import DataError

__all__ = ["MARKER_FILE", "RESULTS_FILE", "FIGURES_DIR", "run_context", "record_results",
           "record_figure", "open_run_store"]

MARKER_FILE = "qfin-run.json"
RESULTS_FILE = "results.parquet"
FIGURES_DIR = "figures"


def run_context() -> dict[str, Any] | None:
    """The pipeline run this kernel belongs to (from ``qfin-run.json``), or ``None``.

    Returns
    -------
    dict or None
        Keys ``pipeline``, ``pipeline_run``, ``step``, ``slug``, ``db`` (the database URL
        with its password masked; the URL itself is in the kernel's ``QFIN_DB_URL``
        environment variable, never in the run folder), ``run_dir``.
    """
    marker = Path.cwd() / MARKER_FILE
    if not marker.is_file():
        return None
    context = json.loads(marker.read_text(encoding="utf-8"))
    context["run_dir"] = str(marker.parent)
    return context


def _parquet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            values = out[column]
            if not values.map(lambda v: v is None or isinstance(v, str)).all():
                out[column] = values.map(
                    lambda v: v if v is None or isinstance(v, str) else json.dumps(v, default=str))
    return out


def record_results(rows: pd.DataFrame | list[dict[str, Any]]) -> pd.DataFrame:
    """Hand a notebook's tidy result table to the pipeline runner.

    In a pipeline run the table is written to ``results.parquet`` in the run's folder; the
    runner adds provenance (parameters, seeds, versions, backend, data hash, git revision)
    and stores it in the database. Interactively it is only returned.

    Parameters
    ----------
    rows : DataFrame or list of dict
        One row per measurement (method, size, error, seconds, ...).

    Returns
    -------
    DataFrame
        The table, for display.

    Examples
    --------
    >>> record_results([{"method": "exact", "objective": -0.1}]).shape
    (1, 2)
    """
    if isinstance(rows, pd.DataFrame):
        frame = rows.reset_index(drop=True)
    elif isinstance(rows, list) and all(isinstance(r, dict) for r in rows):
        frame = pd.DataFrame(rows)
    else:
        raise DataError(f"rows must be a DataFrame or a list of dicts; got {type(rows).__name__}")
    context = run_context()
    if context is not None:
        frame.columns = [str(c) for c in frame.columns]
        _parquet_safe(frame).to_parquet(Path(context["run_dir"]) / RESULTS_FILE, index=False)
    return frame


def record_figure(figure: Any, name: str) -> Any:
    """Mark a plotly figure as a key figure of this run (shown on the pipeline's index page).

    Parameters
    ----------
    figure : plotly.graph_objects.Figure
        The figure.
    name : str
        A short file-name-safe label, e.g. ``"frontier"``.

    Returns
    -------
    Figure
        The same figure.
    """
    if not name or any(ch in name for ch in "/\\:") or name.startswith("."):
        raise DataError(f"name must be a short file-name-safe label; got {name!r}")
    if not hasattr(figure, "to_json"):
        raise DataError(f"figure must be a plotly Figure; got {type(figure).__name__}")
    context = run_context()
    if context is not None:
        folder = Path(context["run_dir"]) / FIGURES_DIR
        folder.mkdir(exist_ok=True)
        (folder / f"{name}.json").write_text(figure.to_json(), encoding="utf-8")
    return figure


def open_run_store() -> Any:
    """The market database of the current pipeline run (``--db``), else the default one.

    A pipeline hands its database URL to the kernel as ``QFIN_DB_URL`` (the environment,
    not the run folder), which :class:`qfin.data.MarketStore` reads by default.
    """
    from qfin.data import MarketStore

    context = run_context()
    return MarketStore((context or {}).get("db_url") or None)
