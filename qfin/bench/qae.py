"""The amplitude-estimation benchmark: seconds and accuracy of the simulated estimators.

Seconds per IQAE estimate on the exact fast path, seconds per Grover call on the simulated
state vector (numpy and MLX), the state-vector / fast-path agreement; the studies (coverage
over seeds, error-vs-cost slopes, credit example, discretisation) live in
:mod:`qfin.qae.studies`. Everything is a classical simulation; oracle queries are query
complexity, not time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.stats
from tqdm.auto import tqdm

from qfin.backends import get as get_backend
from qfin.backends import mlx_available
from qfin.bench._timing import time_call
from qfin.qae import (
    CanonicalAE,
    DiscreteDistribution,
    GroverCircuit,
    IterativeAE,
    MaximumLikelihoodAE,
)

__all__ = ["fast_path", "statevector", "agreement", "break_even", "encoding_errors"]


def _force(backend: Any, x: Any) -> Any:
    if backend.name == "mlx":
        backend.xp.eval(x)
    return x


def fast_path(dist: DiscreteDistribution, quick: bool) -> pd.DataFrame:
    """Median seconds and oracle queries per estimate of each estimator on the fast path."""
    k = dist.var_index(0.99)
    rows = []
    calls = 300 if quick else 3000
    estimators = {
        "iterative (eps 1e-3, alpha 0.05)": IterativeAE(1e-3, 0.05, seed=1),
        "iterative chernoff (eps 1e-3)": IterativeAE(1e-3, 0.05, seed=1, interval="chernoff"),
        "maximum-likelihood (exp, 8 powers)": MaximumLikelihoodAE("exponential", 100, seed=1),
        "canonical (8 eval qubits)": CanonicalAE(8, 100, seed=1),
    }
    for name, est in estimators.items():
        n_calls = calls if est.method == "iterative" else max(20, calls // 30)
        queries = []

        def one(est: Any = est, queries: list[int] = queries) -> None:
            queries.append(est.estimate_cdf_index(dist, k).oracle_queries)

        t = time_call(one, repeat=n_calls, warmup=5)
        rows.append({"section": "fast-path", "name": name, "backend": "numpy (scalar)",
                     "n_qubits": dist.n_qubits, "seconds_median": t.median,
                     "seconds_p10": t.p10, "seconds_p90": t.p90, "calls": t.n,
                     "mean_oracle_queries": float(np.mean(queries))})
    return pd.DataFrame(rows)


def statevector(quick: bool) -> pd.DataFrame:
    """Median seconds per Grover call Q on the simulated state vector, per backend and n."""
    sizes = (10, 16) if quick else (10, 16, 20)
    backends = ["numpy"] + (["mlx"] if mlx_available() else [])
    rows = []
    for name in backends:
        be = get_backend(name, device="auto")
        for n in tqdm(sizes, desc=f"state vector {name}", disable=None, leave=False):
            dist = DiscreteDistribution.from_parametric(scipy.stats.norm(0, 1), n, -4, 4)
            circuit = GroverCircuit(dist, threshold_index=dist.var_index(0.99), backend=be)
            state = _force(be, circuit.initial_state())
            repeat = 3 if n >= 20 else (5 if n >= 16 else 30)
            t = time_call(lambda c=circuit, s=state, b=be: _force(b, c.apply_q(s)),
                          repeat=repeat, warmup=1, synchronize=be.synchronize)
            res = circuit.resources(1)
            rows.append({"section": "state-vector", "name": "Grover call Q", "backend": name,
                         "device": be.device, "dtype": str(circuit.dtype).split(".")[-1]
                         .strip("'>"), "n_qubits": n, "seconds_median": t.median,
                         "seconds_p10": t.p10, "seconds_p90": t.p90, "calls": t.n,
                         "simulated_qubits": res["simulated_qubits"],
                         "rotations_per_a": res["rotations_per_a"]})
    return pd.DataFrame(rows)


def agreement(max_qubits: int = 10, max_power: int = 64) -> pd.DataFrame:
    """Worst disagreement of the state vector with the exact rotation and the pmf."""
    rng = np.random.default_rng(7)
    worst_p, worst_pmf, cases = 0.0, 0.0, 0
    for n in range(1, max_qubits + 1):
        p = rng.random(2**n) ** 3
        p /= p.sum()
        dist = DiscreteDistribution(np.arange(2**n, dtype=float), p)
        specs: list[dict[str, Any]] = [{"threshold_index": k} for k in
                                       sorted({0, 2**n // 3, 2**n // 2, 2**n - 2})]
        specs.append({"payoff": np.linspace(0, 1, 2**n)})
        for spec in specs:
            circuit = GroverCircuit(dist, **spec)
            theta = circuit.theta
            exact = np.sin((2 * np.arange(max_power + 1) + 1) * theta) ** 2
            worst_p = max(worst_p, float(np.abs(circuit.good_probabilities(max_power)
                                                - exact).max()))
            cases += 1
        worst_pmf = max(worst_pmf, float(np.abs(
            GroverCircuit(dist, threshold_index=0).loss_probabilities() - p).max()))
    return pd.DataFrame([{
        "section": "agreement", "name": f"state vector vs sin^2((2m+1)theta), m <= "
                                        f"{max_power}, n <= {max_qubits}",
        "backend": "numpy", "cases": cases, "max_abs_error": worst_p}, {
        "section": "agreement", "name": "state preparation reproduces the pmf",
        "backend": "numpy", "cases": max_qubits, "max_abs_error": worst_pmf}])


# ---------------------------------------------------------------------- issue 14: resources
def break_even(dist: DiscreteDistribution, quick: bool, *,
               epsilons: tuple[float, ...] = (1e-2, 1e-3, 1e-4),
               qubit_models: Any = "default") -> tuple[pd.DataFrame, dict[str, Any]]:
    """Break-even table of the 99 % VaR: classical seconds measured now, AE estimates.

    Returns the table (``section="break-even"``) and the quasi-Monte Carlo crossover.
    """
    from qfin.qae import DEFAULT_QUBIT_MODELS, break_even_table, qdk_available, qmc_crossover

    models = DEFAULT_QUBIT_MODELS if qubit_models == "default" else qubit_models
    if models and not qdk_available():
        models = None
    table = break_even_table(dist, 0.99, epsilons, qubit_models=models,
                             repeats=3 if quick else 7, qmc_trials=32 if quick else 128)
    table.insert(0, "section", "break-even")
    return table, qmc_crossover(table)


def encoding_errors(losses: np.ndarray, returns: pd.DataFrame, quick: bool) -> pd.DataFrame:
    """Discretisation vs data sampling vs AE error of the VaR, historical and t-copula MC."""
    from qfin.qae import encoding_error_table, t_copula_losses

    qubits = (8, 12, 16, 20) if quick else tuple(range(8, 21))
    hist = encoding_error_table(losses, 0.99, qubits, n_boot=200 if quick else 1000,
                                source="historical")
    mc = t_copula_losses(returns, None, 100_000 if quick else 1_000_000, seed=11)
    sim = encoding_error_table(mc, 0.99, qubits, n_boot=100 if quick else 300,
                               source="t-copula monte carlo")
    table = pd.concat([hist, sim], ignore_index=True)
    table.insert(0, "section", "encoding-error")
    return table
