"""Helpers shared by the CLI subcommands."""

from __future__ import annotations

import argparse
import json
from typing import Any

import pandas as pd

from qfin._json import json_default
from qfin.data import MarketStore

__all__ = ["open_store_from_args", "print_json", "format_table", "add_universe_options",
           "group_parser"]


def open_store_from_args(args: argparse.Namespace) -> MarketStore:
    """The store named by ``--db`` (or the default)."""
    return MarketStore(getattr(args, "db", None))


def print_json(payload: Any) -> None:
    """Print ``payload`` as indented JSON (numpy values converted; inf as a string)."""
    print(json.dumps(payload, indent=2, default=json_default, allow_nan=True))


def format_table(frame: pd.DataFrame, floatfmt: str = "{:,.6g}") -> str:
    """A plain-text table for terminals, without developer acceptance columns.

    Columns such as ``meets_target`` or ``target_low`` are the developers' checks of the
    benchmarks' performance goals; they stay in the written results, not in what a user
    reads (:func:`qfin.report.is_developer_column`).
    """
    from qfin.report._tables import is_developer_column

    shown = frame.loc[:, [c for c in frame.columns if not is_developer_column(c)]]
    return shown.to_string(float_format=lambda v: floatfmt.format(v))


def add_universe_options(parser: argparse.ArgumentParser) -> None:
    """``--tickers``, ``--sectors``, ``--start``, ``--end``, ``--dataset``."""
    parser.add_argument("--tickers", nargs="+", default=None, metavar="TICKER",
                        help="universe (default: every ticker of the dataset)")
    parser.add_argument("--sectors", nargs="+", default=None, metavar="SECTOR",
                        help="keep only tickers of these GICS sectors")
    parser.add_argument("--start", default=None, help="first date (inclusive), e.g. 2022-01-03")
    parser.add_argument("--end", default=None, help="last date (inclusive)")
    parser.add_argument("--dataset", default="sample",
                        help="dataset in the database (default: sample; 'full' = 1990-2022)")


def group_parser(sub: Any, name: str, help_text: str) -> tuple[argparse.ArgumentParser, Any]:
    """A parser whose own subcommands are required; bare use prints its help."""
    parser = sub.add_parser(name, help=help_text, description=help_text)
    parser.set_defaults(func=None, _parser=parser)
    return parser, parser.add_subparsers(dest=f"{name}_command", metavar="COMMAND")
