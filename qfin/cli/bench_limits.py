"""``qfin bench limits``: memory and time of `qfin pipeline check` on hostile pipeline files."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(bench_sub: Any) -> None:
    p = bench_sub.add_parser(
        "limits", help="peak memory and time of `qfin pipeline check` on hostile files (alias "
                       "bomb, 10^6-point grid, huge values, deep nesting, FIFO, /dev/zero)",
        description="Run `qfin pipeline check` in child processes (capped at 4 GiB and 120 s) "
                    "on pipeline files that once exhausted memory or time, and on "
                    "pipelines/demo.yaml as the baseline; print exit code, seconds, peak RSS "
                    "and the one-line message of each, and write them to a CSV.")
    p.add_argument("--out", default="bench-results/limits.csv",
                   help="output file (default bench-results/limits.csv)")
    p.add_argument("--work-dir", default=None, help="where the hostile files are written")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import pandas as pd

    from qfin.bench.limits import run_limits
    from qfin.cli._common import format_table

    repo = Path(__file__).resolve().parents[2]
    rows = run_limits(repo / "notebooks", repo / "pipelines" / "demo.yaml", args.work_dir,
                      log=lambda line: None)
    table = pd.DataFrame(rows).set_index("case")
    print("qfin bench limits: `qfin pipeline check` on hostile files (child processes, "
          "4 GiB / 120 s caps)")
    print(format_table(table[["exit_code", "seconds", "peak_rss_mib", "output_lines",
                              "message_chars"]]))
    for case, row in table.iterrows():
        print(f"- {case}: {row['message']}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out)
    print(f"wrote {out}")
    worst = table["peak_rss_mib"].max()
    print(f"largest peak RSS {worst:.0f} MiB vs baseline "
          f"{table['peak_rss_mib'].iloc[0]:.0f} MiB; every hostile case refused: "
          f"{bool((table['exit_code'].iloc[1:] == 2).all())}")
    return 0
