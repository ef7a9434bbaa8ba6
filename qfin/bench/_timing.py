"""Timing with medians and spreads (the machines are shared and noisy)."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Timing", "time_call", "peak_memory_of"]


@dataclass(frozen=True)
class Timing:
    """Seconds per call over repeated calls.

    Attributes
    ----------
    median, p10, p90, minimum : float
        Seconds.
    n : int
        Calls measured (after warm-up).
    """

    median: float
    p10: float
    p90: float
    minimum: float
    n: int

    def as_dict(self, prefix: str = "seconds") -> dict[str, float]:
        """Flat dict for result tables."""
        return {f"{prefix}_median": self.median, f"{prefix}_p10": self.p10,
                f"{prefix}_p90": self.p90, f"{prefix}_min": self.minimum, "calls": self.n}


def time_call(fn: Callable[[], Any], *, repeat: int = 7, warmup: int = 1,
              min_seconds: float = 0.0, synchronize: Callable[[], None] | None = None) -> Timing:
    """Time ``fn()``: ``warmup`` untimed calls, then at least ``repeat`` timed calls.

    Parameters
    ----------
    fn : callable
        The work (no arguments).
    repeat : int
        Minimum timed calls.
    warmup : int
        Untimed calls first (compilation, caches).
    min_seconds : float
        Keep calling until this much time has been measured (for very fast calls).
    synchronize : callable, optional
        Called before reading the clock (``backend.synchronize`` for lazy GPU work).
    """
    sync = synchronize or (lambda: None)
    for _ in range(warmup):
        fn()
        sync()
    samples: list[float] = []
    total = 0.0
    while len(samples) < repeat or total < min_seconds:
        t0 = time.perf_counter()
        fn()
        sync()
        dt = time.perf_counter() - t0
        samples.append(dt)
        total += dt
    arr = np.asarray(samples)
    return Timing(float(np.median(arr)), float(np.percentile(arr, 10)),
                  float(np.percentile(arr, 90)), float(arr.min()), len(arr))


def peak_memory_of(fn: Callable[[], Any]) -> tuple[Any, int]:
    """Run ``fn`` and return (its result, peak bytes allocated through Python/numpy).

    numpy reports its buffers to ``tracemalloc``, so this measures array memory too.
    """
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak
