"""``qfin bench report``: how heavy a pipeline's run folder is and how fast its pages open."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from qfin.cli._common import format_table, open_store_from_args


def register(bench_sub: Any) -> None:
    p = bench_sub.add_parser(
        "report", help="size of a pipeline run folder and the time each page takes to draw "
                       "every figure in offline headless Chromium",
        description="Bytes of a run folder (by kind of file) and, for index.html and every "
                    "run report, the median time from navigation start until every plotly "
                    "figure is drawn, in headless Chromium with the network blocked (needs "
                    "selenium from the dev extra, chromium and chromedriver).")
    p.add_argument("run_dir", nargs="?", default=None, metavar="RUN_DIR",
                   help="a folder written by `qfin pipeline run` (default: the newest "
                        "runs/demo/*)")
    p.add_argument("--repeat", type=int, default=3, help="opens per page (default 3)")
    p.add_argument("--out", default=None,
                   help="output file (default bench-results/report.csv)")
    p.set_defaults(func=_run)


def _newest_demo() -> Path | None:
    found = sorted(p for p in Path("runs", "demo").glob("*") if (p / "index.html").is_file())
    return found[-1] if found else None


def _run(args: argparse.Namespace) -> int:
    import pandas as pd

    from qfin.bench import save_benchmark
    from qfin.errors import DataError
    from qfin.report import folder_breakdown, page_load_times

    run_dir = Path(args.run_dir) if args.run_dir else _newest_demo()
    if run_dir is None:
        raise DataError("no RUN_DIR given and no runs/demo/*/index.html here; run "
                        "`qfin pipeline run pipelines/demo.yaml` first")
    if args.repeat < 1:
        raise DataError(f"--repeat must be at least 1; got {args.repeat}")
    sizes = folder_breakdown(run_dir)
    print(f"qfin bench report: {run_dir}")
    print("\n[folder size]")
    print(format_table(sizes.assign(MB=sizes["bytes"] / 1e6).set_index("kind")))
    times = page_load_times(run_dir, repeat=args.repeat)
    print(f"\n[page loads: offline headless Chromium, median of {args.repeat}]")
    print(format_table(times.set_index("page")))
    total = int(sizes["bytes"].iloc[-1])
    slowest = times.loc[times["rendered_s"].idxmax()]
    print(f"\nrun folder {total / 1e6:.2f} MB ({total / 2**20:.2f} MiB); slowest page "
          f"{slowest['page']}: {slowest['rendered_s']:.2f} s to draw {slowest['figures']} "
          f"figures (main thread busy {slowest['main_thread_s']:.2f} s)")
    table = pd.concat([sizes.assign(section="size"), times.assign(section="page_load")],
                      ignore_index=True)
    saved = save_benchmark("report", table, out=args.out, store=open_store_from_args(args),
                           params={"run_dir": str(run_dir), "repeat": args.repeat})
    print(f"\nwrote {saved['path']} (run {saved['run_id']})")
    print("page times are wall clock on a possibly shared machine; main-thread time is "
          "less sensitive to load")
    return 0
