"""``qfin var``: VaR and CVaR of a portfolio of the database's stocks."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from qfin.cli._common import (
    add_progress_options,
    add_universe_options,
    open_store_from_args,
    print_json,
    progress_disabled,
)
from qfin.cli._registry import COMMANDS
from qfin.errors import ProblemError
from qfin.risk._names import COPULAS, DEFAULT_PATHS, METHODS, SAMPLING_METHODS

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd


def _qae_cli() -> Any:
    """qfin.qae's CLI part (``add_var_options(parser)``, ``VAR_METHODS``), or None."""
    try:
        from qfin.qae import _cli as qae_cli
    except ImportError:  # pragma: no cover - qae is part of qfin
        return None
    return qae_cli


def add_weight_options(parser: argparse.ArgumentParser) -> None:
    """``--weights``/``--equal``/``--allow-leverage`` (shared with ``qfin backtest``)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--weights", nargs="+", default=None, metavar="W",
                       help="portfolio weights, either one number per ticker in the universe's "
                            "order (see --tickers) or TICKER=W pairs (unnamed tickers get 0); "
                            "they must sum to 1 unless --allow-leverage")
    group.add_argument("--equal", action="store_true",
                       help="equal weights 1/n (the default when --weights is absent)")
    parser.add_argument("--allow-leverage", action="store_true",
                        help="accept weights that do not sum to 1 (levered or short books)")


def parse_weights(spec: list[str] | None, tickers: list[str], allow_leverage: bool
                  ) -> np.ndarray:
    """Weights from ``--weights`` (numbers in ticker order, or TICKER=W pairs)."""
    import numpy as np

    from qfin._suggest import did_you_mean
    from qfin.risk._validate import check_weights

    if spec is None:
        return np.full(len(tickers), 1.0 / len(tickers))
    pairs = ["=" in item for item in spec]
    if any(pairs) and not all(pairs):
        raise ProblemError("--weights must be all numbers or all TICKER=W pairs; got a mix: "
                           f"{' '.join(spec)}")
    try:
        if all(pairs):
            upper = {t.upper(): i for i, t in enumerate(tickers)}
            w = np.zeros(len(tickers))
            for item in spec:
                name, value = item.split("=", 1)
                key = name.strip().upper()
                if key not in upper:
                    raise ProblemError(f"--weights names ticker {name!r}, which is not in the "
                                       f"universe ({', '.join(tickers)})"
                                       + did_you_mean(name, tickers))
                w[upper[key]] += float(value)
        else:
            w = np.array([float(item) for item in spec])
    except ProblemError:
        raise
    except ValueError as exc:
        raise ProblemError(f"--weights must be numbers or TICKER=W pairs; got "
                           f"{' '.join(spec)}") from exc
    if w.size != len(tickers):
        raise ProblemError(f"--weights needs one weight per ticker ({len(tickers)}: "
                           f"{', '.join(tickers)}); got {w.size}")
    return check_weights(w, len(tickers), allow_leverage=allow_leverage)


def load_universe(args: argparse.Namespace) -> pd.DataFrame:
    """Aligned daily simple returns of the universe named by the options."""
    store = open_store_from_args(args)
    return store.returns(args.tickers, dataset=args.dataset, sectors=args.sectors,
                         start=args.start, end=args.end)


def register(sub: Any) -> None:
    qae_cli = _qae_cli()
    methods = list(METHODS)
    if qae_cli is not None:
        methods += [m for m in qae_cli.VAR_METHODS if m not in methods]
    p = sub.add_parser(
        "var", help=COMMANDS["var"],
        description="Value-at-Risk and CVaR of a portfolio of the database's stocks. Loss = "
                    "-w'r (simple returns) over --horizon days. historical: VaR = "
                    "numpy.quantile(losses, confidence, method='inverted_cdf'), CVaR = mean "
                    "of losses >= VaR.")
    p.add_argument("--method", choices=methods, default="historical",
                   help="estimator (default: historical)")
    p.add_argument("--confidence", type=float, default=0.99, help="VaR level (default 0.99)")
    p.add_argument("--horizon", type=int, default=1, help="horizon in trading days (default 1)")
    add_weight_options(p)
    p.add_argument("--backend", default="numpy", help="numpy | mlx | auto (Monte Carlo only)")
    p.add_argument("--device", default="auto", help="MLX device: auto | gpu | cpu")
    p.add_argument("--paths", type=int, default=None,
                   help="scenarios for mc/qmc/is (defaults "
                        + " / ".join(str(DEFAULT_PATHS[m]) for m in SAMPLING_METHODS) + ")")
    p.add_argument("--seed", type=int, default=None, help="seed of the sampling methods")
    p.add_argument("--copula", choices=COPULAS, default="gaussian",
                   help="scenario model of mc/qmc/is (default gaussian)")
    p.add_argument("--dtype", choices=("float64", "float32"), default=None,
                   help="numpy Monte Carlo precision (default float64; MLX is float32)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    add_progress_options(p)
    add_universe_options(p)
    if qae_cli is not None:
        qae_cli.add_var_options(p)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from tqdm.auto import tqdm

    from qfin.risk import value_at_risk
    from qfin.risk._validate import check_confidence, check_horizon

    qae_cli = _qae_cli()
    confidence = check_confidence(args.confidence)
    horizon = check_horizon(args.horizon)
    returns = load_universe(args)
    tickers = [str(c) for c in returns.columns]
    weights = parse_weights(args.weights, tickers, args.allow_leverage)
    context = {"dataset": args.dataset, "tickers": tickers, "weights": weights.tolist(),
               "observations": len(returns), "first_date": str(returns.index[0].date()),
               "last_date": str(returns.index[-1].date())}
    if qae_cli is not None and args.method in qae_cli.VAR_METHODS:
        payload = qae_cli.VAR_METHODS[args.method](args, returns, weights)
        payload = {**payload, **{k: v for k, v in context.items() if k not in payload}}
        _emit(payload, args.json)
        return 0
    options: dict[str, Any] = {}
    if args.method in SAMPLING_METHODS:
        options["copula"] = args.copula
        options["paths"] = args.paths
        options["seed"] = args.seed
    elif args.paths is not None or args.seed is not None:
        raise ProblemError(f"--paths and --seed apply to {', '.join(SAMPLING_METHODS)}; "
                           f"method {args.method!r} takes neither")
    if args.method == "mc":
        options["dtype"] = args.dtype
        options["device"] = args.device
    bar = None
    if args.method == "mc":
        total = args.paths or DEFAULT_PATHS["mc"]
        bar = tqdm(total=total, unit="path", unit_scale=True, desc="monte carlo",
                   disable=progress_disabled(args), leave=False)
        options["progress"] = bar
    try:
        result = value_at_risk(returns, weights, method=args.method, confidence=confidence,
                               horizon=horizon, backend=args.backend,
                               allow_leverage=args.allow_leverage, **options)
    finally:
        if bar is not None:
            bar.close()
    _emit({**result.to_dict(), **context}, args.json)
    return 0


def _emit(payload: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(payload)
        return
    conf = payload.get("confidence")
    print(f"method:      {payload.get('method')}"
          + (f" ({payload['backend']}, {payload['device']})" if payload.get("backend") else ""))
    print(f"portfolio:   {len(payload['tickers'])} tickers of dataset '{payload['dataset']}', "
          f"{payload['observations']} daily returns {payload['first_date']}..."
          f"{payload['last_date']}")
    print(f"confidence:  {conf}   horizon: {payload.get('horizon')} day(s)")
    line = f"VaR:         {payload['var']:.6%}"
    if payload.get("confidence_interval"):
        lo, hi = payload["confidence_interval"]
        line += f"   [{lo:.6%}, {hi:.6%}] at {payload.get('interval_level')}"
    print(line)
    line = f"CVaR:        {payload['cvar']:.6%}"
    if payload.get("cvar_confidence_interval"):
        lo, hi = payload["cvar_confidence_interval"]
        line += f"   [{lo:.6%}, {hi:.6%}]"
    print(line)
    if payload.get("empirical_var") is not None:
        print(f"ground truths: VaR of the data (empirical quantile) "
              f"{payload['empirical_var']:.6%}; exact VaR of the "
              f"{payload['grid_points']}-point histogram {payload['exact_discretised_var']:.6%} "
              f"(discretisation error {payload['discretisation_error']:+.3e})")
    if payload.get("var_undecided"):
        lo, hi = payload["var_answer"]
        print(f"undecided:   an interval of the bisection contained the level, so the point "
              f"VaR is a coin toss; the answer is the bracket [{lo:.6%}, {hi:.6%}]")
    if payload.get("quantile_method"):
        print(f"quantile:    {payload['quantile_method']} (CVaR = mean of losses >= VaR)")
    if payload.get("samples"):
        print(f"samples:     {payload['samples']:,}" + (f"   seed: {payload['seed']}"
                                                        if payload.get("seed") is not None
                                                        else ""))
    if payload.get("oracle_queries"):
        print(f"oracle queries: {payload['oracle_queries']:,}")
    info = payload.get("info") or {}
    if info.get("horizon_scenarios") and payload.get("horizon", 1) > 1:
        print(f"scenarios:   {info['horizon_scenarios']} (overlapping windows share days; "
              "the minimum-scenario check counts independent ones)")
    if info.get("horizon_scaling") and payload.get("horizon", 1) > 1:
        print(f"horizon:     {info['horizon_scaling']}")
    if "dof_portfolio" in info:
        print(f"t dof:       {info['dof_portfolio']:.3g} (t method: univariate fit of the "
              f"portfolio's returns) vs {info['dof_multivariate']:.3g} (t copula: one dof "
              "shared by all assets)")
        print(f"             why they differ: {info['dof_note']}")
    if info.get("cf_domain") == "outside":
        same = (abs(info["cf_classical_var"] - payload["var"]) <= 1e-12
                and abs(info["cf_classical_cvar"] - payload["cvar"]) <= 1e-12)
        print("note:        skewness/kurtosis outside the domain where Cornish-Fisher is a "
              "quantile function (Maillard 2012); qfin uses its monotone rearrangement "
              "(Chernozhukov et al. 2010), so VaR rises with the confidence and CVaR >= VaR. "
              + ("At this confidence the classical formula gives the same values (its "
                 "non-monotone part lies away from this tail)." if same else
                 f"The classical formula would give VaR {info['cf_classical_var']:.6%}, "
                 f"CVaR {info['cf_classical_cvar']:.6%}."))
    if payload.get("seconds") is not None:
        print(f"seconds:     {payload['seconds']:.4f}")
    qae_cli = _qae_cli() if payload.get("resources") else None
    if qae_cli is not None:
        print(qae_cli.format_resources(payload["resources"]))
