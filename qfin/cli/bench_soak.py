"""``qfin bench soak``: a pipeline on a real cluster under faults, then ``--resume``."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any


def register(bench_sub: Any) -> None:
    p = bench_sub.add_parser(
        "soak", help="pipeline on a separately started TLS Dask cluster with a PostgreSQL "
                     "store: worker killed, store cut, two ingests, then --resume; counts checked",
        description="Start a Dask scheduler and workers (TLS, loopback) as separate processes, "
                    "run a pipeline whose notebooks read the PostgreSQL store (through a TCP "
                    "proxy) while two ingests load overlapping new tickers; kill one worker "
                    "mid-run and cut the store for --outage seconds; then --resume with one "
                    "grid point removed and one added. Prints and writes the figures: store "
                    "rows, CSV rows and expected rows, duplicates, stale runs, failures by "
                    "cause. The PostgreSQL server itself is never stopped.")
    p.add_argument("--postgres", default=None, metavar="URL",
                   help="PostgreSQL SQLAlchemy URL (default $QFIN_SOAK_POSTGRES_URL, then "
                        "$QFIN_TEST_POSTGRES_URL)")
    p.add_argument("--runs", type=int, default=40, help="grid points (default 40)")
    p.add_argument("--workers", type=int, default=4, help="Dask workers, one killed (default 4)")
    p.add_argument("--rows", type=int, default=100, help="result rows per run (default 100)")
    p.add_argument("--seconds", type=float, default=2.0, help="work per run (default 2 s)")
    p.add_argument("--outage", type=float, default=90.0, help="store outage (default 90 s)")
    p.add_argument("--store-patience", type=float, default=30.0,
                   help="the runner's --store-patience (default 30 s)")
    p.add_argument("--work-dir", default=None, help="folder for everything (default: a new "
                                                    "temporary folder, kept)")
    p.add_argument("--out", default="bench-results/soak.json",
                   help="figures file (default bench-results/soak.json)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from qfin.bench.soak import run_soak
    from qfin.errors import QfinError

    url = args.postgres or os.environ.get("QFIN_SOAK_POSTGRES_URL") or \
        os.environ.get("QFIN_TEST_POSTGRES_URL")
    if not url:
        raise QfinError("qfin bench soak needs a PostgreSQL database: --postgres URL (or "
                        "$QFIN_SOAK_POSTGRES_URL)")
    if args.runs < 2 or args.workers < 2:
        raise QfinError("--runs and --workers must be at least 2 (one worker is killed)")
    figures = run_soak(url, runs=args.runs, workers=args.workers, rows=args.rows,
                       seconds=args.seconds, outage=args.outage,
                       store_patience=args.store_patience, work_dir=args.work_dir)
    first, resume, check = figures["first_pass"], figures["resume"], figures["check"]
    print(f"\nqfin bench soak: {args.runs} runs x {args.rows} rows on {args.workers} TLS "
          f"workers (separate processes), store {figures['config']['store']}")
    print(f"first pass : exit {first['exit_code']}, {first['seconds']} s, {first['status']}")
    print(f"  failures : {first['failures']}")
    print(f"resume     : exit {resume['exit_code']}, {resume['seconds']} s, {resume['status']}, "
          f"re-recorded {resume['re_recorded']}")
    for ingest in figures["ingests"]:
        print(f"ingest     : {ingest['file']}: exit {ingest['exit_code']}, "
              f"{ingest['rows_stored']:,} of {ingest['rows_expected']:,} rows stored "
              f"({ingest['message']})")
    print(f"rows       : store {check['store_rows']:,}, CSV {check['csv_rows']:,}, expected "
          f"{check['expected_rows']:,}; duplicates store {check['store_duplicates']}, CSV "
          f"{check['csv_duplicates']}; stale runs {check['stale_runs_in_store']}; missing "
          f"{check['missing_runs_in_store']}; superseded folders "
          f"{check['superseded_folders']}; failed ingests {check['ingests_failed']}")
    print(f"verdict    : {'CONSISTENT' if check['ok'] else 'INCONSISTENT'}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2, default=str), encoding="utf-8")
    print(f"wrote {out} (work folder {figures['config']['work_dir']})")
    return 0 if check["ok"] else 1
