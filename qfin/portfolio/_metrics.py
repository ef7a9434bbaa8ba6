"""Run metrics: optimality gap, success probability, time to solution."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from qfin.errors import ProblemError

__all__ = ["tts99", "relative_gap", "read_metrics", "SUCCESS_RTOL"]

#: A read "hits the optimum" when its objective is within this relative distance of it.
SUCCESS_RTOL = 1e-9


def tts99(seconds_per_read: float, p: float) -> float:
    """Time to solution with 99 % confidence: ``t_read · ln(0.01) / ln(1 − p)``.

    ``inf`` when ``p == 0`` (the optimum was never seen: no finite estimate), ``t_read``
    when ``p == 1``.

    Parameters
    ----------
    seconds_per_read : float
        Wall-clock seconds of one read (≥ 0).
    p : float
        Success probability of one read, in [0, 1].

    Examples
    --------
    >>> round(tts99(0.001, 0.5), 6)
    0.006644
    >>> tts99(0.001, 0.0)
    inf
    """
    if not (isinstance(seconds_per_read, int | float | np.floating | np.integer)
            and math.isfinite(seconds_per_read) and seconds_per_read >= 0):
        raise ProblemError(f"seconds_per_read must be a finite number ≥ 0; "
                           f"got {seconds_per_read!r}")
    if not (isinstance(p, int | float | np.floating | np.integer) and 0 <= p <= 1):
        raise ProblemError(f"p must be a probability in [0, 1]; got {p!r}")
    if p == 0:
        return math.inf
    if p == 1:
        return float(seconds_per_read)
    return float(seconds_per_read * math.log(0.01) / math.log1p(-p))


def relative_gap(value: float, reference: float) -> float:
    """``(value − reference) / |reference|`` (absolute difference when reference is 0)."""
    scale = abs(reference)
    return float((value - reference) / scale) if scale > 0 else float(value - reference)


def read_metrics(reads: pd.DataFrame, reference: float | None, seconds: float
                 ) -> dict[str, float | None]:
    """Feasibility rate, success probability and TTS99 over the reads of one run.

    Reads are weighted by ``num_occurrences``. ``success_probability`` is the fraction of
    reads that are feasible with an objective within :data:`SUCCESS_RTOL` (relative) of
    ``reference``; it is ``None`` without a reference (no ground truth, no claim).
    """
    counts = reads["num_occurrences"].to_numpy(dtype=float)
    n_reads = float(counts.sum())
    feasible = reads["feasible"].to_numpy(dtype=bool)
    out: dict[str, float | None] = {
        "num_reads": n_reads,
        "feasibility_rate": float(counts[feasible].sum() / n_reads) if n_reads else 0.0,
        "seconds_per_read": seconds / n_reads if n_reads else math.nan,
        "success_probability": None, "tts99": None,
    }
    if reference is not None and n_reads:
        tol = SUCCESS_RTOL * max(abs(reference), 1e-12)
        hit = feasible & (reads["objective"].to_numpy() <= reference + tol)
        p = float(counts[hit].sum() / n_reads)
        out["success_probability"] = p
        out["tts99"] = tts99(float(out["seconds_per_read"]), p)
    return out
