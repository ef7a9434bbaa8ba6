"""Structured annealing: block moves on a :class:`StructuredCountModel`, on numpy or MLX.

The sampler never builds the binary QUBO. It keeps R replicas of the unit counts
``c[r, t, k]`` (T periods, K classes), the per-period fields ``G[r, t] = P[t] c[r, t]`` and
the row values ``A c[r, t]`` as arrays on a :mod:`qfin.backends` backend, and moves whole
blocks while every row range stays satisfied:

- **asset-trajectory move** (one group, e.g. an asset's long and short side, over all T
  periods at once): given the other classes, the energy of the group's path is a chain —
  per-period costs from the block fields and the row tables (``inf`` outside a range), plus
  the chain weights between consecutive periods — so the best path over its
  ``(U+1)²`` states per period is found exactly by dynamic programming (Viterbi), in
  ``O(T·(U+1)⁴)`` per replica. Annealing perturbs the per-period costs with Gumbel noise of
  scale τ before the DP ("perturb-and-MAP", Papandreou & Yuille 2011), so it samples paths
  roughly ∝ exp(−E/τ); τ falls geometrically over a run and τ = 0 is exact block descent.
- **pair move** (two groups jointly, net positions ``z ∈ {−U…U}`` each, ``(2U+1)²`` states
  per period): the same DP, accepted if it lowers the energy (Metropolis at τ). It trades a
  unit of one asset for a unit of another across many periods at once, the move a binding
  position limit otherwise blocks, and finds hedges (long one asset, short a correlated one).

Each move costs ``O(R·T·K)`` for the field update (a row of ``P`` per changed class), never
``O(n²)`` in the binary variables, so memory is that of ``P``: ``T·K²`` numbers
(a400: 15 × 800² floats ≈ 77 MB in float64) instead of ``(6·400·15)²``.

The run is anytime: restarts with doubling numbers of sweeps (the first short) until
``time_limit``; every restart starts from fresh random feasible counts for half of the
replicas and from the best solution so far, perturbed, for the other half; each ends with
greedy block descent (single and pair moves at τ = 0) to a local optimum.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qfin.backends import get
from qfin.errors import ProblemError, SolverError
from qfin.samplers._structured_model import StructuredCountModel

TAU_HOT, TAU_COLD = 1.0, 0.01   # τ range in units of energy_scale(model)
WARM_START = 0.1                 # elite replicas restart from τ_hot · WARM_START
ELITE_SHARE = 0.5                # share of replicas a restart starts from elite solutions
DP_EVERY = 4                     # steps between trajectory and pair moves
CHECK_EVERY = 10                 # steps between best-energy and clock checks
MIN_STEPS = 50                   # shortest anneal of a restart
PERIOD_ELITES = 64               # allocations kept per period for recombination
PERIOD_EVERY = 25                # cold-half steps between samples for the period archive

__all__ = ["StructuredAnnealingSampler", "StructuredResult", "block_descent",
           "random_feasible_counts", "random_restart_descent", "recombine", "period_energies",
           "energy_scale"]


@dataclass
class StructuredResult:
    """What a structured run returns.

    Attributes
    ----------
    counts : ndarray of shape (R, T, K), int
        Final counts of every replica (the best read first).
    energies : ndarray of shape (R,)
        Their energies, recomputed in float64 on the host.
    best_counts : ndarray of shape (T, K)
        Lowest-energy counts seen during the whole run.
    best_energy : float
    trajectory : list of (float, float)
        ``(seconds since the call started, best energy so far)`` at every improvement.
    info : dict
        ``backend``, ``device``, ``dtype``, ``num_reads``, ``restarts``, ``sweeps``,
        ``timing`` (seconds), the τ schedule and the stopping reason.
    """

    counts: np.ndarray
    energies: np.ndarray
    best_counts: np.ndarray
    best_energy: float
    trajectory: list[tuple[float, float]] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)


class _Engine:
    """Replica state and block moves on one backend (array namespace ``xp``)."""

    M_PARTNERS = 8

    def __init__(self, model: StructuredCountModel, num_reads: int, backend: Any,
                 dtype: Any, seed: int | None) -> None:
        self.model = model
        self.be = backend
        self.xp = backend.xp
        self.dt = dtype
        self.R = num_reads
        self.T, self.K = model.h.shape
        self.U = int(model.upper)
        self.J = model.A.shape[0]
        self.span = int(model.row_energy.shape[-1])
        groups = np.asarray(model.groups)
        if groups.ndim != 2 or groups.shape[1] != 2 or np.any(groups < 0):
            raise ProblemError("structured annealing needs groups of two classes (an asset's "
                               "long and short side); got groups of shape "
                               f"{groups.shape}")
        self.n = groups.shape[0]
        self.np_rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
        self.rng = backend.rng(None if seed is None else int(self.np_rng.integers(2**31)))
        f = self._f
        self.h = f(model.h)
        self.P = f(model.P)
        self.W = f(model.W)
        self.A = f(model.A)
        self.lo = f(model.lo)
        self.hi = f(model.hi)
        self.row_flat = f(model.row_energy.reshape(-1))
        self.kp = self._i(groups[:, 0])
        self.km = self._i(groups[:, 1])
        pd = np.einsum("tkk->tk", model.P)
        self.Pd = f(pd)
        self.Ppm = f(model.P[:, groups[:, 0], groups[:, 1]])  # (T, n)
        U = self.U
        sa, sb = np.meshgrid(np.arange(U + 1), np.arange(U + 1), indexing="ij")
        self.S = (U + 1) ** 2
        self.sa_np, self.sb_np = sa.ravel(), sb.ravel()
        self.sa, self.sb = f(self.sa_np), f(self.sb_np)
        self.MINA = f(np.minimum(self.sa_np[:, None], self.sa_np[None, :]))
        self.MINB = f(np.minimum(self.sb_np[:, None], self.sb_np[None, :]))
        z = np.arange(-U, U + 1)
        self.Z = z.size
        self.za_np, self.zb_np = np.maximum(z, 0), np.maximum(-z, 0)
        self.za, self.zb = f(self.za_np), f(self.zb_np)
        self.MZA = f(np.minimum(self.za_np[:, None], self.za_np[None, :]))
        self.MZB = f(np.minimum(self.zb_np[:, None], self.zb_np[None, :]))
        self.t_offset = self._i(np.arange(self.T)[:, None] * self.J * self.span
                                + np.arange(self.J)[None, :] * self.span)  # (T, J)
        self.kidx = self._i(np.arange(self.K))
        self.ridx = self._i(np.arange(self.R))
        self.inf = float("inf")

    # ------------------------------------------------------------------ helpers

    def _f(self, a: Any) -> Any:
        return self.be.asarray(np.asarray(a, dtype=np.float64), self.dt)

    def _i(self, a: Any) -> Any:
        xp = self.xp
        arr = np.asarray(a, dtype=np.int32)
        return xp.array(arr) if xp is not np else arr

    def host(self, a: Any) -> np.ndarray:
        """A backend array as numpy."""
        return np.asarray(self.be.to_numpy(a))

    def uniform(self, shape: tuple[int, ...]) -> Any:
        return self.rng.uniform(shape, dtype=self.dt)

    def gumbel(self, shape: tuple[int, ...]) -> Any:
        xp = self.xp
        u = self.uniform(shape)
        return -xp.log(-xp.log(xp.clip(u, 1e-12, 1.0 - 1e-7)))

    def noise(self, tau: Any, shape: tuple[int, ...]) -> Any:
        """Gumbel noise scaled by τ (a scalar or one value per replica)."""
        g = self.gumbel(shape)
        if np.ndim(tau) == 0:
            return float(tau) * g
        t = self._f(tau) if not hasattr(tau, "shape") or isinstance(tau, np.ndarray) else tau
        return self.xp.reshape(t, (self.R,) + (1,) * (len(shape) - 1)) * g

    def _tau_vec(self, tau: Any) -> Any:
        if np.ndim(tau) == 0:
            return float(tau)
        return self._f(tau) if isinstance(tau, np.ndarray) else tau

    def _take_k(self, X: Any, k: Any) -> Any:
        """``X[r, :, k[r]]`` for X of shape (R, T, K): shape (R, T)."""
        xp = self.xp
        idx = xp.broadcast_to(xp.reshape(k, (self.R, 1, 1)), (self.R, self.T, 1))
        return xp.take_along_axis(X, idx, axis=2)[..., 0]

    def _gather(self, X: Any, idx: Any) -> Any:
        """``take_along_axis(X, idx, axis=-1)`` for idx with X's leading shape, as one flat take.

        Faster than ``take_along_axis`` in numpy (no index grids); the same on MLX.
        """
        xp = self.xp
        lead = tuple(X.shape[:-1])
        n_lead = int(np.prod(lead)) if lead else 1
        N = X.shape[-1]
        base = xp.reshape(xp.arange(n_lead, dtype=xp.int32) * N,
                          lead + (1,) * (idx.ndim - len(lead)))
        return xp.take(xp.reshape(X, (-1,)), idx + base)

    def _onehot(self, k: Any) -> Any:
        xp = self.xp
        return (xp.reshape(k, (self.R, 1)) == xp.reshape(self.kidx, (1, self.K))).astype(self.dt)

    def _cols(self, M: Any, k: Any) -> Any:
        """``M[:, k[r]]`` for M of shape (T, X): shape (R, T)."""
        return self.xp.take(M, k, axis=1).T

    def _rows_P(self, k: Any) -> Any:
        """``P[t, k[r], :]``: shape (R, T, K)."""
        return self.xp.transpose(self.xp.take(self.P, k, axis=1), (1, 0, 2))

    def _row_cost(self, newr: Any) -> Any:
        """Row-table energy summed over rows, ``inf`` outside a range.

        ``newr`` has shape (R, T, J, S); returns (R, T, S).
        """
        xp = self.xp
        lo = xp.reshape(self.lo, (1, 1, self.J, 1))
        hi = xp.reshape(self.hi, (1, 1, self.J, 1))
        ok = (newr >= lo) & (newr <= hi)
        idx = xp.clip(newr - lo, 0, self.span - 1).astype(xp.int32)
        flat = idx + xp.reshape(self.t_offset, (1, self.T, self.J, 1))
        vals = xp.take(self.row_flat, flat)
        return xp.sum(xp.where(ok, vals, self.inf), axis=2)

    # ------------------------------------------------------------------ state

    def set_state(self, counts: np.ndarray) -> None:
        xp = self.xp
        c = self._f(counts)
        self.c = c
        self.G = xp.einsum("rtk,tkl->rtl", c, self.P) if xp is np else \
            xp.transpose(xp.matmul(xp.transpose(c, (1, 0, 2)), self.P), (1, 0, 2))
        self.rv = xp.matmul(c, self.A.T)
        self.E = self._f(self.model.energies(np.asarray(counts)))

    def counts(self) -> np.ndarray:
        return np.rint(self.host(self.c)).astype(np.int64)

    # ------------------------------------------------------------------ moves

    def single(self, assets: Any, tau: float) -> None:
        """Asset-trajectory move for asset ``assets[r]`` in every replica."""
        xp = self.xp
        R, T = self.R, self.T
        kp = xp.take(self.kp, assets)
        km = xp.take(self.km, assets)
        a = self._take_k(self.c, kp)
        b = self._take_k(self.c, km)
        Pkk = self._cols(self.Pd, kp)
        Pmm = self._cols(self.Pd, km)
        Ppm = self._cols(self.Ppm, assets)
        gp = self._take_k(self.G, kp) - Pkk * a - Ppm * b
        gm = self._take_k(self.G, km) - Ppm * a - Pmm * b
        lp = self._cols(self.h, kp) + gp
        lm = self._cols(self.h, km) + gm
        sa, sb = self.sa, self.sb
        e3 = (1, 1, self.S)
        cost = (lp[..., None] * sa + lm[..., None] * sb
                + 0.5 * Pkk[..., None] * xp.reshape(sa * sa, e3)
                + 0.5 * Pmm[..., None] * xp.reshape(sb * sb, e3)
                + Ppm[..., None] * xp.reshape(sa * sb, e3))
        Ap = xp.take(self.A, kp, axis=1).T  # (R, J)
        Am = xp.take(self.A, km, axis=1).T
        rvo = self.rv - a[..., None] * Ap[:, None, :] - b[..., None] * Am[:, None, :]
        newr = (rvo[..., None] + Ap[:, None, :, None] * xp.reshape(sa, (1, 1, 1, self.S))
                + Am[:, None, :, None] * xp.reshape(sb, (1, 1, 1, self.S)))
        cost = cost + self._row_cost(newr)
        Wp = self._cols(self.W, kp)
        Wm = self._cols(self.W, km)
        trans = (Wp[..., None, None] * self.MINA + Wm[..., None, None] * self.MINB)  # (R,T,S,S)
        chain_old = xp.sum(Wp[:, 1:] * xp.minimum(a[:, 1:], a[:, :-1])
                           + Wm[:, 1:] * xp.minimum(b[:, 1:], b[:, :-1]), axis=1)
        cur_state = (a * (self.U + 1) + b).astype(xp.int32)
        old = xp.sum(xp.take_along_axis(cost, cur_state[..., None], axis=2)[..., 0], axis=1) \
            + chain_old
        hot = _positive(tau)
        work = cost - self.noise(tau, (R, T, self.S)) if hot else cost
        path = self._viterbi(work, trans)
        na = xp.take(sa, path)
        nb = xp.take(sb, path)
        chain_new = xp.sum(Wp[:, 1:] * xp.minimum(na[:, 1:], na[:, :-1])
                           + Wm[:, 1:] * xp.minimum(nb[:, 1:], nb[:, :-1]), axis=1)
        new = xp.sum(xp.take_along_axis(cost, path[..., None], axis=2)[..., 0], axis=1) \
            + chain_new
        ok = xp.isfinite(new)
        if not hot:
            ok = ok & (new <= old)
        na = xp.where(ok[:, None], na, a)
        nb = xp.where(ok[:, None], nb, b)
        self._apply(kp, km, na - a, nb - b, Ap, Am, xp.where(ok, new - old, 0.0))

    def _apply(self, kp: Any, km: Any, da: Any, db: Any, Ap: Any, Am: Any, dE: Any) -> None:
        xp = self.xp
        self.c = self.c + da[..., None] * self._onehot(kp)[:, None, :] \
            + db[..., None] * self._onehot(km)[:, None, :]
        self.G = self.G + da[..., None] * self._rows_P(kp) + db[..., None] * self._rows_P(km)
        self.rv = self.rv + da[..., None] * Ap[:, None, :] + db[..., None] * Am[:, None, :]
        self.E = self.E + dE
        if xp is not np:
            xp.eval(self.c, self.G, self.rv, self.E)

    def _viterbi(self, cost: Any, trans: Any) -> Any:
        """Min-cost paths: cost (R, T, S), trans (R, T, S, S) [prev, next]; returns (R, T)."""
        xp = self.xp
        T = cost.shape[1]
        V = cost[:, 0, :]
        pointers = []
        for t in range(1, T):
            M = V[:, :, None] + trans[:, t]
            bp = xp.argmin(M, axis=1)
            pointers.append(bp)
            V = xp.min(M, axis=1) + cost[:, t, :]
        s = xp.argmin(V, axis=1)
        states = [s]
        for t in range(T - 1, 0, -1):
            s = xp.take_along_axis(pointers[t - 1], s[:, None], axis=1)[:, 0]
            states.append(s)
        return xp.stack(states[::-1], axis=1).astype(xp.int32)

    def pair(self, ai: Any, aj: Any, tau: float) -> None:
        """Two assets jointly over all periods (net positions), Metropolis-accepted at τ."""
        xp = self.xp
        R, T, Z = self.R, self.T, self.Z
        ks = [xp.take(self.kp, ai), xp.take(self.km, ai), xp.take(self.kp, aj),
              xp.take(self.km, aj)]
        cur = [self._take_k(self.c, k) for k in ks]
        # couplings among the four classes, (R, T) each
        Pq = [[self._cols_pair(ks[u], ks[v]) for v in range(4)] for u in range(4)]
        g = []
        for u in range(4):
            gu = self._take_k(self.G, ks[u])
            for v in range(4):
                gu = gu - Pq[u][v] * cur[v]
            g.append(gu + self._cols(self.h, ks[u]))
        # joint states: s = z_i * Z + z_j; per-class unit counts of each state
        za, zb = self.za_np, self.zb_np
        st = [np.repeat(za, Z), np.repeat(zb, Z), np.tile(za, Z), np.tile(zb, Z)]
        st_b = [self._f(s) for s in st]
        shape3 = (1, 1, Z * Z)
        cost = 0.0
        for u in range(4):
            cost = cost + g[u][..., None] * xp.reshape(st_b[u], shape3)
            cost = cost + 0.5 * Pq[u][u][..., None] * xp.reshape(st_b[u] * st_b[u], shape3)
            for v in range(u + 1, 4):
                cost = cost + Pq[u][v][..., None] * xp.reshape(st_b[u] * st_b[v], shape3)
        Acols = [xp.take(self.A, k, axis=1).T for k in ks]  # (R, J)
        rvo = self.rv
        for u in range(4):
            rvo = rvo - cur[u][..., None] * Acols[u][:, None, :]
        newr = rvo[..., None]
        for u in range(4):
            newr = newr + Acols[u][:, None, :, None] * xp.reshape(st_b[u], (1, 1, 1, Z * Z))
        cost = cost + self._row_cost(newr)
        Ws = [self._cols(self.W, k) for k in ks]
        # current energy of the four classes' paths, with the same fields
        old_state = 0.0
        for u in range(4):
            old_state = old_state + g[u] * cur[u] + 0.5 * Pq[u][u] * cur[u] * cur[u]
            for v in range(u + 1, 4):
                old_state = old_state + Pq[u][v] * cur[u] * cur[v]
        rr = rvo
        for u in range(4):
            rr = rr + cur[u][..., None] * Acols[u][:, None, :]
        okr = xp.all((rr >= self.lo) & (rr <= self.hi), axis=2)
        idx = xp.clip(rr - self.lo, 0, self.span - 1).astype(xp.int32) + self.t_offset[None]
        old_rows = xp.sum(xp.take(self.row_flat, idx), axis=2)
        old = xp.sum(xp.where(okr, old_state + old_rows, self.inf), axis=1)
        for u in range(4):
            old = old + xp.sum(Ws[u][:, 1:] * xp.minimum(cur[u][:, 1:], cur[u][:, :-1]), axis=1)
        # separable transitions: asset i then asset j
        ti = Ws[0][..., None, None] * self.MZA + Ws[1][..., None, None] * self.MZB  # (R,T,Z,Z)
        tj = Ws[2][..., None, None] * self.MZA + Ws[3][..., None, None] * self.MZB
        hot = _positive(tau)
        work = cost - self.noise(tau, (R, T, Z * Z)) if hot else cost
        path_i, path_j = self._viterbi_pair(work, ti, tj)
        new_units = [xp.take(self.za, path_i), xp.take(self.zb, path_i),
                     xp.take(self.za, path_j), xp.take(self.zb, path_j)]
        joint = (path_i * Z + path_j).astype(xp.int32)
        new = xp.sum(xp.take_along_axis(cost, joint[..., None], axis=2)[..., 0], axis=1)
        for u in range(4):
            new = new + xp.sum(Ws[u][:, 1:] * xp.minimum(new_units[u][:, 1:],
                                                        new_units[u][:, :-1]), axis=1)
        delta = new - old
        if hot:
            accept = delta <= self._tau_vec(tau) * (
                -xp.log(xp.clip(self.uniform((R,)), 1e-12, 1.0)))
        else:
            accept = delta < 0
        accept = accept & xp.isfinite(new)
        dE = xp.where(accept, delta, 0.0)
        for u in range(4):
            d = xp.where(accept[:, None], new_units[u] - cur[u], 0.0)
            self.c = self.c + d[..., None] * self._onehot(ks[u])[:, None, :]
            self.G = self.G + d[..., None] * self._rows_P(ks[u])
            self.rv = self.rv + d[..., None] * Acols[u][:, None, :]
            # keep cur consistent for the fields of later classes (not needed: G exact)
        self.E = self.E + dE
        if xp is not np:
            xp.eval(self.c, self.G, self.rv, self.E)

    def _cols_pair(self, k1: Any, k2: Any) -> Any:
        """``P[t, k1[r], k2[r]]``: shape (R, T)."""
        xp = self.xp
        rows = xp.take(self.P, k1, axis=1)  # (T, R, K)
        idx = xp.broadcast_to(xp.reshape(k2, (1, self.R, 1)), (self.T, self.R, 1))
        return xp.take_along_axis(rows, idx, axis=2)[..., 0].T

    def _viterbi_pair(self, cost: Any, ti: Any, tj: Any) -> tuple[Any, Any]:
        """Min-cost joint paths with separable transitions; returns (path_i, path_j)."""
        xp = self.xp
        R, T, Z = self.R, self.T, self.Z
        V = xp.reshape(cost[:, 0, :], (R, Z, Z))  # [zi, zj]
        p1, p2 = [], []
        for t in range(1, T):
            # stage 1 over zi': A[r, zi, zj'] = min_zi' V[zi', zj'] + ti[zi', zi]
            M1 = V[:, :, None, :] + ti[:, t][:, :, :, None]      # (R, zi', zi, zj')
            b1 = xp.argmin(M1, axis=1)                            # (R, zi, zj')
            A1 = xp.min(M1, axis=1)
            # stage 2 over zj': B[r, zi, zj] = min_zj' A1[zi, zj'] + tj[zj', zj]
            M2 = A1[:, :, :, None] + tj[:, t][:, None, :, :]      # (R, zi, zj', zj)
            b2 = xp.argmin(M2, axis=2)                            # (R, zi, zj)
            V = xp.min(M2, axis=2) + xp.reshape(cost[:, t, :], (R, Z, Z))
            p1.append(b1)
            p2.append(b2)
        flat = xp.argmin(xp.reshape(V, (R, Z * Z)), axis=1)
        zi = (flat // Z).astype(xp.int32)
        zj = (flat % Z).astype(xp.int32)
        out_i, out_j = [zi], [zj]
        for t in range(T - 1, 0, -1):
            b2 = xp.reshape(p2[t - 1], (R, Z * Z))
            zj_prev = xp.take_along_axis(b2, (zi * Z + zj)[:, None], axis=1)[:, 0]
            b1 = xp.reshape(p1[t - 1], (R, Z * Z))
            zi_prev = xp.take_along_axis(b1, (zi * Z + zj_prev)[:, None], axis=1)[:, 0]
            zi, zj = zi_prev.astype(xp.int32), zj_prev.astype(xp.int32)
            out_i.append(zi)
            out_j.append(zj)
        return (xp.stack(out_i[::-1], axis=1).astype(xp.int32),
                xp.stack(out_j[::-1], axis=1).astype(xp.int32))

    # ------------------------------------------------------------------ period moves

    def _setup_period_moves(self) -> None:
        """Column types (distinct columns of A) and the held-class list length B."""
        model = self.model
        A = np.asarray(model.A, dtype=np.int64)
        types, inverse = np.unique(A.T, axis=0, return_inverse=True)
        self.types_np = types                      # (Y, J)
        self.ctype = self._i(inverse.reshape(-1))  # (K,)
        self.Y = types.shape[0]
        ones = np.flatnonzero(np.all(A > 0, axis=1))
        B = self.K
        for j in ones:  # a row with positive coefficients caps the number of held classes
            B = min(B, int(model.hi[j] // max(1, A[j].min())))
        self.B = max(1, min(B, self.K))
        self.types = self._f(types)
        # every row shift a period move can make, in one array: +y, −y, −y1+y2, y1+y2, −y1−y2
        Y = types.shape[0]
        yy = (types[:, None, :] + types[None, :, :]).reshape(Y * Y, -1)
        sw = (types[None, :, :] - types[:, None, :]).reshape(Y * Y, -1)
        self.all_shifts = self._f(np.concatenate([types, -types, sw, yy, -yy]))
        self.parities = [self._i(np.arange(p, self.T, 2)) for p in (0, 1)]
        # hedge partners: per period, the M classes most negatively coupled to each class
        M = max(1, min(self.M_PARTNERS, self.K - 1))
        P = np.array(model.P, dtype=np.float64, copy=True)
        idx = np.arange(self.K)
        P[:, idx, idx] = np.inf
        part = np.argsort(P, axis=2, kind="stable")[:, :, :M]
        self.M = M
        self.partners = self._i(part)                                  # (T, K, M)
        self.Ppart = self._f(np.take_along_axis(model.P, part, axis=2))
        self.upper_bb = self.xp.array(np.triu(np.ones((self.B, self.B), dtype=bool), 1)) \
            if self.xp is not np else np.triu(np.ones((self.B, self.B), dtype=bool), 1)
        # hedge partners among groups: strongest total coupling of their long sides
        g = np.asarray(model.groups)
        coup = np.abs(model.P[:, g[:, 0][:, None], g[:, 0][None, :]]).sum(axis=0)
        np.fill_diagonal(coup, -np.inf)
        Mg = max(1, min(self.M_PARTNERS, self.n - 1))
        self.asset_partners = np.argsort(-coup, axis=1, kind="stable")[:, :Mg]

    def _draw(self, cand: Any, tau: Any) -> Any:
        """Index drawn ∝ exp(−cand/τ) along the last axis (inverse CDF, one uniform per row).

        Rejection-free: the whole move list (with "stay" at 0) is weighed at once. Cheaper
        than Gumbel-max, which needs two logarithms per candidate.
        """
        xp = self.xp
        lead = cand.shape[:-1]
        t = self._tau_vec(tau)
        if np.ndim(tau) != 0:
            t = xp.reshape(t, (self.R,) + (1,) * len(lead))
        low = xp.min(cand, axis=-1, keepdims=True)
        z = (low - cand) / t
        if xp is np:  # single precision is plenty for sampling weights, and twice as fast
            z = z.astype(np.float32)
        cdf = xp.cumsum(xp.exp(z), axis=-1)
        u = self.uniform(lead + (1,)) * cdf[..., -1:]
        pick = xp.sum((cdf < u).astype(xp.int32), axis=-1)
        return xp.minimum(pick, cand.shape[-1] - 1).astype(xp.int32)

    def _row_delta(self, rv: Any, shift: Any) -> Any:
        """Row-table energy change and feasibility for row shifts.

        ``rv`` (R, Tp, J) current row values of periods ``tp``; ``shift`` (..., J).
        Returns the energy change (R, Tp, ...) with ``inf`` where a row leaves its range.
        """
        xp = self.xp
        extra = shift.ndim - 1
        rvx = xp.reshape(rv, rv.shape[:2] + (1,) * extra + (self.J,))
        new = rvx + shift
        ok = xp.all((new >= self.lo) & (new <= self.hi), axis=-1)
        idx_new = xp.clip(new - self.lo, 0, self.span - 1).astype(xp.int32)
        idx_old = xp.clip(rvx - self.lo, 0, self.span - 1).astype(xp.int32)
        off = xp.reshape(self._tp_offset, self._tp_offset.shape[:2] + (1,) * extra + (self.J,))
        e_new = xp.sum(xp.take(self.row_flat, idx_new + off), axis=-1)
        e_old = xp.sum(xp.take(self.row_flat, idx_old + off), axis=-1)
        return xp.where(ok, e_new - e_old, self.inf)

    def period_step(self, parity: int, tau: Any) -> None:
        """One move in every period of one parity, in every replica.

        Moves (all keep every row in range, checked exactly): add a unit to a class, remove
        one, move one from a held class to any other (``B × K`` swaps), add two units at
        once to a class and one of its ``M`` most negatively coupled partners (a hedge), or
        remove two held units at once. Periods of one parity share no chain term, so their
        moves are exact together. The move is drawn ∝ exp(−ΔE/τ) among all moves and "stay"
        (rejection-free, :meth:`_draw`); τ = 0 takes the best move if it lowers the energy.
        """
        xp = self.xp
        R, K, B, M = self.R, self.K, self.B, self.M
        tp = self.parities[parity]
        Tp = int(tp.shape[0])
        if Tp == 0:
            return
        self._tp_offset = xp.reshape(xp.take(self.t_offset, tp, axis=0), (1, Tp, self.J))
        c = xp.take(self.c, tp, axis=1)           # (R, Tp, K)
        G = xp.take(self.G, tp, axis=1)
        rv = xp.take(self.rv, tp, axis=1)         # (R, Tp, J)
        h = xp.take(self.h, tp, axis=0)[None]     # (1, Tp, K)
        Pd = xp.take(self.Pd, tp, axis=0)[None]
        zero = xp.zeros((R, 1, K), dtype=self.dt)
        c_pad = xp.concatenate([zero, self.c, zero], axis=1)  # (R, T+2, K)
        c_prev = xp.take(c_pad, tp, axis=1)
        c_next = xp.take(c_pad, tp + 2, axis=1)
        W_pad = xp.concatenate([self.W, xp.zeros((1, K), dtype=self.dt)], axis=0)
        W_now = xp.take(W_pad, tp, axis=0)[None]
        W_next = xp.take(W_pad, tp + 1, axis=0)[None]
        chain_add = W_now * (c < c_prev) + W_next * (c < c_next)
        chain_rem = -(W_now * (c <= c_prev) + W_next * (c <= c_next))
        base_add = h + G + 0.5 * Pd + chain_add
        base_rem = -h - G + 0.5 * Pd + chain_rem
        can_add = c < float(self.U)
        can_rem = c > 0
        ct = self.ctype
        Y = self.Y
        rows_all = self._row_delta(rv, self.all_shifts)             # (R, Tp, 2Y + 3Y²)
        add_row, rem_row = rows_all[..., :Y], rows_all[..., Y:2 * Y]
        sw_row = rows_all[..., 2 * Y:2 * Y + Y * Y]
        aa_row = rows_all[..., 2 * Y + Y * Y:2 * Y + 2 * Y * Y]
        rr_row = rows_all[..., 2 * Y + 2 * Y * Y:]
        d_add = base_add + xp.take(add_row, ct, axis=2)
        d_rem = base_rem + xp.take(rem_row, ct, axis=2)
        # held classes: the B largest counts (a row caps how many can be non-zero)
        order = xp.argsort(-c, axis=2)[:, :, :B].astype(xp.int32)   # (R, Tp, B)
        c_held = self._gather(c, order)
        held = c_held > 0
        rem_held = self._gather(base_rem, order)
        ty_held = xp.take(ct, order)                                  # (R, Tp, B)
        Pt = xp.take(self.P, tp, axis=0)                              # (Tp, K, K)
        flat_rows = xp.reshape(order + xp.reshape(xp.arange(Tp) * K, (1, Tp, 1)), (-1,))
        P_held = xp.reshape(xp.take(xp.reshape(Pt, (Tp * K, K)), flat_rows, axis=0),
                            (R, Tp, B, K))
        # 1. swaps: remove held b, add l
        # sw_row[r, t, type(held b), type(l)] as one flat take: (R, Tp, B, K)
        sr = self._gather(sw_row,
                          xp.reshape(ty_held * self.Y, (R, Tp, B, 1)) + ct)
        kk4 = xp.reshape(self.kidx, (1, 1, 1, K))
        d_swap = rem_held[..., None] + base_add[:, :, None, :] - P_held + sr
        ok_swap = held[..., None] & can_add[:, :, None, :] & (order[..., None] != kk4)
        # 2. add two: class k and its partner m
        part = xp.take(self.partners, tp, axis=0)[None]               # (1, Tp, K, M)
        part_b = xp.broadcast_to(part, (R, Tp, K, M))
        Ppart = xp.take(self.Ppart, tp, axis=0)[None]                 # (1, Tp, K, M)
        flat_part = xp.reshape(part_b + xp.reshape(xp.arange(R * Tp) * K, (R, Tp, 1, 1)),
                               (-1,))
        add_l = xp.reshape(xp.take(xp.reshape(base_add, (R * Tp * K,)), flat_part),
                           (R, Tp, K, M))
        can_l = xp.reshape(xp.take(xp.reshape(can_add, (R * Tp * K,)), flat_part),
                           (R, Tp, K, M))
        ty_part = xp.take(ct, part_b)                                 # (R, Tp, K, M)
        aa = self._gather(aa_row,
                          xp.reshape(ct * self.Y, (1, 1, K, 1)) + ty_part)  # (R, Tp, K, M)
        d_aa = base_add[..., None] + add_l + Ppart + aa
        ok_aa = can_add[..., None] & can_l
        # 3. remove two held units (b1 < b2)
        P_hh = self._gather(P_held, xp.broadcast_to(order[:, :, None, :], (R, Tp, B, B)))
        rr = self._gather(rr_row,
                          (ty_held * self.Y)[..., None] + ty_held[:, :, None, :])
        d_rr = rem_held[..., None] + rem_held[:, :, None, :] + P_hh + rr
        ok_rr = held[..., None] & held[:, :, None, :] & self.upper_bb
        inf = self.inf
        blocks = [
            xp.reshape(xp.where(ok_swap, d_swap, inf), (R, Tp, B * K)),
            xp.reshape(xp.where(ok_aa, d_aa, inf), (R, Tp, K * M)),
            xp.reshape(xp.where(ok_rr, d_rr, inf), (R, Tp, B * B)),
            xp.where(can_add, d_add, inf),
            xp.where(can_rem, d_rem, inf),
            xp.zeros((R, Tp, 1), dtype=self.dt),  # stay (Δ = 0)
        ]
        cand = xp.concatenate(blocks, axis=2)
        pick = self._draw(cand, tau) if _positive(tau) else \
            xp.argmin(cand, axis=2).astype(xp.int32)                  # (R, Tp)
        delta = self._gather(cand, pick[..., None])[..., 0]
        valid = xp.isfinite(delta)
        o1 = B * K
        o2 = o1 + K * M
        o3 = o2 + B * B
        o4 = o3 + K
        o5 = o4 + K
        def held_at(b: Any) -> Any:
            return self._gather(order, xp.clip(b, 0, B - 1)[..., None])[..., 0]
        # swap
        k1 = xp.where(pick < o1, held_at(pick // K), -1)
        k2 = xp.where(pick < o1, pick % K, -1)
        s1 = xp.where(pick < o1, -1.0, 0.0)
        s2 = xp.where(pick < o1, 1.0, 0.0)
        # add two
        in2 = (pick >= o1) & (pick < o2)
        p2 = xp.clip(pick - o1, 0, K * M - 1)
        kp2 = p2 // M
        mp2 = self._gather(xp.reshape(part_b, (R, Tp, K * M)), p2[..., None])[..., 0]
        k1 = xp.where(in2, kp2, k1)
        k2 = xp.where(in2, mp2, k2)
        s1 = xp.where(in2, 1.0, s1)
        s2 = xp.where(in2, 1.0, s2)
        # remove two
        in3 = (pick >= o2) & (pick < o3)
        p3 = xp.clip(pick - o2, 0, B * B - 1)
        k1 = xp.where(in3, held_at(p3 // B), k1)
        k2 = xp.where(in3, held_at(p3 % B), k2)
        s1 = xp.where(in3, -1.0, s1)
        s2 = xp.where(in3, -1.0, s2)
        # single add / remove
        in4 = (pick >= o3) & (pick < o4)
        in5 = (pick >= o4) & (pick < o5)
        k1 = xp.where(in4, pick - o3, xp.where(in5, pick - o4, k1))
        s1 = xp.where(in4, 1.0, xp.where(in5, -1.0, s1))
        k2 = xp.where(in4 | in5, -1, k2)
        s2 = xp.where(in4 | in5, 0.0, s2)
        s1 = xp.where(valid & (pick < o5), s1, 0.0).astype(self.dt)
        s2 = xp.where(valid & (pick < o5), s2, 0.0).astype(self.dt)
        delta = xp.where(valid, delta, 0.0)
        kk = xp.reshape(self.kidx, (1, 1, K))
        oh1 = (k1[..., None] == kk).astype(self.dt)
        oh2 = (k2[..., None] == kk).astype(self.dt)
        dc = s1[..., None] * oh1 + s2[..., None] * oh2               # (R, Tp, K)
        # field change: the rows of P[t] of the (at most two) classes moved
        tK = xp.reshape(xp.arange(Tp, dtype=xp.int32) * K, (1, Tp))
        PtK = xp.reshape(Pt, (Tp * K, K))
        row1 = xp.take(PtK, xp.reshape(xp.maximum(k1, 0) + tK, (-1,)), axis=0)
        row2 = xp.take(PtK, xp.reshape(xp.maximum(k2, 0) + tK, (-1,)), axis=0)
        dG = s1[..., None] * xp.reshape(row1, (R, Tp, K)) \
            + s2[..., None] * xp.reshape(row2, (R, Tp, K))
        drv = xp.matmul(dc, self.A.T)
        scatter = (xp.reshape(self._i(np.arange(self.T)), (self.T, 1))
                   == xp.reshape(tp, (1, Tp))).astype(self.dt)         # (T, Tp)
        sc = scatter[None]
        self.c = self.c + xp.matmul(sc, dc) if xp is not np else self.c + np.einsum(
            "tp,rpk->rtk", scatter, dc)
        self.G = self.G + (xp.matmul(sc, dG) if xp is not np
                           else np.einsum("tp,rpk->rtk", scatter, dG))
        self.rv = self.rv + (xp.matmul(sc, drv) if xp is not np
                             else np.einsum("tp,rpk->rtk", scatter, drv))
        self.E = self.E + xp.sum(delta, axis=1)
        if xp is not np:
            xp.eval(self.c, self.G, self.rv, self.E)

    # ------------------------------------------------------------------ sweeps

    def random_assets(self) -> Any:
        """A random permutation of the assets per replica: (R, n) on the backend."""
        perm = np.argsort(self.np_rng.random((self.R, self.n)), axis=1).astype(np.int32)
        return self._i(perm)

    def pair_assets(self) -> tuple[Any, Any]:
        """Random asset pairs, three in four among each asset's most coupled partners."""
        rng = self.np_rng
        ai = rng.integers(0, self.n, self.R)
        aj = (ai + rng.integers(1, self.n, self.R)) % self.n
        if hasattr(self, "asset_partners"):
            part = self.asset_partners[ai, rng.integers(0, self.asset_partners.shape[1],
                                                        self.R)]
            aj = np.where(rng.random(self.R) < 0.75, part, aj)
        return self._i(ai), self._i(aj)

    def sweep(self, tau: Any, pairs: int, deadline: float | None = None,
              clock: Callable[[], float] = time.perf_counter) -> None:
        """One trajectory move per asset (random order per replica), then ``pairs`` pair moves.

        Stops early once ``clock()`` passes ``deadline`` (checked every 8 moves).
        """
        perm = self.random_assets()
        for k in range(self.n):
            self.single(perm[:, k], tau)
            if deadline is not None and k % 8 == 7 and clock() > deadline:
                return
        if pairs and self.n > 1:
            for k in range(pairs):
                self.pair(*self.pair_assets(), tau)
                if deadline is not None and k % 8 == 7 and clock() > deadline:
                    return

    def descend(self, max_rounds: int, pairs: int, deadline: float | None = None,
                clock: Callable[[], float] = time.perf_counter) -> int:
        """Greedy descent until no replica improves (or ``max_rounds``).

        A round: improving period moves until none is left, then one asset-trajectory move
        per asset and ``pairs`` pair moves, all greedy.
        """
        rounds = 0
        for rounds in range(1, max_rounds + 1):  # noqa: B007 - returned
            before = self.host(self.E).copy()
            if hasattr(self, "B"):
                for _ in range(4 * self.T + 8):
                    e0 = self.host(self.E).copy()
                    for parity in (0, 1):
                        self.period_step(parity, 0.0)
                    if np.all(self.host(self.E) >= e0 - 1e-9 * (1 + np.abs(e0))):
                        break
                    if deadline is not None and clock() > deadline:
                        return rounds
            self.sweep(0.0, pairs, deadline, clock)
            after = self.host(self.E)
            if np.all(after >= before - 1e-9 * (1 + np.abs(before))):
                break
            if deadline is not None and clock() > deadline:
                break
        return rounds


