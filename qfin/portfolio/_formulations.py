"""CQM/BQM formulations of a :class:`PortfolioProblem` and decoding of samples.

Both formulations count weight in integer *units*: ``w_i = unit · u_i``.

- cardinality: ``u_i = x_i ∈ {0, 1}``, ``unit = budget / K``, constraint ``Σ x_i = K``;
- weights: ``u_i = Σ_b 2ᵇ x_{i,b}`` (B bits), ``unit = budget / (2ᴮ − 1)``, constraint
  ``Σ u_i = 2ᴮ − 1`` (so one asset may hold the whole budget); per-asset bounds become
  ``⌈lower/unit⌉ ≤ u_i ≤ ⌊upper/unit⌋``; a cardinality K adds indicators ``y_i`` with
  ``y_i ≤ u_i ≤ (2ᴮ − 1)·y_i`` and ``Σ y_i = K``.

Every constraint has integer coefficients, so an infeasible assignment has an integer
residual of magnitude ≥ 1; the penalty bounds of :mod:`qfin.portfolio._penalty` rely on it.
The objective is ``f(w)`` exactly, with no constant offset, so on a feasible read the BQM
energy equals the portfolio objective.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import dimod
import numpy as np
import pandas as pd

from qfin.errors import ProblemError

if TYPE_CHECKING:  # pragma: no cover
    from qfin.portfolio._problem import PortfolioProblem, _Encoding

__all__ = ["encoding", "build_cqm", "build_bqm", "interpret", "objective_qubo", "unit_limits",
           "residuals"]


def encoding(problem: PortfolioProblem, formulation: str) -> _Encoding:
    """The unit size, bit values and variable labels of a formulation."""
    from qfin.portfolio._problem import _Encoding

    n = problem.n_assets
    if formulation == "cardinality":
        K = int(problem.cardinality)  # type: ignore[arg-type]
        return _Encoding("cardinality", problem.budget / K, np.ones(1), K,
                         [f"x[{i}]" for i in range(n)], [])
    bits = int(problem.bits)  # type: ignore[arg-type]
    total = 2**bits - 1
    labels = [f"w[{i}][{b}]" for i in range(n) for b in range(bits)]
    indicators = [f"y[{i}]" for i in range(n)] if problem.cardinality is not None else []
    return _Encoding("weights", problem.budget / total, 2.0 ** np.arange(bits), total,
                     labels, indicators)


def unit_limits(problem: PortfolioProblem, enc: _Encoding) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest allowed number of units per asset (from the weight bounds)."""
    max_units = int(enc.bit_values.sum())
    low = np.ceil(problem.lower / enc.unit - 1e-9).astype(int)
    high = np.minimum(np.floor(problem.upper / enc.unit + 1e-9).astype(int), max_units)
    if enc.formulation == "cardinality":
        # held weight is exactly one unit: an asset whose upper bound is below it stays out
        low = np.minimum(low, 1)
    if (low > high).any():
        i = int(np.flatnonzero(low > high)[0])
        raise ProblemError(f"asset {i} ({problem.tickers[i]}) has no allowed weight on the grid "
                           f"of step {enc.unit:g}: bounds [{problem.lower[i]:g}, "
                           f"{problem.upper[i]:g}]; use more bits or wider bounds")
    if low.sum() > enc.total_units or high.sum() < enc.total_units:
        raise ProblemError(f"the bounds cannot be met on the grid of step {enc.unit:g} "
                           f"(need {enc.total_units} units; bounds allow {low.sum()} to "
                           f"{high.sum()}); use more bits or wider bounds")
    return low, high


def sector_caps(problem: PortfolioProblem, enc: _Encoding) -> dict[str, tuple[np.ndarray, int]]:
    """Per limited sector: (asset mask, maximum number of units)."""
    caps = {}
    for sector, limit in problem.sector_limits.items():
        mask = np.array([s == sector for s in problem.sectors or []])
        caps[sector] = (mask, int(math.floor(limit / enc.unit + 1e-9)))
    return caps


