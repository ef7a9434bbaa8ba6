"""``value_at_risk``: one entry point for every classical method."""

from __future__ import annotations

from typing import Any

from qfin.errors import ProblemError
from qfin.risk._historical import historical_var
from qfin.risk._montecarlo import monte_carlo_var
from qfin.risk._names import CLOSED_FORM_METHODS, DEFAULT_PATHS, METHODS, SAMPLING_METHODS
from qfin.risk._parametric import cornish_fisher_var, parametric_var
from qfin.risk._result import VaRResult
from qfin.risk._validate import check_confidence, check_horizon
from qfin.risk._variance_reduction import importance_sampling_var, quasi_monte_carlo_var

__all__ = ["value_at_risk", "METHODS", "SAMPLING_METHODS", "CLOSED_FORM_METHODS"]

_DEFAULT_PATHS = DEFAULT_PATHS


def value_at_risk(returns: Any, weights: Any = None, *, method: str = "historical",
                  confidence: float = 0.99, horizon: int = 1, backend: Any = "numpy",
                  paths: int | None = None, seed: int | None = None,
                  allow_leverage: bool = False, **options: Any) -> VaRResult:
    """VaR and CVaR of a portfolio by any classical method.

    Parameters
    ----------
    returns : array-like of shape (n_observations, n_assets)
        Daily simple returns (e.g. ``MarketStore.returns()``).
    weights : array-like of shape (n_assets,), optional
        Default equal weights; must sum to 1 unless ``allow_leverage``.
    method : {"historical", "normal", "t", "cornish-fisher", "mc", "qmc", "is"}
        Estimator (see :func:`historical_var`, :func:`parametric_var`,
        :func:`cornish_fisher_var`, :func:`monte_carlo_var`, :func:`quasi_monte_carlo_var`,
        :func:`importance_sampling_var`).
    confidence : float
        VaR level in (0, 1), e.g. 0.99.
    horizon : int
        Trading days.
    backend : {"numpy", "mlx", "auto"}
        Array backend for ``"mc"``; the other methods run on numpy and accept "numpy" or
        "auto" (which means numpy for them).
    paths : int, optional
        Scenarios for the sampling methods (defaults: mc 10**6, qmc 2**16, is 10**5).
    seed : int, optional
        Seed of the sampling methods.
    allow_leverage : bool
        Accept weights not summing to 1.
    **options
        Passed to the method's function (``copula``, ``dof``, ``dtype``, ``interval_level``,
        ``quantile_method``, ...).

    Returns
    -------
    VaRResult

    Examples
    --------
    >>> import numpy as np
    >>> r = np.random.default_rng(0).normal(0, 0.01, size=(500, 2))
    >>> value_at_risk(r, method="normal").method
    'normal'
    """
    from qfin.backends import get as get_backend

    if not isinstance(method, str) or method.lower() not in METHODS:
        raise ProblemError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    key = method.lower()
    check_confidence(confidence)
    check_horizon(horizon)
    common = {"confidence": confidence, "horizon": horizon, "allow_leverage": allow_leverage}
    if key == "mc":
        be = get_backend(backend)
    elif not (isinstance(backend, str) and backend.lower().strip() in ("auto", "numpy")):
        # "auto" means "whatever is best": numpy for everything but Monte Carlo
        be = get_backend(backend)
        if be.name != "numpy":
            raise ProblemError(f"method {key!r} runs on numpy only; got backend={be.name!r} "
                               "(only 'mc' runs on MLX)")
    if key not in SAMPLING_METHODS and (paths is not None or seed is not None):
        raise ProblemError(f"paths and seed apply to the sampling methods "
                           f"({', '.join(SAMPLING_METHODS)}); method {key!r} takes neither")
    if key == "historical":
        return historical_var(returns, weights, **common, **options)
    if key in ("normal", "t"):
        return parametric_var(returns, weights, distribution=key, **common, **options)
    if key == "cornish-fisher":
        return cornish_fisher_var(returns, weights, **common, **options)
    n_paths = _DEFAULT_PATHS[key] if paths is None else paths
    if key == "mc":
        return monte_carlo_var(returns, weights, paths=n_paths, seed=seed, backend=be,
                               **common, **options)
    if key == "qmc":
        return quasi_monte_carlo_var(returns, weights, paths=n_paths, seed=seed, **common,
                                     **options)
    return importance_sampling_var(returns, weights, paths=n_paths, seed=seed, **common,
                                   **options)
