"""Research studies of simulated amplitude estimation: tidy tables and plotly figures.

Each study is a function returning a DataFrame, so a notebook, the benchmark and the tests
call the same code (the tests with fewer seeds). Costs are oracle queries (query
complexity) for amplitude estimation and samples for the classical estimators; seconds of
classical simulation are reported apart and never compared as a "speed-up".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from qfin.errors import ProblemError
from qfin.qae._classical import CLASSICAL_METHODS, classical_estimate
from qfin.qae._credit import credit_loss_distribution
from qfin.qae._distribution import DiscreteDistribution
from qfin.qae._estimators import (
    AmplitudeEstimator,
    CanonicalAE,
    IterativeAE,
    MaximumLikelihoodAE,
)
from qfin.qae._risk import conditional_value_at_risk, expected_loss, value_at_risk
from qfin.qae._scenarios import portfolio_losses
from qfin.qae._validate import check_open_unit, check_positive_int

__all__ = [
    "SLOPE_TARGETS",
    "PUBLISHED_CREDIT_EXAMPLE",
    "sample_losses",
    "sample_distribution",
    "default_estimators",
    "coverage_study",
    "coverage_by_shots",
    "SHOTS_OFFERED",
    "CLASSICAL_BASELINE_NOTE",
    "error_vs_cost",
    "fit_slopes",
    "equal_cost_comparison",
    "discretisation_study",
    "credit_study",
    "error_vs_cost_figure",
    "coverage_figure",
    "discretisation_figure",
]

#: Target ranges of the fitted log-log slope of RMSE against cost.
SLOPE_TARGETS: dict[str, tuple[float, float]] = {
    "iterative": (-1.1, -0.8),
    "maximum-likelihood-exponential": (-1.1, -0.8),
    "monte-carlo": (-0.55, -0.45),
}

#: The Qiskit finance credit-risk tutorial: parameters and its printed exact figures.
PUBLISHED_CREDIT_EXAMPLE: dict[str, Any] = {
    "default_probabilities": (0.15, 0.25), "sensitivities": (0.1, 0.05), "lgd": (1, 2),
    "n_z": 2, "z_max": 2.0, "confidence": 0.95,
    "published": {"expected_loss": 0.6409, "cdf_at_var": 0.9591, "var": 2.0,
                  "cvar_tail_conditional": 3.0},
}

EstimatorFactory = Callable[[int], AmplitudeEstimator]

#: Shot counts qfin offers per estimator (CLI default 100; the studies use 1 for canonical
#: AE's error-vs-cost curve and 400 for MLAE's): coverage is reported at each of them.
SHOTS_OFFERED: dict[str, tuple[int, ...]] = {
    "iterative": (10, 100),
    "maximum-likelihood": (10, 100, 400),
    "maximum-likelihood (clopper-pearson)": (10, 100),
    "canonical": (1, 10, 100),
}

#: What the classical baselines of these studies can and cannot tell.
CLASSICAL_BASELINE_NOTE = (
    "The classical baselines here (Monte Carlo, quasi-Monte Carlo, importance sampling) "
    "draw samples of the same discrete pmf by inverting its exact CDF, which they could "
    "simply read at no cost: the comparison is one of sampling complexity (state-preparation "
    "calls vs samples), not of a realistic classical pipeline or of seconds.")


def _seed(seed: int, i: int) -> int:
    return int(np.random.SeedSequence([int(seed), int(i)]).generate_state(1)[0])


# ---------------------------------------------------------------------- sample data
def sample_losses(store: Any = None, *, dataset: str = "sample", tickers: Any = None,
                  weights: Any = None, horizon: int = 1) -> np.ndarray:
    """Daily portfolio losses ``L = -w^T r`` (simple returns) of a stored universe.

    Parameters
    ----------
    store : MarketStore, optional
        Default :func:`qfin.data.open_store`.
    dataset, tickers
        The universe (default: every ticker of the 20-asset sample).
    weights : array-like, optional
        Default equal weights.
    horizon : int
        Holding period in days (overlapping compounded returns).
    """
    if store is None:
        from qfin.data import open_store

        store = open_store()
    returns = store.returns(tickers, kind="simple", dataset=dataset)
    return portfolio_losses(returns, weights, horizon)


def sample_distribution(store: Any = None, n_qubits: int = 10, **kwargs: Any
                        ) -> DiscreteDistribution:
    """The sample's scenario losses as a histogram on ``2**n_qubits`` points.

    The encoding is :meth:`DiscreteDistribution.from_samples`: each daily loss goes to the
    nearest point of an even grid from the smallest to the largest loss, so the exact
    discretised VaR is within half a grid step of the historical VaR.
    """
    return DiscreteDistribution.from_samples(sample_losses(store, **kwargs), n_qubits)


def default_estimators(alpha: float = 0.05, epsilon: float = 1e-3, *,
                       mlae_powers: int = 8, mlae_shots: int = 100,
                       canonical_qubits: int = 8, canonical_shots: int = 100,
                       simulator: str = "exact") -> dict[str, EstimatorFactory]:
    """Factories ``seed -> estimator`` for the studies (one of each kind, same ``alpha``)."""
    return {
        "iterative": lambda s: IterativeAE(epsilon, alpha, s, simulator=simulator),
        "iterative-chernoff": lambda s: IterativeAE(epsilon, alpha, s, interval="chernoff",
                                                    simulator=simulator),
        "maximum-likelihood": lambda s: MaximumLikelihoodAE(
            "exponential", mlae_shots, n_powers=mlae_powers, alpha=alpha, seed=s,
            interval="likelihood-ratio", simulator=simulator),
        "maximum-likelihood-fisher": lambda s: MaximumLikelihoodAE(
            "exponential", mlae_shots, n_powers=mlae_powers, alpha=alpha, seed=s,
            interval="fisher", simulator=simulator),
        "canonical": lambda s: CanonicalAE(canonical_qubits, canonical_shots, alpha=alpha,
                                           seed=s, simulator=simulator),
    }


# ---------------------------------------------------------------------- coverage
def coverage_study(dist: DiscreteDistribution, confidence: float = 0.99,
                   estimators: dict[str, EstimatorFactory] | None = None, *,
                   n_seeds: int = 500, seed: int = 0, var_search: bool = True,
                   progress: bool | None = False) -> pd.DataFrame:
    """Interval coverage over seeds: the CDF at the exact VaR, and the whole VaR search.

    For every estimator and seed: one CDF estimate at the exact discretised VaR point
    (does its interval cover the exact CDF?), and, with ``var_search``, a full bisection
    (does the point VaR equal the exact discretised VaR; does the bracket contain it?).

    Returns
    -------
    DataFrame
        One row per estimator: ``cdf_coverage`` against ``required_coverage = 1 - alpha``,
        ``var_exact_fraction``, ``var_bracket_coverage``, mean oracle queries and seconds.
    """
    c = check_open_unit(confidence, "confidence")
    n_seeds = check_positive_int(n_seeds, "n_seeds")
    estimators = estimators or default_estimators()
    k = dist.var_index(c)
    exact_cdf = float(dist.cdf[k])
    rows = []
    for name, factory in estimators.items():
        covered = exact = bracketed = 0
        err2 = q_cdf = q_var = sec_cdf = sec_var = width = 0.0
        alpha = None
        for i in tqdm(range(n_seeds), desc=f"coverage {name}", disable=not progress
                      if progress is not None else None, leave=False):
            est = factory(_seed(seed, i))
            alpha = est.alpha
            res = est.estimate_cdf_index(dist, k)
            covered += res.covers(exact_cdf)
            err2 += (res.estimate - exact_cdf) ** 2
            q_cdf += res.oracle_queries
            sec_cdf += res.seconds
            if var_search:
                var = value_at_risk(dist, c, est)
                exact += var.index == k
                lo, hi = var.bracket_indices
                bracketed += lo <= k <= hi
                width += hi - lo
                q_var += var.oracle_queries
                sec_var += var.seconds
        row = {"method": name, "alpha": alpha, "n_seeds": n_seeds, "confidence": c,
               "exact_var": float(dist.values[k]), "exact_cdf": exact_cdf,
               "cdf_coverage": covered / n_seeds, "required_coverage": 1 - alpha,
               "cdf_rmse": math.sqrt(err2 / n_seeds),
               "mean_oracle_queries_cdf": q_cdf / n_seeds, "mean_seconds_cdf": sec_cdf / n_seeds}
        if var_search:
            row.update({"var_exact_fraction": exact / n_seeds,
                        "var_bracket_coverage": bracketed / n_seeds,
                        "mean_bracket_width_points": width / n_seeds,
                        "mean_oracle_queries_var": q_var / n_seeds,
                        "mean_seconds_var": sec_var / n_seeds})
        rows.append(row)
    return pd.DataFrame(rows)


def coverage_by_shots(dist: DiscreteDistribution, confidence: float = 0.99, *,
                      shots: dict[str, tuple[int, ...]] | None = None,
                      amplitudes: Sequence[float] = (0.05, 0.3, 0.9), n_seeds: int = 200,
                      seed: int = 0, alpha: float = 0.05, epsilon: float = 1e-3,
                      progress: bool | None = False) -> pd.DataFrame:
    """Coverage of every estimator's interval at every shot count qfin offers.

    Each estimator estimates the CDF at the exact VaR point of ``dist`` and, to show how
    coverage depends on the amplitude, each of ``amplitudes`` directly (exact fast path).
    A row is flagged ``below_nominal`` when its coverage is more than two binomial standard
    errors below ``1 - alpha``.

    Parameters
    ----------
    dist : DiscreteDistribution
    confidence : float
    shots : dict, optional
        Estimator → shot counts (default :data:`SHOTS_OFFERED`).
    amplitudes : sequence of float
        Extra amplitudes in (0, 1).
    n_seeds : int
    seed : int
    alpha, epsilon : float
        Failure probability; iterative AE's target half-width.

    Returns
    -------
    DataFrame
        ``method, shots, target, amplitude, coverage, nominal, n_seeds, median_width,
        below_nominal``.
    """
    c = check_open_unit(confidence, "confidence")
    n_seeds = check_positive_int(n_seeds, "n_seeds")
    shots = shots or SHOTS_OFFERED
    k = dist.var_index(c)
    targets = [("CDF at VaR", float(dist.cdf[k]))] + [("amplitude", float(a))
                                                      for a in amplitudes]
    factories: dict[str, Callable[[int, int], AmplitudeEstimator]] = {
        "iterative": lambda s, n: IterativeAE(epsilon, alpha, s, shots=n),
        "maximum-likelihood": lambda s, n: MaximumLikelihoodAE("exponential", n, n_powers=8,
                                                               alpha=alpha, seed=s),
        "maximum-likelihood (clopper-pearson)": lambda s, n: MaximumLikelihoodAE(
            "exponential", n, n_powers=8, alpha=alpha, seed=s, interval="clopper-pearson"),
        "canonical": lambda s, n: CanonicalAE(8, n, alpha=alpha, seed=s),
    }
    unknown = set(shots) - set(factories)
    if unknown:
        raise ProblemError(f"shots names unknown estimators {sorted(unknown)}; known: "
                           f"{sorted(factories)}")
    rows = []
    total = sum(len(v) for v in shots.values()) * len(targets)
    bar = tqdm(total=total, desc="coverage by shots", disable=not progress
               if progress is not None else None, leave=False)
    for name, counts in shots.items():
        for n_shots in counts:
            for target, a in targets:
                hits, widths = 0, []
                for i in range(n_seeds):
                    est = factories[name](_seed(seed, i), int(n_shots))
                    res = (est.estimate_cdf_index(dist, k) if target == "CDF at VaR"
                           else est.estimate_amplitude(a))
                    hits += res.covers(a)
                    widths.append(res.confidence_interval[1] - res.confidence_interval[0])
                cov = hits / n_seeds
                se = math.sqrt(max((1 - alpha) * alpha, 1e-12) / n_seeds)
                rows.append({"method": name, "shots": int(n_shots), "target": target,
                             "amplitude": a, "coverage": cov, "nominal": 1 - alpha,
                             "n_seeds": n_seeds, "median_width": float(np.median(widths)),
                             "below_nominal": bool(cov < 1 - alpha - 2 * se)})
                bar.update()
    bar.close()
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------- error vs cost
def error_vs_cost(dist: DiscreteDistribution, *, confidence: float = 0.99,
                  target_index: int | None = None, n_seeds: int = 100, seed: int = 0,
                  alpha: float = 0.05,
                  epsilons: Sequence[float] = (3e-2, 1e-2, 3e-3, 1e-3, 3e-4, 1e-4),
                  mlae_powers: Sequence[int] = (3, 4, 5, 6, 7, 8, 9, 10),
                  mlae_linear_powers: Sequence[int] = (4, 8, 16, 32, 64),
                  mlae_shots: int = 400,
                  canonical_qubits: Sequence[int] = (3, 4, 5, 6, 7, 8), canonical_shots: int = 1,
                  samples: Sequence[int] = tuple(2**e for e in range(6, 19, 2)),
                  classical: Iterable[str] = CLASSICAL_METHODS,
                  progress: bool | None = False) -> pd.DataFrame:
    """RMSE of the CDF at the VaR point against cost, per estimator and budget.

    Cost is counted the same way for both: amplitude estimators are charged their
    **state-preparation calls** (applications of ``A`` or ``A†``: ``shots x (2m + 1)``
    summed over rounds, ``cost_kind="state_preparations"``), classical estimators their
    samples of the pmf (``cost_kind="samples"``): one sample is one preparation of the
    distribution and one read-out. Oracle queries (Grover calls, Qiskit's convention) are
    kept in ``oracle_queries``. Both estimate the same number ``F(values[target_index])``
    of the same discrete distribution; see :data:`CLASSICAL_BASELINE_NOTE` for what the
    classical baselines can read.

    MLAE uses 400 shots per power by default: with 100 shots the exponential schedule
    leaves aliased likelihood peaks that the data genuinely prefer in about 1% of seeds
    (errors ~2e-3), and those outliers flatten the RMSE curve (slope about -0.4 on the
    sample) even though the typical error still falls like 1/queries.

    Returns
    -------
    DataFrame
        Tidy: ``method, parameter, cost, cost_kind, oracle_queries, rmse, mean_abs_error,
        n_seeds, mean_seconds``.
    """
    n_seeds = check_positive_int(n_seeds, "n_seeds")
    k = dist.var_index(confidence) if target_index is None else dist.check_index(target_index)
    exact = float(dist.cdf[k])
    indicator = (np.arange(dist.size) <= k).astype(np.float64)
    configs: list[tuple[str, Any, EstimatorFactory]] = []
    configs += [("iterative", e, lambda s, e=e: IterativeAE(e, alpha, s)) for e in epsilons]
    configs += [("maximum-likelihood-exponential", p,
                 lambda s, p=p: MaximumLikelihoodAE("exponential", mlae_shots, n_powers=p,
                                                    alpha=alpha, seed=s)) for p in mlae_powers]
    configs += [("maximum-likelihood-linear", p,
                 lambda s, p=p: MaximumLikelihoodAE("linear", mlae_shots, n_powers=p,
                                                    alpha=alpha, seed=s))
                for p in mlae_linear_powers]
    configs += [("canonical", m, lambda s, m=m: CanonicalAE(m, canonical_shots, alpha=alpha,
                                                            seed=s)) for m in canonical_qubits]
    rows = []
    total = len(configs) + len(list(classical)) * len(samples)
    bar = tqdm(total=total, desc="error vs cost", disable=not progress
               if progress is not None else None, leave=False)
    for name, param, factory in configs:
        errs, costs, secs, queries = [], [], [], []
        for i in range(n_seeds):
            res = factory(_seed(seed, i)).estimate_cdf_index(dist, k)
            errs.append(res.estimate - exact)
            costs.append(res.a_calls)
            queries.append(res.oracle_queries)
            secs.append(res.seconds)
        row = _error_row(name, param, costs, "state_preparations", errs, secs)
        row["oracle_queries"] = float(np.mean(queries))
        rows.append(row)
        bar.update()
    for method in classical:
        for n in samples:
            errs, secs = [], []
            for i in range(n_seeds):
                est = classical_estimate(dist, indicator, n, method, _seed(seed, i),
                                         complement=True)
                errs.append(est - exact)
            row = _error_row(method, n, [n] * n_seeds, "samples", errs, secs)
            row["oracle_queries"] = math.nan
            rows.append(row)
            bar.update()
    bar.close()
    return pd.DataFrame(rows)


def _error_row(name: str, param: Any, costs: list[float], kind: str, errs: list[float],
               secs: list[float]) -> dict[str, Any]:
    e = np.asarray(errs)
    return {"method": name, "parameter": param, "cost": float(np.mean(costs)),
            "cost_kind": kind, "rmse": float(np.sqrt(np.mean(e**2))),
            "mean_abs_error": float(np.mean(np.abs(e))), "n_seeds": len(errs),
            "mean_seconds": float(np.mean(secs)) if secs else float("nan")}


def fit_slopes(table: pd.DataFrame, min_cost: float = 1.0) -> pd.DataFrame:
    """Least-squares slope of ``log10 rmse`` on ``log10 cost`` per method.

    Rows with cost below ``min_cost`` or zero error (nothing to fit on a log scale) are
    dropped. ``target_low``/``target_high``/``within_target`` compare with
    :data:`SLOPE_TARGETS` where a target exists.
    """
    rows = []
    for method, part in table.groupby("method", sort=False):
        part = part[(part["cost"] >= min_cost) & (part["rmse"] > 0)]
        if len(part) < 2:
            continue
        slope, intercept = np.polyfit(np.log10(part["cost"]), np.log10(part["rmse"]), 1)
        lo, hi = SLOPE_TARGETS.get(str(method), (np.nan, np.nan))
        rows.append({"method": method, "slope": float(slope), "intercept": float(intercept),
                     "points": len(part), "cost_kind": part["cost_kind"].iloc[0],
                     "target_low": lo, "target_high": hi,
                     "within_target": bool(lo <= slope <= hi) if np.isfinite(lo) else None})
    return pd.DataFrame(rows)


def equal_cost_comparison(table: pd.DataFrame, costs: Sequence[float] = (1e3, 1e4, 1e5)
                          ) -> pd.DataFrame:
    """RMSE of every method at the same cost, read off its error-vs-cost curve.

    The cost axis counts state-preparation calls for amplitude estimation and samples for
    the classical estimators (:func:`error_vs_cost`); each method's RMSE is interpolated
    linearly in log-log between its measured budgets (NaN outside its measured range, never
    extrapolated).

    Returns
    -------
    DataFrame
        ``cost, method, cost_kind, rmse, best`` (``best``: the lowest RMSE at that cost).
    """
    rows = []
    for cost in costs:
        for method, part in table.groupby("method", sort=False):
            part = part[(part["cost"] > 0) & (part["rmse"] > 0)].sort_values("cost")
            x, y = np.log10(part["cost"].to_numpy()), np.log10(part["rmse"].to_numpy())
            lx = math.log10(cost)
            rmse = (float(10 ** np.interp(lx, x, y)) if len(x) and x[0] <= lx <= x[-1]
                    else math.nan)
            rows.append({"cost": float(cost), "method": method,
                         "cost_kind": part["cost_kind"].iloc[0] if len(part) else None,
                         "rmse": rmse})
    out = pd.DataFrame(rows)
    best = out.groupby("cost")["rmse"].transform("min")
    out["best"] = out["rmse"].notna() & (out["rmse"] == best)
    return out


# ---------------------------------------------------------------------- discretisation
def discretisation_study(dist: Any, confidence: float = 0.99,
                         n_qubits: Iterable[int] = range(2, 17), l_min: float | None = None,
                         l_max: float | None = None) -> pd.DataFrame:
    """Discretised VaR and CVaR against the continuous ones, for each register size.

    Parameters
    ----------
    dist : frozen scipy.stats distribution
        The continuous loss model (``cdf``, ``ppf``, ``expect``).
    confidence : float
    n_qubits : iterable of int
    l_min, l_max : float, optional
        Grid range (default the 1e-6 and 1 - 1e-6 quantiles).

    Returns
    -------
    DataFrame
        ``n_qubits, grid_step, continuous_var, discretised_var, var_abs_error, half_step,
        continuous_cvar, discretised_cvar, cvar_abs_error, cvar_truncation_floor``
        (:meth:`DiscreteDistribution.cvar_truncation_error`: the part of the CVaR beyond
        the grid's upper end, which no number of qubits recovers) and
        ``cvar_error_beyond_floor`` (``|discretised + floor - continuous|``).
    """
    c = check_open_unit(confidence, "confidence")
    q = float(dist.ppf(c))
    cont_cvar = float(dist.expect(lambda x: x, lb=q)) / (1.0 - c)
    rows = []
    for n in n_qubits:
        d = DiscreteDistribution.from_parametric(dist, n, l_min, l_max)
        step = (d.l_max - d.l_min) / (d.size - 1)
        var = d.value_at_risk(c)
        cvar = d.conditional_value_at_risk(c)
        floor = d.cvar_truncation_error(c)
        rows.append({"n_qubits": n, "grid_step": step, "continuous_var": q,
                     "discretised_var": var, "var_abs_error": abs(var - q),
                     "half_step": step / 2, "continuous_cvar": cont_cvar,
                     "discretised_cvar": cvar, "cvar_abs_error": abs(cvar - cont_cvar),
                     "cvar_truncation_floor": floor,
                     "cvar_error_beyond_floor": abs(cvar + floor - cont_cvar)})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------- credit example
def credit_study(*, n_seeds: int = 20, epsilon: float = 0.01, alpha: float = 0.05,
                 seed: int = 0, conditional: str = "linearized") -> pd.DataFrame:
    """The published two-asset credit example: exact figures and IQAE estimates.

    Returns
    -------
    DataFrame
        One row per measure (expected loss, CDF at the VaR, VaR, CVaR under both
        definitions): ``exact``, ``published`` (Qiskit tutorial), ``mean_estimate``,
        ``within_interval`` (fraction of seeds whose interval holds the exact value),
        ``mean_oracle_queries``.
    """
    ex = PUBLISHED_CREDIT_EXAMPLE
    dist = credit_loss_distribution(ex["default_probabilities"], ex["sensitivities"],
                                    ex["lgd"], ex["n_z"], ex["z_max"], conditional=conditional)
    c = ex["confidence"]
    k = dist.var_index(c)
    exact = {"expected_loss": dist.expected_loss(), "cdf_at_var": float(dist.cdf[k]),
             "var": dist.value_at_risk(c),
             "cvar_tail_conditional": dist.conditional_value_at_risk(c, "tail-conditional"),
             "cvar_rockafellar_uryasev": dist.conditional_value_at_risk(c)}
    stats: dict[str, list[tuple[float, bool, int]]] = {m: [] for m in exact}
    for i in range(check_positive_int(n_seeds, "n_seeds")):
        est = IterativeAE(epsilon, alpha, _seed(seed, i))
        el = expected_loss(dist, est)
        cdf = est.estimate_cdf_index(dist, k)
        var = value_at_risk(dist, c, est)
        cv_tc = conditional_value_at_risk(dist, c, est, var=var, definition="tail-conditional")
        cv_ru = conditional_value_at_risk(dist, c, est, var=var)
        for name, res in (("expected_loss", el), ("var", var),
                          ("cvar_tail_conditional", cv_tc), ("cvar_rockafellar_uryasev", cv_ru)):
            lo, hi = res.bracket
            stats[name].append((res.value, lo - 1e-12 <= exact[name] <= hi + 1e-12,
                                res.oracle_queries))
        stats["cdf_at_var"].append((cdf.estimate, cdf.covers(exact["cdf_at_var"]),
                                    cdf.oracle_queries))
    rows = []
    for name, values in stats.items():
        arr = np.array([v[0] for v in values])
        rows.append({"measure": name, "exact": exact[name],
                     "published": ex["published"].get(name, np.nan),
                     "mean_estimate": float(arr.mean()), "std_estimate": float(arr.std()),
                     "within_interval": float(np.mean([v[1] for v in values])),
                     "mean_oracle_queries": float(np.mean([v[2] for v in values])),
                     "n_seeds": len(values), "epsilon": epsilon, "alpha": alpha,
                     "model": conditional})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------- figures
def error_vs_cost_figure(table: pd.DataFrame, slopes: pd.DataFrame | None = None) -> Any:
    """Log-log plot of RMSE against cost (state-preparation calls or samples), one line each."""
    import plotly.graph_objects as go

    slopes = fit_slopes(table) if slopes is None else slopes
    slope_of = dict(zip(slopes["method"], slopes["slope"], strict=False))
    fig = go.Figure()
    for method, part in table.groupby("method", sort=False):
        part = part[(part["cost"] > 0) & (part["rmse"] > 0)]
        label = f"{method} (slope {slope_of[method]:.2f})" if method in slope_of else method
        dash = "dot" if part["cost_kind"].iloc[0] == "samples" else "solid"
        fig.add_trace(go.Scatter(x=part["cost"], y=part["rmse"], mode="lines+markers",
                                 name=label, line={"dash": dash}))
    fig.update_layout(
        title="Simulated amplitude estimation vs classical sampling: RMSE of the CDF at VaR"
              "<br><sup>classical baselines sample by inverting the exact CDF (which they "
              "could read directly): a sampling-complexity comparison</sup>",
        xaxis={"title": "cost: state-preparation calls (AE, simulated) or samples "
                        "(classical), log scale", "type": "log"},
        yaxis={"title": "RMSE of the CDF estimate (probability), log scale", "type": "log"},
        template="plotly_white")
    return fig


def coverage_figure(table: pd.DataFrame) -> Any:
    """Bar chart of CDF-interval coverage per estimator against ``1 - alpha``."""
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.add_trace(go.Bar(x=table["method"], y=table["cdf_coverage"], name="CDF coverage"))
    if "var_bracket_coverage" in table:
        fig.add_trace(go.Bar(x=table["method"], y=table["var_bracket_coverage"],
                             name="VaR bracket coverage"))
        fig.add_trace(go.Bar(x=table["method"], y=table["var_exact_fraction"],
                             name="point VaR = exact"))
    fig.add_trace(go.Scatter(x=table["method"], y=table["required_coverage"], mode="markers",
                             name="1 - alpha", marker={"symbol": "line-ew-open", "size": 30}))
    fig.update_layout(title=f"Coverage over {int(table['n_seeds'].iloc[0])} seeds",
                      yaxis={"title": "fraction of seeds", "range": [0, 1.02]},
                      barmode="group", template="plotly_white")
    return fig


def discretisation_figure(table: pd.DataFrame) -> Any:
    """Log plot of the discretisation error of VaR and CVaR against the register size."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for col, name, dash in (("var_abs_error", "|VaR error|", "solid"),
                            ("cvar_abs_error", "|CVaR error|", "solid"),
                            ("half_step", "half grid step", "dot"),
                            ("cvar_truncation_floor", "CVaR floor: tail beyond the grid", "dash")):
        if col not in table:
            continue
        fig.add_trace(go.Scatter(x=table["n_qubits"], y=table[col].clip(lower=1e-16),
                                 mode="lines+markers", name=name, line={"dash": dash}))
    fig.update_layout(title="Discretisation error against the continuous model",
                      xaxis={"title": "qubits n (2**n grid points)"},
                      yaxis={"title": "absolute error (loss units)", "type": "log"},
                      template="plotly_white")
    return fig

