"""``qfin bench <suite>``: benchmarks that print figures and write them to a file.

Each suite is a module ``qfin/cli/bench_<suite>.py`` with ``register(bench_subparsers)``.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from typing import Any

from qfin.cli._common import group_parser
from qfin.cli._registry import COMMANDS


def register(sub: Any) -> None:
    _, bench_sub = group_parser(
        sub, "bench", COMMANDS["bench"])
    package_dir = os.path.dirname(__file__)
    for module in sorted(m.name for m in pkgutil.iter_modules([package_dir])
                         if m.name.startswith("bench_")):
        importlib.import_module(f"qfin.cli.{module}").register(bench_sub)
