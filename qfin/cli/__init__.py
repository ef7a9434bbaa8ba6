"""The ``qfin`` command.

Subcommands live in modules ``qfin/cli/cmd_<name>.py``, each with a function
``register(subparsers)`` that adds its parser and sets ``func`` (called with the parsed
arguments, returning an exit code). New capabilities add a module; nothing here changes.
A user mistake (any :class:`qfin.QfinError`) becomes a one-line message and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence

from qfin import __version__
from qfin.errors import QfinError

__all__ = ["main", "build_parser"]


def _command_modules() -> list[str]:
    package_dir = os.path.dirname(__file__)
    return sorted(m.name for m in pkgutil.iter_modules([package_dir])
                  if m.name.startswith("cmd_"))


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (every discovered subcommand)."""
    parser = argparse.ArgumentParser(
        prog="qfin",
        description="qfin: quantum-inspired vs classical methods on portfolio and risk "
                    "problems, measured honestly (everything quantum is a classical simulation).",
    )
    parser.add_argument("--version", action="version", version=f"qfin {__version__}")
    parser.add_argument("--db", default=None, metavar="URL",
                        help="SQLAlchemy URL or SQLite path of the market database "
                             "(default: $QFIN_DB_URL or the embedded SQLite file)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _command_modules():
        module = importlib.import_module(f"qfin.cli.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``qfin`` command; return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        target = getattr(args, "_parser", parser)
        target.print_help()
        return 2
    try:
        code = args.func(args)
    except QfinError as exc:
        message = str(exc)
        print(f"qfin: error: {message}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and friends
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("qfin: interrupted", file=sys.stderr)
        return 130
    return int(code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
