"""``qfin pipeline run|check``: papermill pipelines on a Dask cluster."""

from __future__ import annotations

import argparse
from typing import Any

from qfin.cli._common import group_parser, print_json
from qfin.cli._registry import COMMANDS


def register(sub: Any) -> None:
    _, pipe_sub = group_parser(sub, "pipeline",
                               COMMANDS["pipeline"])

    p = pipe_sub.add_parser(
        "run", help="validate a pipeline YAML, execute every grid point, write the reports",
        description="Validate FILE completely, then execute every grid point of every step "
                    "with papermill on a local dask.distributed cluster (or --scheduler), "
                    "keep going past failures, collect the result rows into the database and "
                    "runs/<pipeline>/<timestamp>/results.{parquet,csv}, and write index.html. "
                    "Exits 1 if any run failed.")
    p.add_argument("file", help="pipeline YAML (e.g. pipelines/demo.yaml)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="output folder (default: runs/<pipeline>/<timestamp>/; with --resume "
                        "the newest one)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="local Dask worker processes (default: number of cores)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="an existing Dask scheduler, tcp://HOST:PORT (workers need qfin and "
                        "a shared file system)")
    p.add_argument("--resume", action="store_true",
                   help="skip runs already done with the same parameters and code version")
    p.add_argument("--no-report", action="store_true", help="do not write the HTML reports")
    p.add_argument("--pdf", choices=("auto", "none", "all"), default="auto",
                   help="PDF export with headless Chromium (auto: index only, if present)")
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="seconds one notebook cell may run")
    p.add_argument("--json", action="store_true", help="print the outcome as JSON")
    p.set_defaults(func=_run)

    p = pipe_sub.add_parser("check", help="validate a pipeline YAML and list its runs "
                                          "(nothing runs)")
    p.add_argument("file", help="pipeline YAML")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_check)


def _run(args: argparse.Namespace) -> int:
    from qfin.errors import PipelineError
    from qfin.pipeline import run_pipeline

    if args.workers is not None and args.workers < 1:
        raise PipelineError(f"--workers must be a positive integer; got {args.workers}")
    outcome = run_pipeline(args.file, out=args.out, workers=args.workers,
                           scheduler=args.scheduler, resume=args.resume, db=args.db,
                           report=not args.no_report, pdf=args.pdf,
                           execution_timeout=args.timeout, verbose=not args.json)
    counts = outcome.counts()
    if args.json:
        print_json({
            "pipeline": outcome.pipeline, "out_dir": str(outcome.out_dir),
            "seconds": outcome.seconds, "counts": counts,
            "report": str(outcome.report) if outcome.report else None,
            "pdf": str(outcome.pdf) if outcome.pdf else None,
            "runs": [{"key": r.key, "status": r.status, "seconds": r.seconds,
                      "error": r.error, "notebook": str(r.notebook) if r.notebook else None}
                     for r in outcome.runs],
        })
    else:
        print(f"pipeline {outcome.pipeline}: {counts['ok']} ok, {counts['failed']} failed, "
              f"{counts['skipped']} skipped (already done) in {outcome.seconds:.1f} s")
        print(f"results: {outcome.out_dir / 'results.csv'}")
        for run in outcome.failed:
            print(f"FAILED {run.key}: {run.error}")
        if outcome.report:
            print(f"report: {outcome.report}")
        if outcome.pdf:
            print(f"pdf:    {outcome.pdf}")
    return 1 if outcome.failed else 0


def _check(args: argparse.Namespace) -> int:
    from qfin.pipeline import load_pipeline

    pipeline = load_pipeline(args.file)
    runs = pipeline.runs()
    if args.json:
        print_json({"pipeline": pipeline.name, "runs": [
            {"key": r.key, "notebook": str(r.notebook), "parameters": r.parameters}
            for r in runs]})
        return 0
    print(f"pipeline {pipeline.name}: valid, {len(pipeline.steps)} steps, {len(runs)} runs")
    for run in runs:
        print(f"  {run.key}")
    return 0
