"""Classical VaR and CVaR: historical, parametric, Cornish-Fisher, Monte Carlo, QMC, IS.

The loss of a portfolio with weights ``w`` is ``L = -w^T r`` with ``r`` simple returns over
the horizon; VaR at ``confidence`` is the ``confidence``-quantile of ``L`` and CVaR the mean
loss at or beyond it. Every estimator returns a :class:`VaRResult`. Backtests (Kupiec,
Christoffersen) live in :func:`backtest_var`.

>>> import numpy as np
>>> from qfin.risk import value_at_risk
>>> r = np.random.default_rng(0).normal(0.0, 0.01, size=(400, 3))
>>> res = value_at_risk(r, method="historical", confidence=0.99)
>>> res.cvar >= res.value
True

The names are loaded on first use (PEP 562), so ``from qfin.risk import METHODS`` (what the
``qfin`` command needs for its ``--help``) imports neither numpy nor scipy.
"""

from __future__ import annotations

from qfin._lazy import lazy_exports
from qfin.risk._names import (
    CLOSED_FORM_METHODS,
    COPULAS,
    DEFAULT_BACKTEST_METHODS,
    METHODS,
    SAMPLING_METHODS,
)

_LAZY = {
    "value_at_risk": "_api",
    "backtest_var": "_backtest",
    "BacktestResult": "_backtest",
    "exceedance_chart": "_chart",
    "fit_t_dof": "_fit",
    "QUANTILE_METHOD": "_historical",
    "historical_var": "_historical",
    "horizon_losses": "_historical",
    "monte_carlo_var": "_montecarlo",
    "cornish_fisher_var": "_parametric",
    "cornish_fisher_var_cvar": "_parametric",
    "cornish_fisher_domain": "_parametric",
    "dof_comparison": "_parametric",
    "normal_var_cvar": "_parametric",
    "parametric_var": "_parametric",
    "sample_moments": "_parametric",
    "t_var_cvar": "_parametric",
    "VaRResult": "_result",
    "TailKeeper": "_tail",
    "weighted_var_cvar": "_tail",
    "christoffersen_test": "_tests_stat",
    "kupiec_test": "_tests_stat",
    "t_sum_var_cvar": "_tsum",
    "importance_sampling_var": "_variance_reduction",
    "quasi_monte_carlo_var": "_variance_reduction",
}

__all__ = [
    "VaRResult",
    "value_at_risk",
    "historical_var",
    "parametric_var",
    "cornish_fisher_var",
    "monte_carlo_var",
    "quasi_monte_carlo_var",
    "importance_sampling_var",
    "normal_var_cvar",
    "t_var_cvar",
    "t_sum_var_cvar",
    "cornish_fisher_var_cvar",
    "cornish_fisher_domain",
    "dof_comparison",
    "fit_t_dof",
    "sample_moments",
    "backtest_var",
    "BacktestResult",
    "kupiec_test",
    "christoffersen_test",
    "exceedance_chart",
    "DEFAULT_BACKTEST_METHODS",
    "horizon_losses",
    "weighted_var_cvar",
    "TailKeeper",
    "METHODS",
    "CLOSED_FORM_METHODS",
    "SAMPLING_METHODS",
    "COPULAS",
    "QUANTILE_METHOD",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
