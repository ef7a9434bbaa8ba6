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
"""

from qfin.qae._classical import CLASSICAL_METHODS, classical_estimate, tilted_pmf
from qfin.qae._credit import credit_loss_distribution, latent_factor_grid
from qfin.qae._distribution import DiscreteDistribution
from qfin.qae._estimators import (
    AEResult,
    AmplitudeEstimator,
    CanonicalAE,
    IterativeAE,
    MaximumLikelihoodAE,
)
from qfin.qae._oracle import ExactOracle, StateVectorOracle, make_oracle, qpe_outcome_probabilities
from qfin.qae._resources import ResourceEstimate, ae_runs, estimate_resources
from qfin.qae._resources_breakeven import (
    CLASSICAL_VAR_METHODS,
    DEFAULT_CLOCK_RATES,
    break_even_figure,
    break_even_table,
    classical_var,
    qmc_crossover,
    samples_needed,
)
from qfin.qae._resources_data import (
    bootstrap_var_interval,
    encoding_error_table,
    t_copula_losses,
)
from qfin.qae._resources_logical import (
    ROTATION_SYNTHESIS,
    STATE_PREPARATIONS,
    AECircuitModel,
    GateCounts,
    t_per_rotation,
)
from qfin.qae._resources_physical import (
    DEFAULT_QUBIT_MODELS,
    QUBIT_MODELS,
    PhysicalEstimate,
    physical_estimates,
    qdk_available,
)
from qfin.qae._risk import (
    CVAR_DEFINITIONS,
    RiskResult,
    conditional_value_at_risk,
    expected_loss,
    value_at_risk,
)
from qfin.qae._scenarios import portfolio_losses
from qfin.qae._statevector import GroverCircuit, grover_rudolph_angles

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
