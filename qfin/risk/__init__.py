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
"""

from qfin.risk._api import CLOSED_FORM_METHODS, METHODS, SAMPLING_METHODS, value_at_risk
from qfin.risk._backtest import DEFAULT_BACKTEST_METHODS, BacktestResult, backtest_var
from qfin.risk._chart import exceedance_chart
from qfin.risk._fit import fit_t_dof
from qfin.risk._historical import QUANTILE_METHOD, historical_var, horizon_losses
from qfin.risk._montecarlo import COPULAS, monte_carlo_var
from qfin.risk._parametric import (
    cornish_fisher_var,
    cornish_fisher_var_cvar,
    normal_var_cvar,
    parametric_var,
    sample_moments,
    t_var_cvar,
)
from qfin.risk._result import VaRResult
from qfin.risk._tail import TailKeeper, weighted_var_cvar
from qfin.risk._tests_stat import christoffersen_test, kupiec_test
from qfin.risk._variance_reduction import importance_sampling_var, quasi_monte_carlo_var

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
    "cornish_fisher_var_cvar",
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
