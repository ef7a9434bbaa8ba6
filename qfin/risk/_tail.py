"""Exact top-k selection across chunks, and the estimates computed from a kept tail."""

from __future__ import annotations

import math
import threading

import numpy as np
from scipy import stats

__all__ = ["TailKeeper", "order_statistic_plan", "tail_estimates", "weighted_var_cvar"]


class TailKeeper:
    """Keep the ``k`` largest values offered, exactly, in O(k) memory (thread-safe).

    Values at or below the current threshold (the k-th largest of what is kept) are dropped
    on arrival: at least ``k`` kept values are at least as large, so the multiset of the
    ``k`` largest values never changes. The result therefore does not depend on the order
    in which chunks arrive.

    Parameters
    ----------
    k : int
        How many of the largest values to keep.
    """

    def __init__(self, k: int) -> None:
        self.k = int(k)
        self.threshold = -math.inf
        self._parts: list[np.ndarray] = []
        self._size = 0
        self._lock = threading.Lock()
        self.peak_kept = 0

    def offer(self, values: np.ndarray) -> None:
        """Consider ``values`` (1-D); keeps a copy of those that may be in the top ``k``."""
        cand = values[values > self.threshold]
        if cand.size > self.k:
            cand = np.partition(cand, cand.size - self.k)[cand.size - self.k:]
        elif cand.base is values:  # pragma: no cover - boolean indexing always copies
            cand = cand.copy()
        if cand.size == 0:
            return
        with self._lock:
            self._parts.append(cand)
            self._size += cand.size
            self.peak_kept = max(self.peak_kept, self._size)
            if self._size > 2 * self.k:
                self._compact()

    def _compact(self) -> None:
        data = np.concatenate(self._parts) if len(self._parts) > 1 else self._parts[0]
        if data.size > self.k:
            data = np.partition(data, data.size - self.k)[data.size - self.k:]
            self.threshold = float(data.min())
        self._parts = [data]
        self._size = data.size

    def largest(self) -> np.ndarray:
        """The kept values sorted in descending order, as float64."""
        with self._lock:
            if not self._parts:
                return np.empty(0)
            self._compact()
            return np.sort(self._parts[0].astype(np.float64))[::-1]


def var_rank(n: int, confidence: float) -> int:
    """``ceil(confidence * n)``: the rank of the VaR order statistic (inverted CDF).

    A 1e-6 slack absorbs floating-point error in the product (0.99 * 100 is not 99.0).
    """
    return max(1, math.ceil(confidence * n - 1e-6))


def order_statistic_plan(n: int, confidence: float, level: float) -> dict[str, int]:
    """Ranks needed from ``n`` samples: VaR rank, interval ranks, and how many to keep.

    The distribution-free interval for the ``confidence``-quantile is ``[L_(lo), L_(hi)]``
    with ``lo``/``hi`` the ``(1 -+ level)/2`` quantiles of Binomial(n, confidence) (``hi``
    shifted by one), clipped to [1, n].
    """
    m = var_rank(n, confidence)
    lo = int(stats.binom.ppf((1.0 - level) / 2.0, n, confidence))
    hi = int(stats.binom.ppf((1.0 + level) / 2.0, n, confidence)) + 1
    lo, hi = max(1, min(lo, m)), min(n, max(hi, m))
    keep = min(n, max(n - lo + 1, n - m + 2))
    return {"rank": m, "lo": lo, "hi": hi, "keep": keep, "tail": n - m + 1}


def tail_estimates(largest: np.ndarray, n: int, confidence: float, level: float
                   ) -> dict[str, float | tuple[float, float]]:
    """VaR, CVaR, intervals and standard errors from the descending largest samples.

    VaR is the order statistic ``L_(ceil(c n))`` and CVaR the mean of the ``n - ceil(c n) + 1``
    largest (the same convention as historical simulation). The VaR interval is the
    binomial order-statistic interval; its standard error is the interval's width divided by
    ``2 z_{(1+level)/2}``. The CVaR standard error is the asymptotic
    ``sqrt((Var(L | L >= VaR) + c (CVaR - VaR)^2) / (n (1 - c)))``.
    """
    plan = order_statistic_plan(n, confidence, level)
    tail = largest[: plan["tail"]]
    var = float(tail[-1])
    cvar = float(tail.mean())
    ci = (float(largest[n - plan["lo"]]), float(largest[n - plan["hi"]]))
    z = float(stats.norm.ppf(0.5 + level / 2.0))
    se = (ci[1] - ci[0]) / (2.0 * z)
    spread = float(tail.var(ddof=1)) if tail.size > 1 else 0.0
    cvar_se = math.sqrt((spread + confidence * (cvar - var) ** 2) / (n * (1.0 - confidence)))
    return {"var": var, "cvar": cvar, "ci": ci, "se": se,
            "cvar_ci": (cvar - z * cvar_se, cvar + z * cvar_se), "cvar_se": cvar_se}


def weighted_var_cvar(losses: np.ndarray, weights: np.ndarray, confidence: float
                      ) -> tuple[float, float]:
    """VaR/CVaR of a likelihood-ratio-weighted sample (importance sampling).

    With ``p_i = w_i / n`` the estimated probability of each loss, VaR is the inverted-CDF
    quantile of the weighted distribution: scanning from the worst loss down, the first loss
    whose strictly-larger mass plus its own exceeds ``1 - c`` (equivalently the smallest ``l``
    with ``F(l) >= c``). CVaR is the weighted mean of the losses ``>= VaR``, the same
    convention as historical simulation (with unit weights both reduce to it exactly).
    """
    order = np.argsort(losses, kind="stable")[::-1]
    ls = losses[order]
    ps = weights[order] / losses.size
    cum = np.cumsum(ps)
    tail = 1.0 - confidence
    # 1e-12 absorbs cumsum rounding (ten weights of 0.001 may sum to 0.010000000000000002)
    j = int(np.searchsorted(cum, tail + 1e-12 * max(tail, cum[-1]), side="right"))
    j = min(j, ls.size - 1)
    cvar = float(ps[: j + 1] @ ls[: j + 1]) / float(cum[j])
    return float(ls[j]), cvar
