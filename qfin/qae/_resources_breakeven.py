"""Break-even: the logical clock rate at which amplitude estimation would match classical VaR.

For a target accuracy ``epsilon`` of the VaR question (the CDF at the VaR point known to
``+-epsilon`` with probability ``1 - alpha``), on one discrete loss distribution:

* the classical methods run on this machine and their seconds are measured: the exact VaR
  (cumulative sum and search of the pmf), plain Monte Carlo, quasi-Monte Carlo (scrambled
  Sobol through the inverse CDF) and importance sampling (exponential tilting), each with
  the samples it needs for ``epsilon`` (Monte Carlo and importance sampling from their
  exact variances on the pmf, quasi-Monte Carlo from the measured error over scrambles);
* the iterative AE VaR search runs (simulated) with the same ``epsilon`` and ``alpha``;
  its Grover calls and shots give the fault-tolerant T-depth
  (:func:`qfin.qae.estimate_resources`), and the runtime at a logical clock rate ``f`` is
  ``T-depth / f`` (Chakrabarti et al. 2021, Quantum 5, 463: their "logical clock rate");
* the break-even clock rate of each classical method is ``T-depth / classical seconds``.

Nothing here is a measured quantum runtime; the AE side is an estimate with the
assumptions of :data:`qfin.qae._resources.ASSUMPTIONS`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri
from scipy.stats import qmc

from qfin.errors import ProblemError
from qfin.qae._classical import tilted_pmf
from qfin.qae._distribution import DiscreteDistribution
from qfin.qae._estimators import IterativeAE
from qfin.qae._resources import estimate_resources
from qfin.qae._resources_physical import DEFAULT_QUBIT_MODELS
from qfin.qae._risk import value_at_risk
from qfin.qae._validate import check_open_unit, check_positive_int

__all__ = ["CLASSICAL_VAR_METHODS", "DEFAULT_CLOCK_RATES", "classical_var",
           "samples_needed", "break_even_table", "qmc_crossover", "break_even_figure"]

#: Classical methods timed against amplitude estimation.
CLASSICAL_VAR_METHODS = ("exact", "monte-carlo", "quasi-monte-carlo", "importance-sampling")

#: Logical clock rates (T layers per second) at which the AE runtime is shown: 1 MHz,
#: 10 MHz (Chakrabarti et al. 2021's threshold) and 100 MHz.
DEFAULT_CLOCK_RATES = (1e6, 1e7, 1e8)

_MAX_SAMPLES = 2**26


def check_epsilon(epsilon: Any, name: str = "epsilon") -> float:
    """Return a target accuracy in (0, 1) or raise :class:`ProblemError`."""
    return check_open_unit(epsilon, name)


# ---------------------------------------------------------------------- classical VaR
def classical_var(dist: DiscreteDistribution, confidence: float, n_samples: int = 0,
                  method: str = "monte-carlo", seed: int | None = None) -> int:
    """Grid index of the VaR by one classical method (the work the seconds measure).

    Parameters
    ----------
    dist : DiscreteDistribution
    confidence : float
        VaR level in (0, 1).
    n_samples : int
        Samples (ignored by ``"exact"``).
    method : {"exact", "monte-carlo", "quasi-monte-carlo", "importance-sampling"}
        ``exact``: cumulative sum of the pmf and a search; the sampling methods draw
        grid indices (inverse CDF of uniforms, Sobol points, or the tilted pmf with
        likelihood-ratio weights) and take the ``inverted_cdf`` quantile of the
        (weighted) sample.
    seed : int, optional

    Returns
    -------
    int
        The estimated VaR's grid index.
    """
    c = check_open_unit(confidence, "confidence")
    if method == "exact":
        cdf = np.cumsum(dist.probabilities)
        return int(min(np.searchsorted(cdf, c - dist.cdf_tolerance, side="left"),
                       dist.size - 1))
    n = check_positive_int(n_samples, "n_samples")
    if method in ("monte-carlo", "quasi-monte-carlo"):
        if method == "monte-carlo":
            u = np.random.default_rng(seed).random(n)
        else:
            m = math.ceil(math.log2(n))
            u = qmc.Sobol(d=1, scramble=True, seed=seed).random_base2(m)[:n, 0]
        idx = np.minimum(np.searchsorted(dist.cdf, u, side="right"), dist.size - 1)
        rank = max(math.ceil(c * n) - 1, 0)
        return int(np.partition(idx, rank)[rank])
    if method == "importance-sampling":
        q, _ = tilted_pmf(dist, float(dist.values[dist.var_index(c)]))
        cdf_q = np.cumsum(q)
        cdf_q[-1] = 1.0
        rng = np.random.default_rng(seed)
        idx = np.minimum(np.searchsorted(cdf_q, rng.random(n), side="right"), dist.size - 1)
        ratio = np.divide(dist.probabilities, q, out=np.zeros_like(q), where=q > 0)
        weights = np.bincount(idx, weights=ratio[idx], minlength=dist.size) / n
        # F(k) = 1 - P(L > l_k), the tail estimated where the proposal puts its samples
        tail = np.concatenate([np.cumsum(weights[::-1])[::-1][1:], [0.0]])
        return _first_at_least(1.0 - tail, c)
    raise ProblemError(f"method must be one of {CLASSICAL_VAR_METHODS}; got {method!r}")


def _first_at_least(cdf: np.ndarray, c: float) -> int:
    hits = np.flatnonzero(cdf >= c - 1e-12)
    return int(hits[0]) if hits.size else cdf.size - 1


def samples_needed(dist: DiscreteDistribution, index: int, epsilon: float, alpha: float,
                   method: str, *, seed: int = 0, n_trials: int = 64) -> int:
    """Samples a classical method needs to know ``F(values[index])`` to ``+-epsilon``.

    Monte Carlo: ``z**2 a (1 - a) / epsilon**2`` with ``z = Phi^-1(1 - alpha/2)`` (the
    normal interval of a binomial proportion). Importance sampling: ``z**2 sigma**2 /
    epsilon**2`` with the exact variance of the likelihood-ratio estimator of the tail
    ``1 - a`` under the tilted pmf. Quasi-Monte Carlo has no variance formula: the
    smallest power of two whose ``1 - alpha`` quantile of the absolute error over
    ``n_trials`` scrambles is at most ``epsilon``. ``"exact"`` needs none (returns 0).

    Raises
    ------
    ProblemError
        For ``epsilon`` or ``alpha`` outside (0, 1), or an unknown method.
    """
    eps = check_epsilon(epsilon)
    a_lvl = check_open_unit(alpha, "alpha")
    k = dist.check_index(index)
    a = float(dist.cdf[k])
    z = float(ndtri(1.0 - a_lvl / 2.0))
    if method == "exact":
        return 0
    if method == "monte-carlo":
        return max(1, math.ceil(z * z * a * (1.0 - a) / eps**2))
    if method == "importance-sampling":
        q, _ = tilted_pmf(dist, float(dist.values[k]))
        tail = np.arange(dist.size) > k
        ratio = np.divide(dist.probabilities**2, q, out=np.zeros_like(q), where=q > 0)
        var = float(ratio[tail].sum()) - (1.0 - a) ** 2
        return max(1, math.ceil(z * z * max(var, 0.0) / eps**2))
    if method == "quasi-monte-carlo":
        trials = check_positive_int(n_trials, "n_trials")
        for m in range(4, int(math.log2(_MAX_SAMPLES)) + 1):
            errs = np.empty(trials)
            for t in range(trials):
                u = qmc.Sobol(d=1, scramble=True, seed=seed + t).random_base2(m)[:, 0]
                errs[t] = abs(float(np.mean(u < a)) - a)
            if float(np.quantile(errs, 1.0 - a_lvl)) <= eps:
                return 2**m
        return _MAX_SAMPLES
    raise ProblemError(f"method must be one of {CLASSICAL_VAR_METHODS}; got {method!r}")


def _median_seconds(fn: Callable[[], Any], repeats: int, min_seconds: float = 0.05) -> float:
    fn()  # warm-up
    times: list[float] = []
    spent = 0.0
    while len(times) < repeats or spent < min_seconds:
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        times.append(dt)
        spent += dt
        if len(times) >= 10_000:
            break
    return float(np.median(times))


# ---------------------------------------------------------------------- the table
def break_even_table(dist: DiscreteDistribution, confidence: float = 0.99,
                     epsilons: Sequence[float] = (1e-2, 1e-3, 1e-4), *, alpha: float = 0.05,
                     seed: int = 0, methods: Sequence[str] = CLASSICAL_VAR_METHODS,
                     qubit_models: Sequence[str] | None = DEFAULT_QUBIT_MODELS,
                     clock_rates: Sequence[float] = DEFAULT_CLOCK_RATES,
                     state_preparation: str = "grover-rudolph", error_budget: float = 1e-3,
                     repeats: int = 5, qmc_trials: int = 64) -> pd.DataFrame:
    """Classical seconds, AE resources and break-even clock rates for the VaR, per epsilon.

    Parameters
    ----------
    dist : DiscreteDistribution
        The loss distribution (both sides work on this pmf).
    confidence : float
        VaR level, e.g. 0.99.
    epsilons : sequence of float
        Target accuracies of the CDF at the VaR point, each in (0, 1); iterative AE also
        needs ``epsilon < 0.5``.
    alpha : float
        Failure probability of both sides' intervals.
    seed : int
        Seed of the AE measurements and the classical samples.
    methods : sequence of str
        Classical methods (:data:`CLASSICAL_VAR_METHODS`).
    qubit_models : sequence of str or None
        Physical runtime per model from the Microsoft estimator (``None``: skip).
    clock_rates : sequence of float
        Logical clock rates (T layers per second) at which the AE runtime is shown.
    state_preparation : {"grover-rudolph", "qrom"}
    error_budget : float
        Failure probability of the fault-tolerant run, in (0, 1).
    repeats : int
        Timed calls per classical method (median).
    qmc_trials : int
        Scrambles used to size quasi-Monte Carlo.

    Returns
    -------
    DataFrame
        One row per (epsilon, classical method): ``classical_samples``,
        ``classical_seconds``, ``classical_var_correct`` (the estimate hit the exact
        discretised VaR in the timed run), ``ae_grover_calls``, ``ae_shots``,
        ``ae_t_count``, ``ae_t_depth``, ``ae_logical_qubits``, ``ae_var_correct``,
        ``ae_runtime_s_at_<f>`` per clock rate, ``ae_runtime_s_<model>`` and
        ``ae_physical_qubits_<model>`` per qubit model, and
        ``break_even_clock_hz = ae_t_depth / classical_seconds``.

    Raises
    ------
    ProblemError
        For an epsilon, alpha or error budget outside (0, 1), an unknown method or model.
    """
    c = check_open_unit(confidence, "confidence")
    eps_list = [check_epsilon(e) for e in epsilons]
    for e in eps_list:
        if e >= 0.5:
            raise ProblemError(f"epsilon must be below 0.5 for iterative AE; got {e!r}")
    for m in methods:
        if m not in CLASSICAL_VAR_METHODS:
            raise ProblemError(f"method must be one of {CLASSICAL_VAR_METHODS}; got {m!r}")
    rates = [float(f) for f in clock_rates]
    if any(not f > 0 for f in rates):
        raise ProblemError(f"clock_rates must be > 0; got {clock_rates!r}")
    k = dist.var_index(c)
    rows = []
    for eps in eps_list:
        var = value_at_risk(dist, c, IterativeAE(eps, alpha, seed=seed))
        res = estimate_resources(var, dist.n_qubits, state_preparation=state_preparation,
                                 error_budget=error_budget, qubit_models=qubit_models)
        ae = {"ae_grover_calls": res.grover_calls, "ae_shots": res.shots,
              "ae_estimates": res.estimates, "ae_t_count": res.t_count(),
              "ae_t_depth": res.t_depth(), "ae_toffoli_count": res.whole_run.toffoli_count,
              "ae_logical_qubits": res.logical_qubits, "ae_var_correct": var.index == k,
              "ae_simulation_seconds": var.seconds}
        for f in rates:
            ae[f"ae_runtime_s_at_{f:.0e}_hz"] = res.runtime_at(f)
        for p in res.physical:
            ae[f"ae_runtime_s_{p.qubit_model}"] = p.runtime_seconds
            ae[f"ae_physical_qubits_{p.qubit_model}"] = p.physical_qubits
            ae[f"ae_logical_clock_hz_{p.qubit_model}"] = p.logical_clock_hz
        for method in methods:
            n = samples_needed(dist, k, eps, alpha, method, seed=seed, n_trials=qmc_trials)
            got = classical_var(dist, c, n, method, seed)
            seconds = _median_seconds(lambda n=n, m=method: classical_var(dist, c, n, m, seed),
                                      repeats)
            rows.append({"epsilon": eps, "alpha": alpha, "confidence": c,
                         "n_qubits": dist.n_qubits, "state_preparation": state_preparation,
                         "method": method, "classical_samples": n,
                         "classical_seconds": seconds, "classical_var_correct": got == k,
                         **ae, "break_even_clock_hz": res.break_even_clock_hz(seconds)})
    return pd.DataFrame(rows)


def qmc_crossover(table: pd.DataFrame) -> dict[str, Any]:
    """Where AE's Grover calls would fall below quasi-Monte Carlo's samples.

    Fits ``log(cost) = a + b log(1/epsilon)`` to AE's Grover calls and to QMC's samples
    over the table's epsilons and solves for equal cost. Both fall close to ``1/epsilon``
    here, so the crossover is usually absent or far outside the range; the ratio of the
    two costs at each epsilon is reported too.

    Returns
    -------
    dict
        ``ae_slope``, ``qmc_slope``, ``query_ratio`` (AE calls / QMC samples per epsilon),
        ``crossover_epsilon`` (``None`` if AE's cost never falls below QMC's in the fit)
        and ``verdict`` (one sentence).
    """
    q = table[table["method"] == "quasi-monte-carlo"].sort_values("epsilon")
    if len(q) < 2:
        raise ProblemError("qmc_crossover needs quasi-Monte Carlo rows at two or more "
                           "epsilons")
    x = np.log(1.0 / q["epsilon"].to_numpy(float))
    b_ae, a_ae = np.polyfit(x, np.log(q["ae_grover_calls"].to_numpy(float)), 1)
    b_q, a_q = np.polyfit(x, np.log(q["classical_samples"].to_numpy(float)), 1)
    ratio = dict(zip(q["epsilon"].tolist(),
                     (q["ae_grover_calls"] / q["classical_samples"]).tolist(), strict=True))
    crossover = None
    if b_q > b_ae + 1e-9:
        eps_star = math.exp(-(a_ae - a_q) / (b_q - b_ae))
        crossover = eps_star if 0 < eps_star < 1 else None
    if crossover is None:
        verdict = (f"no crossover: AE's Grover calls grow as epsilon^-{b_ae:.2f} and QMC's "
                   f"samples as epsilon^-{b_q:.2f}; AE needs {min(ratio.values()):.3g}x to "
                   f"{max(ratio.values()):.3g}x more queries than QMC needs samples")
    else:
        outside = crossover < float(q["epsilon"].min()) / 10
        verdict = (f"AE's Grover calls would fall below QMC's samples at epsilon about "
                   f"{crossover:.2g} (fitted slopes {b_ae:.2f} vs {b_q:.2f}"
                   + (", an extrapolation far beyond the measured epsilons" if outside
                      else "") + "), before any cost per query is counted")
    return {"ae_slope": float(b_ae), "qmc_slope": float(b_q), "query_ratio": ratio,
            "crossover_epsilon": crossover, "verdict": verdict}


def break_even_figure(table: pd.DataFrame) -> Any:
    """Runtime against epsilon: classical methods measured here, AE at its clock rates."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for method, part in table.groupby("method", sort=False):
        part = part.sort_values("epsilon")
        fig.add_trace(go.Scatter(x=part["epsilon"], y=part["classical_seconds"],
                                 mode="lines+markers", name=f"{method} (measured)"))
    ae = table.drop_duplicates("epsilon").sort_values("epsilon")
    for col in [c for c in table.columns if c.startswith("ae_runtime_s_at_")]:
        rate = float(col.removeprefix("ae_runtime_s_at_").removesuffix("_hz"))
        fig.add_trace(go.Scatter(x=ae["epsilon"], y=ae[col], mode="lines+markers",
                                 line={"dash": "dash"},
                                 name=f"AE at {rate / 1e6:g} MHz logical clock (estimate)"))
    for col in [c for c in table.columns if c.startswith("ae_runtime_s_qubit_")]:
        fig.add_trace(go.Scatter(x=ae["epsilon"], y=ae[col], mode="markers",
                                 marker={"symbol": "x", "size": 9},
                                 name=f"AE on {col.removeprefix('ae_runtime_s_')} (qdk "
                                      f"estimate)"))
    fig.update_layout(
        title="VaR to accuracy epsilon: classical seconds measured on this machine vs "
              "estimated fault-tolerant AE runtime",
        xaxis={"title": "epsilon (accuracy of the CDF at the VaR point)", "type": "log",
               "autorange": "reversed"},
        yaxis={"title": "seconds", "type": "log", "exponentformat": "power"},
        template="plotly_white")
    return fig
