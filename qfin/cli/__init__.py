"""The ``qfin`` command.

Subcommands live in modules ``qfin/cli/cmd_<name>.py``, each with a function
``register(subparsers)`` that adds its parser and sets ``func`` (called with the parsed
arguments, returning an exit code), and a line in :data:`qfin.cli._registry.COMMANDS`.
Only the module of the command being run is imported (``qfin --version`` and ``qfin --help``
import none), so start-up stays fast. CLI modules parse and print; the science they call is
imported inside their functions. A user mistake (any :class:`qfin.QfinError`) becomes a
one-line message and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from qfin import __version__
from qfin.cli._common import QfinArgumentParser
from qfin.cli._registry import COMMANDS
from qfin.errors import QfinError

__all__ = ["main", "build_parser"]


def _requested_command(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line (after global options), if any."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--db", default=None)
    known, rest = pre.parse_known_args(list(argv))
    for token in rest:
        if not token.startswith("-"):
            return token if token in COMMANDS else None
    return None


def build_parser(command: str | None = None, *, full: bool = True) -> argparse.ArgumentParser:
    """The argument parser.

    Parameters
    ----------
    command : str, optional
        Build this subcommand's parser in full.
    full : bool
        With ``command=None``: build every subcommand in full (True) or only their names
        and one-line help (False: what ``qfin --help`` needs, imports nothing).
    """
    parser = QfinArgumentParser(  # "invalid choice" errors end with "did you mean ...?"
        prog="qfin",
        description="qfin: quantum-inspired vs classical methods on portfolio and risk "
                    "problems, measured honestly (everything quantum is a classical simulation).",
    )
    parser.add_argument("--version", action="version", version=f"qfin {__version__}")
    parser.add_argument("--db", default=None, metavar="URL",
                        help="SQLAlchemy URL or SQLite path of the market database "
                             "(default: $QFIN_DB_URL or the embedded SQLite file)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        if (command is None and full) or name == command:
            importlib.import_module(f"qfin.cli.cmd_{name}").register(sub)
        else:
            sub.add_parser(name, help=help_text, description=help_text)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``qfin`` command; return its exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_requested_command(argv), full=False)
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
