"""``qfin bench ingest``: bounded memory on hostile files, readers during a large ingest."""

from __future__ import annotations

import argparse
from typing import Any

from qfin.cli._common import format_table, open_store_from_args


def register(bench_sub: Any) -> None:
    p = bench_sub.add_parser(
        "ingest", help="peak memory on hostile files (gzip bombs, /dev/zero, FIFO); read "
                       "latency and a second writer during a large ingest",
        description="Ingest hostile files in child processes (a gzip of zeros and one of "
                    "line breaks, 1 GiB inflated; a symlink to /dev/zero; a FIFO) and report "
                    "each child's peak RSS against an idle child; then run a large ingest "
                    "(2,000,000 records) into a SQLite store while this process opens the "
                    "store and reads prices every half second, and a second writer with a "
                    "2 s busy timeout tries to ingest.")
    p.add_argument("--out", default=None, help="output file (default bench-results/ingest.csv)")
    p.add_argument("--quick", action="store_true",
                   help="64 MiB bombs and a 200,000-record large ingest")
    p.add_argument("--records", type=int, default=None,
                   help="records of the large ingest (default 2,000,000; quick 200,000)")
    p.add_argument("--lock-db", default=None, metavar="URL",
                   help="run the large ingest against this database instead of a temporary "
                        "SQLite file (e.g. a PostgreSQL URL)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import pandas as pd

    from qfin.bench import save_benchmark
    from qfin.bench.ingest import hostile_files, lockout

    inflated = (64 << 20) if args.quick else (1 << 30)
    records = args.records or (200_000 if args.quick else 2_000_000)
    rows = hostile_files(inflated)
    rows += lockout(records, url=args.lock_db)
    table = pd.DataFrame(rows)
    print("qfin bench ingest: child-process peak RSS on hostile files; readers and a second "
          "writer during a large ingest")
    for section, part in table.groupby("section", sort=False):
        print(f"\n[{section}]")
        cols = [c for c in part.columns if c != "section" and part[c].notna().any()
                and not (part[c] == "").all()]
        print(format_table(part[cols].set_index("case")))
    store = open_store_from_args(args)
    saved = save_benchmark("ingest", table, out=args.out, store=store,
                           params={"inflated_bytes": inflated, "records": records})
    print(f"\nwrote {saved['path']} (run {saved['run_id']})")
    print("timings are from a possibly shared machine: compare figures from one run")
    return 0