def _positive(tau: Any) -> bool:
    """Whether a temperature (scalar or per-replica array) has any positive entry."""
    if np.ndim(tau) == 0:
        return float(tau) > 0
    return bool(np.any(np.asarray(tau) > 0))


def random_feasible_counts(model: StructuredCountModel, num_reads: int,
                           rng: np.random.Generator, density: float | None = None,
                           max_steps: int | None = None) -> np.ndarray:
    """Random counts that respect every bound and row range, shape (R, T, K).

    Each count is drawn uniformly from 0…U with probability ``density`` (default: the
    share that puts the rows mid-range) and is 0 otherwise; then single units are added or
    removed greedily (random tie-breaks) until every row is inside its range.

    Raises
    ------
    SolverError
        No feasible counts found (the row ranges cannot be met with counts in 0…U).
    """
    T, K = model.h.shape
    U = int(model.upper)
    A = model.A.astype(np.int64)
    lo, hi = model.lo.astype(np.int64), model.hi.astype(np.int64)
    if density is None:
        # aim the count row (all-ones row if any) at the middle of its range
        ones = np.flatnonzero(np.all(A == 1, axis=1))
        if ones.size:
            j = int(ones[0])
            mid = 0.5 * (max(lo[j], 0) + min(hi[j], U * K))
            density = float(np.clip(mid / max(1.0, K * U / 2.0), 0.0, 1.0))
        else:
            density = 0.1
    c = np.where(rng.random((num_reads, T, K)) < density,
                 rng.integers(0, U + 1, (num_reads, T, K)), 0).astype(np.int64)
    max_steps = max_steps or 4 * K * U + 100
    for _ in range(max_steps):
        r = c @ A.T  # (R, T, J)
        below, above = np.maximum(lo - r, 0), np.maximum(r - hi, 0)
        viol = (below + above).sum(axis=2)  # (R, T)
        if not viol.any():
            return c
        # violation after +1 / −1 on each class: (R, T, K)
        best_gain = np.full(viol.shape, 0, dtype=np.int64)
        choice = np.zeros(viol.shape + (2,), dtype=np.int64)
        noise = rng.random((num_reads, T, K, 2)) * 0.5
        scores = np.empty((num_reads, T, K, 2))
        for d, sign in enumerate((1, -1)):
            r2 = r[:, :, None, :] + sign * A.T[None, None, :, :]
            v2 = (np.maximum(lo - r2, 0) + np.maximum(r2 - hi, 0)).sum(axis=3)
            ok = (c + sign >= 0) & (c + sign <= U)
            scores[..., d] = np.where(ok, viol[..., None] - v2, -np.inf) + noise[..., d]
        flat = scores.reshape(num_reads, T, 2 * K)
        pick = np.argmax(flat, axis=2)
        gain = np.take_along_axis(flat, pick[..., None], axis=2)[..., 0]
        k, d = pick // 2, pick % 2
        do = (viol > 0) & (gain > 0.5)
        stuck = (viol > 0) & ~do
        if stuck.any():
            # no single unit reduces the violation: restart those periods from zero
            c[stuck] = 0
        sign = np.where(d == 0, 1, -1)
        ri, ti = np.nonzero(do)
        c[ri, ti, k[ri, ti]] += sign[ri, ti]
        del best_gain, choice
    raise SolverError("could not find counts inside every row range (lo="
                      f"{lo.tolist()}, hi={hi.tolist()}, counts 0..{U})")


