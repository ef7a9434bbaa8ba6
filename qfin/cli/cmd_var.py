"""``qfin var``: VaR and CVaR of a portfolio of the database's stocks."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from qfin.cli._common import add_universe_options, open_store_from_args, print_json
from qfin.cli._registry import COMMANDS
from qfin.errors import ProblemError
from qfin.risk import COPULAS, METHODS, SAMPLING_METHODS, value_at_risk
from qfin.risk._validate import check_confidence, check_horizon, check_weights

try:
    from qfin.qae import _cli as qae_cli  # provides add_var_options(parser) and VAR_METHODS
except ImportError:
    qae_cli = None


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
                                       f"universe ({', '.join(tickers)})")
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
                   help="scenarios for mc/qmc/is (defaults 1000000 / 65536 / 100000)")
    p.add_argument("--seed", type=int, default=None, help="seed of the sampling methods")
    p.add_argument("--copula", choices=COPULAS, default="gaussian",
                   help="scenario model of mc/qmc/is (default gaussian)")
    p.add_argument("--dtype", choices=("float64", "float32"), default=None,
                   help="numpy Monte Carlo precision (default float64; MLX is float32)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    add_universe_options(p)
    if qae_cli is not None:
        qae_cli.add_var_options(p)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
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
        total = args.paths or 1_000_000
        bar = tqdm(total=total, unit="path", unit_scale=True, desc="monte carlo",
                   disable=None, leave=False)
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
    if payload.get("quantile_method"):
        print(f"quantile:    {payload['quantile_method']} (CVaR = mean of losses >= VaR)")
    if payload.get("samples"):
        print(f"samples:     {payload['samples']:,}" + (f"   seed: {payload['seed']}"
                                                        if payload.get("seed") is not None
                                                        else ""))
    if payload.get("oracle_queries"):
        print(f"oracle queries: {payload['oracle_queries']:,}")
    if payload.get("seconds") is not None:
        print(f"seconds:     {payload['seconds']:.4f}")
    if payload.get("resources") and qae_cli is not None:
        print(qae_cli.format_resources(payload["resources"]))
