"""Classical estimators of the same amplitudes, on the same discrete pmf.

Plain Monte Carlo, quasi-Monte Carlo (scrambled Sobol points through the inverse CDF of the
pmf) and importance sampling (exponential tilting of the pmf), each estimating
``E_p[h(K)]`` for a target ``h`` in [0, 1] per grid point: a CDF indicator or a payoff.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq
from scipy.stats import qmc

from qfin.errors import ProblemError
from qfin.qae._distribution import DiscreteDistribution
from qfin.qae._validate import check_positive_int

__all__ = ["CLASSICAL_METHODS", "classical_estimate", "tilted_pmf"]

CLASSICAL_METHODS = ("monte-carlo", "quasi-monte-carlo", "importance-sampling")


def _inverse_cdf(dist: DiscreteDistribution, u: np.ndarray) -> np.ndarray:
    idx = np.searchsorted(dist.cdf, u, side="right")
    return np.minimum(idx, dist.size - 1)


def tilted_pmf(dist: DiscreteDistribution, center: float) -> tuple[np.ndarray, float]:
    """Exponentially tilted pmf ``q_k ~ p_k exp(t s_k)`` whose mean loss is ``center``.

    ``s_k`` is the loss scaled to [0, 1]; ``t`` solves ``E_q[L] = center`` (clamped to
    [-200, 200]).

    Returns
    -------
    q : ndarray of shape (2**n,)
    t : float
    """
    s = (dist.values - dist.l_min) / (dist.l_max - dist.l_min)
    logp = np.log(np.where(dist.probabilities > 0, dist.probabilities, 1e-300))
    target = (center - dist.l_min) / (dist.l_max - dist.l_min)

    def q_of(t: float) -> np.ndarray:
        z = logp + t * s
        z -= z.max()
        w = np.exp(z) * (dist.probabilities > 0)
        return w / w.sum()

    def gap(t: float) -> float:
        return float(np.dot(q_of(t), s)) - target

    lo, hi = -200.0, 200.0
    if gap(lo) > 0:
        t = lo
    elif gap(hi) < 0:
        t = hi
    else:
        t = float(brentq(gap, lo, hi, xtol=1e-10))
    return q_of(t), t


def classical_estimate(dist: DiscreteDistribution, target: np.ndarray, n_samples: int,
                       method: str = "monte-carlo", seed: int | None = None, *,
                       tilt_center: float | None = None, complement: bool = False) -> float:
    """Estimate ``E_p[target(K)]`` from ``n_samples`` draws of the grid index ``K``.

    Parameters
    ----------
    dist : DiscreteDistribution
    target : ndarray of shape (2**n,)
        ``h_k`` in [0, 1] (an indicator of ``k <= k*`` for a CDF, or a payoff).
    n_samples : int
        Samples (a power of two is best for quasi-Monte Carlo).
    method : {"monte-carlo", "quasi-monte-carlo", "importance-sampling"}
    seed : int, optional
    tilt_center : float, optional
        Importance sampling: the mean loss of the tilted proposal (default: the loss at
        which ``target`` changes most, i.e. the threshold of a CDF).
    complement : bool
        Importance sampling: estimate ``1 - E[1 - h]`` (better when the tail is where
        ``h`` is zero, as for a CDF near 1).
    """
    n = check_positive_int(n_samples, "n_samples")
    h = np.asarray(target, dtype=np.float64)
    if h.shape != (dist.size,):
        raise ProblemError(f"target must have shape ({dist.size},); got {h.shape}")
    if method == "monte-carlo":
        rng = np.random.default_rng(seed)
        return float(h[_inverse_cdf(dist, rng.random(n))].mean())
    if method == "quasi-monte-carlo":
        sobol = qmc.Sobol(d=1, scramble=True, seed=seed)
        m = math.ceil(math.log2(n))
        u = sobol.random_base2(m)[:n, 0] if 2**m == n else sobol.random(n)[:, 0]
        return float(h[_inverse_cdf(dist, u)].mean())
    if method == "importance-sampling":
        if tilt_center is None:
            jumps = np.abs(np.diff(h))
            k = int(np.argmax(jumps)) + 1 if jumps.max() > 0 else dist.size // 2
            tilt_center = float(dist.values[k])
        q, _ = tilted_pmf(dist, tilt_center)
        cdf_q = np.cumsum(q)
        cdf_q[-1] = 1.0
        rng = np.random.default_rng(seed)
        idx = np.minimum(np.searchsorted(cdf_q, rng.random(n), side="right"), dist.size - 1)
        weights = dist.probabilities[idx] / q[idx]
        if complement:
            return float(1.0 - ((1.0 - h[idx]) * weights).mean())
        return float((h[idx] * weights).mean())
    raise ProblemError(f"method must be one of {CLASSICAL_METHODS}; got {method!r}")
