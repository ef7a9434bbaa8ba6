"""A pipeline run's records in the results store: written with retries, checked, retired.

The runner stores each run's rows with :meth:`qfin.data.MarketStore.record_run`; this module
adds what makes that safe under faults: writes retried with exponential back-off while the
database is unreachable (:func:`record_with_retry`), a read of what is stored for one
pipeline run (:func:`stored_runs`, so ``--resume`` re-checks the store instead of trusting
the run folder) and the removal of runs that are no longer part of the pipeline
(:func:`delete_runs`, so the store, ``results.csv`` and ``index.html`` agree).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["StoreUnavailable", "StoredRun", "record_with_retry", "stored_runs", "delete_runs",
           "PIPELINE_KINDS"]

PIPELINE_KINDS = ("pipeline", "pipeline:cells")


class StoreUnavailable(Exception):  # noqa: N818 - carries the last error for the run's message
    """The store could not be written within the allowed time."""


@dataclass(frozen=True)
class StoredRun:
    """One run as the store holds it."""

    run_id: str
    kind: str
    status: str
    key: str | None
    rows: int


def _transient(exc: BaseException) -> bool:
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    return isinstance(exc, DBAPIError | PoolTimeout | OSError | TimeoutError)


def describe_error(exc: BaseException, limit: int = 200) -> str:
    """One line naming an exception, without SQL statements or parameters."""
    from sqlalchemy.exc import DBAPIError

    if isinstance(exc, DBAPIError) and exc.orig is not None:
        text = f"{type(exc.orig).__name__}: {exc.orig}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


def record_with_retry(write: Callable[[], Any], *, patience: float = 60.0,
                      first_wait: float = 0.5, max_wait: float = 10.0,
                      sleep: Callable[[float], None] = time.sleep) -> Any:
    """Call ``write`` until it succeeds, waiting 0.5, 1, 2, ... s (at most ``max_wait``).

    Parameters
    ----------
    write : callable
        One attempt (e.g. a ``record_run`` call; it must be idempotent, as a ``run_id``
        makes it).
    patience : float
        Seconds of waiting after which the last error is raised as :class:`StoreUnavailable`
        (``0``: one attempt).
    first_wait, max_wait : float
        The first wait and the cap of the doubling waits, in seconds.

    Raises
    ------
    StoreUnavailable
        When the database stayed unreachable (message: the last error, one line).
    """
    waited, delay = 0.0, first_wait
    while True:
        try:
            return write()
        except Exception as exc:  # noqa: BLE001 - transient ones are retried, others raised
            if not _transient(exc):
                raise
            if waited >= patience:
                raise StoreUnavailable(describe_error(exc)) from exc
            pause = min(delay, max_wait, max(patience - waited, 0.0))
            sleep(pause)
            waited += pause
            delay *= 2


def _tables() -> tuple[Any, Any]:
    import sqlalchemy as sa

    runs = sa.table("runs", sa.column("run_id"), sa.column("kind"), sa.column("status"),
                    sa.column("params"))
    results = sa.table("results", sa.column("run_id"), sa.column("row_index"))
    return runs, results


def stored_runs(store: Any, pipeline_run: str) -> dict[str, StoredRun]:
    """Every run the store holds for one pipeline run (its output folder), by ``run_id``."""
    import sqlalchemy as sa

    runs, results = _tables()
    query = (sa.select(runs.c.run_id, runs.c.kind, runs.c.status, runs.c.params,
                       sa.func.count(results.c.row_index))
             .select_from(runs.outerjoin(results, results.c.run_id == runs.c.run_id))
             .where(runs.c.kind.in_(PIPELINE_KINDS))
             .group_by(runs.c.run_id, runs.c.kind, runs.c.status, runs.c.params))
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    found = {}
    for run_id, kind, status, params, count in rows:
        try:
            p = json.loads(params or "{}")
        except ValueError:
            continue
        if p.get("pipeline_run") != pipeline_run:
            continue
        key = f"{p.get('step')}/{p.get('run')}" if p.get("step") else None
        found[run_id] = StoredRun(run_id=run_id, kind=kind, status=status, key=key,
                                  rows=int(count))
    return found


def delete_runs(store: Any, run_ids: Iterable[str]) -> int:
    """Delete runs and their result rows (one transaction); return how many runs went."""
    import sqlalchemy as sa

    ids = sorted(set(run_ids))
    if not ids:
        return 0
    runs, results = _tables()
    with store.engine.begin() as conn:
        conn.execute(sa.delete(results).where(results.c.run_id.in_(ids)))
        gone = conn.execute(sa.delete(runs).where(runs.c.run_id.in_(ids))).rowcount
    return int(gone or 0)
