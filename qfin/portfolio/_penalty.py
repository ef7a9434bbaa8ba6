"""Penalty calibration for the QUBO formulations.

The BQM energy is ``E(x) = f(x) + P · Σ_c r_c(x)²`` with integer residuals ``r_c``.

**Bound** (every minimum of the BQM is feasible). For an infeasible ``x`` some
``|r_c| ≥ 1``, so ``E(x) ≥ f(x) + P ≥ L + P`` where ``L`` is a lower bound of ``f`` over all
binary assignments (the sum of the negative QUBO coefficients). A feasible optimum has
``E = f* ≤ U`` for the objective ``U`` of any feasible point (the classical heuristic's).
Hence ``P > U − L`` makes every infeasible energy exceed ``f*``.
For the plain cardinality constraint ``Σx = K`` (no bounds or sector limits) a tighter
bound holds: from ``x`` with ``Σx = K + v`` flipping ``|v|`` suitable bits reaches a feasible
``x'``, and one flip changes ``f`` by at most ``Δ = max_a max_x |f(x ⊕ e_a) − f(x)|``, so
``E(x) ≥ f(x') − |v|Δ + P v² ≥ f* + |v|(P|v| − Δ) > f*`` whenever ``P > Δ``.
``calibrate_penalty(..., "bound")`` returns the smaller valid bound times ``1 + margin``.

**Heuristic**: ``max_a |M_aa + c_a|``, the largest objective change of adding one unit to
an empty portfolio. Cheaper (a gentler landscape for annealers) but without guarantee;
:func:`penalty_sweep` shows where feasibility breaks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from qfin.errors import ProblemError
from qfin.portfolio._formulations import encoding, objective_qubo

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

    from qfin.portfolio._problem import PortfolioProblem

__all__ = ["calibrate_penalty", "penalty_details", "penalty_sweep", "penalty_figure",
           "resolve_penalty", "PENALTY_METHODS"]

PENALTY_METHODS = ("bound", "heuristic")


def penalty_details(problem: PortfolioProblem, formulation: str | None = None
                    ) -> dict[str, Any]:
    """Every ingredient of the penalty calibration, for inspection and documentation.

    Returns
    -------
    dict
        ``lower_bound`` (L), ``feasible_objective`` (U), ``gap_bound`` (U − L),
        ``flip_bound`` (Δ, or None where it does not apply), ``bound`` (the smaller valid
        one), ``heuristic``.
    """
    from qfin.portfolio._heuristic import heuristic_weights

    formulation = problem._formulation(formulation)
    enc = encoding(problem, formulation)
    M, c = objective_qubo(problem, enc)
    diag = np.diag(M) + c
    off = 2.0 * (M - np.diag(np.diag(M)))
    lower = float(np.minimum(diag, 0).sum() + np.minimum(np.triu(off, 1), 0).sum())
    upper_all = float(np.maximum(diag, 0).sum() + np.maximum(np.triu(off, 1), 0).sum())
    try:
        upper = float(problem.objective(heuristic_weights(problem, formulation)))
    except ProblemError:
        upper = upper_all
    gap_bound = max(upper - lower, 0.0)
    flip = None
    plain = (formulation == "cardinality" and not problem.sector_limits
             and not (problem.lower > 0).any()
             and bool((problem.upper >= enc.unit * (1 - 1e-12)).all()))
    if plain:
        lo = diag + np.minimum(off, 0).sum(axis=1)
        hi = diag + np.maximum(off, 0).sum(axis=1)
        flip = float(np.maximum(np.abs(lo), np.abs(hi)).max())
    bound = gap_bound if flip is None else min(flip, gap_bound)
    return {"lower_bound": lower, "feasible_objective": upper, "gap_bound": gap_bound,
            "flip_bound": flip, "bound": bound, "heuristic": float(np.abs(diag).max())}


def calibrate_penalty(problem: PortfolioProblem, method: str = "bound", *,
                      formulation: str | None = None, margin: float = 0.01) -> float:
    """A penalty (Lagrange multiplier) for :meth:`PortfolioProblem.to_bqm`.

    Parameters
    ----------
    problem : PortfolioProblem
    method : {"bound", "heuristic"}
        ``"bound"`` provably makes every minimum of the BQM feasible (module docstring);
        ``"heuristic"`` is cheaper and unguaranteed.
    formulation : {"cardinality", "weights"}, optional
    margin : float
        Relative margin above the bound (the bound itself must be exceeded strictly).

    Returns
    -------
    float
    """
    if method not in PENALTY_METHODS:
        raise ProblemError(f"penalty method must be one of {PENALTY_METHODS}; got {method!r}")
    if not (math.isfinite(margin) and margin > 0):
        raise ProblemError(f"margin must be a positive number; got {margin!r}")
    details = penalty_details(problem, formulation)
    value = details[method] * (1.0 + margin) if method == "bound" else details[method]
    return max(float(value), 1e-12)


def resolve_penalty(problem: PortfolioProblem, penalty: Any, formulation: str) -> float:
    """Turn ``None``/``"bound"``/``"heuristic"``/a number into a penalty value."""
    if penalty is None:
        penalty = "bound"
    if isinstance(penalty, str):
        return calibrate_penalty(problem, penalty, formulation=formulation)
    if isinstance(penalty, bool) or not isinstance(penalty, int | float | np.floating
                                                    | np.integer):
        raise ProblemError("penalty must be None, 'bound', 'heuristic' or a positive number; "
                           f"got {penalty!r}")
    if not (math.isfinite(penalty) and penalty > 0):
        raise ProblemError(f"penalty must be a finite number > 0; got {penalty!r}")
    return float(penalty)


def penalty_sweep(problem: PortfolioProblem, penalties: Sequence[float], *,
                  sampler: Any = "neal", num_reads: int = 100, seed: int | None = 0,
                  reference: Any = "auto", formulation: str | None = None,
                  **options: Any) -> pd.DataFrame:
    """Sample the BQM at each penalty; report feasibility rate and optimality gap.

    Parameters
    ----------
    problem : PortfolioProblem
    penalties : sequence of float
    sampler : "neal" or dimod.Sampler
    num_reads, seed : int
    reference : "auto", float or PortfolioResult
        Ground truth (see :func:`qfin.portfolio.solve`); computed once.
    formulation : {"cardinality", "weights"}, optional
    **options
        Passed to the sampler (e.g. ``num_sweeps``).

    Returns
    -------
    DataFrame
        One row per penalty: ``penalty``, ``penalty_over_bound``, ``feasibility_rate``,
        ``success_probability``, ``best_objective``, ``gap``, ``seconds_per_read``,
        ``tts99``.
    """
    from qfin.portfolio._solve import resolve_reference, solve

    penalties = list(penalties)
    if not penalties:
        raise ProblemError("penalties must be a non-empty sequence of positive numbers")
    formulation = problem._formulation(formulation)
    ref_value, ref_source = resolve_reference(problem, reference, formulation)
    bound = calibrate_penalty(problem, "bound", formulation=formulation)
    rows = []
    for value in penalties:
        res = solve(problem, method=sampler, seed=seed, num_reads=num_reads, penalty=value,
                    reference=ref_value if ref_value is not None else None,
                    formulation=formulation, **options)
        rows.append({"penalty": float(value), "penalty_over_bound": float(value) / bound,
                     "feasibility_rate": res.metrics["feasibility_rate"],
                     "success_probability": res.metrics["success_probability"],
                     "best_objective": res.objective if res.feasible else math.nan,
                     "gap": res.gap, "seconds_per_read": res.metrics["seconds_per_read"],
                     "tts99": res.metrics["tts99"], "reference": ref_value,
                     "reference_source": ref_source})
    return pd.DataFrame(rows)


def penalty_figure(table: pd.DataFrame) -> go.Figure:
    """Feasibility rate and success probability against the penalty (log x axis)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.add_trace(go.Scatter(x=table["penalty"], y=table["feasibility_rate"],
                             mode="lines+markers", name="feasibility rate"))
    fig.add_trace(go.Scatter(x=table["penalty"], y=table["success_probability"],
                             mode="lines+markers", name="success probability p"))
    fig.update_layout(title="Penalty sweep (simulated annealing, classical)",
                      xaxis_title="penalty P", yaxis_title="fraction of reads",
                      xaxis_type="log", yaxis_range=[0, 1.05])
    return fig
