"""Multi-period integer models with per-period blocks and a period-to-period chain.

Many portfolio QUBOs are binary expansions of a much smaller integer model: "hold ``c`` units
of asset i (long or short) in period t", with a risk term that couples the assets of one
period only, a transaction cost that couples each position with the same position one period
earlier, and a few linear constraints per period (a budget, a position limit). The binary
QUBO has ``U·K·T`` variables and ``T·(U·K)²/2`` couplings; the integer model below holds
``T·K²`` numbers and lets a sampler move whole units while every constraint stays satisfied.

Energy of counts ``c[t, k] ∈ {0, …, U}`` (T periods, K classes)::

    E(c) = Σ_t ( h[t]·c[t] + ½ c[t]ᵀ P[t] c[t] )                       per-period blocks
         + Σ_{t≥1} Σ_k W[t, k] · min(c[t-1, k], c[t, k])                chain (W ≤ 0)
         + Σ_t Σ_j g[t, j]( A[j]·c[t] )     with lo[j] ≤ A[j]·c[t] ≤ hi[j]  per-period rows
         + offset

``W ≤ 0`` rewards keeping a unit from one period to the next; ``min`` is the number of binary
copies held in both periods when copies are used in a nested way (copy 1 first), which is
optimal whenever the binary model treats the U copies of a class alike. ``g`` is a table of
energies over each row's values (e.g. the objective of the slack bits that turn the row
range into an equality).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qfin.errors import ProblemError

__all__ = ["StructuredCountModel"]


@dataclass(frozen=True, eq=False)
class StructuredCountModel:
    """An integer model with per-period blocks, a chain coupling and per-period row ranges.

    Attributes
    ----------
    h : ndarray of shape (T, K)
        Linear energy per unit.
    P : ndarray of shape (T, K, K)
        Symmetric per-period couplings (diagonal included: ``½ P[t,k,k] c²``).
    W : ndarray of shape (T, K)
        Chain weights, ``W[0] = 0``; must be ≤ 0.
    upper : int
        Largest count ``U`` of a class.
    A : ndarray of shape (J, K), int
        Row coefficients.
    lo, hi : ndarray of shape (J,), int
        Row ranges (inclusive), the same every period.
    row_energy : ndarray of shape (T, J, max(hi - lo) + 1)
        ``g[t, j][r - lo[j]]``: energy of row value ``r`` (padding beyond ``hi`` ignored).
    groups : ndarray of shape (G, g), int
        Classes that belong together (an asset's long and short side), for block moves;
        ``-1`` pads groups smaller than ``g``.
    offset : float
        Constant energy.
    class_names : list of str
        One name per class (for messages and plots).
    """

    h: np.ndarray
    P: np.ndarray
    W: np.ndarray
    upper: int
    A: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    row_energy: np.ndarray
    groups: np.ndarray
    offset: float = 0.0
    class_names: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        T, K = self.h.shape
        if self.P.shape != (T, K, K):
            raise ProblemError(f"P must have shape {(T, K, K)}; got {self.P.shape}")
        if self.W.shape != (T, K):
            raise ProblemError(f"W must have shape {(T, K)}; got {self.W.shape}")
        if np.any(self.W > 0):
            raise ProblemError("chain weights W must be <= 0 (holding a unit over two periods "
                               "must not cost more than switching it)")
        if self.A.ndim != 2 or self.A.shape[1] != K:
            raise ProblemError(f"A must have shape (J, {K}); got {self.A.shape}")
        if np.any(self.lo > self.hi):
            raise ProblemError(f"row ranges empty: lo={self.lo.tolist()} hi={self.hi.tolist()}")

    @property
    def n_periods(self) -> int:
        """Number of periods T."""
        return int(self.h.shape[0])

    @property
    def n_classes(self) -> int:
        """Number of classes K."""
        return int(self.h.shape[1])

    @property
    def nbytes(self) -> int:
        """Memory of the coefficient arrays (bytes): grows as T·K², not (U·K·T)²."""
        return int(sum(a.nbytes for a in (self.h, self.P, self.W, self.A, self.row_energy)))

    def row_values(self, counts: np.ndarray) -> np.ndarray:
        """Row values ``A·c[t]``: shape (..., T, J) for counts of shape (..., T, K)."""
        return np.asarray(counts, dtype=np.int64) @ self.A.T.astype(np.int64)

    def feasible(self, counts: np.ndarray) -> np.ndarray:
        """Whether counts (shape (..., T, K)) respect bounds and every row range."""
        c = np.asarray(counts)
        r = self.row_values(c)
        ok_rows = np.all((r >= self.lo) & (r <= self.hi), axis=(-1, -2))
        ok_bounds = np.all((c >= 0) & (c <= self.upper), axis=(-1, -2))
        return ok_rows & ok_bounds

    def energies(self, counts: Any) -> np.ndarray:
        """Energies of counts of shape (R, T, K) (or (T, K)), in float64.

        Rows outside their range give ``inf``.
        """
        c = np.asarray(counts, dtype=np.float64)
        single = c.ndim == 2
        if single:
            c = c[None]
        block = np.einsum("rtk,tk->r", c, self.h)
        block += 0.5 * np.einsum("rtk,tkl,rtl->r", c, self.P, c)
        chain = np.einsum("rtk,tk->r", np.minimum(c[:, :-1], c[:, 1:]), self.W[1:])
        r = self.row_values(c.astype(np.int64))  # (R, T, J)
        inside = np.all((r >= self.lo) & (r <= self.hi), axis=(1, 2))
        idx = np.clip(r - self.lo, 0, self.row_energy.shape[-1] - 1)
        T, J = self.n_periods, self.A.shape[0]
        rows = self.row_energy[np.arange(T)[None, :, None], np.arange(J)[None, None, :], idx]
        total = block + chain + rows.sum(axis=(1, 2)) + self.offset
        total = np.where(inside, total, np.inf)
        return total[0] if single else total
