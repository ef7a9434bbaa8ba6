"""Parallel simulated annealing: R replicas as an R×n array, Metropolis sweeps in lockstep."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from qfin.errors import ProblemError
from qfin.samplers._base import ArraySampler
from qfin.samplers._model import DenseIsing, check_positive_int
from qfin.samplers._schedule import check_beta_range, default_beta_range, geometric_betas

__all__ = ["ParallelAnnealingSampler"]


class ParallelAnnealingSampler(ArraySampler):
    """Simulated annealing with all reads advanced together as one R×n array.

    Every sweep visits the spins in a fixed order; at spin ``i`` all R replicas propose the
    flip at once, accept by the Metropolis rule (``ΔE ≤ T·Exp(1)``, the same law as
    ``u < exp(-βΔE)``), and the replicas that flipped get their local fields corrected by a
    rank-1 update ``F += Δs ⊗ J[i]``. On numpy the rank-1 updates of a block of 32 spins are
    batched into one BLAS product (exact: the block's own fields are updated spin by spin).
    The β schedule is geometric between neal's default
    hot/cold values (derived from the coefficients) unless ``beta_range`` is given.

    Parameters accepted by :meth:`sample` besides the common ones
    --------------------------------------------------------------
    num_sweeps : int, default 1000
        Total sweeps (must be divisible by ``num_sweeps_per_beta``).
    num_sweeps_per_beta : int, default 1
        Sweeps at each β.
    beta_range : (float, float), optional
        ``(hot, cold)`` inverse temperatures.

    Examples
    --------
    >>> import dimod
    >>> bqm = dimod.BQM({"a": -1.0, "b": 0.5}, {("a", "b"): -2.0}, 0.0, "SPIN")
    >>> ss = ParallelAnnealingSampler().sample(bqm, num_reads=8, num_sweeps=50, seed=7)
    >>> round(ss.first.energy, 6)
    -2.5
    """

    _own_parameters = {"num_sweeps": [], "num_sweeps_per_beta": [], "beta_range": []}
    _description = ("parallel simulated annealing: replica-vectorised Metropolis sweeps "
                    "with rank-1 local-field updates (classical)")

    def _run(self, model: DenseIsing, num_reads: int, seed: int | None, backend: Any,
             dtype: Any, *, t0: float, num_sweeps: int = 1000, num_sweeps_per_beta: int = 1,
             beta_range: Any = None) -> tuple[np.ndarray, dict[str, Any]]:
        num_sweeps = check_positive_int("num_sweeps", num_sweeps)
        per_beta = check_positive_int("num_sweeps_per_beta", num_sweeps_per_beta)
        if num_sweeps % per_beta:
            raise ProblemError(
                f"num_sweeps must be divisible by num_sweeps_per_beta; got {num_sweeps} and "
                f"{per_beta}")
        beta_range = (default_beta_range(model) if beta_range is None
                      else check_beta_range(beta_range))
        betas = geometric_betas(beta_range, num_sweeps // per_beta)
        if backend.name == "numpy":
            spins, timing = _anneal_numpy(model, num_reads, seed, dtype, betas, per_beta, t0)
        else:
            spins, timing = _anneal_array(model, num_reads, seed, backend, dtype, betas,
                                          per_beta, t0)
        info = {"timing": timing, "beta_range": [float(b) for b in beta_range],
                "beta_schedule_type": "geometric", "num_sweeps": num_sweeps,
                "num_sweeps_per_beta": per_beta}
        return spins, info


def _anneal_numpy(model: DenseIsing, num_reads: int, seed: int | None, dtype: Any,
                  betas: np.ndarray, per_beta: int, t0: float,
                  block: int = 32) -> tuple[np.ndarray, dict]:
    """numpy: Metropolis in blocks of spins, fields caught up by one GEMM per block.

    Inside a block of ``block`` spins the replicas' fields of the block's own spins are kept
    exact by small rank-1 updates (R×block); the flips of the block are then applied to all
    fields at once, ``F += ΔS_block @ J[block]`` (one BLAS call, only for replicas that
    flipped). Same Metropolis chain as spin-by-spin rank-1 updates, far fewer memory passes.
    """
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
    n = model.n
    J = np.ascontiguousarray(model.J, dtype=dtype)
    s = (2 * rng.integers(0, 2, size=(num_reads, n)) - 1).astype(dtype)
    field = s @ J + model.h.astype(dtype)
    blocks = [np.arange(a, min(a + block, n)) for a in range(0, n, block)]
    J_blocks = [np.ascontiguousarray(J[np.ix_(b, b)]) for b in blocks]
    J_rows = [np.ascontiguousarray(J[b]) for b in blocks]
    build = time.perf_counter() - t0
    first = None
    t_start = time.perf_counter()
    for beta in betas:
        for _ in range(per_beta):
            # Metropolis: accept iff ΔE ≤ -ln(u)/β, u ~ U(0,1]; Exp(1) variates are -ln(u).
            threshold = (rng.standard_exponential(size=(n, num_reads)) / beta).astype(dtype)
            for idx, Jbb, Jrow in zip(blocks, J_blocks, J_rows, strict=True):
                lo = int(idx[0])
                f_blk = field[:, idx[0]:idx[-1] + 1].copy()
                d_blk = np.zeros((num_reads, idx.size), dtype=dtype)
                for k in range(idx.size):
                    si = s[:, lo + k]
                    accept = -2.0 * si * f_blk[:, k] <= threshold[lo + k]
                    if accept.any():
                        delta = np.where(accept, -2.0 * si, 0.0).astype(dtype)
                        s[:, lo + k] += delta
                        d_blk[:, k] = delta
                        f_blk += delta[:, None] * Jbb[k]
                rows = np.flatnonzero(d_blk.any(axis=1))
                if rows.size == num_reads:
                    field += d_blk @ Jrow
                elif rows.size:
                    field[rows] += d_blk[rows] @ Jrow
            if first is None:
                first = time.perf_counter() - t_start
    total = time.perf_counter() - t_start
    return s, {"build": build, "first_step": first or 0.0,
               "sampling": max(total - (first or 0.0), 0.0)}


def _sweep_dense(xp: Any, s: Any, field: Any, threshold: Any, J: Any) -> tuple[Any, Any]:
    """One sweep with dense (masked) rank-1 updates: the form GPUs and MLX like."""
    n = J.shape[0]
    for i in range(n):
        si = s[:, i]
        accept = (-2.0 * si * field[:, i]) <= threshold[i]
        delta = xp.where(accept, -2.0 * si, 0.0 * si)
        field = field + delta[:, None] * J[i][None, :]
        s[:, i] = si + delta
    return s, field


def _anneal_array(model: DenseIsing, num_reads: int, seed: int | None, backend: Any,
                  dtype: Any, betas: np.ndarray, per_beta: int,
                  t0: float) -> tuple[np.ndarray, dict]:
    """Any backend (MLX: Metal, CUDA or CPU): dense masked updates, evaluated per sweep."""
    xp = backend.xp
    rng = backend.rng(seed)
    n = model.n
    J = backend.asarray(model.J, dtype)
    h = backend.asarray(model.h, dtype)
    s = backend.asarray(2 * backend.to_numpy(rng.integers(0, 2, (num_reads, n))) - 1, dtype)
    field = s @ J + h
    evaluate = getattr(xp, "eval", None)

    def sweep(s_: Any, field_: Any, threshold_: Any) -> tuple[Any, Any]:
        return _sweep_dense(xp, s_, field_, threshold_, J)

    step = sweep
    compile_fn = getattr(xp, "compile", None)
    if compile_fn is not None:
        step = compile_fn(sweep)
    backend.synchronize()
    build = time.perf_counter() - t0
    first = None
    t_start = time.perf_counter()
    for beta in betas:
        for _ in range(per_beta):
            u = rng.uniform((n, num_reads), dtype=dtype)
            threshold = -xp.log(xp.maximum(1.0 - u, 1e-30)) / float(beta)
            s, field = step(s, field, threshold)
            if evaluate is not None:
                evaluate(s, field)
            if first is None:
                backend.synchronize()
                first = time.perf_counter() - t_start
    backend.synchronize()
    total = time.perf_counter() - t_start
    return backend.to_numpy(s), {"build": build, "first_step": first or 0.0,
                                 "sampling": max(total - (first or 0.0), 0.0)}
