"""Named points in an ingest where a fault-injection test can stop the process.

Set ``QFIN_FAULT_CHECKPOINT=<name>=<marker path>``: when the ingest reaches checkpoint
``<name>`` (``validating``, ``validated``, ``inserting``, ``upserting``) it writes the marker
file and waits until ``<marker path>.go`` exists (or 10 minutes pass). A test then kills the
process (``kill -9``) or releases it, to check that the store survives a crash at exactly that
point. Without the variable a checkpoint costs one dictionary lookup.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

__all__ = ["checkpoint"]

_ENV = "QFIN_FAULT_CHECKPOINT"


def checkpoint(name: str) -> None:
    """Stop here if the fault-injection variable names this checkpoint (see module doc)."""
    spec = os.environ.get(_ENV)
    if not spec:
        return
    wanted, _, marker = spec.partition("=")
    if wanted != name or not marker:
        return
    path = Path(marker)
    if path.exists():  # only the first time the checkpoint is reached
        return
    path.write_text(str(os.getpid()))
    go = Path(marker + ".go")
    deadline = time.monotonic() + 600
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
