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
                   help="an existing Dask scheduler, tls://HOST:PORT (certificates from the "
                        "Dask configuration; tcp:// works with a warning); workers need qfin "
                        "and a shared file system")
    p.add_argument("--resume", action="store_true",
                   help="skip runs already done (same parameters and code version, rows in the "
                        "store); re-record rows the store lost; retire runs no longer in "
                        "the pipeline")
    p.add_argument("--no-report", action="store_true", help="do not write the HTML reports")
    p.add_argument("--pdf", choices=("auto", "none", "all"), default="auto",
                   help="PDF export with headless Chromium (auto: index only, if present)")
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="seconds one notebook cell may run")
    _max_runs_option(p)
    p.add_argument("--worker-timeout", type=float, default=60.0, metavar="SECONDS",
                   help="fail the remaining runs (resumable) when no Dask worker has been "
                        "alive for this long (default 60)")
    p.add_argument("--store-patience", type=float, default=60.0, metavar="SECONDS",
                   help="retry a run's database write this long (back-off) before that run "
                        "fails (default 60)")
    p.add_argument("--json", action="store_true", help="print the outcome as JSON")
    p.set_defaults(func=_run)

    p = pipe_sub.add_parser("check", help="validate a pipeline YAML and list its runs "
                                          "(nothing runs)")
    p.add_argument("file", help="pipeline YAML")
    _max_runs_option(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_check)


def _max_runs_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--max-runs", type=int, default=None, metavar="N",
                   help="allow up to N runs (default 1000; grids are counted before they "
                        "are expanded)")


def _max_runs(args: argparse.Namespace) -> int:
    from qfin.pipeline import DEFAULT_MAX_RUNS

    return DEFAULT_MAX_RUNS if args.max_runs is None else args.max_runs


def _guarded(action: Any) -> Any:
    """Run ``action``, turning an OS or database failure into one ``qfin`` line."""
    from qfin.errors import PipelineError, QfinError

    try:
        return action()
    except QfinError:
        raise
    except OSError as exc:
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        raise PipelineError(f"the pipeline stopped: {exc.strerror or exc}{where}; free space "
                            "or fix the permission, then run it again with --resume") from exc
    except Exception as exc:
        from sqlalchemy.exc import SQLAlchemyError

        if not isinstance(exc, SQLAlchemyError):
            raise
        from qfin.results._records import describe_error

        raise PipelineError(f"the database failed: {describe_error(exc)}; once it is "
                            "reachable, run the pipeline again with --resume") from exc


def _run(args: argparse.Namespace) -> int:
    from qfin.errors import PipelineError
    from qfin.pipeline import run_pipeline

    if args.workers is not None and args.workers < 1:
        raise PipelineError(f"--workers must be a positive integer; got {args.workers}")
    for option, value in (("--max-runs", args.max_runs), ("--worker-timeout",
                                                          args.worker_timeout)):
        if value is not None and not value > 0:
            raise PipelineError(f"{option} must be positive; got {value}")
    if not args.store_patience >= 0:
        raise PipelineError(f"--store-patience must be 0 or more; got {args.store_patience}")
    outcome = _guarded(lambda: run_pipeline(
        args.file, out=args.out, workers=args.workers, scheduler=args.scheduler,
        resume=args.resume, db=args.db, report=not args.no_report, pdf=args.pdf,
        execution_timeout=args.timeout, verbose=not args.json, max_runs=_max_runs(args),
        worker_timeout=args.worker_timeout, store_patience=args.store_patience))
    counts = outcome.counts()
    if args.json:
        print_json({
            "pipeline": outcome.pipeline, "out_dir": str(outcome.out_dir),
            "seconds": outcome.seconds, "counts": counts,
            "report": str(outcome.report) if outcome.report else None,
            "pdf": str(outcome.pdf) if outcome.pdf else None,
            "runs": [{"key": r.key, "status": r.status, "seconds": r.seconds,
                      "error": r.error, "note": r.note,
                      "notebook": str(r.notebook) if r.notebook else None}
                     for r in outcome.runs],
        })
    else:
        print(f"pipeline {outcome.pipeline}: {counts['ok']} ok, {counts['failed']} failed, "
              f"{counts['skipped']} skipped (already done) in {outcome.seconds:.1f} s")
        print(f"results: {outcome.out_dir / 'results.csv'}")
        for run in outcome.runs:
            if run.note:
                print(f"note {run.key}: {run.note}")
        for run in outcome.failed:
            error = run.error or ""
            shown = error if len(error) <= 300 else f"{error[:300]}... (see {run.run_dir}/run.json)"
            print(f"FAILED {run.key}: {shown}")
        if outcome.failed:
            print(f"rerun the failed runs: qfin pipeline run {args.file} --out "
                  f"{outcome.out_dir} --resume")
        if outcome.report:
            print(f"report: {outcome.report}")
        if outcome.pdf:
            print(f"pdf:    {outcome.pdf}")
    return 1 if outcome.failed else 0


def _check(args: argparse.Namespace) -> int:
    from qfin.errors import PipelineError
    from qfin.pipeline import load_pipeline

    if args.max_runs is not None and args.max_runs < 1:
        raise PipelineError(f"--max-runs must be positive; got {args.max_runs}")
    pipeline = _guarded(lambda: load_pipeline(args.file, max_runs=_max_runs(args)))
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
