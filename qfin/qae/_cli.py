"""Glue for ``qfin var --method qae-canonical|qae-ml|qae-iterative``.

``qfin/cli/cmd_var.py`` owns the portfolio options (``--confidence``, ``--seed``,
``--horizon``, ``--weights``, ``--backend``, ``--json``, ...); this module adds the
amplitude-estimation options and the three methods, each
``fn(args, returns, weights) -> JSON-ready dict``. Importing it (what building the
``qfin var`` parser does) loads no numpy, pandas or scipy: the science is imported inside
the functions that run a method.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from qfin.qae._names import CVAR_DEFINITIONS, VAR_METHOD_NAMES
from qfin.qae._validate import check_open_unit, check_qubits

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

    from qfin.qae._estimators import AmplitudeEstimator

__all__ = ["add_var_options", "VAR_METHODS", "build_estimator", "run_var", "resources_payload",
           "format_resources"]

_INTERVALS = ("clopper-pearson", "chernoff", "likelihood-ratio", "fisher")
_ML_INTERVALS = ("likelihood-ratio", "fisher", "clopper-pearson")


def add_var_options(parser: argparse.ArgumentParser) -> None:
    """Add the amplitude-estimation options to the ``qfin var`` parser."""
    g = parser.add_argument_group(
        "amplitude estimation (qae-* methods; a classical simulation: oracle queries are "
        "query complexity, seconds are simulation time)")
    g.add_argument("--qubits", type=int, default=10,
                   help="loss register size n: the scenario losses become a histogram on "
                        "2**n grid points (1..24, default 10)")
    g.add_argument("--epsilon", type=float, default=1e-3,
                   help="qae-iterative: target half-width of each CDF interval (default 1e-3)")
    g.add_argument("--alpha", type=float, default=0.05,
                   help="failure probability of each amplitude interval (default 0.05)")
    g.add_argument("--shots", type=int, default=100,
                   help="shots per round / per power / of phase estimation (default 100)")
    g.add_argument("--schedule", choices=("exponential", "linear"), default="exponential",
                   help="qae-ml: Grover powers 0,1,2,4,... or 0,1,2,3,... (default exponential)")
    g.add_argument("--powers", type=int, default=8,
                   help="qae-ml: number of Grover powers in the schedule (default 8)")
    g.add_argument("--eval-qubits", type=int, default=8,
                   help="qae-canonical: evaluation qubits m, M = 2**m (default 8)")
    g.add_argument("--ae-interval", choices=_INTERVALS, default=None,
                   help="interval: clopper-pearson|chernoff (qae-iterative, default "
                        "clopper-pearson), likelihood-ratio|fisher|clopper-pearson (qae-ml, "
                        "default likelihood-ratio; asymptotic, under-covers below ~100 shots: "
                        "clopper-pearson is valid at any shots)")
    g.add_argument("--simulator", choices=("exact", "statevector"), default="exact",
                   help="exact fast path, or the simulated state vector (on --backend; "
                        "small --qubits only)")
    g.add_argument("--cvar-definition", choices=CVAR_DEFINITIONS,
                   default="rockafellar-uryasev",
                   help="CVaR = VaR + E[(L-VaR)+]/(1-confidence) (default) or E[L | L > VaR]")
    r = parser.add_argument_group(
        "fault-tolerant resource estimate (qae-* with --resources; an estimate under stated "
        "assumptions, never a measured quantum runtime)")
    r.add_argument("--resources", action="store_true",
                   help="add logical counts (qubits, Toffoli/T count and depth of A, Q and the "
                        "whole VaR search) and physical estimates per qubit model from the "
                        "Microsoft resource estimator (qdk, runs locally)")
    r.add_argument("--qubit-models", nargs="+", default=None, metavar="MODEL",
                   help="qdk qubit models (default qubit_gate_us_e3 qubit_gate_ns_e4 "
                        "qubit_maj_ns_e6; also qubit_gate_us_e4 qubit_gate_ns_e3 "
                        "qubit_maj_ns_e4); 'none' for logical counts only")
    r.add_argument("--error-budget", type=float, default=1e-3,
                   help="failure probability of the fault-tolerant run, in (0, 1) "
                        "(default 1e-3)")
    r.add_argument("--state-preparation", choices=("grover-rudolph", "qrom"),
                   default="grover-rudolph",
                   help="loading by multiplexed rotations (what qfin simulates, default) or "
                        "by a QROM alias sampler (Babbush et al. 2018)")
    r.add_argument("--synthesis", choices=("ross-selinger", "selinger", "mixed-fallback"),
                   default="ross-selinger",
                   help="T gates per rotation: 3 log2(1/d) (default), 4 log2(1/d) + 10, or "
                        "0.53 log2(1/d) + 5.3")


def build_estimator(method: str, args: argparse.Namespace) -> AmplitudeEstimator:
    """The estimator that ``--method`` and the options describe."""
    from qfin.qae._estimators import CanonicalAE, IterativeAE, MaximumLikelihoodAE

    seed = getattr(args, "seed", None)
    simulator = getattr(args, "simulator", "exact")
    backend: Any = "numpy"
    if simulator == "statevector":
        from qfin.backends import get

        backend = get(getattr(args, "backend", "numpy") or "numpy",
                      device=getattr(args, "device", "auto") or "auto")
    common = {"alpha": args.alpha, "seed": seed, "simulator": simulator, "backend": backend}
    interval = getattr(args, "ae_interval", None)
    if method == "qae-iterative":
        return IterativeAE(args.epsilon, shots=args.shots,
                           interval=_pick(interval, ("clopper-pearson", "chernoff"), method),
                           **common)
    if method == "qae-ml":
        return MaximumLikelihoodAE(args.schedule, args.shots, n_powers=args.powers,
                                   interval=_pick(interval, _ML_INTERVALS, method), **common)
    if method == "qae-canonical":
        if interval is not None and interval != "likelihood-ratio":
            from qfin.errors import ProblemError

            raise ProblemError(f"--ae-interval for qae-canonical must be likelihood-ratio; "
                               f"got {interval!r}")
        return CanonicalAE(args.eval_qubits, args.shots, **common)
    from qfin.errors import ProblemError

    raise ProblemError(f"method must be one of {tuple(VAR_METHODS)}; got {method!r}")


def _pick(value: str | None, allowed: tuple[str, ...], method: str) -> str:
    if value is None:
        return allowed[0]
    if value not in allowed:
        from qfin.errors import ProblemError

        raise ProblemError(f"--ae-interval for {method} must be one of {allowed}; "
                           f"got {value!r}")
    return value


def run_var(method: str, args: argparse.Namespace, returns: pd.DataFrame,
            weights: np.ndarray) -> dict[str, Any]:
    """VaR and CVaR of the portfolio's historical losses by simulated amplitude estimation.

    The losses ``-w^T r`` over ``--horizon`` days are encoded as a histogram on
    ``2**qubits`` grid points (:meth:`DiscreteDistribution.from_samples`). Two ground
    truths are reported beside the estimates, separately labelled: the VaR of the data
    (``empirical_var``: the ``inverted_cdf`` quantile of the scenario losses, what
    ``qfin var --method historical`` gives) and the exact VaR/CVaR of the histogram the
    estimator works on (``exact_discretised_*``); ``discretisation_error`` is the
    difference of the two VaRs (at most half a grid step).

    ``var_undecided`` says that an interval of the bisection contained the level (see
    :class:`qfin.qae.RiskResult`): then ``var_answer`` is the bracket, not the point.
    ``exact_cdf_on_level`` says that the histogram's CDF equals the level exactly at its
    VaR (``confidence * scenarios`` whole), the case where the point VaR is a coin toss.
    """
    import numpy as np

    from qfin.qae._distribution import DiscreteDistribution
    from qfin.qae._risk import conditional_value_at_risk, value_at_risk
    from qfin.qae._scenarios import portfolio_losses

    confidence = check_open_unit(getattr(args, "confidence", 0.99), "confidence")
    n = check_qubits(args.qubits, "--qubits")
    check_open_unit(args.alpha, "--alpha")
    horizon = int(getattr(args, "horizon", 1) or 1)
    if getattr(args, "resources", False):  # fail before any work on a bad option
        from qfin.qae._resources_physical import check_error_budget, check_qubit_models

        check_error_budget(getattr(args, "error_budget", 1e-3))
        models = getattr(args, "qubit_models", None)
        if models and [m.lower() for m in models] != ["none"]:
            check_qubit_models(models)
    losses = portfolio_losses(returns, weights, horizon)
    dist = DiscreteDistribution.from_samples(losses, n)
    estimator = build_estimator(method, args)
    definition = getattr(args, "cvar_definition", "rockafellar-uryasev")
    var = value_at_risk(dist, confidence, estimator)
    cvar = conditional_value_at_risk(dist, confidence, estimator, var=var,
                                     definition=definition)
    step = (dist.l_max - dist.l_min) / (dist.size - 1)
    exact_var = dist.value_at_risk(confidence)
    empirical_var = float(np.quantile(losses, confidence, method="inverted_cdf"))
    extra: dict[str, Any] = {}
    if getattr(args, "resources", False):
        extra = resources_payload(args, var, cvar, n)
    return {
        "method": method, "estimator": estimator.method, "simulator": estimator.simulator,
        "confidence": confidence, "horizon": horizon, "qubits": n, "grid_points": dist.size,
        "grid": {"l_min": dist.l_min, "l_max": dist.l_max, "step": step},
        "encoding": "histogram of the scenario losses on an even grid (nearest point)",
        "scenarios": int(losses.size),
        "var": var.value, "var_bracket": list(var.bracket), "var_undecided": var.undecided,
        "var_answer": list(var.answer),
        "confidence_interval": list(var.bracket),
        "interval_level": f"{1 - estimator.alpha:g} per amplitude estimate (bracket)",
        "cvar": cvar.value, "cvar_bracket": list(cvar.bracket),
        "cvar_confidence_interval": list(cvar.bracket), "cvar_definition": definition,
        "exact_discretised_var": exact_var,
        "exact_discretised_cvar": dist.conditional_value_at_risk(confidence, definition),
        "exact_cdf_on_level": dist.cdf_on_level(confidence),
        "empirical_var": empirical_var,
        "discretisation_error": exact_var - empirical_var,
        "ground_truths": {
            "empirical_var": "VaR of the data: inverted_cdf quantile of the scenario losses",
            "exact_discretised_var": f"exact VaR of the {dist.size}-point histogram the "
                                     "estimator encodes (its own model)"},
        "oracle_queries": cvar.oracle_queries, "var_oracle_queries": var.oracle_queries,
        "shots": cvar.shots, "seconds": cvar.seconds,
        "alpha": estimator.alpha, "seed": getattr(args, "seed", None),
        "bisection_steps": len(var.estimates),
        "interval_notes": sorted({e.details["interval_note"] for e in
                                  (*var.estimates, *cvar.estimates)
                                  if "interval_note" in e.details}),
        "note": "classical simulation of amplitude estimation; oracle_queries is query "
                "complexity (sum of shots x Grover calls), not time on a quantum device",
        **extra,
    }


def resources_payload(args: argparse.Namespace, var: Any, cvar: Any, n_qubits: int
                      ) -> dict[str, Any]:
    """``--resources``: estimates of the VaR search and of the CVaR's extra estimate."""
    from qfin.qae._resources import estimate_resources
    from qfin.qae._resources_physical import DEFAULT_QUBIT_MODELS

    models = getattr(args, "qubit_models", None)
    if models is None:
        models = DEFAULT_QUBIT_MODELS
    elif [m.lower() for m in models] == ["none"]:
        models = ()
    common = {"state_preparation": getattr(args, "state_preparation", "grover-rudolph"),
              "error_budget": getattr(args, "error_budget", 1e-3),
              "synthesis": getattr(args, "synthesis", "ross-selinger"),
              "qubit_models": tuple(models) or None}
    out: dict[str, Any] = {"resources": estimate_resources(var, n_qubits, **common).as_dict()}
    out["resources"]["scope"] = ("the VaR search: every amplitude estimate of the bisection "
                                 "(grover_calls equals var_oracle_queries)")
    if cvar.estimates:
        payoff = estimate_resources(list(zip(["expectation"] + ["cdf"] * (
            len(cvar.estimates) - 1), cvar.estimates, strict=True)), n_qubits, **common)
        out["resources_cvar_step"] = payoff.as_dict()
        out["resources_cvar_step"]["scope"] = ("the CVaR's extra estimates after the VaR "
                                               "search (payoff rotation)")
    return out


