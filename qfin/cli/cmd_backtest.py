"""``qfin backtest``: rolling VaR forecasts vs realised losses, Kupiec and Christoffersen."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from qfin.cli._common import (
    add_progress_options,
    add_universe_options,
    format_table,
    print_json,
    progress_disabled,
)
from qfin.cli._registry import COMMANDS
from qfin.cli.cmd_var import add_weight_options, load_universe, parse_weights
from qfin.risk._names import COPULAS, DEFAULT_BACKTEST_METHODS, METHODS


def register(sub: Any) -> None:
    p = sub.add_parser(
        "backtest", help=COMMANDS["backtest"],
        description="Rolling one-day VaR forecasts over the history (default: the full "
                    "1990-2022 dataset), exceedances, Kupiec POF and Christoffersen "
                    "independence / conditional-coverage tests with p-values.")
    p.add_argument("--method", nargs="+", choices=METHODS, default=list(DEFAULT_BACKTEST_METHODS),
                   help="methods to backtest (default: historical normal t cornish-fisher)")
    p.add_argument("--window", type=int, default=500, help="estimation window in days (500)")
    p.add_argument("--confidence", type=float, default=0.99, help="VaR level (default 0.99)")
    p.add_argument("--step", type=int, default=1,
                   help="re-estimate the fast methods every STEP days (default 1)")
    p.add_argument("--sampling-step", type=int, default=20,
                   help="re-estimate mc/qmc/is every N days (default 20)")
    p.add_argument("--paths", type=int, default=10_000,
                   help="paths per forecast for mc/qmc/is (default 10000)")
    p.add_argument("--seed", type=int, default=0, help="base seed of the sampling methods")
    p.add_argument("--copula", choices=COPULAS, default="gaussian")
    add_weight_options(p)
    p.add_argument("--out", default=None, metavar="CHART.html",
                   help="write the plotly exceedance chart (self-contained HTML)")
    p.add_argument("--csv", default=None, metavar="FILE.csv",
                   help="write the daily series (loss, VaR, CVaR, exceedance per method)")
    p.add_argument("--json", action="store_true", help="machine-readable summary")
    add_progress_options(p)
    add_universe_options(p, default_dataset="full")
    p.set_defaults(func=_run)


def _show_progress(args: argparse.Namespace) -> bool | None:
    disabled = progress_disabled(args)
    return None if disabled is None else not disabled


def _run(args: argparse.Namespace) -> int:
    from qfin.risk import backtest_var, exceedance_chart
    from qfin.risk._validate import check_confidence

    confidence = check_confidence(args.confidence)
    returns = load_universe(args)
    tickers = [str(c) for c in returns.columns]
    weights = parse_weights(args.weights, tickers, args.allow_leverage)
    result = backtest_var(returns, weights, methods=args.method, window=args.window,
                          confidence=confidence, step=args.step,
                          sampling_step=args.sampling_step, paths=args.paths, seed=args.seed,
                          copula=args.copula, allow_leverage=args.allow_leverage,
                          progress=_show_progress(args))
    payload = {**result.to_dict(), "dataset": args.dataset, "tickers": tickers,
               "weights": weights.tolist()}
    if args.out:
        path = Path(args.out)
        path.parent.mkdir(parents=True, exist_ok=True)
        exceedance_chart(result).write_html(path, include_plotlyjs=True)
        payload["chart"] = str(path)
    if args.csv:
        path = Path(args.csv)
        path.parent.mkdir(parents=True, exist_ok=True)
        result.frame.to_csv(path, index_label="date")
        payload["csv"] = str(path)
    if args.json:
        print_json(payload)
        return 0
    print(f"{confidence:g} VaR backtest of {len(tickers)} tickers (dataset '{args.dataset}'), "
          f"window {result.window} days, {payload['first_date']}..{payload['last_date']}, "
          f"{result.seconds:.1f} s")
    cols = ["days", "exceedances", "expected", "rate", "kupiec_p_value",
            "christoffersen_p_value", "cc_p_value", "reestimation_step"]
    print(format_table(result.summary[cols]))
    print("p-values below 0.05 reject correct coverage (Kupiec), independence of exceedances "
          "(Christoffersen) or both (cc).")
    for key in ("chart", "csv"):
        if key in payload:
            print(f"wrote {payload[key]}")
    return 0
