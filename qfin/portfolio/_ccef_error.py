"""The literature's error measures of a CCEF against the unconstrained frontier (UEF).

All in *variance* space (the OR-Library UEF files hold variances, not standard deviations).

Percentage deviation (Chang, Meade, Beasley & Sharaiha, Computers & Operations Research 27
(2000) 1271–1302, §4): for a point ``(R, V)`` let ``V*(R)`` be the UEF's variance at return
``R`` and ``R*(V)`` its return at variance ``V``, both by linear interpolation between UEF
points, clamped to the UEF's range; the point's error is

    min( 100·(V − V*(R)) / V*(R),  100·(R*(V) − R) / R*(V) )

with tiny negative values (interpolation between UEF points can put a CCEF point a hair
below the chord) clipped to 0. Two protocols pick the points, and move the figures a lot:

(a) the λ-optima of the grid ``λ_e = (e−1)/(E−1)``;
(b) Chang et al.'s own: every non-dominated point the method met during its run.

Variance and mean-return errors, VRE and MRE (T. Cura, "Particle swarm optimization approach
to portfolio optimization", Nonlinear Analysis: Real World Applications 10 (2009) 2396–2406,
§5; the measures of N. Bacanin & M. Tuba, The Scientific World Journal 2014, 721521,
Table 5): for each heuristic point ``(V_h, R_h)`` take the UEF point ``(V_s, R_s)`` nearest in
Euclidean distance in the (variance, return) plane; then

    VRE = mean 100·|V_s − V_h| / V_h,    MRE = mean 100·|R_s − R_h| / R_h.

Objective gap to the exact frontier: at each λ where SCIP proved optimality,
``(f − f*) / s`` with ``s = max(|f*|, λ·V* + (1−λ)·|R*|)``, the size of the objective's terms
(the objective itself crosses zero along the frontier, where a ratio to ``|f*|`` alone would
mean nothing).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from qfin.errors import DataError, ProblemError

__all__ = ["percentage_deviation", "vre_mre", "frontier_errors", "objective_gaps",
           "unconstrained_frontier", "rescore_frontier"]


def _uef_arrays(uef: Any) -> tuple[np.ndarray, np.ndarray]:
    frame = pd.DataFrame(uef)
    if not {"mean", "variance"} <= set(frame.columns):
        raise DataError(f"uef must have columns 'mean' and 'variance'; got {list(frame.columns)}")
    frame = frame.sort_values("mean")
    ret = frame["mean"].to_numpy(dtype=float)
    var = frame["variance"].to_numpy(dtype=float)
    if len(ret) < 2 or (np.diff(ret) <= 0).any() or (np.diff(var) < 0).any():
        raise DataError("uef must hold at least 2 points whose variance rises with their "
                        "(distinct) returns (see qfin.datasets.read_uef)")
    return ret, var


def percentage_deviation(expected_return: Any, variance: Any, uef: Any) -> np.ndarray:
    """Chang et al.'s percentage deviation of each point from the UEF (see module docstring).

    Parameters
    ----------
    expected_return, variance : array-like of shape (n_points,)
    uef : DataFrame
        Columns ``mean`` and ``variance`` (:func:`qfin.datasets.read_uef`).

    Returns
    -------
    ndarray of shape (n_points,)
        Per cent, ≥ 0.

    Examples
    --------
    >>> import pandas as pd
    >>> uef = pd.DataFrame({"mean": [0.0, 1.0], "variance": [1.0, 2.0]})
    >>> percentage_deviation([0.5], [1.65], uef).round(6).tolist()
    [10.0]
    """
    ret = np.atleast_1d(np.asarray(expected_return, dtype=float))
    var = np.atleast_1d(np.asarray(variance, dtype=float))
    if ret.shape != var.shape:
        raise ProblemError(f"expected_return and variance must have the same shape; got "
                           f"{ret.shape} and {var.shape}")
    uef_ret, uef_var = _uef_arrays(uef)
    v_star = np.interp(ret, uef_ret, uef_var)  # np.interp clamps to the end points
    r_star = np.interp(var, uef_var, uef_ret)
    dev_var = 100.0 * (var - v_star) / v_star
    with np.errstate(divide="ignore", invalid="ignore"):
        dev_ret = np.where(r_star != 0, 100.0 * (r_star - ret) / np.abs(r_star), np.inf)
    return np.clip(np.minimum(dev_var, dev_ret), 0.0, None)


def vre_mre(expected_return: Any, variance: Any, uef: Any) -> tuple[float, float]:
    """Cura's (2009) variance-of-return error and mean-return error, in per cent.

    Parameters
    ----------
    expected_return, variance : array-like of shape (n_points,)
    uef : DataFrame
        Columns ``mean`` and ``variance``.

    Returns
    -------
    (float, float)
        VRE and MRE (means over the points; see the module docstring).
    """
    ret = np.atleast_1d(np.asarray(expected_return, dtype=float))
    var = np.atleast_1d(np.asarray(variance, dtype=float))
    uef_ret, uef_var = _uef_arrays(uef)
    dist = (var[:, None] - uef_var[None, :]) ** 2 + (ret[:, None] - uef_ret[None, :]) ** 2
    nearest = np.argmin(dist, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        vre = 100.0 * np.abs(uef_var[nearest] - var) / var
        mre = 100.0 * np.abs(uef_ret[nearest] - ret) / np.abs(ret)
    return float(np.mean(vre)), float(np.mean(mre))


def objective_gaps(points: Sequence[Any], reference: Sequence[Any]) -> np.ndarray:
    """Relative objective gap of each point to the reference point at the same λ.

    Parameters
    ----------
    points, reference : sequences of FrontierPoint
        Same λ grid (e.g. a method's frontier and the ``miqp`` frontier).

    Returns
    -------
    ndarray of shape (n_points,)
        ``(f − f*) / max(|f*|, λ·V* + (1−λ)·|R*|)``; negative where the point beats the
        reference.
    """
    if len(points) != len(reference):
        raise ProblemError(f"points and reference must have the same λ grid; got "
                           f"{len(points)} and {len(reference)} points")
    out = []
    for p, r in zip(points, reference, strict=True):
        if not math.isclose(p.lam, r.lam, abs_tol=1e-12):
            raise ProblemError(f"λ grids differ: {p.lam} vs {r.lam}")
        scale = max(abs(r.objective), r.lam * r.variance + (1 - r.lam) * abs(r.expected_return),
                    1e-300)
        out.append((p.objective - r.objective) / scale)
    return np.array(out)


def frontier_errors(frontier: Any, uef: Any, *, reference: Any = None) -> dict[str, Any]:
    """Every error measure of one frontier: protocols (a) and (b), VRE, MRE, gaps.

    Parameters
    ----------
    frontier : CardinalityFrontier
    uef : DataFrame
        Columns ``mean`` and ``variance``.
    reference : CardinalityFrontier, optional
        The exact (``miqp``) frontier on the same grid, for the objective gaps.

    Returns
    -------
    dict
        ``mean_error``, ``median_error`` (protocol a, %), ``mean_error_b``,
        ``median_error_b``, ``n_points_b`` (protocol b), ``vre``, ``mre`` (%, over the
        λ-optima), and with a reference: ``max_gap`` (largest relative objective gap at a
        point SCIP proved), ``n_within_1e6`` (such points within 1e-6), ``n_proven``,
        ``n_better`` (points where this frontier beats SCIP's, where SCIP stopped early).
    """
    ret = np.array([p.expected_return for p in frontier.points])
    var = np.array([p.variance for p in frontier.points])
    dev = percentage_deviation(ret, var, uef)
    out: dict[str, Any] = {"mean_error": float(dev.mean()), "median_error": float(np.median(dev))}
    met = frontier.met
    if len(met):
        dev_b = percentage_deviation(met["expected_return"], met["variance"], uef)
        out.update(mean_error_b=float(dev_b.mean()), median_error_b=float(np.median(dev_b)),
                   n_points_b=len(met))
    else:
        out.update(mean_error_b=math.nan, median_error_b=math.nan, n_points_b=0)
    out["vre"], out["mre"] = vre_mre(ret, var, uef)
    if reference is not None:
        gaps = objective_gaps(frontier.points, reference.points)
        proven = np.array([bool(r.optimal) for r in reference.points])
        out.update(
            max_gap=float(gaps[proven].max()) if proven.any() else math.nan,
            n_proven=int(proven.sum()),
            n_within_1e6=int((gaps[proven] <= 1e-6).sum()),
            n_better=int((gaps < -1e-9).sum()))
    return out


def unconstrained_frontier(mu: Any, cov: Any, *, n_points: int = 300, max_weight: float = 1.0,
                           solver: str = "CLARABEL") -> pd.DataFrame:
    """The long-only unconstrained efficient frontier (no cardinality), with cvxpy.

    ``min wᵀΣw`` s.t. ``μᵀw = r``, ``Σw = 1``, ``0 ≤ w ≤ max_weight`` for ``n_points``
    returns ``r`` evenly spaced from the minimum-variance portfolio's return to the largest
    reachable return (Markowitz 1952; the OR-Library UEFs are this curve at 2,000 points).

    Parameters
    ----------
    mu : array-like of shape (n_assets,)
    cov : array-like of shape (n_assets, n_assets)
    n_points : int
    max_weight : float
    solver : str
        A cvxpy QP solver.

    Returns
    -------
    DataFrame
        Columns ``mean`` and ``variance``, increasing return (the layout of
        :func:`qfin.datasets.read_uef`).
    """
    import cvxpy as cp

    from qfin.errors import SolverError
    from qfin.portfolio._classical import cov_factor

    mu = np.asarray(mu, dtype=float)
    cov = np.asarray(cov, dtype=float)
    n = mu.size
    if isinstance(n_points, bool) or not isinstance(n_points, int) or n_points < 2:
        raise ProblemError(f"n_points must be an integer ≥ 2; got {n_points!r}")
    if not 0 < max_weight <= 1 or max_weight * n < 1:
        raise ProblemError(f"max_weight must be in (0, 1] with n·max_weight ≥ 1; got "
                           f"{max_weight!r}")
    scale = float(np.abs(cov).max()) or 1.0
    F = cov_factor(cov / scale)
    w = cp.Variable(n)
    target = cp.Parameter()
    base = [cp.sum(w) == 1, w >= 0, w <= max_weight]
    minvar = cp.Problem(cp.Minimize(cp.sum_squares(F @ w)), base)
    minvar.solve(solver=solver)
    if w.value is None:
        raise SolverError(f"{solver} failed on the minimum-variance portfolio")
    r_low = float(mu @ w.value)
    order = np.argsort(-mu, kind="stable")
    top, rest = np.zeros(n), 1.0
    for i in order:
        top[i] = min(max_weight, rest)
        rest -= top[i]
        if rest <= 1e-15:
            break
    r_high = float(mu @ top)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(F @ w)), [*base, mu @ w == target])
    rows = []
    for r in np.linspace(r_low, r_high, n_points):
        target.value = float(r)
        prob.solve(solver=solver)
        if w.value is None:
            continue
        x = np.clip(np.asarray(w.value), 0, None)
        x /= x.sum()
        rows.append((float(mu @ x), float(x @ cov @ x)))
    frame = pd.DataFrame(rows, columns=["mean", "variance"]).sort_values("mean")
    frame = frame.drop_duplicates("mean")
    # round-off can break monotonicity by ~1e-16 at the flat minimum-variance end
    frame["variance"] = np.maximum.accumulate(frame["variance"].to_numpy())
    return frame.reset_index(drop=True)


def rescore_frontier(payload: Mapping[str, Any], mu: Any, cov: Any, uef: Any, *,
                     labels: Sequence[str], k: int, min_weight: float, max_weight: float,
                     tol: float = 1e-9) -> dict[str, Any]:
    """Re-score a frontier written by ``qfin bench ccef --json`` from its weights alone.

    Parameters
    ----------
    payload : mapping
        One method's entry: ``points`` (each ``weights`` keyed by label) and
        ``protocol_b_points``.
    mu, cov, uef, labels
        The instance (e.g. :func:`qfin.datasets.load_orlib`).
    k, min_weight, max_weight : the constraints to check.
    tol : float
        Feasibility tolerance on the bounds and on ``Σw = 1``.

    Returns
    -------
    dict
        ``mean_error``, ``median_error`` (protocol a), ``mean_error_b``, ``median_error_b``,
        ``vre``, ``mre``, ``n_points``.

    Raises
    ------
    ProblemError
        A point that holds other than ``k`` assets, breaks a bound or the budget by more
        than ``tol``, or names an unknown label.
    """
    mu = np.asarray(mu, dtype=float)
    cov = np.asarray(cov, dtype=float)
    index = {label: i for i, label in enumerate(labels)}

    def moments(points: Sequence[Mapping[str, Any]], what: str) -> tuple[np.ndarray, np.ndarray]:
        ret, var = [], []
        for number, point in enumerate(points):
            weights = point["weights"]
            unknown = sorted(set(weights) - set(index))
            if unknown:
                raise ProblemError(f"{what} {number}: unknown labels {unknown[:5]}")
            w = np.zeros(mu.size)
            for label, value in weights.items():
                w[index[label]] = float(value)
            held = np.flatnonzero(w)
            if held.size != k:
                raise ProblemError(f"{what} {number} holds {held.size} assets, not k = {k}")
            if (w[held] < min_weight - tol).any() or (w[held] > max_weight + tol).any():
                raise ProblemError(f"{what} {number} has a held weight outside "
                                   f"[{min_weight}, {max_weight}]")
            if abs(w.sum() - 1.0) > tol:
                raise ProblemError(f"{what} {number}: weights sum to {w.sum()!r}, not 1")
            ret.append(float(mu @ w))
            var.append(float(w @ cov @ w))
        return np.array(ret), np.array(var)

    ret, var = moments(payload["points"], "point")
    dev = percentage_deviation(ret, var, uef)
    out = {"mean_error": float(dev.mean()), "median_error": float(np.median(dev)),
           "n_points": len(ret)}
    out["vre"], out["mre"] = vre_mre(ret, var, uef)
    met = payload.get("protocol_b_points") or []
    if met:
        ret_b, var_b = moments(met, "protocol-(b) point")
        dev_b = percentage_deviation(ret_b, var_b, uef)
        out.update(mean_error_b=float(dev_b.mean()), median_error_b=float(np.median(dev_b)))
    return out