def objective_qubo(problem: PortfolioProblem, enc: _Encoding) -> tuple[np.ndarray, np.ndarray]:
    """Dense QUBO of the objective over the bit variables: ``f = xᵀ M x + cᵀ x``.

    Returns ``(M, c)`` with ``M`` symmetric (diagonal included) and ``c`` the linear part;
    for binary ``x``, ``x_a² = x_a`` so the diagonal of ``M`` acts linearly.
    """
    p = enc.bit_values
    M = problem.risk_aversion * enc.unit**2 * np.kron(problem.cov, np.outer(p, p))
    c = -enc.unit * np.kron(problem.mu, p)
    return M, c


def _objective_bqm(problem: PortfolioProblem, enc: _Encoding) -> dimod.BinaryQuadraticModel:
    M, c = objective_qubo(problem, enc)
    rows, cols = np.triu_indices(M.shape[0], k=1)
    linear = np.diag(M) + c
    bqm = dimod.BinaryQuadraticModel.from_numpy_vectors(
        linear, (rows, cols, 2.0 * M[rows, cols]), 0.0, dimod.BINARY,
        variable_order=enc.labels)
    return bqm


def build_cqm(problem: PortfolioProblem, formulation: str) -> dimod.ConstrainedQuadraticModel:
    """The ConstrainedQuadraticModel of ``formulation`` (see the module docstring)."""
    enc = encoding(problem, formulation)
    low, high = unit_limits(problem, enc)
    n, n_bits = problem.n_assets, enc.bit_values.size
    cqm = dimod.ConstrainedQuadraticModel()
    objective = _objective_bqm(problem, enc)
    for label in enc.indicator_labels:
        objective.add_variable(label)
    cqm.set_objective(objective)

    def unit_terms(i: int) -> list[tuple[str, float]]:
        return [(enc.labels[i * n_bits + b], float(enc.bit_values[b])) for b in range(n_bits)]

    name = "cardinality" if formulation == "cardinality" else "budget"
    cqm.add_constraint_from_iterable(
        [t for i in range(n) for t in unit_terms(i)], "==", rhs=enc.total_units, label=name)
    max_units = int(enc.bit_values.sum())
    for i in range(n):
        if formulation == "cardinality":
            if high[i] < 1:
                cqm.add_constraint_from_iterable(unit_terms(i), "==", rhs=0, label=f"upper[{i}]")
            if problem.lower[i] > 0:
                cqm.add_constraint_from_iterable(unit_terms(i), "==", rhs=1, label=f"lower[{i}]")
            continue
        if high[i] < max_units:
            cqm.add_constraint_from_iterable(unit_terms(i), "<=", rhs=int(high[i]),
                                             label=f"upper[{i}]")
        if low[i] > 0:
            cqm.add_constraint_from_iterable(unit_terms(i), ">=", rhs=int(low[i]),
                                             label=f"lower[{i}]")
    if enc.indicator_labels:
        for i, y in enumerate(enc.indicator_labels):
            cqm.add_constraint_from_iterable(unit_terms(i) + [(y, -float(max_units))], "<=",
                                             rhs=0, label=f"held[{i}]")
            cqm.add_constraint_from_iterable(unit_terms(i) + [(y, -1.0)], ">=", rhs=0,
                                             label=f"nonzero[{i}]")
        cqm.add_constraint_from_iterable([(y, 1.0) for y in enc.indicator_labels], "==",
                                         rhs=int(problem.cardinality), label="count")
    for sector, (mask, cap) in sector_caps(problem, enc).items():
        terms = [t for i in np.flatnonzero(mask) for t in unit_terms(int(i))]
        if cap < len(terms) * max_units:
            cqm.add_constraint_from_iterable(terms, "<=", rhs=cap, label=f"sector[{sector}]")
    return cqm


