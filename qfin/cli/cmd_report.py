"""``qfin report RUN_DIR``: HTML reports (and PDF) for a pipeline output folder."""

from __future__ import annotations

import argparse
from typing import Any

from qfin.cli._common import print_json
from qfin.cli._registry import COMMANDS


def register(sub: Any) -> None:
    p = sub.add_parser(
        "report", help=COMMANDS["report"],
        description="Write report.html for every run (code hidden; a run's findings first) "
                    "and index.html, which opens with the Findings (per question a verdict "
                    "table from the result rows and one sentence per verdict), then key "
                    "figures, runs and the raw rows. Every page uses the folder's one copy of "
                    "plotly.js (_assets/), so the folder opens offline; PDF with headless "
                    "Chromium where the machine has it.")
    p.add_argument("run_dir", metavar="RUN_DIR",
                   help="a folder written by `qfin pipeline run` (runs/<pipeline>/<timestamp>)")
    p.add_argument("--pdf", choices=("auto", "none", "all"), default="auto",
                   help="auto: index.pdf if Chromium is present; all: every report too")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_report)


def _report(args: argparse.Namespace) -> int:
    from qfin.report import build_reports

    build = build_reports(args.run_dir, pdf=args.pdf)
    if args.json:
        print_json({"index": str(build.index), "reports": [str(p) for p in build.reports],
                    "pdf": str(build.pdf) if build.pdf else None,
                    "pdfs": [str(p) for p in build.pdfs]})
        return 0
    print(f"{len(build.reports)} run reports")
    print(f"index: {build.index}")
    if build.pdf:
        print(f"pdf:   {build.pdf}")
    elif args.pdf != "none":
        print("pdf:   skipped (no headless Chromium found; install chromium)")
    return 0
