"""Writing benchmark tables: to a file and to the results store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from qfin.bench._environment import environment_info

__all__ = ["save_benchmark"]


def save_benchmark(
    name: str,
    table: pd.DataFrame,
    *,
    out: str | Path | None = None,
    store: Any = None,
    params: dict[str, Any] | None = None,
    backend: Any = None,
) -> dict[str, Any]:
    """Write a benchmark table to ``out`` (CSV, or Parquet/JSON by suffix) and the store.

    Parameters
    ----------
    name : str
        Benchmark name (``"portfolio"``, ``"samplers"``, ``"risk"``, ``"qae"``).
    table : DataFrame
        One row per (method, size, ...) with the measured figures.
    out : path, optional
        Default ``bench-results/<name>.csv``.
    store : MarketStore, optional
        Where to record the run (kind ``"bench:<name>"``); skipped when ``None``.
    params : dict, optional
        The benchmark's parameters, stored with it.

    Returns
    -------
    dict
        ``{"path": Path, "run_id": str | None}``.
    """
    path = Path(out) if out else Path("bench-results") / f"{name}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        table.to_parquet(path, index=False)
    elif suffix == ".json":
        table.to_json(path, orient="records", indent=2)
    else:
        table.to_csv(path, index=False)
    run_id = None
    if store is not None:
        run_id = store.record_run(f"bench:{name}", name, table, params=params or {},
                                  environment=environment_info(backend))
    return {"path": path, "run_id": run_id}
