"""``qfin bench startup``: seconds to start ``qfin --version``, ``--help``, ``<cmd> --help``."""

from __future__ import annotations

import argparse
from typing import Any


def register(bench_sub: Any) -> None:
    p = bench_sub.add_parser(
        "startup", help="start-up time of qfin --version, --help and every <command> --help",
        description="Times `python -m qfin --version`, `--help` and `<command> --help` for every "
                    "command as whole processes (median of --runs, wall clock and CPU time), "
                    "with `python -c pass` as the floor. --baseline DIR times another qfin "
                    "source tree (e.g. `git worktree add /tmp/qfin-before COMMIT`) in the same "
                    "run, alternating with this one, and prints the ratios.")
    p.add_argument("--runs", type=int, default=7, help="timed runs per command (default 7)")
    p.add_argument("--baseline", default=None, metavar="DIR",
                   help="another qfin source tree to time in the same run (PYTHONPATH=DIR)")
    p.add_argument("--out", default=None,
                   help="output file (default bench-results/startup.csv)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import pandas as pd
    from tqdm.auto import tqdm

    from qfin.bench import save_benchmark
    from qfin.bench.startup import startup_commands, startup_times
    from qfin.cli._common import format_table
    from qfin.cli._registry import COMMANDS
    from qfin.errors import QfinError

    if args.runs < 1:
        raise QfinError(f"--runs must be at least 1; got {args.runs}")
    commands = list(COMMANDS)
    trees = 2 if args.baseline else 1
    total = (args.runs + 1) * (1 + trees * len(startup_commands(commands)))
    with tqdm(total=total, desc="start-up", unit="process", disable=True if args.quiet
              else None, leave=False) as bar:
        rows = startup_times(commands, runs=args.runs, baseline=args.baseline, progress=bar)
    table = pd.DataFrame(rows)
    print(f"qfin bench startup: whole processes, median of {args.runs} runs (wall clock and "
          f"CPU seconds)" + (f"; baseline tree {args.baseline}" if args.baseline else ""))
    wide = table.pivot(index="command", columns="tree", values="wall_s_median")
    cpu = table.pivot(index="command", columns="tree", values="cpu_s_median")
    out = pd.DataFrame({"wall_s": wide["current"], "cpu_s": cpu["current"]})
    if args.baseline:
        out["baseline_wall_s"] = wide["baseline"]
        out["baseline_cpu_s"] = cpu["baseline"]
        out["speed-up (baseline/current wall)"] = wide["baseline"] / wide["current"]
    order = ["python -c pass", "qfin --version", "qfin --help"]
    out = out.loc[[c for c in order if c in out.index]
                  + sorted(c for c in out.index if c not in order)]
    print(format_table(out, floatfmt="{:,.3f}"))
    if table["failures"].any():
        print("some runs exited with a non-zero status: "
              + ", ".join(f"{r.tree} {r.command}" for r in table.itertuples() if r.failures))
    saved = save_benchmark("startup", table, out=args.out,
                           params={"runs": args.runs, "baseline": args.baseline})
    print(f"\nwrote {saved['path']}")
    print("timings on a possibly shared machine: compare the two trees' figures from one run")
    return 0
