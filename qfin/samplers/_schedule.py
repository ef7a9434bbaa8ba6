"""Inverse-temperature schedules derived from a model's coefficients."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qfin.errors import ProblemError
from qfin.samplers._model import DenseIsing

__all__ = ["default_beta_range", "geometric_betas", "check_beta_range", "empirical_beta_range"]


def default_beta_range(model: DenseIsing, excitation_rate: float = 0.01) -> tuple[float, float]:
    """Hot and cold β from the Ising coefficients, with the rule dwave-neal uses.

    Hot: every spin flips with probability ≥ ½ at the start, ``β_hot = ln 2 / (2·max_i F_i)``
    with ``F_i = |h_i| + Σ_j |J_ij|`` the largest field spin ``i`` can feel. Cold: the chance
    of exciting any of the spins with the smallest bias is ``excitation_rate`` on the last
    sweep, ``β_cold = ln(n_min / rate) / (2·min_i m_i)`` with ``m_i`` the smallest non-zero
    ``|h_i|`` or ``|J_ij|`` of spin ``i``.

    Parameters
    ----------
    model : DenseIsing
        The model (spin form).
    excitation_rate : float
        Target single-spin excitation probability at the cold end (neal: 0.01).

    Returns
    -------
    tuple of float
        ``(beta_hot, beta_cold)``; ``(0.1, 1.0)`` for a model whose biases are all zero.

    Examples
    --------
    >>> import dimod
    >>> from qfin.samplers._model import dense_ising
    >>> bqm = dimod.BQM({"a": 1.0}, {("a", "b"): -1.0}, 0.0, "SPIN")
    >>> [round(b, 4) for b in default_beta_range(dense_ising(bqm))]
    [0.1733, 2.6492]
    """
    abs_h = np.abs(model.h)
    abs_j = np.abs(model.J)
    field = abs_h + abs_j.sum(axis=1)
    with np.errstate(invalid="ignore"):
        smallest_j = np.where(abs_j > 0, abs_j, np.inf).min(axis=1)
    smallest = np.minimum(np.where(abs_h > 0, abs_h, np.inf), smallest_j)
    smallest = smallest[np.isfinite(smallest)]
    if smallest.size == 0:
        return 0.1, 1.0
    hot = math.log(2.0) / (2.0 * float(field.max()))
    m = float(smallest.min())
    count = int(np.sum(smallest == m))
    cold = math.log(count / excitation_rate) / (2.0 * m)
    return hot, max(cold, hot)


def empirical_beta_range(uphill: np.ndarray) -> tuple[float, float]:
    """β range from a sample of uphill energy changes of the sampler's own moves.

    Hot: the median uphill move is accepted with probability ½. Cold: a move at the 1st
    percentile of uphill changes is accepted with probability 1%. Scale-free, so it
    suits moves (pair swaps, unit exchanges) for which neal's per-spin rule has no meaning.
    """
    up = np.asarray(uphill, dtype=np.float64)
    up = up[np.isfinite(up) & (up > 0)]
    if up.size == 0:
        return 0.1, 1.0
    hot = math.log(2.0) / float(np.median(up))
    cold = math.log(100.0) / float(np.quantile(up, 0.01))
    return hot, max(cold, hot)


def check_beta_range(beta_range: Any) -> tuple[float, float]:
    """Validate a user ``beta_range``: two finite positive numbers."""
    try:
        lo, hi = (float(b) for b in beta_range)
    except (TypeError, ValueError) as exc:
        raise ProblemError(
            f"beta_range must be two positive numbers (hot, cold); got {beta_range!r}") from exc
    if not (np.isfinite(lo) and np.isfinite(hi) and lo > 0 and hi > 0):
        raise ProblemError(
            f"beta_range must be two finite positive numbers (hot, cold); got {beta_range!r}")
    return lo, hi


def geometric_betas(beta_range: tuple[float, float], num_betas: int) -> np.ndarray:
    """``num_betas`` values from hot to cold, geometrically spaced (neal's default shape)."""
    if num_betas == 1:
        return np.array([beta_range[1]], dtype=np.float64)
    return np.geomspace(beta_range[0], beta_range[1], num=num_betas)
