"""Amplitude-estimation VaR and CVaR, simulated classically (Woerner & Egger 2019).

Everything here is a classical simulation of a fault-tolerant quantum computation: oracle
queries (query complexity) and seconds of simulation are reported separately, and query
savings are never a wall-clock speed-up.

>>> from qfin.qae import DiscreteDistribution, IterativeAE, value_at_risk
>>> import scipy.stats
>>> dist = DiscreteDistribution.from_parametric(scipy.stats.norm(0, 1), 6, -4, 4)
>>> res = value_at_risk(dist, 0.95, IterativeAE(epsilon=1e-3, alpha=0.05, seed=3))
>>> res.value == dist.value_at_risk(0.95)
True

The names are loaded on first use (PEP 562), so the ``qfin var`` parser (which reads
:mod:`qfin.qae._names` and :mod:`qfin.qae._cli`) imports neither numpy nor scipy.
"""

from __future__ import annotations

from qfin._lazy import lazy_exports
from qfin.qae._names import CVAR_DEFINITIONS

_LAZY = {
    "CLASSICAL_METHODS": "_classical",
    "classical_estimate": "_classical",
    "tilted_pmf": "_classical",
    "credit_loss_distribution": "_credit",
    "latent_factor_grid": "_credit",
    "DiscreteDistribution": "_distribution",
    "AEResult": "_estimators",
    "AmplitudeEstimator": "_estimators",
    "CanonicalAE": "_estimators",
    "IterativeAE": "_estimators",
    "MaximumLikelihoodAE": "_estimators",
    "ExactOracle": "_oracle",
    "StateVectorOracle": "_oracle",
    "make_oracle": "_oracle",
    "qpe_outcome_probabilities": "_oracle",
    "ResourceEstimate": "_resources",
    "ae_runs": "_resources",
    "estimate_resources": "_resources",
    "CLASSICAL_VAR_METHODS": "_resources_breakeven",
    "DEFAULT_CLOCK_RATES": "_resources_breakeven",
    "break_even_figure": "_resources_breakeven",
    "break_even_table": "_resources_breakeven",
    "classical_var": "_resources_breakeven",
    "qmc_crossover": "_resources_breakeven",
    "samples_needed": "_resources_breakeven",
    "bootstrap_var_interval": "_resources_data",
    "encoding_error_table": "_resources_data",
    "t_copula_losses": "_resources_data",
    "AECircuitModel": "_resources_logical",
    "GateCounts": "_resources_logical",
    "ROTATION_SYNTHESIS": "_resources_logical",
    "STATE_PREPARATIONS": "_resources_logical",
    "t_per_rotation": "_resources_logical",
    "DEFAULT_QUBIT_MODELS": "_resources_physical",
    "PhysicalEstimate": "_resources_physical",
    "QUBIT_MODELS": "_resources_physical",
    "physical_estimates": "_resources_physical",
    "qdk_available": "_resources_physical",
    "RiskResult": "_risk",
    "conditional_value_at_risk": "_risk",
    "expected_loss": "_risk",
    "value_at_risk": "_risk",
    "portfolio_losses": "_scenarios",
    "GroverCircuit": "_statevector",
    "grover_rudolph_angles": "_statevector",
}

__all__ = [
    "DiscreteDistribution",
    "credit_loss_distribution",
    "latent_factor_grid",
    "AEResult",
    "AmplitudeEstimator",
    "CanonicalAE",
    "MaximumLikelihoodAE",
    "IterativeAE",
    "ExactOracle",
    "StateVectorOracle",
    "make_oracle",
    "qpe_outcome_probabilities",
    "RiskResult",
    "value_at_risk",
    "conditional_value_at_risk",
    "expected_loss",
    "CVAR_DEFINITIONS",
    "portfolio_losses",
    "classical_estimate",
    "tilted_pmf",
    "CLASSICAL_METHODS",
    "GroverCircuit",
    "grover_rudolph_angles",
    # fault-tolerant resource estimates and break-even (issue 14)
    "estimate_resources",
    "ResourceEstimate",
    "ae_runs",
    "AECircuitModel",
    "GateCounts",
    "t_per_rotation",
    "ROTATION_SYNTHESIS",
    "STATE_PREPARATIONS",
    "physical_estimates",
    "PhysicalEstimate",
    "QUBIT_MODELS",
    "DEFAULT_QUBIT_MODELS",
    "qdk_available",
    "break_even_table",
    "break_even_figure",
    "qmc_crossover",
    "classical_var",
    "samples_needed",
    "CLASSICAL_VAR_METHODS",
    "DEFAULT_CLOCK_RATES",
    "encoding_error_table",
    "bootstrap_var_interval",
    "t_copula_losses",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
