"""Running a pipeline: every grid point through papermill, in parallel on Dask."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from qfin import __version__
from qfin.bench import git_revision
from qfin.errors import PipelineError
from qfin.pipeline._execute import execute_run
from qfin.pipeline._notebook import notebook_hash
from qfin.pipeline._spec import Pipeline, RunSpec, load_pipeline
from qfin.results._context import RESULTS_FILE

__all__ = ["RunOutcome", "PipelineOutcome", "run_pipeline", "code_version", "default_out_dir",
           "RUN_FILE"]

RUN_FILE = "run.json"
_log = logging.getLogger(__name__)


@dataclass
class RunOutcome:
    """What happened to one run."""

    key: str
    step: str
    slug: str
    parameters: dict[str, Any]
    status: str  # "ok", "failed" or "skipped" (already done, --resume)
    run_dir: Path
    error: str | None = None
    notebook: Path | None = None
    seconds: float | None = None
    code_version: str = ""


@dataclass
class PipelineOutcome:
    """What a pipeline run produced."""

    pipeline: str
    out_dir: Path
    runs: list[RunOutcome]
    results: pd.DataFrame
    seconds: float
    report: Path | None = None
    pdf: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> list[RunOutcome]:
        """The runs that failed."""
        return [r for r in self.runs if r.status == "failed"]

    def counts(self) -> dict[str, int]:
        """Runs by status."""
        out = {"ok": 0, "failed": 0, "skipped": 0}
        for run in self.runs:
            out[run.status] = out.get(run.status, 0) + 1
        return out


def code_version(notebook: str | Path) -> str:
    """What a run's result depends on besides its parameters: notebook + qfin code.

    ``"<notebook hash>-<qfin version>-<git revision>"``; ``--resume`` re-runs a grid point
    whenever this differs from the stored one.
    """
    return f"{notebook_hash(notebook)}-{__version__}-{git_revision() or 'nogit'}"


def default_out_dir(pipeline: str, root: str | Path = "runs") -> Path:
    """``runs/<pipeline>/<timestamp>/`` (a fresh folder)."""
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    base = Path(root) / pipeline
    candidate = base / stamp
    n = 1
    while candidate.exists():
        n += 1
        candidate = base / f"{stamp}-{n}"
    return candidate


def _latest_out_dir(pipeline: str, root: str | Path = "runs") -> Path:
    base = Path(root) / pipeline
    candidates = sorted((p for p in base.glob("*") if p.is_dir()), key=lambda p: p.name)
    if not candidates:
        raise PipelineError(f"--resume: no earlier run of pipeline {pipeline!r} under {base}; "
                            "run it once without --resume, or give --out DIR")
    return candidates[-1]


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _read_run_file(run_dir: Path) -> dict[str, Any] | None:
    path = run_dir / RUN_FILE
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _already_done(spec: RunSpec, run_dir: Path, version: str) -> bool:
    previous = _read_run_file(run_dir)
    return bool(previous and previous.get("status") == "ok"
                and previous.get("code_version") == version
                and previous.get("parameters") == _json_safe(spec.parameters))


def _run_id(out_dir: Path, key: str) -> str:
    return hashlib.sha256(f"{out_dir.resolve()}::{key}".encode()).hexdigest()[:32]


def _provenance_rows(rows: pd.DataFrame, spec: RunSpec, pipeline: Pipeline, out_dir: Path,
                     info: dict[str, Any]) -> pd.DataFrame:
    """Add what a reader needs to trust and reproduce each row."""
    env = info.get("environment") or {}
    versions = env.get("versions") or {}
    frame = rows.copy()
    extra: dict[str, Any] = {
        "pipeline": pipeline.name,
        "pipeline_run": str(out_dir),
        "step": spec.step,
        "run": spec.slug,
    }
    effective = spec.effective or spec.parameters
    for name, value in effective.items():
        extra[f"param_{name}"] = json.dumps(value) if isinstance(value, list | dict) else value
    for name in ("seed", "backend"):
        if name not in frame.columns and name in effective:
            extra[name] = effective[name]
    extra.update({
        "qfin_version": versions.get("qfin"),
        "numpy_version": versions.get("numpy"),
        "mlx_version": versions.get("mlx"),
        "python_version": env.get("python"),
        "machine": env.get("machine"),
        "git_revision": env.get("git_revision"),
        "data_hash": info.get("data_hash"),
        "code_version": info.get("code_version"),
        "run_seconds": info.get("seconds"),
    })
    for column, value in extra.items():
        if column not in frame.columns:
            frame[column] = value
    return frame


def _start_client(workers: int | None, scheduler: str | None) -> tuple[Any, Any]:
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="20s"), None
        except (OSError, TimeoutError) as exc:
            raise PipelineError(f"--scheduler {scheduler!r}: cannot reach the Dask scheduler "
                                f"({exc})") from exc
    n_workers = workers or os.cpu_count() or 1
    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None,
                           silence_logs=logging.ERROR)
    return Client(cluster), cluster


class _Progress:
    def __init__(self, total: int, name: str, verbose: bool) -> None:
        self.started = time.perf_counter()
        self.total = total
        self.done = self.failed = 0
        self.verbose = verbose
        self.bar = tqdm(total=total, desc=f"pipeline {name}", unit="run", disable=None,
                        file=sys.stderr, dynamic_ncols=True)

    def update(self, outcome: RunOutcome) -> None:
        if outcome.status == "failed":
            self.failed += 1
        else:
            self.done += 1
        remaining = self.total - self.done - self.failed
        elapsed = time.perf_counter() - self.started
        self.bar.update(1)
        self.bar.set_postfix_str(f"done {self.done}, failed {self.failed}, "
                                 f"remaining {remaining}")
        if self.verbose:
            seconds = f"{outcome.seconds:.1f} s" if outcome.seconds is not None else "-"
            line = (f"[{elapsed:6.1f} s] {outcome.status:<7} {outcome.key} ({seconds}) | "
                    f"done {self.done}, failed {self.failed}, remaining {remaining}")
            if outcome.status == "failed":
                line += f"\n    error: {outcome.error}"
            tqdm.write(line, file=sys.stderr)

    def close(self) -> None:
        self.bar.close()


def run_pipeline(
    pipeline: Pipeline | str | Path,
    *,
    out: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    db: str | Path | None = None,
    report: bool = True,
    pdf: str = "auto",
    verbose: bool = True,
    kernel_name: str | None = None,
    execution_timeout: float | None = None,
    runs_root: str | Path = "runs",
) -> PipelineOutcome:
    """Execute every grid point of a pipeline with papermill on a Dask cluster.

    The pipeline is validated completely before anything runs. Runs go to a local
    ``dask.distributed`` cluster (``workers`` processes, scheduler on 127.0.0.1) or to the
    cluster at ``scheduler``; a failed run is recorded (error and executed notebook) and
    the others continue. Each run's result rows, with provenance, are stored in the
    database (kind ``"pipeline"``) and combined into ``results.parquet``/``results.csv``;
    papermill's per-cell timings go to ``cell_timings.csv`` (and kind ``"pipeline:cells"``).

    Parameters
    ----------
    pipeline : Pipeline or path
        A pipeline, or its YAML file.
    out : path, optional
        Output folder; default ``runs/<pipeline>/<timestamp>/`` (with ``resume``: the
        newest existing one).
    workers : int, optional
        Local worker processes (default: the number of cores). Ignored with ``scheduler``.
    scheduler : str, optional
        Address of an existing Dask scheduler, ``tcp://HOST:PORT``. Its workers need qfin
        installed and must see ``out`` at the same path (a shared file system).
    resume : bool
        Skip runs already done with the same parameters and code version
        (:func:`code_version`).
    db : str or path, optional
        Database URL for the notebooks and the results (default: the default store).
    report : bool
        Write the HTML reports (:func:`qfin.report.build_reports`) at the end.
    pdf : {"auto", "none", "all"}
        PDF export of the index (``"auto"``: where headless Chromium exists).
    verbose : bool
        Print one status line per finished run.
    kernel_name : str, optional
        Jupyter kernel for every notebook (default: each notebook's own).
    execution_timeout : float, optional
        Seconds one cell may run.
    runs_root : path
        Parent of the default output folders.

    Returns
    -------
    PipelineOutcome
    """
    from qfin.data import MarketStore

    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise PipelineError(f"workers must be a positive integer; got {workers!r}")
    if pdf not in ("auto", "none", "all"):
        raise PipelineError(f"pdf must be 'auto', 'none' or 'all'; got {pdf!r}")
    spec = pipeline if isinstance(pipeline, Pipeline) else load_pipeline(pipeline)
    store = MarketStore(db)  # opened (and initialised) here, before any worker needs it
    started = time.perf_counter()
    if out is not None:
        out_dir = Path(out)
    elif resume:
        out_dir = _latest_out_dir(spec.name, runs_root)
    else:
        out_dir = default_out_dir(spec.name, runs_root)
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(spec.path, out_dir / "pipeline.yaml")

    specs = spec.runs()
    versions = {s.notebook: code_version(s.notebook) for s in spec.steps}
    outcomes: dict[str, RunOutcome] = {}
    infos: dict[str, dict[str, Any]] = {}
    todo: list[RunSpec] = []
    for run in specs:
        run_dir = out_dir / run.step / run.slug
        version = versions[run.notebook]
        if resume and _already_done(run, run_dir, version):
            previous = _read_run_file(run_dir) or {}
            outcomes[run.key] = RunOutcome(
                key=run.key, step=run.step, slug=run.slug, parameters=run.parameters,
                status="skipped", run_dir=run_dir, notebook=run_dir / "notebook.ipynb",
                seconds=previous.get("seconds"), code_version=version)
            infos[run.key] = previous
        else:
            todo.append(run)

    progress = _Progress(len(specs), spec.name, verbose)
    for outcome in outcomes.values():
        progress.update(outcome)
    try:
        if todo:
            _execute_all(todo, spec, out_dir, versions, store, workers, scheduler,
                         kernel_name, execution_timeout, outcomes, infos, progress)
    finally:
        progress.close()

    ordered = [outcomes[s.key] for s in specs]
    results = _collect(specs, spec, out_dir, outcomes, infos)
    outcome = PipelineOutcome(pipeline=spec.name, out_dir=out_dir, runs=ordered,
                              results=results, seconds=time.perf_counter() - started)
    _write_summary(outcome)
    if report:
        from qfin.report import build_reports

        built = build_reports(out_dir, pdf=pdf)
        outcome.report, outcome.pdf = built.index, built.pdf
    outcome.seconds = time.perf_counter() - started
    _write_summary(outcome)
    return outcome


def _execute_all(todo: list[RunSpec], spec: Pipeline, out_dir: Path,
                 versions: dict[Path, str], store: Any, workers: int | None,
                 scheduler: str | None, kernel_name: str | None,
                 execution_timeout: float | None, outcomes: dict[str, RunOutcome],
                 infos: dict[str, dict[str, Any]], progress: _Progress) -> None:
    from distributed import as_completed

    steps = {s.name: s for s in spec.steps}
    waiting: dict[str, list[RunSpec]] = {}
    for run in todo:
        waiting.setdefault(run.step, []).append(run)
    unfinished = {name: sum(1 for r in todo if r.step == name) for name in steps}

    client, cluster = _start_client(workers, scheduler)
    try:
        futures: dict[Any, RunSpec] = {}

        def payload(run: RunSpec) -> dict[str, Any]:
            return {
                "notebook": str(run.notebook.resolve()),
                "run_dir": str(out_dir / run.step / run.slug),
                "parameters": run.parameters,
                "dataset": run.parameters.get("dataset", "sample"),
                "kernel_name": kernel_name,
                "execution_timeout": execution_timeout,
                "context": {"pipeline": spec.name, "pipeline_run": str(out_dir),
                            "step": run.step, "slug": run.slug, "db_url": store.url},
            }

        def ready_steps() -> list[str]:
            return [name for name in list(waiting)
                    if all(unfinished.get(need, 0) == 0 for need in steps[name].needs)]

        def submit_ready(queue: Any) -> None:
            for name in ready_steps():
                for run in waiting.pop(name):
                    # a fresh folder for a re-run: no stale results or figures survive
                    run_dir = out_dir / run.step / run.slug
                    if run_dir.exists():
                        shutil.rmtree(run_dir)
                    future = client.submit(execute_run, payload(run), pure=False,
                                           key=f"qfin-run-{run.key}-{time.time_ns()}")
                    futures[future] = run
                    queue.add(future)

        queue = as_completed([])
        submit_ready(queue)
        for future in queue:
            run = futures.pop(future)
            try:
                info = future.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker is a failed run
                info = {"status": "failed", "error": f"{type(exc).__name__}: {exc}",
                        "notebook": None, "results": None, "seconds": None, "cells": [],
                        "environment": {}, "data_hash": None}
            _finish(run, info, spec, out_dir, versions[run.notebook], store, outcomes, infos)
            progress.update(outcomes[run.key])
            unfinished[run.step] -= 1
            submit_ready(queue)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _finish(run: RunSpec, info: dict[str, Any], spec: Pipeline, out_dir: Path, version: str,
            store: Any, outcomes: dict[str, RunOutcome], infos: dict[str, dict[str, Any]]) -> None:
    from qfin.pipeline._execute import EXECUTED_NOTEBOOK

    run_dir = out_dir / run.step / run.slug
    run_dir.mkdir(parents=True, exist_ok=True)
    info = dict(info)
    info.update({"key": run.key, "step": run.step, "slug": run.slug,
                 "notebook_source": str(run.notebook), "code_version": version,
                 "parameters": _json_safe(run.parameters),
                 "grid_point": _json_safe(run.grid_point)})
    executed = info.get("notebook") or (str(run_dir / EXECUTED_NOTEBOOK)
                                        if (run_dir / EXECUTED_NOTEBOOK).exists() else None)
    info["notebook"] = executed
    if info["status"] == "ok" and not info.get("results"):
        info["status"] = "failed"
        info["error"] = ("the notebook finished but recorded no results; end it with "
                         "qfin.pipeline.record_results(table)")
    (run_dir / RUN_FILE).write_text(json.dumps(info, indent=2, default=str), encoding="utf-8")
    outcomes[run.key] = RunOutcome(
        key=run.key, step=run.step, slug=run.slug, parameters=run.parameters,
        status=info["status"], run_dir=run_dir, error=info.get("error"),
        notebook=Path(executed) if executed else None, seconds=info.get("seconds"),
        code_version=version)
    infos[run.key] = info

    rows = pd.DataFrame()
    if info["status"] == "ok":
        rows = _provenance_rows(pd.read_parquet(info["results"]), run, spec, out_dir, info)
    environment = {**(info.get("environment") or {}), "data_hash": info.get("data_hash"),
                   "code_version": version, "seconds": info.get("seconds"),
                   "notebook": executed, "run_dir": str(run_dir)}
    params = {"pipeline": spec.name, "pipeline_run": str(out_dir), "step": run.step,
              "run": run.slug, "parameters": run.parameters}
    run_id = _run_id(out_dir, run.key)
    store.record_run("pipeline", f"{spec.name}/{run.step}", rows, params=params,
                     environment=environment, status=info["status"], error=info.get("error"),
                     run_id=run_id)
    cells = [{**c, "step": run.step, "run": run.slug} for c in info.get("cells") or []]
    store.record_run("pipeline:cells", f"{spec.name}/{run.step}", cells, params=params,
                     environment={"code_version": version}, status=info["status"],
                     run_id=f"{run_id}-cells")


def _collect(specs: list[RunSpec], spec: Pipeline, out_dir: Path,
             outcomes: dict[str, RunOutcome], infos: dict[str, dict[str, Any]]) -> pd.DataFrame:
    tables, cells, manifest = [], [], []
    for run in specs:
        outcome, info = outcomes[run.key], infos.get(run.key, {})
        results_path = out_dir / run.step / run.slug / RESULTS_FILE
        if outcome.status in ("ok", "skipped") and results_path.is_file():
            tables.append(_provenance_rows(pd.read_parquet(results_path), run, spec, out_dir,
                                           info))
        for cell in info.get("cells") or []:
            cells.append({"step": run.step, "run": run.slug, **cell})
        manifest.append({"step": run.step, "run": run.slug, "status": outcome.status,
                         "seconds": outcome.seconds, "error": outcome.error,
                         "notebook": str(outcome.notebook) if outcome.notebook else None,
                         "parameters": json.dumps(_json_safe(run.parameters))})
    results = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    if not results.empty:
        from qfin.results._context import _parquet_safe

        _parquet_safe(results).to_parquet(out_dir / "results.parquet", index=False)
        results.to_csv(out_dir / "results.csv", index=False)
    pd.DataFrame(cells).to_csv(out_dir / "cell_timings.csv", index=False)
    pd.DataFrame(manifest).to_csv(out_dir / "runs.csv", index=False)
    return results


def _write_summary(outcome: PipelineOutcome) -> None:
    summary = {
        "pipeline": outcome.pipeline,
        "out_dir": str(outcome.out_dir),
        "seconds": outcome.seconds,
        "counts": outcome.counts(),
        "report": str(outcome.report) if outcome.report else None,
        "pdf": str(outcome.pdf) if outcome.pdf else None,
        "runs": [{"key": r.key, "status": r.status, "seconds": r.seconds, "error": r.error,
                  "notebook": str(r.notebook) if r.notebook else None,
                  "parameters": _json_safe(r.parameters)} for r in outcome.runs],
    }
    (outcome.out_dir / "summary.json").write_text(json.dumps(summary, indent=2, default=str),
                                                  encoding="utf-8")