def build_bqm(problem: PortfolioProblem, penalty: Any, formulation: str
              ) -> dimod.BinaryQuadraticModel:
    """``dimod.cqm_to_bqm`` of :func:`build_cqm` with a calibrated or given penalty."""
    from qfin.portfolio._penalty import resolve_penalty

    value = resolve_penalty(problem, penalty, formulation)
    bqm, _ = dimod.cqm_to_bqm(build_cqm(problem, formulation), lagrange_multiplier=value)
    return bqm


def residuals(problem: PortfolioProblem, enc: _Encoding, units: np.ndarray
              ) -> tuple[list[str], np.ndarray]:
    """Integer constraint residuals of unit vectors (0 where a constraint holds).

    Parameters
    ----------
    units : ndarray of shape (n_portfolios, n_assets)

    Returns
    -------
    names : list of str
    residuals : ndarray of shape (n_portfolios, n_constraints)
    """
    low, high = unit_limits(problem, enc)
    names = ["cardinality" if enc.formulation == "cardinality" else "budget"]
    cols = [units.sum(axis=1) - enc.total_units]
    max_units = int(enc.bit_values.sum())
    for i in range(problem.n_assets):
        if enc.formulation == "cardinality":
            if high[i] < 1:
                names.append(f"upper[{i}]")
                cols.append(units[:, i])
            if problem.lower[i] > 0:
                names.append(f"lower[{i}]")
                cols.append(units[:, i] - 1)
            continue
        if high[i] < max_units:
            names.append(f"upper[{i}]")
            cols.append(np.clip(units[:, i] - high[i], 0, None))
        if low[i] > 0:
            names.append(f"lower[{i}]")
            cols.append(np.clip(low[i] - units[:, i], 0, None))
    if enc.indicator_labels:
        names.append("count")
        cols.append((units > 0).sum(axis=1) - int(problem.cardinality))  # type: ignore[arg-type]
    for sector, (mask, cap) in sector_caps(problem, enc).items():
        names.append(f"sector[{sector}]")
        cols.append(np.clip(units[:, mask].sum(axis=1) - cap, 0, None))
    return names, np.column_stack(cols).astype(float)


def interpret(problem: PortfolioProblem, sampleset: Any, formulation: str) -> pd.DataFrame:
    """Decode every read (see :meth:`PortfolioProblem.interpret`)."""
    enc = encoding(problem, formulation)
    if not isinstance(sampleset, dimod.SampleSet):
        raise ProblemError(f"sampleset must be a dimod.SampleSet; got {type(sampleset).__name__}")
    variables = sampleset.variables
    missing = [label for label in enc.labels if label not in variables]
    if missing:
        raise ProblemError(f"sampleset lacks {len(missing)} variable(s) of the {formulation} "
                           f"formulation (e.g. {missing[:3]}); was it sampled from this "
                           "problem's to_bqm()?")
    index = [variables.index(label) for label in enc.labels]
    bits = np.asarray(sampleset.record.sample)[:, index].astype(float)
    n_reads = bits.shape[0]
    units = (bits.reshape(n_reads, problem.n_assets, enc.bit_values.size) @ enc.bit_values)
    weights = enc.unit * units
    objective = problem.objective(weights) if n_reads else np.empty(0)
    names, res = residuals(problem, enc, units)
    violation = np.sqrt((res**2).sum(axis=1))
    feasible = (res == 0).all(axis=1)
    return pd.DataFrame({
        "weights": list(weights),
        "objective": np.asarray(objective, dtype=float),
        "feasible": feasible,
        "violation": violation,
        "violations": [{k: float(v) for k, v in zip(names, row, strict=True) if v != 0}
                       for row in res],
        "energy": np.asarray(sampleset.record.energy, dtype=float),
        "num_occurrences": np.asarray(sampleset.record.num_occurrences, dtype=int),
    })
