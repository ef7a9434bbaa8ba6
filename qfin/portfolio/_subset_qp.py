"""Exact weights on a fixed subset of assets, and the swap local search built on them.

For a subset ``S`` of ``k`` assets the continuous part of the cardinality-constrained
problem is a small bounded QP,

    min_w  λ·wᵀΣ_S w − (1−λ)·μ_Sᵀw   s.t.  Σw = 1,  min_weight ≤ w ≤ max_weight,

solved by DAQP (D. Arnström, A. Bemporad, D. Axehill, "A dual active-set solver for embedded
quadratic programming using recursive LDLᵀ updates", IEEE TAC 67 (2022) 4362–4369), called
directly: through qpsolvers the same call costs about five times as long on these
10-variable problems, and tens of thousands of them are solved per frontier. An active-set
solver ends on the exact KKT point of its working set, so weights meet the budget to ~1e-16
and the bounds exactly after a final clip. At ``λ = 0`` the problem is a linear programme
whose optimum is greedy (every asset at ``min_weight``, the rest to the highest returns up to
``max_weight``), used as is.

The local search (the "swap" move of Chang et al. 2000 generalised to continuous bounded
weights): replace one held asset ``i`` by one outside ``j`` and re-solve the QP on the new
subset. Candidate swaps are ordered by the exact change of the objective when ``i``'s weight
moves to ``j`` unchanged (a feasible point of the new subset, so an upper bound on its QP
value, computed for all ``k·(n−k)`` swaps at once), and evaluated in that order in blocks;
the best improving swap of a block is taken. A subset is *swap-optimal* when no swap
improves it: every one of the ``k·(n−k)`` neighbours is checked by its QP before a search
stops.
"""

from __future__ import annotations

from ctypes import c_int

import numpy as np

from qfin.errors import SolverError

__all__ = ["SubsetQP", "swap_search"]

_EQUALITY = 5  # DAQP's sense flag for an equality row


class SubsetQP:
    """Bounded QPs on subsets of one universe, cached, with every solution recorded.

    Parameters
    ----------
    mu : ndarray of shape (n_assets,)
    cov : ndarray of shape (n_assets, n_assets)
        Positive semi-definite.
    k : int
        Assets held.
    min_weight, max_weight : float
        Bounds of each held weight.
    record : bool
        Keep every (λ, subset) solved, for the set of points "met during the run".

    Attributes
    ----------
    n_solves : int
        QPs solved (cache hits not counted).
    """

    def __init__(self, mu: np.ndarray, cov: np.ndarray, k: int, min_weight: float,
                 max_weight: float, *, record: bool = True) -> None:
        self.mu = np.ascontiguousarray(mu, dtype=float)
        self.cov = np.ascontiguousarray(cov, dtype=float)
        self.diag = np.diag(self.cov).copy()
        self.n = self.mu.size
        self.k = int(k)
        self.min_weight = float(min_weight)
        self.max_weight = float(max_weight)
        self.record = record
        self.n_solves = 0
        self._cache: dict[tuple[float, bytes], tuple[np.ndarray, float]] = {}
        self._bounds_cache: dict[tuple[int, float], tuple] = {}
        self._scaled: tuple[float, np.ndarray, np.ndarray] | None = None
        self.swap_optimal: set[tuple[float, bytes]] = set()
        self.cov_scale = float(np.abs(self.cov).max()) or 1.0
        self.mu_scale = float(np.abs(self.mu).max()) or 1.0

    # ------------------------------------------------------------------ one QP
    def _bounds(self, m: int, lower: float) -> tuple:
        key = (m, lower)
        if key not in self._bounds_cache:
            upper = np.append(np.full(m, self.max_weight), 1.0)
            low = np.append(np.full(m, lower), 1.0)
            sense = np.zeros(m + 1, dtype=c_int)
            sense[-1] = _EQUALITY
            self._bounds_cache[key] = (np.ones((1, m)), upper, low, sense)
        return self._bounds_cache[key]

    def _greedy_lp(self, mu: np.ndarray, lower: float) -> np.ndarray:
        """``max μᵀw`` s.t. Σw = 1, lower ≤ w ≤ max_weight: fill the best returns first."""
        w = np.full(mu.size, lower)
        rest = 1.0 - w.sum()
        for i in np.argsort(-mu, kind="stable"):
            add = min(self.max_weight - lower, rest)
            w[i] += add
            rest -= add
            if rest <= 0:
                break
        return w

    def weights(self, lam: float, idx: np.ndarray, lower: float | None = None) -> np.ndarray:
        """Optimal weights on the assets ``idx`` (no cache, no record)."""
        import daqp

        lower = self.min_weight if lower is None else lower
        mu = self.mu[idx]
        if lam <= 0.0:
            return self._greedy_lp(mu, lower)
        m = idx.size
        if self._scaled is None or self._scaled[0] != lam:
            scale = max(2 * lam * self.cov_scale, (1 - lam) * self.mu_scale)
            self._scaled = (lam, (2 * lam / scale) * self.cov, (-(1 - lam) / scale) * self.mu)
        _, H_all, f_all = self._scaled
        H = H_all.take(idx, axis=0).take(idx, axis=1)
        f = f_all.take(idx)
        A, upper, low, sense = self._bounds(m, lower)
        x, _, flag, _ = daqp.solve(H, f, A, upper, low, sense.copy(), primal_tol=1e-12)
        if flag != 1:
            x, _, flag, _ = daqp.solve(H, f, A, upper, low, sense.copy())
        if flag != 1:
            raise SolverError(f"DAQP failed on a {m}-asset subset QP (exit flag {flag}) at "
                              f"lambda={lam:g}")
        return _repair(np.asarray(x, dtype=float), lower, self.max_weight)

    def solve(self, lam: float, subset: np.ndarray) -> tuple[np.ndarray, float]:
        """Optimal weights on ``subset`` (sorted indices) and the objective, cached.

        Returns
        -------
        weights : ndarray of shape (k,)
            Aligned with ``subset``.
        objective : float
            ``λ·wᵀΣw − (1−λ)·μᵀw``.
        """
        key = (lam, subset.tobytes())
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        w = self.weights(lam, subset)
        self.n_solves += 1
        value = self.objective(lam, subset, w)
        self._cache[key] = (w, value)
        return w, value

    def objective(self, lam: float, subset: np.ndarray, w: np.ndarray) -> float:
        """``λ·wᵀΣ_S w − (1−λ)·μ_Sᵀw``."""
        var = float(w @ self.cov[np.ix_(subset, subset)] @ w)
        return lam * var - (1 - lam) * float(self.mu[subset] @ w)

    def relaxed(self, lam: float) -> np.ndarray:
        """Weights of the continuous relaxation (no cardinality; 0 ≤ w ≤ max_weight)."""
        return self.weights(lam, np.arange(self.n), lower=0.0)

    def met(self) -> list[tuple[float, np.ndarray, np.ndarray]]:
        """Every (λ, subset, weights) solved so far (when ``record``)."""
        if not self.record:
            return []
        return [(lam, np.frombuffer(key, dtype=np.int64), w)
                for (lam, key), (w, _) in self._cache.items()]