def format_resources(res: dict[str, Any]) -> str:
    """A few plain lines summarising ``payload["resources"]`` for the terminal."""
    def v(d: dict[str, Any]) -> str:
        val = d["value"]
        text = f"{val:,}" if isinstance(val, int) else f"{val:.3g}"
        return f"{text} {d['unit']}"

    q, w = res["per_call"]["q"], res["whole_run"]
    lines = [
        f"resources:   {res['model']['state_preparation']} loading, {res['scope']}",
        f"  logical qubits {v(res['logical_qubits'])}; grover calls {v(res['grover_calls'])}; "
        f"shots {v(res['shots'])}",
        f"  one Grover call Q: {v(q['toffoli_count'])}, {v(q['t_count'])}, {v(q['t_depth'])}",
        f"  whole run: {v(w['toffoli_count'])}, {v(w['t_count'])}, {v(w['t_depth'])}",
        f"  rotations at {v(res['rotation_precision'])} cost {v(res['t_per_rotation'])} "
        f"({res['rotation_synthesis']})" if res["rotation_precision"]["value"] else
        "  no arbitrary rotations",
    ]
    for p in res["physical"]:
        lines.append(f"  {p['qubit_model']:17s} {v(p['physical_qubits'])}, code distance "
                     f"{p['code_distance']['value']}, {v(p['t_factories'])}, runtime "
                     f"{p['runtime']['value']:.3g} s")
    lines.append("  (an estimate under the assumptions in the JSON, not a measured runtime)")
    return "\n".join(lines)


def _method(name: str) -> Callable[[argparse.Namespace, pd.DataFrame, np.ndarray],
                                   dict[str, Any]]:
    def run(args: argparse.Namespace, returns: pd.DataFrame, weights: np.ndarray
            ) -> dict[str, Any]:
        return run_var(name, args, returns, weights)

    run.__name__ = name.replace("-", "_")
    run.__doc__ = f"``qfin var --method {name}``: see :func:`run_var`."
    return run


#: ``qfin var`` method name -> ``fn(args, returns, weights) -> dict``.
VAR_METHODS: dict[str, Callable[[argparse.Namespace, pd.DataFrame, np.ndarray],
                                dict[str, Any]]] = {
    name: _method(name) for name in VAR_METHOD_NAMES}
