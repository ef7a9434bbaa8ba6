"""Running a pipeline: every grid point through papermill, in parallel on Dask.

Guarantees, under faults (issue 12): a run is ``ok`` only once its rows are in the store
(writes retried with back-off; a store outage fails that run, not the pipeline); ``--resume``
re-checks the store and re-records or re-runs what is missing; runs no longer in the
pipeline are retired from the store and the folder, so the store, ``results.csv`` and
``index.html`` hold the same runs; when no Dask worker is alive for ``worker_timeout``
seconds the remaining runs fail with a message and stay resumable; the local cluster
speaks TLS with certificates that exist only in memory; no credential is written to disk.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
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
from qfin.pipeline._spec import DEFAULT_MAX_RUNS, Pipeline, RunSpec, load_pipeline
from qfin.pipeline._text import short_repr
from qfin.results._context import RESULTS_FILE
from qfin.results._records import (
    StoreUnavailable,
    delete_runs,
    describe_error,
    record_with_retry,
    stored_runs,
)

__all__ = ["RunOutcome", "PipelineOutcome", "run_pipeline", "code_version", "default_out_dir",
           "RUN_FILE"]

RUN_FILE = "run.json"
SUPERSEDED_DIR = ".superseded"
_POLL_SECONDS = 2.0
_CONNECT_TIMEOUT = "20s"
_MAX_ERROR_CHARS = 2000


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
    note: str | None = None  # e.g. "re-recorded": done, but its rows were missing from the store


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
    candidates = sorted((p for p in base.glob("*") if p.is_dir() and not p.name.startswith(".")),
                        key=lambda p: p.name)
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


def _warn(message: str) -> None:
    """A line on stderr, verbose or not: something the user must know."""
    tqdm.write(f"qfin: warning: {message}", file=sys.stderr)


def _start_client(workers: int | None, scheduler: str | None) -> tuple[Any, Any]:
    """A client of ``scheduler``, or of a new local cluster that speaks TLS only.

    The local cluster's certificates (``Security.temporary()``) exist only in the memory of
    this process and its workers: another account on the machine cannot connect to it.
    A remote scheduler is reached with the security of the Dask configuration
    (``distributed.comm.tls.*``; see docs/workbench.md).
    """
    from distributed import Client, LocalCluster

    if scheduler:
        if not scheduler.startswith(("tls://", "ucx://", "inproc://")):
            _warn(f"the scheduler {short_repr(scheduler)} is not a tls:// address: whoever can "
                  "reach it can run code as its workers' user; secure it with TLS (see "
                  "docs/workbench.md, 'Securing a cluster')")
        try:
            return Client(scheduler, timeout=_CONNECT_TIMEOUT), None
        except (OSError, TimeoutError, ValueError, TypeError) as exc:  # TypeError: no TLS set
            raise PipelineError(f"--scheduler {short_repr(scheduler)}: cannot reach the Dask "
                                f"scheduler ({describe_error(exc)}); check the address, that "
                                "it is running and, for tls://, the certificates in the Dask "
                                "configuration") from exc
    try:
        from distributed.security import Security

        security = Security.temporary()
    except ImportError as exc:
        raise PipelineError("the local Dask cluster runs with TLS, which needs the "
                            "'cryptography' package: pip install cryptography") from exc
    n_workers = workers or os.cpu_count() or 1
    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address="127.0.0.1:0",
                           security=security,
                           silence_logs=logging.ERROR)
    return Client(cluster, security=security), cluster


def _workers_alive(client: Any) -> int:
    """How many workers the scheduler knows (0 when it cannot be asked)."""
    try:
        if client.status not in ("running", "connecting", "newly-created"):
            return 0
        return len(client.scheduler_info().get("workers") or {})
    except Exception:  # noqa: BLE001 - a scheduler that cannot answer has no usable worker
        return 0


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
    max_runs: int = DEFAULT_MAX_RUNS,
    worker_timeout: float = 60.0,
    store_patience: float = 60.0,
) -> PipelineOutcome:
    """Execute every grid point of a pipeline with papermill on a Dask cluster.

    The pipeline is validated completely before anything runs. Runs go to a local
    ``dask.distributed`` cluster (``workers`` processes, scheduler on 127.0.0.1, TLS with
    in-memory certificates) or to the cluster at ``scheduler``; a failed run is recorded
    (error and executed notebook) and the others continue. Each run's result rows, with
    provenance, are stored in the database (kind ``"pipeline"``) and combined into
    ``results.parquet``/``results.csv``; papermill's per-cell timings go to
    ``cell_timings.csv`` (and kind ``"pipeline:cells"``). A run counts as done only once
    its rows are stored.

    Parameters
    ----------
    pipeline : Pipeline or path
        A pipeline, or its YAML file.
    out : path, optional
        Output folder; default ``runs/<pipeline>/<timestamp>/`` (with ``resume``: the
        newest existing one). Nothing is written outside it.
    workers : int, optional
        Local worker processes (default: the number of cores). Ignored with ``scheduler``.
    scheduler : str, optional
        Address of an existing Dask scheduler (``tls://HOST:PORT``, or ``tcp://`` with a
        warning). Its workers need qfin installed and must see ``out`` at the same path (a
        shared file system).
    resume : bool
        Skip runs already done with the same parameters and code version
        (:func:`code_version`) whose rows the store holds; re-record rows the store lost.
    db : str or path, optional
        Database URL for the notebooks and the results (default: the default store). It
        reaches the kernels through their environment, never a file.
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
    max_runs : int
        Most runs the pipeline may have (default :data:`DEFAULT_MAX_RUNS`).
    worker_timeout : float
        Seconds without any live Dask worker after which the remaining runs fail (they
        stay resumable).
    store_patience : float
        Seconds a run's store write is retried (back-off 0.5, 1, 2, ... s) before that run
        fails; while the store stays down, later runs try once.

    Returns
    -------
    PipelineOutcome

    Raises
    ------
    PipelineError
        For an invalid pipeline or argument, an unreachable scheduler, or an output folder
        that cannot be written.
    """
    from qfin.data import MarketStore

    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise PipelineError(f"workers must be a positive integer; got {short_repr(workers)}")
    if pdf not in ("auto", "none", "all"):
        raise PipelineError(f"pdf must be 'auto', 'none' or 'all'; got {short_repr(pdf)}")
    for name, value, low in (("worker_timeout", worker_timeout, 0.0),
                             ("store_patience", store_patience, -1e-300)):
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value) or value <= low:
            raise PipelineError(f"{name} must be a {'positive' if low == 0 else 'non-negative'}"
                                f" number of seconds; got {short_repr(value)}")
    if isinstance(pipeline, Pipeline):
        spec = pipeline
        if spec.count() > max_runs:
            raise PipelineError(f"pipeline {spec.name} has {spec.count():,} runs, over the limit "
                                f"of {max_runs:,}; raise it with --max-runs")
    else:
        spec = load_pipeline(pipeline, max_runs=max_runs)
    store = MarketStore(db)  # opened (and initialised) here, before any worker needs it
    started = time.perf_counter()
    if out is not None:
        out_dir = Path(out)
    elif resume:
        out_dir = _latest_out_dir(spec.name, runs_root)
    else:
        out_dir = default_out_dir(spec.name, runs_root)
    out_dir = out_dir.resolve()
    specs = spec.runs()
    for run in specs:
        _run_dir(out_dir, run)  # every folder a run writes stays inside out_dir
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(spec.path, out_dir / "pipeline.yaml")
    except OSError as exc:
        raise PipelineError(f"cannot write the output folder {out_dir}: "
                            f"{exc.strerror or exc}; choose another with --out") from exc

    writer = _StoreWriter(store, store_patience)
    _retire_stale(out_dir, specs, spec.name, writer)
    versions = {s.notebook: code_version(s.notebook) for s in spec.steps}
    outcomes: dict[str, RunOutcome] = {}
    infos: dict[str, dict[str, Any]] = {}
    todo: list[RunSpec] = []
    stored = _stored(writer, out_dir) if resume else {}
    for run in specs:
        run_dir = _run_dir(out_dir, run)
        version = versions[run.notebook]
        if resume and _already_done(run, run_dir, version):
            outcome = _confirm_stored(run, run_dir, version, spec, out_dir, stored, writer,
                                      infos)
            if outcome is None:
                todo.append(run)  # its results are gone from the folder: run it again
            else:
                outcomes[run.key] = outcome
        else:
            todo.append(run)

    progress = _Progress(len(specs), spec.name, verbose)
    for outcome in outcomes.values():
        progress.update(outcome)
    try:
        if todo:
            _execute_all(todo, spec, out_dir, versions, writer, workers, scheduler,
                         kernel_name, execution_timeout, worker_timeout, outcomes, infos,
                         progress)
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


def _run_dir(out_dir: Path, run: RunSpec) -> Path:
    path = out_dir / run.step / run.slug
    resolved = path.resolve()
    if resolved.parent.parent != out_dir or run.step.startswith(".") or \
            run.slug.startswith("."):
        raise PipelineError(f"run {short_repr(run.key)} would write outside {out_dir}; step "
                            "names and grid points must be plain folder names")
    return path


class _StoreWriter:
    """Store writes with retries; once the store stayed down, later runs try only once."""

    def __init__(self, store: Any, patience: float) -> None:
        self.store = store
        self.patience = patience
        self.down = False

    def write(self, action: Any) -> Any:
        try:
            result = record_with_retry(action, patience=0.0 if self.down else self.patience)
        except StoreUnavailable:
            self.down = True
            raise
        self.down = False
        return result


def _stored(writer: _StoreWriter, out_dir: Path) -> dict[str, Any]:
    try:
        return writer.write(lambda: stored_runs(writer.store, str(out_dir)))
    except StoreUnavailable as exc:
        raise PipelineError(f"cannot read the results store ({exc}); run again once the "
                            "database is reachable") from exc


def _retire_stale(out_dir: Path, specs: list[RunSpec], pipeline: str,
                  writer: _StoreWriter) -> None:
    """Remove runs that are no longer part of the pipeline from the store and the folder.

    Their folders move to ``.superseded/<timestamp>/`` (kept, but read by no report); their
    store records are deleted, so the store, ``results.csv`` and ``index.html`` agree.
    """
    current = {run.key for run in specs}
    stale_dirs = []
    for step_dir in sorted(p for p in out_dir.iterdir() if p.is_dir()
                           and not p.name.startswith(".")):
        for run_dir in sorted(p for p in step_dir.iterdir() if p.is_dir()):
            key = f"{step_dir.name}/{run_dir.name}"
            is_run = (run_dir / RUN_FILE).exists() or (run_dir / "qfin-run.json").exists() \
                or (run_dir / "notebook.ipynb").exists()
            if key not in current and is_run:
                stale_dirs.append((key, run_dir))
    stored = _stored(writer, out_dir)
    stale_ids = [r.run_id for r in stored.values() if r.key not in current]
    if stale_ids:
        try:
            writer.write(lambda: delete_runs(writer.store, stale_ids))
        except StoreUnavailable as exc:
            raise PipelineError(f"cannot remove {len(stale_ids)} stale run record(s) of this "
                                f"output folder from the store ({exc}); run again once the "
                                "database is reachable") from exc
    if stale_dirs:
        target = out_dir / SUPERSEDED_DIR / time.strftime("%Y%m%dT%H%M%S")
        for key, run_dir in stale_dirs:
            destination = target / key
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(run_dir), str(destination))
            if not any(run_dir.parent.iterdir()):
                run_dir.parent.rmdir()
    keys = sorted({k for k, _ in stale_dirs} | {stored[i].key or "?" for i in stale_ids})
    if keys:
        shown = ", ".join(keys[:5]) + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")
        _warn(f"{len(keys)} run(s) of an earlier version of pipeline {pipeline} are no longer "
              f"in it and were retired ({shown}): removed from the results store"
              + (f", folders moved to {out_dir / SUPERSEDED_DIR}" if stale_dirs else ""))


def _confirm_stored(run: RunSpec, run_dir: Path, version: str, spec: Pipeline, out_dir: Path,
                    stored: dict[str, Any], writer: _StoreWriter,
                    infos: dict[str, dict[str, Any]]) -> RunOutcome | None:
    """A done run on --resume: skipped if the store holds its rows, else re-recorded."""
    import pyarrow.parquet as pq

    previous = _read_run_file(run_dir) or {}
    results_path = run_dir / RESULTS_FILE
    if not results_path.is_file():
        return None
    try:
        n_rows = pq.ParquetFile(results_path).metadata.num_rows
    except Exception:  # noqa: BLE001 - an unreadable results file: run it again
        return None
    run_id = _run_id(out_dir, run.key)
    record, cells = stored.get(run_id), stored.get(f"{run_id}-cells")
    note = None
    if not (record and record.status == "ok" and record.rows == n_rows and cells):
        rows = _provenance_rows(pd.read_parquet(results_path), run, spec, out_dir, previous)
        try:
            _store_run(writer, run, previous, rows, spec, out_dir, version, "ok", None)
        except StoreUnavailable as exc:
            infos[run.key] = previous
            return RunOutcome(key=run.key, step=run.step, slug=run.slug,
                              parameters=run.parameters, status="failed", run_dir=run_dir,
                              error=_not_stored_message(exc, writer.patience),
                              notebook=run_dir / "notebook.ipynb",
                              seconds=previous.get("seconds"), code_version=version)
        note = "re-recorded: the store lacked its rows"
    infos[run.key] = previous
    return RunOutcome(key=run.key, step=run.step, slug=run.slug, parameters=run.parameters,
                      status="skipped", run_dir=run_dir, notebook=run_dir / "notebook.ipynb",
                      seconds=previous.get("seconds"), code_version=version, note=note)


def _not_stored_message(exc: StoreUnavailable, patience: float) -> str:
    return (f"results not stored: the database stayed unreachable (retried for "
            f"{patience:.0f} s; last error: {exc}); the run's files are kept; run the pipeline "
            "again with --resume once the database is back")


def _store_run(writer: _StoreWriter, run: RunSpec, info: dict[str, Any], rows: pd.DataFrame,
               spec: Pipeline, out_dir: Path, version: str, status: str,
               error: str | None) -> None:
    run_dir = out_dir / run.step / run.slug
    environment = {**(info.get("environment") or {}), "data_hash": info.get("data_hash"),
                   "code_version": version, "seconds": info.get("seconds"),
                   "notebook": info.get("notebook"), "run_dir": str(run_dir)}
    params = {"pipeline": spec.name, "pipeline_run": str(out_dir), "step": run.step,
              "run": run.slug, "parameters": run.parameters}
    run_id = _run_id(out_dir, run.key)
    cells = [{**c, "step": run.step, "run": run.slug} for c in info.get("cells") or []]

    def write() -> None:
        writer.store.record_run("pipeline", f"{spec.name}/{run.step}", rows, params=params,
                                environment=environment, status=status, error=error,
                                run_id=run_id)
        writer.store.record_run("pipeline:cells", f"{spec.name}/{run.step}", cells,
                                params=params, environment={"code_version": version},
                                status=status, run_id=f"{run_id}-cells")

    writer.write(write)


def _execute_all(todo: list[RunSpec], spec: Pipeline, out_dir: Path,
                 versions: dict[Path, str], writer: _StoreWriter, workers: int | None,
                 scheduler: str | None, kernel_name: str | None,
                 execution_timeout: float | None, worker_timeout: float,
                 outcomes: dict[str, RunOutcome], infos: dict[str, dict[str, Any]],
                 progress: _Progress) -> None:
    from distributed import wait

    steps = {s.name: s for s in spec.steps}
    waiting: dict[str, list[RunSpec]] = {}
    for run in todo:
        waiting.setdefault(run.step, []).append(run)
    unfinished = {name: sum(1 for r in todo if r.step == name) for name in steps}

    client, cluster = _start_client(workers, scheduler)
    futures: dict[Any, RunSpec] = {}
    try:
        def payload(run: RunSpec) -> dict[str, Any]:
            return {
                "notebook": str(run.notebook.resolve()),
                "run_dir": str(out_dir / run.step / run.slug),
                "parameters": run.parameters,
                "dataset": run.parameters.get("dataset", "sample"),
                "kernel_name": kernel_name,
                "execution_timeout": execution_timeout,
                # the URL travels in memory (TLS on the local cluster) to the kernel's
                # environment; the marker file holds it masked
                "db_url": writer.store.url,
                "context": {"pipeline": spec.name, "pipeline_run": str(out_dir),
                            "step": run.step, "slug": run.slug,
                            "db": writer.store.display_url},
            }

        def ready_steps() -> list[str]:
            return [name for name in list(waiting)
                    if all(unfinished.get(need, 0) == 0 for need in steps[name].needs)]

        def submit_ready() -> None:
            for name in ready_steps():
                for run in waiting.pop(name):
                    # a fresh folder for a re-run: no stale results or figures survive
                    run_dir = out_dir / run.step / run.slug
                    if run_dir.exists():
                        shutil.rmtree(run_dir)
                    future = client.submit(execute_run, payload(run), pure=False,
                                           key=f"qfin-run-{run.key}-{time.time_ns()}")
                    futures[future] = run

        def finish(run: RunSpec, info: dict[str, Any]) -> None:
            _finish(run, info, spec, out_dir, versions[run.notebook], writer, outcomes, infos)
            progress.update(outcomes[run.key])
            unfinished[run.step] -= 1

        submit_ready()
        last_alive = time.monotonic()
        while futures:
            try:
                done = wait(list(futures), timeout=_POLL_SECONDS,
                            return_when="FIRST_COMPLETED").done
            except TimeoutError:
                done = set()
            for future in done:
                run = futures.pop(future)
                try:
                    info = future.result()
                except Exception as exc:  # noqa: BLE001 - a lost worker is a failed run
                    info = _failed_info(f"the Dask task failed: {describe_error(exc)}")
                finish(run, info)
            if done:
                submit_ready()
                last_alive = time.monotonic()
                continue
            if _workers_alive(client):
                last_alive = time.monotonic()
            elif time.monotonic() - last_alive > worker_timeout:
                where = f"the scheduler at {scheduler}" if scheduler else "the local cluster"
                message = (f"no Dask worker alive for {worker_timeout:.0f} s ({where} has no "
                           "workers: they died or never joined); start workers and run the "
                           "pipeline again with --resume")
                _warn(message)
                client.cancel(list(futures))
                for future in list(futures):
                    finish(futures.pop(future), _failed_info(message))
                for name in list(waiting):
                    for run in waiting.pop(name):
                        finish(run, _failed_info(f"not started: {message}"))
        for name in list(waiting):  # steps whose needs can never finish (none today)
            for run in waiting.pop(name):
                finish(run, _failed_info("not started: a step it needs did not finish"))
    finally:
        try:
            client.close(timeout=10)
        except Exception:  # noqa: BLE001 - a dead scheduler: nothing left to close
            pass
        if cluster is not None:
            cluster.close()


def _failed_info(error: str) -> dict[str, Any]:
    return {"status": "failed", "error": error, "notebook": None, "results": None,
            "seconds": None, "cells": [], "environment": {}, "data_hash": None}


def _finish(run: RunSpec, info: dict[str, Any], spec: Pipeline, out_dir: Path, version: str,
            writer: _StoreWriter, outcomes: dict[str, RunOutcome],
            infos: dict[str, dict[str, Any]]) -> None:
    """Store a finished run's rows, then write its ``run.json``: ok only once stored."""
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
                         "qfin.results.record_results(table)")
    rows = pd.DataFrame()
    if info["status"] == "ok":
        try:
            rows = _provenance_rows(pd.read_parquet(info["results"]), run, spec, out_dir, info)
        except Exception as exc:  # noqa: BLE001 - a damaged results file fails this run only
            info["status"] = "failed"
            info["error"] = f"cannot read the run's results: {describe_error(exc)}"
    error = info.get("error")
    if error and len(error) > _MAX_ERROR_CHARS:  # a notebook may raise with a huge message
        info["error"] = f"{error[:_MAX_ERROR_CHARS]}... ({len(error):,} characters)"
    try:
        _store_run(writer, run, info, rows, spec, out_dir, version, info["status"],
                   info.get("error"))
    except StoreUnavailable as exc:
        if info["status"] == "ok":
            info["status"], info["error"] = "failed", _not_stored_message(exc, writer.patience)
        else:
            info["error"] = f"{info.get('error')} (not recorded in the database either: {exc})"
    # written last: run.json says "ok" only when the rows are in the store
    (run_dir / RUN_FILE).write_text(json.dumps(info, indent=2, default=str), encoding="utf-8")
    outcomes[run.key] = RunOutcome(
        key=run.key, step=run.step, slug=run.slug, parameters=run.parameters,
        status=info["status"], run_dir=run_dir, error=info.get("error"),
        notebook=Path(executed) if executed else None, seconds=info.get("seconds"),
        code_version=version)
    infos[run.key] = info


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
                         "note": outcome.note,
                         "notebook": str(outcome.notebook) if outcome.notebook else None,
                         "parameters": json.dumps(_json_safe(run.parameters))})
    results = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    for name in ("results.parquet", "results.csv"):  # never a stale table from before
        (out_dir / name).unlink(missing_ok=True)
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
                  "note": r.note, "notebook": str(r.notebook) if r.notebook else None,
                  "parameters": _json_safe(r.parameters)} for r in outcome.runs],
    }
    (outcome.out_dir / "summary.json").write_text(json.dumps(summary, indent=2, default=str),
                                                  encoding="utf-8")
