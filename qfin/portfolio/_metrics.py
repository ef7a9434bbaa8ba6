"""Run metrics: optimality gap, success probability, time to solution (one implementation).

Every TTS/TTT figure in qfin (``solve``, ``qfin optimize``, the benchmarks) comes from
:func:`time_to_solution`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from qfin.errors import ProblemError

__all__ = ["tts99", "time_to_solution", "attempts_needed", "call_success_probability",
           "relative_gap", "read_metrics", "SUCCESS_RTOL"]

#: A read "hits the optimum" when its objective is within this relative distance of it.
SUCCESS_RTOL = 1e-9


def _check_probability(p: float, name: str = "p") -> float:
    if isinstance(p, bool) or not (isinstance(p, int | float | np.floating | np.integer)
                                   and 0 <= p <= 1):
        raise ProblemError(f"{name} must be a probability in [0, 1]; got {p!r}")
    return float(p)


def _check_seconds(seconds: float, name: str) -> float:
    if isinstance(seconds, bool) or not (
            isinstance(seconds, int | float | np.floating | np.integer)
            and math.isfinite(seconds) and seconds >= 0):
        raise ProblemError(f"{name} must be a finite number ≥ 0; got {seconds!r}")
    return float(seconds)


def attempts_needed(p: float, confidence: float = 0.99) -> float:
    """Independent attempts needed to succeed at least once with probability ``confidence``.

    ``ln(1 − confidence) / ln(1 − p)``, never below 1 (one attempt is the least anyone can
    run); ``inf`` when ``p == 0``. Non-increasing in ``p``.

    Parameters
    ----------
    p : float
        Success probability of one attempt, in [0, 1].
    confidence : float
        Target probability of at least one success, in (0, 1) (0.99 for TTS99).

    Examples
    --------
    >>> round(attempts_needed(0.5), 4)
    6.6439
    >>> attempts_needed(0.9999), attempts_needed(1.0), attempts_needed(0.0)
    (1.0, 1.0, inf)
    """
    p = _check_probability(p)
    if not (isinstance(confidence, int | float | np.floating) and 0 < confidence < 1):
        raise ProblemError(f"confidence must be in (0, 1); got {confidence!r}")
    if p == 0:
        return math.inf
    if p == 1:
        return 1.0
    return max(1.0, math.log1p(-float(confidence)) / math.log1p(-p))


def call_success_probability(p_read: float, num_reads: int) -> float:
    """Success probability of one call of ``num_reads`` independent reads: ``1 − (1 − p)^R``.

    Examples
    --------
    >>> round(call_success_probability(0.01, 128), 4)
    0.7237
    """
    p = _check_probability(p_read, "p_read")
    if isinstance(num_reads, bool) or not isinstance(num_reads, int | np.integer) or (
            num_reads < 1):
        raise ProblemError(f"num_reads must be an integer ≥ 1; got {num_reads!r}")
    return float(-math.expm1(int(num_reads) * math.log1p(-p))) if p < 1 else 1.0


def time_to_solution(seconds_per_attempt: float, p: float, confidence: float = 0.99, *,
                     whole_attempts: bool = False, setup_seconds: float = 0.0) -> float:
    """Time to reach the target at least once with probability ``confidence``.

    ``setup + t · N`` with ``N = attempts_needed(p, confidence)`` (at least one attempt),
    rounded up to a whole number of attempts when ``whole_attempts``. The standard TTS
    (Rønnow et al., Science 345, 420 (2014), eq. 1) with the floor at one attempt that the
    formula alone lacks: ``t·ln(0.01)/ln(1 − p)`` falls below ``t`` for ``p > 0.99``, and no
    method finishes sooner than one attempt.

    qfin's convention for samplers is the **whole call**: a call of ``R`` reads is one
    attempt (``seconds_per_attempt`` = seconds of the call, ``p`` =
    :func:`call_success_probability`), ``whole_attempts=True``, and ``setup_seconds`` the
    model build (BQM construction, penalty calibration) charged once. Per read
    (``t = call seconds / R``, ``p`` per read) is a secondary figure.

    Parameters
    ----------
    seconds_per_attempt : float
        Seconds of one attempt (≥ 0).
    p : float
        Success probability of one attempt, in [0, 1].
    confidence : float
        0.99 for TTS99.
    whole_attempts : bool
        Round the number of attempts up to an integer.
    setup_seconds : float
        One-off seconds before the first attempt (≥ 0).

    Returns
    -------
    float
        Seconds; ``inf`` when ``p == 0``. Never below ``setup + t``; non-increasing in ``p``.

    Examples
    --------
    >>> round(time_to_solution(0.001, 0.5), 6)
    0.006644
    >>> time_to_solution(2.0, 0.5, whole_attempts=True, setup_seconds=1.0)
    15.0
    """
    t = _check_seconds(seconds_per_attempt, "seconds_per_attempt")
    setup = _check_seconds(setup_seconds, "setup_seconds")
    n = attempts_needed(p, confidence)
    if math.isinf(n):
        return math.inf
    if whole_attempts:
        n = float(math.ceil(n - 1e-12))
    return setup + t * n


def tts99(seconds_per_read: float, p: float) -> float:
    """Time to solution with 99 % confidence: ``t_read · max(1, ln(0.01) / ln(1 − p))``.

    ``inf`` when ``p == 0`` (the optimum was never seen: no finite estimate), ``t_read``
    when ``p ≥ 0.99`` (one read is the least that can be run). Non-increasing in ``p``.
    The shared implementation is :func:`time_to_solution`.

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
    >>> tts99(0.001, 0.9999)
    0.001
    """
    _check_seconds(seconds_per_read, "seconds_per_read")
    return time_to_solution(seconds_per_read, p, 0.99)


def relative_gap(value: float, reference: float) -> float:
    """``(value − reference) / |reference|`` (absolute difference when reference is 0)."""
    scale = abs(reference)
    return float((value - reference) / scale) if scale > 0 else float(value - reference)


def read_metrics(reads: pd.DataFrame, reference: float | None, seconds: float, *,
                 setup_seconds: float = 0.0) -> dict[str, float | None]:
    """Feasibility rate, success probability and TTS99 over the reads of one call.

    Reads are weighted by ``num_occurrences``. ``success_probability`` is the fraction of
    reads that are feasible with an objective within :data:`SUCCESS_RTOL` (relative) of
    ``reference``; it is ``None`` without a reference (no ground truth, no claim).

    ``tts99`` counts **whole calls** (the call that produced ``reads`` is one attempt,
    succeeding with ``call_success_probability = 1 − (1 − p)^R``), plus ``setup_seconds``
    (model build and penalty calibration) once: see :func:`time_to_solution`.
    ``tts99_per_read`` is the per-read figure ``t_read · max(1, ln 0.01 / ln(1 − p))``, a
    secondary number that ignores that reads come in calls and that the model must be built.

    Parameters
    ----------
    reads : DataFrame
        From :meth:`PortfolioProblem.interpret`: ``num_occurrences``, ``feasible``,
        ``objective``.
    reference : float or None
        The ground-truth objective.
    seconds : float
        Wall-clock seconds of the call that made the reads.
    setup_seconds : float
        Seconds of the model build charged to the method.
    """
    counts = reads["num_occurrences"].to_numpy(dtype=float)
    n_reads = float(counts.sum())
    feasible = reads["feasible"].to_numpy(dtype=bool)
    out: dict[str, float | None] = {
        "num_reads": n_reads,
        "feasibility_rate": float(counts[feasible].sum() / n_reads) if n_reads else 0.0,
        "seconds_per_read": seconds / n_reads if n_reads else math.nan,
        "call_seconds": float(seconds), "setup_seconds": float(setup_seconds),
        "success_probability": None, "call_success_probability": None, "tts99": None,
        "tts99_per_read": None,
    }
    if reference is not None and n_reads:
        tol = SUCCESS_RTOL * max(abs(reference), 1e-12)
        hit = feasible & (reads["objective"].to_numpy() <= reference + tol)
        p = float(counts[hit].sum() / n_reads)
        p_call = call_success_probability(p, int(n_reads))
        out["success_probability"] = p
        out["call_success_probability"] = p_call
        out["tts99"] = time_to_solution(float(seconds), p_call, 0.99, whole_attempts=True,
                                        setup_seconds=setup_seconds)
        out["tts99_per_read"] = tts99(float(out["seconds_per_read"]), p)
    return out
