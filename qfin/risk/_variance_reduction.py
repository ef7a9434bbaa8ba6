"""Quasi-Monte Carlo (scrambled Sobol) and importance sampling (mean shift) VaR/CVaR.

These, not plain Monte Carlo, are the classical baselines amplitude estimation must beat.
Both use the scenario model of :mod:`qfin.risk._montecarlo` (Gaussian or Student-t).
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
from scipy import special, stats
from scipy.stats import qmc

from qfin.errors import ProblemError
from qfin.risk._montecarlo import LossModel, build_loss_model, t_copula_info
from qfin.risk._result import VaRResult
from qfin.risk._tail import TailKeeper, weighted_var_cvar
from qfin.risk._validate import (
    check_confidence,
    check_horizon,
    check_level,
    check_paths,
    check_returns,
    check_weights,
    min_samples,
    resolve_seed,
)

__all__ = ["quasi_monte_carlo_var", "importance_sampling_var", "MAX_IS_PATHS"]

SOBOL_CHUNK = 1 << 16
MAX_IS_PATHS = 50_000_000  # importance sampling keeps every (loss, weight): 16 bytes a path


def _prepare(returns: Any, weights: Any, confidence: float, horizon: int, interval_level: float,
             allow_leverage: bool) -> tuple[np.ndarray, np.ndarray, float, int, float]:
    c = check_confidence(confidence)
    h = check_horizon(horizon)
    level = check_level(interval_level)
    values, labels = check_returns(returns, min_rows=3)
    w = check_weights(weights, values.shape[1], allow_leverage=allow_leverage,
                      labels=labels)
    return values, w, c, h, level


def _mean_interval(estimates: np.ndarray, level: float) -> tuple[float, float, tuple[float, float]]:
    """Mean, standard error and Student-t interval of independent replicate estimates."""
    k = estimates.size
    mean = float(estimates.mean())
    se = float(estimates.std(ddof=1) / math.sqrt(k))
    half = float(stats.t.ppf(0.5 + level / 2.0, k - 1)) * se
    return mean, se, (mean - half, mean + half)


def _sobol_losses(model: LossModel, sampler: qmc.Sobol, n: int) -> np.ndarray:
    u = sampler.random(n)
    u = np.clip(u, 1e-15, 1.0 - 1e-15)
    z = special.ndtri(u[:, : model.n_assets])
    y = z @ model.v
    if model.dof is not None:  # one chi-square per day of the horizon (i.i.d. t days)
        w = special.chdtri(model.dof, 1.0 - u[:, model.n_assets:])  # chi2 quantiles of u
        y = y * np.sqrt(((model.dof - 2.0) / w).sum(axis=1))
    return y


def _interpolated_var_cvar(largest: np.ndarray, n: int, confidence: float
                           ) -> tuple[float, float]:
    """Low-bias VaR and CVaR of ``n`` samples from their largest values (descending).

    VaR is the quantile at position ``h = (n + 1) c`` interpolated between the order
    statistics ``L_(⌊h⌋)`` and ``L_(⌊h⌋+1)`` (Hyndman & Fan 1996, definition 6): since
    ``E[U_(r)] = r / (n + 1)`` for uniform order statistics its bias has no ``1/n`` term
    from the rank, only a smooth one from the curvature of the quantile function. CVaR is
    the sample Rockafellar-Uryasev value at that VaR,
    ``VaR + Σ (L_i − VaR)⁺ / (n (1 − c))`` (the tail mass exactly ``1 − c``, not the
    ``(n − ⌈cn⌉ + 1) / n`` of the mean of the largest order statistics).
    """
    h = min(max((n + 1) * confidence, 1.0), float(n))
    lo = int(math.floor(h))
    frac = h - lo
    below = float(largest[n - lo])                       # ascending rank lo
    above = float(largest[n - lo - 1]) if lo < n else below
    var = below + frac * (above - below)
    excess = np.clip(largest - var, 0.0, None).sum()
    return var, var + float(excess) / (n * (1.0 - confidence))


def quasi_monte_carlo_var(returns: Any, weights: Any = None, *, confidence: float = 0.99,
                          horizon: int = 1, paths: int = 1 << 16, scramblings: int = 16,
                          copula: str = "gaussian", dof: float | None = None,
                          seed: int | None = None, interval_level: float = 0.99,
                          allow_leverage: bool = False) -> VaRResult:
    """VaR/CVaR from scrambled Sobol points, with an interval from independent scramblings.

    ``paths`` points in total are split over ``scramblings`` independent Owen-scrambled
    Sobol sequences (``scipy.stats.qmc.Sobol``), each of ``2**m`` points (rounded up to a
    power of two so every replicate is a balanced net, and to at least ``4 / (1 − c)``
    points; ``samples`` reports the actual total).
    Uniforms map to normals by the inverse CDF (one dimension per asset, plus one for the
    chi-square of the t copula). The estimate is the mean of the replicates' VaR and CVaR,
    and the interval the Student-t interval of that mean.

    The interval must hold the model's VaR, so each replicate's estimate is **bias
    corrected**: a sample quantile and a sample CVaR of ``N`` points are biased by about
    ``b / N`` (the interval over replicates sees their spread, never this shared bias, and
    under-covered at small ``N``: 0.94 and 0.36 at 8,192 paths for 99 % nominal). Each
    replicate computes the interpolated quantile and the Rockafellar-Uryasev CVaR
    (:func:`_interpolated_var_cvar`) on its whole net of ``N = 2**m`` points and on its first
    ``N / 2`` (a net itself), and reports the Richardson extrapolation ``2 x_N − x_{N/2}``,
    which cancels the ``1/N`` term (``info["bias_correction"]``).

    Parameters
    ----------
    returns : array-like of shape (n_observations, n_assets)
        Daily simple returns.
    weights : array-like of shape (n_assets,), optional
        Default equal weights.
    confidence : float
        VaR level in (0, 1).
    horizon : int
        Trading days.
    paths : int
        Total points over all scramblings.
    scramblings : int
        Independent replicates (>= 2).
    copula : {"gaussian", "t"}
        Scenario model.
    dof : float, optional
        Fixed t degrees of freedom.
    seed : int, optional
        Seed of the scramblings (recorded; fresh when None).
    interval_level : float
        Interval coverage.
    allow_leverage : bool
        Accept weights not summing to 1.

    Returns
    -------
    VaRResult
    """
    t0 = time.perf_counter()
    values, w, c, h, level = _prepare(returns, weights, confidence, horizon, interval_level,
                                      allow_leverage)
    if isinstance(scramblings, bool) or not isinstance(scramblings, int) or scramblings < 2:
        raise ProblemError(f"scramblings must be an integer >= 2; got {scramblings!r}")
    p = check_paths(paths, c)
    # the half net of every scrambling needs two points beyond the quantile position for
    # the interpolated estimate and its Richardson correction: at least 4 / (1 - c) points
    per = max(p / scramblings, min_samples(c), 4.0 / (1.0 - c))
    m = max(1, math.ceil(math.log2(per) - 1e-12))
    n_rep = 1 << m
    used_seed = resolve_seed(seed)
    model = build_loss_model(values, w, h, copula, dof)
    dim = model.n_assets + (model.horizon if model.dof is not None else 0)
    half = n_rep // 2
    keep_all = n_rep - int(math.floor((n_rep + 1) * c)) + 2
    keep_half = half - int(math.floor((half + 1) * c)) + 2
    vars_, cvars = np.empty(scramblings), np.empty(scramblings)
    for r, ss in enumerate(np.random.SeedSequence(used_seed).spawn(scramblings)):
        sampler = qmc.Sobol(d=dim, scramble=True, seed=np.random.Generator(np.random.PCG64(ss)))
        every, first = TailKeeper(min(keep_all, n_rep)), TailKeeper(min(keep_half, half))
        done = 0
        while done < n_rep:
            n = min(SOBOL_CHUNK, n_rep - done)
            losses = _sobol_losses(model, sampler, n)
            every.offer(losses)
            if done < half:
                first.offer(losses[: half - done])
            done += n
        v_all, c_all = _interpolated_var_cvar(every.largest() + model.offset, n_rep, c)
        v_half, c_half = _interpolated_var_cvar(first.largest() + model.offset, half, c)
        vars_[r], cvars[r] = 2.0 * v_all - v_half, 2.0 * c_all - c_half
    var, se, ci = _mean_interval(vars_, level)
    cvar, cvar_se, cvar_ci = _mean_interval(cvars, level)
    info: dict[str, Any] = {"copula": copula, "scramblings": scramblings,
                            "points_per_scrambling": n_rep,
                            "quantile_method": "interpolated (Hyndman-Fan 6)",
                            "bias_correction": "Richardson 2 x_N - x_(N/2) per scrambling "
                                               "(nets of N and N/2 points)",
                            "interval": "Student-t over independent scramblings",
                            "cvar_standard_error": cvar_se}
    info.update(t_copula_info(values, w, model))
    return VaRResult(value=var, cvar=cvar, confidence=c, method="qmc", horizon=h,
                     confidence_interval=ci, cvar_confidence_interval=cvar_ci,
                     standard_error=se, interval_level=level, samples=n_rep * scramblings,
                     seconds=time.perf_counter() - t0, seed=used_seed, info=info)


def importance_sampling_var(returns: Any, weights: Any = None, *, confidence: float = 0.99,
                            horizon: int = 1, paths: int = 100_000, shift: float | None = None,
                            batches: int = 20, copula: str = "gaussian",
                            dof: float | None = None, seed: int | None = None,
                            interval_level: float = 0.99,
                            allow_leverage: bool = False) -> VaRResult:
    """VaR/CVaR by importance sampling: a mean shift of the normals toward the loss tail.

    The normals ``z`` are drawn from ``N(theta, I)`` with ``theta = shift * e``, ``e`` the
    unit direction in which the loss grows fastest (``e = v / |v|``), and every path carries
    the likelihood ratio ``exp(-theta.z + |theta|^2 / 2)``. The default shift is
    ``Phi^{-1}(confidence)``, which centres the proposal at the Gaussian VaR. VaR and CVaR come
    from the weighted empirical distribution (:func:`qfin.risk.weighted_var_cvar`); the
    interval is from batch means over ``batches`` equal batches (Student-t).

    Parameters
    ----------
    returns : array-like of shape (n_observations, n_assets)
        Daily simple returns.
    weights : array-like of shape (n_assets,), optional
        Default equal weights.
    confidence : float
        VaR level in (0, 1).
    horizon : int
        Trading days.
    paths : int
        Simulated paths (all kept in memory; at most 5e7).
    shift : float, optional
        Mean shift in standard deviations (default ``Phi^{-1}(confidence)``).
    batches : int
        Batches for the batch-means interval (>= 2).
    copula : {"gaussian", "t"}
        Scenario model (for t only the normals are shifted).
    dof : float, optional
        Fixed t degrees of freedom.
    seed : int, optional
        Seed (recorded; fresh when None).
    interval_level : float
        Interval coverage.
    allow_leverage : bool
        Accept weights not summing to 1.

    Returns
    -------
    VaRResult
    """
    t0 = time.perf_counter()
    values, w, c, h, level = _prepare(returns, weights, confidence, horizon, interval_level,
                                      allow_leverage)
    p = check_paths(paths, c)
    if p > MAX_IS_PATHS:
        raise ProblemError(f"paths must be at most {MAX_IS_PATHS:,} for importance sampling "
                           f"(every path is kept); got {p:,}")
    if isinstance(batches, bool) or not isinstance(batches, int) or not 2 <= batches <= p:
        raise ProblemError(f"batches must be an integer in [2, paths]; got {batches!r}")
    delta = float(stats.norm.ppf(c)) if shift is None else float(shift)
    if not math.isfinite(delta):
        raise ProblemError(f"shift must be a finite number of standard deviations; got {shift!r}")
    used_seed = resolve_seed(seed)
    model = build_loss_model(values, w, h, copula, dof)
    norm_v = float(np.linalg.norm(model.v))
    e = model.v / norm_v if norm_v > 0 else model.v
    gen = np.random.Generator(np.random.SFC64(np.random.SeedSequence(used_seed)))
    losses = np.empty(p)
    lr = np.empty(p)
    chunk = 1 << 16
    for start in range(0, p, chunk):
        n = min(chunk, p - start)
        z0 = gen.standard_normal((n, model.n_assets))
        ez = z0 @ e  # e.z0 ~ N(0, 1); under the proposal e.z = ez + delta
        y = z0 @ model.v + delta * norm_v
        lr[start:start + n] = np.exp(-delta * ez - 0.5 * delta * delta)
        if model.dof is not None:
            y = y * model.mixing(gen, n)
        losses[start:start + n] = y + model.offset
    var, cvar = weighted_var_cvar(losses, lr, c)
    bounds = np.linspace(0, p, batches + 1).astype(int)
    reps = np.array([weighted_var_cvar(losses[a:b], lr[a:b], c)
                     for a, b in zip(bounds[:-1], bounds[1:], strict=True)])
    _, se, _ = _mean_interval(reps[:, 0], level)
    _, cvar_se, _ = _mean_interval(reps[:, 1], level)
    tq = float(stats.t.ppf(0.5 + level / 2.0, batches - 1))
    ess = float(lr.sum() ** 2 / (lr @ lr))
    info: dict[str, Any] = {"copula": copula, "shift": delta, "batches": batches,
                            "effective_sample_size": ess,
                            "interval": "batch means (Student-t)",
                            "cvar_standard_error": cvar_se}
    info.update(t_copula_info(values, w, model))
    return VaRResult(value=var, cvar=cvar, confidence=c, method="is", horizon=h,
                     confidence_interval=(var - tq * se, var + tq * se),
                     cvar_confidence_interval=(cvar - tq * cvar_se, cvar + tq * cvar_se),
                     standard_error=se, interval_level=level, samples=p,
                     seconds=time.perf_counter() - t0, seed=used_seed, info=info)