def _repair(w: np.ndarray, lower: float, upper: float) -> np.ndarray:
    """Clip to the bounds and put a round-off residual of the budget on a free weight."""
    w = np.clip(w, lower, upper)
    for _ in range(3):
        residual = 1.0 - w.sum()
        if residual == 0.0:
            break
        room = (upper - w) if residual > 0 else (w - lower)
        i = int(np.argmax(room))
        w[i] = min(max(w[i] + residual, lower), upper)
    return w


def swap_search(engine: SubsetQP, lam: float, subset: np.ndarray, *, block: int = 32,
                max_moves: int = 10_000) -> tuple[np.ndarray, np.ndarray, float, int]:
    """Best-improvement-per-block swap descent until the subset is swap-optimal.

    Parameters
    ----------
    engine : SubsetQP
    lam : float
    subset : ndarray of int, shape (k,)
        Start (any order).
    block : int
        Swaps evaluated (by their QP) per block, in order of their transfer-move change.

    Returns
    -------
    subset : ndarray of shape (k,), sorted
    weights : ndarray of shape (k,)
    objective : float
    moves : int
        Improving swaps taken.
    """
    subset = np.sort(np.asarray(subset, dtype=np.int64))
    w, value = engine.solve(lam, subset)
    cov, mu, diag = engine.cov, engine.mu, engine.diag
    n = engine.n
    moves = 0
    while moves < max_moves:
        if (lam, subset.tobytes()) in engine.swap_optimal:
            break
        outside = np.setdiff1d(np.arange(n), subset, assume_unique=True)
        if outside.size == 0:
            break
        grad = 2 * lam * (cov[:, subset] @ w) - (1 - lam) * mu
        wi = w[:, None]
        delta = (wi * (grad[outside][None, :] - grad[subset][:, None])
                 + lam * wi**2 * (diag[subset][:, None] + diag[outside][None, :]
                                  - 2 * cov[np.ix_(subset, outside)]))
        order = np.argsort(delta, axis=None, kind="stable")
        tol = 1e-12 * (abs(value) + lam * engine.cov_scale + (1 - lam) * engine.mu_scale)
        improved = False
        for start in range(0, order.size, block):
            best_value, best_subset, best_w = value - tol, None, None
            for flat in order[start:start + block]:
                p, q = divmod(int(flat), outside.size)
                cand = subset.copy()
                cand[p] = outside[q]
                cand.sort()
                cw, cv = engine.solve(lam, cand)
                if cv < best_value:
                    best_value, best_subset, best_w = cv, cand, cw
            if best_subset is not None:
                subset, w, value = best_subset, best_w, best_value
                moves += 1
                improved = True
                break
        if not improved:
            engine.swap_optimal.add((lam, subset.tobytes()))
            break
    return subset, w, value, moves
