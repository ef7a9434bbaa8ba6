"""Helpers shared by the CLI subcommands (nothing heavy imported at module level)."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from qfin.data import MarketStore

__all__ = ["open_store_from_args", "print_json", "format_table", "add_universe_options",
           "group_parser", "add_progress_options", "progress_disabled", "QfinArgumentParser"]


class QfinArgumentParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose "invalid choice" errors end with "did you mean ...?"."""

    def error(self, message: str) -> Any:  # noqa: D102 - argparse's own
        import re

        from qfin._suggest import did_you_mean

        found = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)$", message)
        if found:
            choices = re.findall(r"'([^']*)'", found.group(2))
            message += did_you_mean(found.group(1), choices)
        return super().error(message)


def add_progress_options(parser: argparse.ArgumentParser) -> None:
    """``--quiet``/``--progress``: progress bars on stderr, shown only on a terminal."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quiet", "-q", action="store_true",
                       help="no progress bar (by default one shows on stderr when it is a "
                            "terminal)")
    group.add_argument("--progress", action="store_true",
                       help="show the progress bar even when stderr is not a terminal")


def progress_disabled(args: argparse.Namespace) -> bool | None:
    """The tqdm ``disable``: True with --quiet, False with --progress, else None (TTY)."""
    if getattr(args, "quiet", False):
        return True
    if getattr(args, "progress", False):
        return False
    return None


def open_store_from_args(args: argparse.Namespace) -> MarketStore:
    """The store named by ``--db`` (or the default)."""
    from qfin.data import MarketStore

    return MarketStore(getattr(args, "db", None))


def print_json(payload: Any) -> None:
    """Print ``payload`` as indented JSON (numpy values converted; inf as a string)."""
    from qfin._json import json_default

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


def add_universe_options(parser: argparse.ArgumentParser, default_dataset: str = "sample"
                         ) -> None:
    """``--tickers``, ``--sectors``, ``--start``, ``--end``, ``--dataset`` (its real default)."""
    parser.add_argument("--tickers", nargs="+", default=None, metavar="TICKER",
                        help="universe (default: every ticker of the dataset)")
    parser.add_argument("--sectors", nargs="+", default=None, metavar="SECTOR",
                        help="keep only tickers of these GICS sectors")
    parser.add_argument("--start", default=None, help="first date (inclusive), e.g. 2022-01-03")
    parser.add_argument("--end", default=None, help="last date (inclusive)")
    names = {"sample": "sample = 366 days 2021-07-19..2022-12-28",
             "full": "full = 1990-2022"}
    other = "full" if default_dataset == "sample" else "sample"
    parser.add_argument("--dataset", default=default_dataset,
                        help=f"dataset in the database (default: "
                             f"{names.get(default_dataset, default_dataset)}; "
                             f"{names.get(other, other)})")


def group_parser(sub: Any, name: str, help_text: str) -> tuple[argparse.ArgumentParser, Any]:
    """A parser whose own subcommands are required; bare use prints its help."""
    parser = sub.add_parser(name, help=help_text, description=help_text)
    parser.set_defaults(func=None, _parser=parser)
    return parser, parser.add_subparsers(dest=f"{name}_command", metavar="COMMAND")
