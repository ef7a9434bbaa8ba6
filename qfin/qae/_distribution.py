"""Loss distributions on a grid of 2**n points: what the quantum register encodes."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from qfin.errors import DataError, ProblemError
from qfin.qae._validate import MAX_QUBITS, check_open_unit, check_qubits

__all__ = ["DiscreteDistribution"]

_SUM_TOL = 1e-9


class DiscreteDistribution:
    """A loss distribution on ``2**n_qubits`` increasing grid points.

    This is what amplitude estimation encodes: the state ``A|0> = sum_k sqrt(p_k)|k>``
    over an ``n``-qubit register whose basis state ``k`` stands for the loss ``values[k]``.

    Parameters
    ----------
    values : array-like of shape (2**n,)
        Strictly increasing loss values (the grid), ``1 <= n <= 24``.
    probabilities : array-like of shape (2**n,)
        Non-negative probabilities summing to 1 (within 1e-9; then renormalised exactly).

    Examples
    --------
    >>> dist = DiscreteDistribution([0.0, 1.0, 2.0, 3.0], [0.1, 0.2, 0.3, 0.4])
    >>> dist.n_qubits, dist.cdf_at(1.0)
    (2, 0.30000000000000004)
    >>> float(dist.value_at_risk(0.5))
    2.0
    """

    def __init__(self, values: Any, probabilities: Any) -> None:
        vals = np.asarray(values, dtype=np.float64)
        probs = np.asarray(probabilities, dtype=np.float64)
        if vals.ndim != 1:
            raise ProblemError(f"values must be 1-D; got shape {vals.shape}")
        if probs.shape != vals.shape:
            raise ProblemError(
                f"probabilities must have the shape of values {vals.shape}; got {probs.shape}")
        size = vals.size
        if size < 2 or size & (size - 1) or size > 2**MAX_QUBITS:
            raise ProblemError(
                f"values must hold 2**n points with n in 1..{MAX_QUBITS} (a register of n "
                f"qubits); got {size} points")
        if not np.all(np.isfinite(vals)):
            raise ProblemError("values must be finite; got NaN or inf")
        if np.any(np.diff(vals) <= 0):
            raise ProblemError("values must be strictly increasing")
        if not np.all(np.isfinite(probs)):
            raise ProblemError("probabilities must be finite; got NaN or inf")
        if np.any(probs < 0):
            bad = int(np.argmax(probs < 0))
            raise ProblemError(
                f"probabilities must be non-negative; got {probs[bad]!r} at index {bad}")
        total = float(probs.sum())
        if abs(total - 1.0) > _SUM_TOL:
            raise ProblemError(f"probabilities must sum to 1 (within {_SUM_TOL:g}); "
                               f"got a sum of {total!r}")
        self.values = vals
        self.values.setflags(write=False)
        self.probabilities = probs / total
        self.probabilities.setflags(write=False)
        cdf = np.cumsum(self.probabilities)
        cdf[-1] = 1.0
        np.minimum(cdf, 1.0, out=cdf)
        self.cdf = cdf
        self.cdf.setflags(write=False)
        # P(L > values[k]) summed from the right: accurate where the CDF is close to 1
        survival = np.concatenate([np.cumsum(self.probabilities[::-1])[::-1][1:], [0.0]])
        self.survival = np.clip(survival, 0.0, 1.0)
        self.survival.setflags(write=False)
        self.n_qubits = int(size).bit_length() - 1

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_parametric(cls, dist: Any, n_qubits: int, l_min: float | None = None,
                        l_max: float | None = None, *, tail: float = 1e-6
                        ) -> DiscreteDistribution:
        """Discretise a continuous distribution by exact CDF differences.

        The grid is ``l_k = l_min + k h`` with ``h = (l_max - l_min) / (2**n - 1)``; point
        ``k`` receives the mass of ``[l_k - h/2, l_k + h/2)`` and the end points receive the
        tails, so the discretised VaR is within ``h/2`` of the continuous one.

        Parameters
        ----------
        dist : object with ``cdf`` (and ``ppf`` when a bound is omitted)
            A frozen ``scipy.stats`` distribution, for instance ``scipy.stats.norm(0, 0.01)``.
        n_qubits : int
            Register size, 1..24.
        l_min, l_max : float, optional
            Grid range; default the ``tail`` and ``1 - tail`` quantiles.
        tail : float
            Quantile level for the default range.
        """
        n = check_qubits(n_qubits)
        if not callable(getattr(dist, "cdf", None)):
            raise ProblemError(f"dist must have a cdf method (a frozen scipy.stats "
                               f"distribution); got {type(dist).__name__}")
        lo = float(dist.ppf(tail)) if l_min is None else float(l_min)
        hi = float(dist.ppf(1.0 - tail)) if l_max is None else float(l_max)
        _check_range(lo, hi)
        values = np.linspace(lo, hi, 2**n)
        h = (hi - lo) / (2**n - 1)
        edges = np.concatenate([values - h / 2, [hi + h / 2]])
        cdf = np.asarray(dist.cdf(edges), dtype=np.float64)
        cdf[0], cdf[-1] = 0.0, 1.0
        probs = np.clip(np.diff(cdf), 0.0, None)
        return cls(values, probs / probs.sum())

    @classmethod
    def from_samples(cls, losses: Any, n_qubits: int, l_min: float | None = None,
                     l_max: float | None = None) -> DiscreteDistribution:
        """A histogram of scenarios (historical or Monte Carlo) on an even grid.

        Each scenario goes to its nearest grid point ``l_k = l_min + k h`` (scenarios outside
        the range go to the end points), so quantiles move by at most ``h/2``.

        Parameters
        ----------
        losses : array-like of shape (n_scenarios,)
            Loss scenarios (equally likely).
        n_qubits : int
            Register size, 1..24.
        l_min, l_max : float, optional
            Grid range; default the smallest and largest scenario.
        """
        n = check_qubits(n_qubits)
        x = np.asarray(losses, dtype=np.float64).ravel()
        if x.size == 0:
            raise DataError("losses must hold at least one scenario; got none")
        if not np.all(np.isfinite(x)):
            raise DataError("losses must be finite; got NaN or inf")
        lo = float(x.min()) if l_min is None else float(l_min)
        hi = float(x.max()) if l_max is None else float(l_max)
        if hi <= lo and l_min is None and l_max is None:  # all scenarios equal
            hi = lo + 1.0
        _check_range(lo, hi)
        values = np.linspace(lo, hi, 2**n)
        h = (hi - lo) / (2**n - 1)
        idx = np.clip(np.rint((x - lo) / h), 0, 2**n - 1).astype(np.int64)
        probs = np.bincount(idx, minlength=2**n).astype(np.float64) / x.size
        return cls(values, probs)

    @classmethod
    def from_pmf(cls, values: Any, probabilities: Any) -> DiscreteDistribution:
        """Any user-given pmf (same as the constructor)."""
        return cls(values, probabilities)

    # ------------------------------------------------------------------ queries
    @property
    def size(self) -> int:
        """Number of grid points, ``2**n_qubits``."""
        return int(self.values.size)

    @property
    def l_min(self) -> float:
        """Smallest grid value."""
        return float(self.values[0])

    @property
    def l_max(self) -> float:
        """Largest grid value."""
        return float(self.values[-1])

    def index_of(self, threshold: float) -> int:
        """Largest grid index ``k`` with ``values[k] <= threshold``.

        Raises
        ------
        ProblemError
            If ``threshold`` lies outside ``[l_min, l_max]``.
        """
        try:
            t = float(threshold)
        except (TypeError, ValueError):
            raise ProblemError(f"threshold must be a number; got {threshold!r}") from None
        span = self.l_max - self.l_min
        tol = 1e-12 * max(span, abs(self.l_max), abs(self.l_min), 1.0)
        if not (self.l_min - tol <= t <= self.l_max + tol):
            raise ProblemError(
                f"threshold must lie on the grid [{self.l_min:.6g}, {self.l_max:.6g}]; "
                f"got {threshold!r}")
        k = int(np.searchsorted(self.values, t + tol, side="right")) - 1
        return min(max(k, 0), self.size - 1)

    def check_index(self, index: Any) -> int:
        """Return ``index`` as a valid grid index or raise :class:`ProblemError`."""
        if isinstance(index, bool) or not isinstance(index, int | np.integer):
            raise ProblemError(f"index must be an integer grid index; got {index!r}")
        if not 0 <= int(index) < self.size:
            raise ProblemError(f"index must be in 0..{self.size - 1}; got {index}")
        return int(index)

    def cdf_at(self, threshold: float) -> float:
        """Exact ``P(L <= threshold)`` for a threshold on the grid."""
        return float(self.cdf[self.index_of(threshold)])

    @property
    def cdf_tolerance(self) -> float:
        """Rounding allowance of ``cdf``: a cumulative sum of ``2**n`` terms in float64.

        ``F == confidence`` (a histogram of ``N`` scenarios with ``confidence * N`` an
        integer) must count as reaching the level; the sum's rounding error grows with the
        number of terms, up to about ``2**n`` machine epsilons.
        """
        return 1e-14 + 4.0 * float(np.finfo(np.float64).eps) * self.size

    def var_index(self, confidence: float) -> int:
        """Grid index of the exact discretised VaR: smallest ``k`` with ``F(k) >= confidence``."""
        c = check_open_unit(confidence, "confidence")
        k = int(np.searchsorted(self.cdf, c - self.cdf_tolerance, side="left"))
        return min(k, self.size - 1)

    def value_at_risk(self, confidence: float) -> float:
        """Exact VaR of the discretised distribution: ``min{l_k : F(l_k) >= confidence}``."""
        return float(self.values[self.var_index(confidence)])

    def conditional_value_at_risk(self, confidence: float,
                                  definition: str = "rockafellar-uryasev") -> float:
        """Exact CVaR of the discretised distribution.

        Parameters
        ----------
        confidence : float
            Level in (0, 1), e.g. 0.99.
        definition : {"rockafellar-uryasev", "tail-conditional"}
            ``VaR + E[(L - VaR)^+] / (1 - confidence)`` (coherent; the default), or
            ``E[L | L > VaR]`` (as in the Qiskit finance tutorials).
        """
        c = check_open_unit(confidence, "confidence")
        k = self.var_index(c)
        var = float(self.values[k])
        excess = float(np.dot(self.probabilities, np.clip(self.values - var, 0.0, None)))
        if definition == "rockafellar-uryasev":
            return var + excess / (1.0 - c)
        if definition == "tail-conditional":
            above = 1.0 - float(self.cdf[k])
            return var if above <= 0 else var + excess / above
        raise ProblemError("definition must be 'rockafellar-uryasev' or 'tail-conditional'; "
                           f"got {definition!r}")

    def expected_loss(self) -> float:
        """Exact ``E[L]``."""
        return float(np.dot(self.probabilities, self.values))

    def expectation(self, payoff: Callable[[np.ndarray], Any] | Any) -> float:
        """Exact ``E[f(L)]`` for a payoff in [0, 1] (see :meth:`payoff_values`)."""
        return float(np.dot(self.probabilities, self.payoff_values(payoff)))

    def payoff_values(self, payoff: Callable[[np.ndarray], Any] | Any) -> np.ndarray:
        """Evaluate and check a payoff: a callable of the values, or an array per grid point.

        The payoff is encoded exactly into an amplitude, so it must lie in [0, 1].
        """
        f = payoff(self.values) if callable(payoff) else payoff
        arr = np.asarray(f, dtype=np.float64)
        if arr.shape != (self.size,):
            raise ProblemError(f"payoff must give one value per grid point, shape "
                               f"({self.size},); got shape {arr.shape}")
        if not np.all(np.isfinite(arr)) or arr.min() < -1e-12 or arr.max() > 1 + 1e-12:
            raise ProblemError("payoff values must lie in [0, 1] (they become an amplitude); "
                               f"got range [{np.nanmin(arr):.6g}, {np.nanmax(arr):.6g}]")
        return np.clip(arr, 0.0, 1.0)

    def __repr__(self) -> str:
        return (f"DiscreteDistribution(n_qubits={self.n_qubits}, "
                f"range=[{self.l_min:.6g}, {self.l_max:.6g}])")


def _check_range(lo: float, hi: float) -> None:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ProblemError(f"l_min and l_max must be finite; got {lo!r} and {hi!r}")
    if not hi > lo:
        raise ProblemError(f"l_max must exceed l_min; got l_min={lo!r}, l_max={hi!r}")