def block_descent(model: StructuredCountModel, counts: np.ndarray, *, backend: Any = "numpy",
                  dtype: Any = None, pairs: int | None = None, max_rounds: int = 100,
                  seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """The local search alone: greedy period, asset-trajectory and pair moves (qfin's).

    Parameters
    ----------
    model : StructuredCountModel
    counts : ndarray of shape (R, T, K)
        Feasible starting counts.
    pairs : int, optional
        Pair moves per round (default: the number of groups).
    max_rounds : int
        Rounds of (period moves to a local optimum, one trajectory move per group, pair
        moves); stops early when no replica improves.

    Returns
    -------
    (ndarray of shape (R, T, K), ndarray of shape (R,))
        Counts at the local optima and their energies (float64).
    """
    be = get(backend)
    dt = be.resolve_dtype(dtype)
    counts = np.asarray(counts, dtype=np.int64)
    eng = _Engine(model, counts.shape[0], be, dt, seed)
    eng._setup_period_moves()
    eng.set_state(counts)
    eng.descend(max_rounds, eng.n if pairs is None else pairs)
    out = eng.counts()
    return out, model.energies(out)


def random_restart_descent(model: StructuredCountModel, *, time_limit: float,
                           num_reads: int = 8, seed: int | None = None,
                           backend: Any = "numpy", dtype: Any = None,
                           t0: float | None = None,
                           clock: Callable[[], float] = time.perf_counter) -> StructuredResult:
    """The polish-only control: random feasible starts + greedy descent, until the limit.

    Every round draws ``num_reads`` random feasible counts and runs :meth:`_Engine.descend`
    (period moves, then trajectory and pair moves, greedy) to local optima. No annealing,
    no recombination: what is left when the sampler's own search is taken away.

    Returns
    -------
    StructuredResult
    """
    t0 = clock() if t0 is None else t0
    be = get(backend)
    dt = be.resolve_dtype(dtype)
    eng = _Engine(model, num_reads, be, dt, seed)
    eng._setup_period_moves()
    deadline = t0 + float(time_limit)
    best_e, best_c = math.inf, None
    trajectory: list[tuple[float, float]] = []
    rounds = 0
    final = energies = None
    while rounds == 0 or clock() < deadline:
        eng.set_state(random_feasible_counts(model, num_reads, eng.np_rng))
        eng.descend(50, eng.n, deadline, clock)
        final = eng.counts()
        energies = model.energies(final)
        i = int(np.argmin(energies))
        if energies[i] < best_e:
            best_e, best_c = float(energies[i]), final[i].copy()
            trajectory.append((clock() - t0, best_e))
        rounds += 1
    order = np.argsort(energies, kind="stable")
    info = {"backend": be.name, "device": be.device, "num_reads": num_reads,
            "restarts": rounds, "timing": {"total": clock() - t0}}
    return StructuredResult(final[order], energies[order], best_c, best_e, trajectory, info)


def energy_scale(model: StructuredCountModel) -> float:
    """Median energy of one unit added to an empty period: the temperature unit."""
    one = np.abs(model.h + 0.5 * np.einsum("tkk->tk", model.P))
    one = one[one > 0]
    return float(np.median(one)) if one.size else 1.0


class _Archive:
    """The best distinct solutions seen, for recombination."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.counts: list[np.ndarray] = []
        self.energies: list[float] = []
        self._keys: set[bytes] = set()

    def add(self, counts: np.ndarray, energies: np.ndarray) -> None:
        for c, e in zip(counts, energies, strict=True):
            if not np.isfinite(e):
                continue
            key = c.astype(np.int8).tobytes()
            if key in self._keys:
                continue
            self._keys.add(key)
            self.counts.append(np.array(c, dtype=np.int64))
            self.energies.append(float(e))
        if len(self.counts) > self.size:
            keep = np.argsort(self.energies, kind="stable")[: self.size]
            self.counts = [self.counts[i] for i in keep]
            self.energies = [self.energies[i] for i in keep]
            self._keys = {c.astype(np.int8).tobytes() for c in self.counts}

    def pool(self) -> np.ndarray:
        return np.stack(self.counts)


class _PeriodArchive:
    """The best distinct allocations of every period, by that period's own energy.

    Periods interact only through the chain, so a replica that is poor overall may hold the
    best allocation of some period; :func:`recombine` stitches these per-period elites.
    """

    def __init__(self, model: StructuredCountModel, size: int) -> None:
        self.model = model
        self.size = size
        T = model.n_periods
        self.allocs: list[list[np.ndarray]] = [[] for _ in range(T)]
        self.energy: list[list[float]] = [[] for _ in range(T)]
        self._keys: list[set[bytes]] = [set() for _ in range(T)]

    def add(self, counts: np.ndarray) -> None:
        counts = np.asarray(counts, dtype=np.int64)
        pe = period_energies(self.model, counts)  # (R, T)
        for t in range(self.model.n_periods):
            for r in range(counts.shape[0]):
                e = float(pe[r, t])
                key = counts[r, t].astype(np.int8).tobytes()
                if not np.isfinite(e) or key in self._keys[t]:
                    continue
                self._keys[t].add(key)
                self.allocs[t].append(counts[r, t].copy())
                self.energy[t].append(e)
            if len(self.allocs[t]) > self.size:
                keep = np.argsort(self.energy[t], kind="stable")[: self.size]
                self.allocs[t] = [self.allocs[t][i] for i in keep]
                self.energy[t] = [self.energy[t][i] for i in keep]
                self._keys[t] = {a.astype(np.int8).tobytes() for a in self.allocs[t]}

    def recombine(self, extra: np.ndarray | None = None) -> tuple[np.ndarray, float]:
        """Best stitching of the per-period elites (and the periods of ``extra`` solutions)."""
        if extra is not None:
            self.add(extra)
        M = min(len(a) for a in self.allocs)
        pool = np.stack([np.stack(self.allocs[t][:M]) for t in range(self.model.n_periods)],
                        axis=1)  # (M, T, K)
        block = np.array([self.energy[t][:M] for t in range(self.model.n_periods)]).T
        return recombine(self.model, pool, block)


class StructuredAnnealingSampler:
    """Annealing with exact, constraint-keeping moves on a :class:`StructuredCountModel`.

    The structured mode of qfin's annealing (``method="annealing"`` in the QOBLIB
    benchmark); numpy or MLX. See :mod:`qfin.samplers._structured` for the moves. A run:

    1. R replicas anneal together: every step makes one period move in every period of
       every replica (rejection-free: Gumbel-max over the whole move list at τ), and every
       few steps an asset-trajectory move and a pair move at the same τ; τ falls
       geometrically from ``τ_hot`` to ``τ_cold`` (units: :func:`energy_scale`).
    2. Greedy descent to a local optimum.
    3. Recombination: the best distinct solutions so far are stitched period by period
       (:func:`recombine`, exact DP), and the child descends again.
    4. With ``time_limit``, restart with twice as many steps: half of the replicas from
       fresh random feasible counts over the full τ range, half from elite solutions
       (the best, the child, archive members) from a warm τ (the "perturbation" of an
       iterated local search); until the limit.

    Examples
    --------
    >>> from qfin.datasets import load_qoblib_portfolio
    >>> from qfin.portfolio.qoblib import QoblibModel
    >>> model = QoblibModel(load_qoblib_portfolio("a010_t10_orig"), q=0.0).to_structured()
    >>> res = StructuredAnnealingSampler().sample(model, num_reads=4, num_sweeps=50, seed=1)
    >>> round(res.best_energy)
    -110512
    """

    parameters = {"num_reads": [], "time_limit": [], "num_sweeps": [], "seed": [],
                  "backend": [], "dtype": [], "tau_range": [], "initial": [], "target": [],
                  "callback": [], "t0": [], "clock": []}
    properties = {"description": "structured annealing: rejection-free period moves, exact "
                  "asset-trajectory (Viterbi) and pair block moves, period recombination; "
                  "replica-parallel on numpy or MLX (classical)",
                  "category": "software (classical simulation)"}

    def sample(self, model: StructuredCountModel, *, num_reads: int = 8,
               time_limit: float | None = None, num_sweeps: int | None = None,
               seed: int | None = None, backend: Any = "numpy", dtype: Any = None,
               tau_range: tuple[float, float] | None = None,
               initial: np.ndarray | None = None, target: float | None = None,
               callback: Callable[[float, float], None] | None = None,
               t0: float | None = None,
               clock: Callable[[], float] = time.perf_counter) -> StructuredResult:
        """Anneal ``model``.

        Parameters
        ----------
        model : StructuredCountModel
        num_reads : int
            Replicas R (advanced together as arrays; a GPU likes hundreds).
        time_limit : float, optional
            Seconds for the whole call, counted from ``t0``; restarts (doubling the number of
            steps) continue until it is reached.
        num_sweeps : int, optional
            Annealing steps of the first (or, without ``time_limit``, the only) anneal;
            default 200. A step is one period move per period and replica.
        seed : int, optional
            Equal seeds give equal results on numpy (for equal ``num_sweeps``; a
            ``time_limit`` run depends on the machine's speed).
        backend : {"numpy", "mlx", "auto"} or Backend
        dtype : {"float32", "float64"}, optional
            Working precision (default: the backend's). Reported energies are recomputed in
            float64 on the host.
        tau_range : (float, float), optional
            ``(τ_hot, τ_cold)`` in units of :func:`energy_scale` (default (1, 0.01)).
        initial : ndarray of shape (R, T, K) or (T, K), optional
            Feasible starting counts for the first anneal (default random feasible).
        target : float, optional
            Stop as soon as the best energy is at or below this.
        callback : callable, optional
            ``callback(seconds, best_energy)`` at every improvement.
        t0 : float, optional
            ``clock()`` when the caller's clock started (to charge model building).
        clock : callable
            Clock of ``time_limit`` and the trajectory: wall (``time.perf_counter``, the
            default) or CPU time (``time.process_time``, for a shared machine).

        Returns
        -------
        StructuredResult

        Raises
        ------
        ProblemError
            Bad parameters or infeasible ``initial`` counts.
        """
        t0 = clock() if t0 is None else t0
        if not isinstance(model, StructuredCountModel):
            raise ProblemError("model must be a StructuredCountModel; got "
                               f"{type(model).__name__}")
        if isinstance(num_reads, bool) or not isinstance(num_reads, int) or num_reads < 1:
            raise ProblemError(f"num_reads must be an integer >= 1; got {num_reads!r}")
        if time_limit is not None and (not isinstance(time_limit, (int, float))
                                       or not math.isfinite(time_limit) or time_limit <= 0):
            raise ProblemError(f"time_limit must be a number of seconds > 0; got {time_limit!r}")
        if num_sweeps is not None and (isinstance(num_sweeps, bool)
                                       or not isinstance(num_sweeps, int) or num_sweeps < 1):
            raise ProblemError(f"num_sweeps must be an integer >= 1; got {num_sweeps!r}")
        be = get(backend)
        dt = be.resolve_dtype(dtype)
        eng = _Engine(model, num_reads, be, dt, seed)
        eng._setup_period_moves()
        rng = eng.np_rng
        hot_rel, cold_rel = (TAU_HOT, TAU_COLD) if tau_range is None else tau_range
        if not (float(hot_rel) > 0 and float(cold_rel) > 0):
            raise ProblemError(f"tau_range must hold two positive numbers; got {tau_range!r}")
        scale = energy_scale(model)
        tau_hot, tau_cold = float(hot_rel) * scale, float(cold_rel) * scale
        steps = num_sweeps or 200
        deadline = None if time_limit is None else t0 + float(time_limit)
        R = num_reads
        best_e, best_c = math.inf, None
        trajectory: list[tuple[float, float]] = []
        archive = _Archive(max(4 * R, 16))
        periods = _PeriodArchive(model, PERIOD_ELITES)
        restarts = total_steps = 0
        stop = "num_sweeps"
        timing: dict[str, float] = {"build": clock() - t0}

        def consider(counts: np.ndarray, energies: np.ndarray | None = None) -> bool:
            nonlocal best_e, best_c
            e = model.energies(counts) if energies is None else energies
            i = int(np.argmin(e))
            if e[i] < best_e:
                best_e, best_c = float(e[i]), np.array(counts[i])
                now = clock() - t0
                trajectory.append((now, best_e))
                if callback is not None:
                    callback(now, best_e)
            return target is not None and best_e <= target

        def check() -> bool:
            E = eng.host(eng.E)
            i = int(np.argmin(E))
            if E[i] < best_e - 1e-9 * (1 + abs(best_e)) or not math.isfinite(best_e):
                return consider(eng.counts()[i:i + 1])
            return target is not None and best_e <= target

        if initial is not None:
            start = np.asarray(initial, dtype=np.int64)
            if start.ndim == 2:
                start = np.broadcast_to(start, (R,) + start.shape).copy()
            if start.shape != (R, eng.T, eng.K) or not np.all(model.feasible(start)):
                raise ProblemError("initial counts must be feasible, of shape "
                                   f"({R}, {eng.T}, {eng.K}) or ({eng.T}, {eng.K})")
        else:
            start = random_feasible_counts(model, R, rng)
        warm = np.zeros(R, dtype=bool)  # replicas that start from an elite solution
        done = False
        while not done:
            eng.set_state(start)
            t_anneal = clock()
            hot = np.where(warm, tau_hot * WARM_START, tau_hot)
            taus = np.geomspace(hot, np.full(R, tau_cold), steps)   # (steps, R)
            for i in range(steps):
                tau = taus[i]
                eng.period_step(0, tau)
                eng.period_step(1, tau)
                if i % DP_EVERY == DP_EVERY - 1:
                    eng.single(eng.random_assets()[:, 0], tau)
                    if eng.n > 1:
                        eng.pair(*eng.pair_assets(), tau)
                total_steps += 1
                if i >= steps // 2 and i % PERIOD_EVERY == PERIOD_EVERY - 1:
                    periods.add(eng.counts())
                if (i % CHECK_EVERY == CHECK_EVERY - 1 or i == steps - 1) and check():
                    done, stop = True, "target"
                    break
                if deadline is not None and clock() > deadline:
                    done, stop = True, "time_limit"
                    break
            step_seconds = (clock() - t_anneal) / max(1, i + 1)
            t_descent = clock()
            if not done:
                eng.descend(20, eng.n, deadline, clock)
                final = eng.counts()
                energies = model.energies(final)
                if consider(final, energies):
                    done, stop = True, "target"
                archive.add(final, energies)
                if not done and len(archive.counts) > 1 and (deadline is None
                                                              or clock() < deadline):
                    child, _ = periods.recombine(np.concatenate([final, archive.pool()]))
                    eng.set_state(np.broadcast_to(child, (R,) + child.shape).copy())
                    eng.descend(20, eng.n, deadline, clock)
                    kids = eng.counts()
                    kid_e = model.energies(kids)
                    archive.add(kids[:1], kid_e[:1])
                    if consider(kids, kid_e):
                        done, stop = True, "target"
            restarts += 1
            if done:
                break
            if deadline is None or clock() > deadline:
                stop = "num_sweeps" if deadline is None else "time_limit"
                break
            # next anneal: twice as long, but short enough to finish (and descend) in time
            after = clock() - t_descent
            room = (deadline - clock() - after) / max(step_seconds, 1e-9)
            steps = int(max(MIN_STEPS, min(2 * steps, 0.9 * room)))
            start = random_feasible_counts(model, R, rng)
            warm = np.zeros(R, dtype=bool)
            n_elite = int(round(R * ELITE_SHARE))
            if n_elite and archive.counts:
                pool = archive.pool()
                pick = rng.integers(0, len(pool), n_elite)
                pick[0] = int(np.argmin(archive.energies))
                start[R - n_elite:] = pool[pick]
                warm[R - n_elite:] = True
        final = eng.counts()
        energies = model.energies(final)
        consider(final, energies)
        order = np.argsort(energies, kind="stable")
        timing["total"] = clock() - t0
        info = {"backend": be.name, "device": be.device,
                "dtype": "float64" if "64" in str(dt) else "float32",
                "num_reads": R, "restarts": restarts, "steps": total_steps,
                "tau_range": [tau_hot, tau_cold], "energy_scale": scale, "stop": stop,
                "archive_size": len(archive.counts), "timing": timing}
        return StructuredResult(final[order], energies[order], best_c, best_e, trajectory, info)


def period_energies(model: StructuredCountModel, counts: np.ndarray) -> np.ndarray:
    """Block plus row energy of every period: shape (..., T) for counts (..., T, K)."""
    c = np.asarray(counts, dtype=np.float64)
    block = np.einsum("...tk,tk->...t", c, model.h) \
        + 0.5 * np.einsum("...tk,tkl,...tl->...t", c, model.P, c)
    r = np.asarray(counts, dtype=np.int64) @ model.A.T.astype(np.int64)  # (..., T, J)
    inside = np.all((r >= model.lo) & (r <= model.hi), axis=-1)
    idx = np.clip(r - model.lo, 0, model.row_energy.shape[-1] - 1)
    T, J = model.h.shape[0], model.A.shape[0]
    rows = model.row_energy[np.arange(T)[:, None], np.arange(J)[None, :], idx].sum(axis=-1)
    return np.where(inside, block + rows, np.inf)


def recombine(model: StructuredCountModel, pool: np.ndarray,
              block: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Best stitching of per-period allocations from a pool of solutions (exact, by DP).

    Periods interact only through the chain term, so choosing for every period t one of the
    M pool members' allocations ``pool[m, t]`` is a shortest path over T layers of M nodes:
    node cost = that allocation's block + row energy in period t, edge cost = the chain
    term between consecutive choices. ``O(T·M²·K)``.

    Parameters
    ----------
    pool : ndarray of shape (M, T, K)
        Feasible counts.
    block : ndarray of shape (M, T), optional
        Their per-period energies (:func:`period_energies`), if known.

    Returns
    -------
    (ndarray of shape (T, K), float)
        The best stitched counts and their energy (≤ the best pool member's).
    """
    pool = np.asarray(pool, dtype=np.int64)
    M, T, K = pool.shape
    u = period_energies(model, pool) if block is None else np.asarray(block, dtype=np.float64)
    V = u[:, 0].copy()
    back = np.zeros((T, M), dtype=np.int64)
    pf = pool.astype(np.float64)
    for t in range(1, T):
        # chain[m_prev, m] = Σ_k W[t,k] · min(pool[m_prev, t-1, k], pool[m, t, k])
        chain = np.einsum("pmk,k->pm", np.minimum(pf[:, None, t - 1, :], pf[None, :, t, :]),
                          model.W[t])
        total = V[:, None] + chain
        back[t] = np.argmin(total, axis=0)
        V = total[back[t], np.arange(M)] + u[:, t]
    m = int(np.argmin(V))
    energy = float(V[m]) + model.offset
    choice = [m]
    for t in range(T - 1, 0, -1):
        m = int(back[t, m])
        choice.append(m)
    choice = choice[::-1]
    child = pool[np.array(choice), np.arange(T)]
    return child, energy
