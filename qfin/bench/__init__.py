"""Accuracy and latency measurement shared by every benchmark, notebook and CLI.

>>> from qfin.bench import time_call
>>> stats = time_call(lambda: sum(range(100)), repeat=5)
>>> stats.n
5

The names are loaded on first use (PEP 562), so building the ``qfin bench`` parsers (which
read :mod:`qfin.bench._names`) imports neither numpy nor pandas.
"""

from __future__ import annotations

from qfin._lazy import lazy_exports

_LAZY = {
    "environment_info": "_environment",
    "git_revision": "_environment",
    "save_benchmark": "_output",
    "Timing": "_timing",
    "peak_memory_of": "_timing",
    "time_call": "_timing",
}

__all__ = ["time_call", "Timing", "peak_memory_of", "environment_info", "git_revision",
           "save_benchmark"]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
