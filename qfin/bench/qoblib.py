"""The QOBLIB 06-portfolio benchmark: qfin's structured annealing against the field's values.

Ground truth: Gurobi's published objective per (instance, q) from QOBLIB (Koch et al.,
arXiv:2504.03832, 2025), a value of the truncated-coefficient ("published") model, with its
status (OPTIMAL or TIME_LIMIT). Every method solves the same model (``mode``, default
"published") under the same clock: the clock starts before the method builds its model
from the instance data (coefficients, CQM/BQM, SCIP model, count model), so building and
penalty calibration are charged. Methods:

- ``annealing``: qfin's :class:`~qfin.samplers.StructuredAnnealingSampler` (the structured
  mode of qfin's annealing), numpy or MLX;
- ``tabu``: dwave-samplers' ``TabuSampler`` on the penalised BQM (calls of a few seconds,
  each warm-started from the best feasible sample; the Lagrange multiplier doubles after a
  call whose best sample is infeasible);
- ``sa``: dwave-samplers' ``SimulatedAnnealingSampler`` on the penalised BQM (calls with
  doubling ``num_sweeps``, same penalty rule);
- ``scip``: SCIP on the BQP (:func:`qfin.portfolio.qoblib._scip.solve_scip`);
- ``polish-only``: random feasible starts + qfin's greedy local search (period, trajectory
  and pair moves), restarted until the limit: the control that shows what the annealing
  itself adds.

Per (instance, q, method, seed) the best solution is re-scored independently in both modes
(:meth:`QoblibModel.evaluate`). Time-to-target (TTT) is the first time a method's best
feasible objective (published mode) matched the published value; ∞ if never.
"""

from __future__ import annotations

import math
import re
import time
import tracemalloc
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qfin.errors import ProblemError

__all__ = ["METHODS", "QoblibRun", "resolve_instances", "run_method", "run_benchmark",
           "aggregate", "method_scores", "summarise", "figure", "write_solutions",
           "SYNTHETIC_PATTERN"]

METHODS = ("annealing", "tabu", "sa", "scip", "polish-only")
#: ``synthetic-a400`` (or ``synthetic-a400-t15-s0``): an instance made by
#: :func:`qfin.datasets.write_synthetic_qoblib_instance`.
SYNTHETIC_PATTERN = re.compile(r"synthetic-a(\d+)(?:-t(\d+))?(?:-s(\d+))?$")
#: BQM-based methods are skipped above this many couplings (memory: about 50 bytes each in
#: dimod plus the construction arrays; a400 would need 43 million).
MAX_BQM_INTERACTIONS = 8_000_000


@dataclass
class QoblibRun:
    """One method on one (instance, q) with one seed."""

    instance: str
    q: float
    method: str
    seed: int
    n_variables: int
    published: float = math.inf
    exact: float = math.inf
    feasible: bool = False
    ttt: float = math.inf
    seconds: float = 0.0
    seconds_build: float = 0.0
    trajectory: list[tuple[float, float]] = field(default_factory=list)
    sample: np.ndarray | None = None
    backend: str = "cpu"
    device: str = "cpu"
    peak_memory_mb: float = math.nan
    target: float = math.nan
    status: str = ""
    note: str = ""
    info: dict[str, Any] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        """Flat record (no sample, no trajectory)."""
        return {"instance": self.instance, "q": self.q, "method": self.method,
                "seed": self.seed, "n_variables": self.n_variables,
                "published_objective": self.published, "exact_objective": self.exact,
                "feasible": self.feasible, "ttt_s": self.ttt, "seconds": self.seconds,
                "seconds_build": self.seconds_build, "backend": self.backend,
                "device": self.device, "peak_memory_mb": self.peak_memory_mb,
                "improvements": len(self.trajectory), "status": self.status,
                "note": self.note}


# --------------------------------------------------------------------------- instances


def resolve_instances(names: Sequence[str] | None = None, sizes: Sequence[int] | None = None,
                      synthetic_dir: str | Path = "bench-results/qoblib-synthetic") -> list[Any]:
    """Load instances: shipped names, folders, or ``synthetic-a<N>[-t<T>][-s<seed>]``.

    Parameters
    ----------
    names : sequence of str, optional
        Default: every shipped instance (filtered by ``sizes``).
    sizes : sequence of int, optional
        Keep shipped instances with these numbers of assets (10, 50).
    synthetic_dir : path
        Where synthetic instances are written (once; reused afterwards).
    """
    from qfin.datasets import (
        load_qoblib_portfolio,
        qoblib_instance_names,
        write_synthetic_qoblib_instance,
    )

    if not names:
        names = [n for n in qoblib_instance_names()
                 if sizes is None or any(f"_a{int(s):03d}_" in n for s in sizes)]
    out = []
    for name in names:
        m = SYNTHETIC_PATTERN.fullmatch(str(name))
        if m:
            a, t, s = int(m.group(1)), int(m.group(2) or 15), int(m.group(3) or 0)
            folder = Path(synthetic_dir) / f"po_a{a:03d}_t{t:02d}_synthetic{s}"
            if not (folder / "covariance_matrices.txt.gz").is_file():
                write_synthetic_qoblib_instance(folder, a, t, seed=s)
            out.append(load_qoblib_portfolio(folder))
        else:
            out.append(load_qoblib_portfolio(name))
    return out


def _bqm_interactions(instance: Any) -> int:
    n6 = 6 * instance.n_assets
    return instance.n_periods * n6 * (n6 - 1) // 2


# ----------------------------------------------------------------------------- methods


def _new_model(instance: Any, q: float, b_tot: int | None) -> Any:
    from qfin.portfolio.qoblib import QoblibModel

    return QoblibModel(instance, q, b_tot=b_tot)


def _score(run: QoblibRun, model: Any, sample: np.ndarray | None) -> None:
    if sample is None:
        return
    score = model.evaluate(sample)
    run.sample = np.rint(sample).astype(np.int8)
    run.published, run.exact, run.feasible = score.published, score.exact, score.feasible
    if not score.feasible:
        run.note = (run.note + "; " if run.note else "") + "best sample infeasible"


def _run_annealing(run: QoblibRun, instance: Any, q: float, b_tot: int | None, mode: str,
                   time_limit: float, clock: Callable[[], float], backend: str,
                   reads: int | None, t0: float) -> None:
    from qfin.samplers import StructuredAnnealingSampler

    model = _new_model(instance, q, b_tot)
    structured = model.to_structured(mode)
    run.seconds_build = clock() - t0
    num_reads = reads or (8 if backend == "numpy" else 256)
    res = StructuredAnnealingSampler().sample(
        structured, num_reads=num_reads, time_limit=time_limit, seed=run.seed,
        backend=backend, t0=t0, clock=clock)
    run.trajectory = list(res.trajectory)
    run.backend, run.device = res.info["backend"], res.info["device"]
    run.info = {k: res.info[k] for k in ("num_reads", "restarts", "steps", "dtype", "stop")}
    _score(run, model, model.expand(res.best_counts))


def _run_polish(run: QoblibRun, instance: Any, q: float, b_tot: int | None, mode: str,
                time_limit: float, clock: Callable[[], float], backend: str,
                reads: int | None, t0: float) -> None:
    from qfin.samplers._structured import random_restart_descent

    model = _new_model(instance, q, b_tot)
    structured = model.to_structured(mode)
    run.seconds_build = clock() - t0
    res = random_restart_descent(structured, time_limit=time_limit, num_reads=reads or 8,
                                 seed=run.seed, backend=backend, t0=t0, clock=clock)
    run.trajectory = list(res.trajectory)
    run.backend, run.device = res.info["backend"], res.info["device"]
    run.info = {"restarts": res.info["restarts"]}
    _score(run, model, model.expand(res.best_counts))


def _best_in_labels(sampleset: Any, labels: Sequence[str]) -> np.ndarray:
    """The lowest-energy read as a vector in ``labels`` order (a SampleSet sorts its own)."""
    order = [sampleset.variables.index(v) for v in labels]
    best = int(np.argmin(sampleset.record.energy))
    return np.asarray(sampleset.record.sample[best])[order]


def _bqm_loop(run: QoblibRun, model: Any, mode: str, time_limit: float,
              clock: Callable[[], float], t0: float,
              call: Callable[[Any, float, int, np.ndarray | None], np.ndarray]) -> None:
    """Repeated calls on the penalised BQM; doubles the penalty after an infeasible call."""
    from qfin.portfolio.qoblib import calibrate_penalty, to_bqm

    penalty = calibrate_penalty(model, mode)
    bqm = to_bqm(model, mode, penalty)
    run.seconds_build = clock() - t0
    best, best_x, last_x, calls, escalations = math.inf, None, None, 0, 0
    while True:
        remaining = time_limit - (clock() - t0)
        if remaining <= 0.05:
            break
        last_x = call(bqm, remaining, calls, best_x)
        calls += 1
        score = model.evaluate(last_x)
        if score.feasible:
            value = score.objective(mode)
            if value < best:
                best, best_x = value, last_x
                run.trajectory.append((clock() - t0, value))
        else:  # the penalty was too weak for this call's best read: double it
            penalty *= 2.0
            escalations += 1
            bqm = to_bqm(model, mode, penalty)
    run.info = {"calls": calls, "penalty": penalty, "penalty_doublings": escalations}
    _score(run, model, best_x if best_x is not None else last_x)


def _run_tabu(run: QoblibRun, instance: Any, q: float, b_tot: int | None, mode: str,
              time_limit: float, clock: Callable[[], float], backend: str,
              reads: int | None, t0: float) -> None:
    from dwave.samplers import TabuSampler

    model = _new_model(instance, q, b_tot)
    sampler = TabuSampler()
    chunk = max(1.0, time_limit / 8.0)

    def call(bqm: Any, remaining: float, k: int, warm: np.ndarray | None) -> np.ndarray:
        kwargs: dict[str, Any] = {}
        if warm is not None:
            kwargs["initial_states"] = (warm[None, :], model.labels)
        ss = sampler.sample(bqm, num_reads=1, seed=run.seed * 1000 + k,
                            timeout=int(1000 * min(chunk, remaining)), **kwargs)
        return _best_in_labels(ss, model.labels)

    _bqm_loop(run, model, mode, time_limit, clock, t0, call)


def _run_sa(run: QoblibRun, instance: Any, q: float, b_tot: int | None, mode: str,
            time_limit: float, clock: Callable[[], float], backend: str,
            reads: int | None, t0: float) -> None:
    from dwave.samplers import SimulatedAnnealingSampler

    model = _new_model(instance, q, b_tot)
    sampler = SimulatedAnnealingSampler()
    state = {"sweeps": 100, "per_sweep": None}

    def call(bqm: Any, remaining: float, k: int, warm: np.ndarray | None) -> np.ndarray:
        sweeps = state["sweeps"]
        if state["per_sweep"]:
            sweeps = int(max(10, min(sweeps, 0.9 * remaining / state["per_sweep"])))
        start = clock()
        ss = sampler.sample(bqm, num_reads=1, num_sweeps=sweeps, seed=run.seed * 1000 + k)
        state["per_sweep"] = max((clock() - start) / sweeps, 1e-9)
        state["sweeps"] = sweeps * 2
        return _best_in_labels(ss, model.labels)

    _bqm_loop(run, model, mode, time_limit, clock, t0, call)


def _run_scip(run: QoblibRun, instance: Any, q: float, b_tot: int | None, mode: str,
              time_limit: float, clock: Callable[[], float], backend: str,
              reads: int | None, t0: float) -> None:
    from qfin.portfolio.qoblib._scip import solve_scip

    model = _new_model(instance, q, b_tot)
    res = solve_scip(model, mode, time_limit=time_limit, seed=run.seed, t0=t0, clock=clock)
    run.seconds_build = res.seconds_build
    run.trajectory = list(res.trajectory)
    run.status = res.status
    run.info = {"dual_bound": res.dual_bound}
    _score(run, model, res.sample)


_RUNNERS: dict[str, Callable[..., None]] = {
    "annealing": _run_annealing, "tabu": _run_tabu, "sa": _run_sa, "scip": _run_scip,
    "polish-only": _run_polish,
}


def run_method(instance: Any, q: float, method: str, *, time_limit: float = 60.0,
               seed: int = 0, mode: str = "published", b_tot: int | None = None,
               backend: str = "numpy", reads: int | None = None, clock: str = "wall",
               measure_memory: bool = False) -> QoblibRun:
    """Run one method on one (instance, q) for ``time_limit`` seconds (model build charged).

    Parameters
    ----------
    instance : QoblibPortfolioInstance
    q : float
    method : {"annealing", "tabu", "sa", "scip", "polish-only"}
    time_limit : float
        Seconds, counted from before the method builds its model.
    seed : int
    mode : {"published", "exact"}
        The model every method optimises.
    b_tot : int, optional
        Position limit (default QOBLIB's for the size).
    backend : {"numpy", "mlx", "auto"}
        Array backend of qfin's annealing (and of the polish-only control).
    reads : int, optional
        Replicas of qfin's annealing (default 8 on numpy, 256 on MLX).
    clock : {"wall", "cpu"}
        Wall time (default) or this process's CPU time (a fairer clock on a shared machine;
        SCIP then uses its CPU clock too).
    measure_memory : bool
        Record the peak of Python/numpy allocations (tracemalloc; slows numpy a little).

    Returns
    -------
    QoblibRun
        Objectives in both modes, feasibility, TTT to the published value (published
        mode), seconds, backend and device.
    """
    from qfin.datasets import qoblib_published_value
    from qfin.portfolio.qoblib._model import check_mode

    if method not in _RUNNERS:
        raise ProblemError(f"method must be one of {METHODS}; got {method!r}")
    mode = check_mode(mode)
    if not (isinstance(time_limit, (int, float)) and math.isfinite(time_limit)
            and time_limit > 0):
        raise ProblemError(f"time_limit must be a number of seconds > 0; got {time_limit!r}")
    if clock not in ("wall", "cpu"):
        raise ProblemError(f"clock must be 'wall' or 'cpu'; got {clock!r}")
    tick = time.perf_counter if clock == "wall" else time.process_time
    n_vars = 2 * 3 * instance.n_assets * instance.n_periods + 9 * instance.n_periods
    run = QoblibRun(instance.label, float(q), method, int(seed), n_vars)
    published = qoblib_published_value(instance, q, b_tot) if mode == "published" else None
    run.target = published.objective if published else math.nan
    if method in ("tabu", "sa", "scip") and _bqm_interactions(instance) > MAX_BQM_INTERACTIONS:
        run.note = (f"skipped: the BQM would hold {_bqm_interactions(instance):,} couplings "
                    f"(limit {MAX_BQM_INTERACTIONS:,}); it does not fit this benchmark's memory")
        run.status = "skipped"
        return run
    if measure_memory:
        tracemalloc.start()
    t0 = tick()
    try:
        _RUNNERS[method](run, instance, q, b_tot, mode, float(time_limit), tick, backend,
                         reads, t0)
    finally:
        run.seconds = tick() - t0
        if measure_memory:
            run.peak_memory_mb = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
    if published is not None:
        hit = [t for t, value in run.trajectory if published.reached(value)]
        run.ttt = min(hit) if hit and run.feasible else math.inf
    return run


# ----------------------------------------------------------------------------- the run


def run_benchmark(instances: Iterable[Any], qs: Sequence[float], methods: Sequence[str],
                  *, time_limit: float = 60.0, seeds: Sequence[int] = (0,),
                  mode: str = "published", b_tot: int | None = None, backend: str = "numpy",
                  reads: int | None = None, clock: str = "wall", measure_memory: bool = False,
                  progress: bool = True) -> list[QoblibRun]:
    """Every method on every (instance, q) with every seed; one :class:`QoblibRun` each."""
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ProblemError(f"methods must be among {METHODS}; got {unknown}")
    for q in qs:
        if not isinstance(q, (int, float)) or not math.isfinite(q) or q < 0:
            raise ProblemError(f"q (the risk weight) must be a finite number >= 0; got {q!r}")
    instances = list(instances)
    jobs = [(inst, q, m, s) for inst in instances for q in qs for m in methods for s in seeds]
    runs = []
    iterator: Iterable[Any] = jobs
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(jobs, desc="qoblib", unit="run", leave=False)
    for inst, q, method, seed in iterator:
        runs.append(run_method(inst, q, method, time_limit=time_limit, seed=seed, mode=mode,
                               b_tot=b_tot, backend=backend, reads=reads, clock=clock,
                               measure_memory=measure_memory))
    return runs


def aggregate(runs: Sequence[QoblibRun], mode: str = "published") -> pd.DataFrame:
    """One row per (instance, q, method): best/median over seeds, TTT, the published value.

    Columns: ``best_published``, ``median_published``, ``best_exact``, ``median_exact``,
    ``feasible_fraction``, ``ttt_median_s`` (∞ unless at least half the seeds reached the
    target), ``ttt_best_s``, ``reached_fraction``, ``published``, ``gurobi_status``,
    ``gap`` (relative to the published value, of ``best_published``), ``matched``
    (best ≤ published, to its rounding), ``beat``, seconds, backend, device, seeds.
    """
    from qfin.datasets import qoblib_published_value

    rows = []
    df = pd.DataFrame([r.row() for r in runs])
    if df.empty:
        return df
    by_key: dict[tuple[str, float, str], list[QoblibRun]] = {}
    for r in runs:
        by_key.setdefault((r.instance, r.q, r.method), []).append(r)
    for (inst, q, method), group in by_key.items():
        pub_vals = np.array([r.published if r.feasible else np.inf for r in group])
        exa_vals = np.array([r.exact if r.feasible else np.inf for r in group])
        ttts = np.array([r.ttt for r in group])
        published = qoblib_published_value(inst, q) if mode == "published" else None
        best = float(pub_vals.min())
        row = {
            "instance": inst, "q": q, "method": method, "seeds": len(group),
            "n_variables": group[0].n_variables,
            "best_published": best, "median_published": float(np.median(pub_vals)),
            "best_exact": float(exa_vals.min()), "median_exact": float(np.median(exa_vals)),
            "feasible_fraction": float(np.mean([r.feasible for r in group])),
            "ttt_median_s": float(np.median(ttts)), "ttt_best_s": float(ttts.min()),
            "reached_fraction": float(np.mean(np.isfinite(ttts))),
            "published": published.objective if published else math.nan,
            "gurobi_status": published.status if published else "",
            "seconds_median": float(np.median([r.seconds for r in group])),
            "seconds_build_median": float(np.median([r.seconds_build for r in group])),
            "backend": group[0].backend, "device": group[0].device,
            "peak_memory_mb": float(np.nanmax([r.peak_memory_mb for r in group]))
            if any(np.isfinite(r.peak_memory_mb) for r in group) else math.nan,
            "note": "; ".join(sorted({r.note for r in group if r.note})),
        }
        if published is not None and math.isfinite(best):
            row["gap"] = (best - published.objective) / max(abs(published.objective), 1e-12)
            row["matched"] = published.reached(best)
            row["beat"] = best < published.objective - published.tolerance
        else:
            row["gap"] = math.nan if published is None else math.inf
            row["matched"] = False
            row["beat"] = False
        rows.append(row)
    return pd.DataFrame(rows)


def _size_of(label: str) -> str:
    m = re.match(r"a(\d{3})_", label)
    return f"a{m.group(1)}" if m else label


def _ttt_text(seconds: float) -> str:
    return "never" if not math.isfinite(seconds) else f"{seconds:.3g} s"


def _control_line(part: pd.DataFrame) -> str:
    """What the polish-only control (the local search alone) reaches of the annealing's."""
    idx = ["instance", "q"]
    ann = part[part["method"] == "annealing"].set_index(idx)
    pol = part[part["method"] == "polish-only"].set_index(idx)
    both = ann.index.intersection(pol.index)
    a_hit = ann.loc[both, "matched"].astype(bool)
    p_hit = pol.loc[both, "matched"].astype(bool)
    common = both[a_hit.to_numpy() & p_hit.to_numpy()]
    text = (f"  CONTROL: the local search alone (polish-only) matched {int(p_hit.sum())} of "
            f"the {len(both)} pairs, annealing {int(a_hit.sum())}")
    if len(common):
        a_t = float(np.median(ann.loc[common, "ttt_median_s"]))
        p_t = float(np.median(pol.loc[common, "ttt_median_s"]))
        text += (f"; where both matched, median time to target: annealing {_ttt_text(a_t)}, "
                 f"polish-only {_ttt_text(p_t)}")
        if p_t <= a_t and int(p_hit.sum()) >= int(a_hit.sum()):
            text += " -> the local search, not the annealing, carries the result here"
    return text


def method_scores(table: pd.DataFrame) -> pd.DataFrame:
    """Per method (in table order): pairs matched or beaten, split OPTIMAL / TIME_LIMIT.

    Parameters
    ----------
    table : DataFrame
        Rows of :func:`aggregate` that have a published value.

    Returns
    -------
    DataFrame indexed by method
        ``pairs``, ``matched`` (matched or beaten), ``opt_pairs``, ``opt_matched``,
        ``lim_pairs``, ``lim_matched`` (Gurobi's status OPTIMAL / otherwise), ``beat``,
        ``median_gap``, ``worst_gap`` (relative) and ``median_ttt`` (seconds, median of the
        pairs where the target was reached; ∞ if none).
    """
    rows = {}
    for method, mp in table.groupby("method", sort=False):
        opt = mp["gurobi_status"] == "OPTIMAL"
        hit = mp["matched"].astype(bool)
        ttt = mp["ttt_median_s"].astype(float)
        reached = ttt[np.isfinite(ttt)]
        rows[method] = {
            "pairs": len(mp), "matched": int(hit.sum()),
            "opt_pairs": int(opt.sum()), "opt_matched": int((hit & opt).sum()),
            "lim_pairs": int((~opt).sum()), "lim_matched": int((hit & ~opt).sum()),
            "beat": int(mp["beat"].astype(bool).sum()),
            "median_gap": float(np.median(mp["gap"])), "worst_gap": float(mp["gap"].max()),
            "median_ttt": float(np.median(reached)) if len(reached) else math.inf}
    return pd.DataFrame.from_dict(rows, orient="index")


def summarise(table: pd.DataFrame, time_limit: float | None = None) -> list[str]:
    """Summary lines per size and a plainly worded verdict.

    Per size and method (:func:`method_scores`): on how many (instance, q) pairs the
    method's best matched or beat Gurobi's published value (split OPTIMAL / TIME_LIMIT), on
    how many it beat it, and the median relative gap.
    """
    if table.empty:
        return ["no runs"]
    lines = []
    t = table[table["published"].notna()].copy()
    if t.empty:
        return ["no published values for these instances (synthetic or unknown sizes): "
                "objectives and seconds only"]
    t["size"] = t["instance"].map(_size_of)
    verdict_parts = []
    for size, part in t.groupby("size", sort=True):
        pairs = part.groupby(["instance", "q"]).ngroups
        lines.append(f"{size}: {pairs} (instance, q) pairs"
                     + (f", {time_limit:g} s each" if time_limit else "") + ", published mode")
        scores = method_scores(part)
        for sc in scores.itertuples():
            method = sc.Index
            lines.append(
                f"  {method:<12} matched-or-beat {sc.matched}/{sc.pairs} "
                f"(OPTIMAL {sc.opt_matched}/{sc.opt_pairs}, "
                f"TIME_LIMIT {sc.lim_matched}/{sc.lim_pairs}"
                + (f" = {100 * sc.lim_matched / sc.lim_pairs:.0f}%" if sc.lim_pairs else "")
                + f"), beat {sc.beat}, median relative gap {sc.median_gap:+.2e}")
        ranking = scores.sort_values(["matched", "beat", "median_ttt"],
                                     ascending=[False, False, True], kind="stable")
        top = next(ranking.itertuples())
        winner = top.Index
        text = (f"{size}: {winner} matched or beat Gurobi's published value on {top.matched}/"
                f"{pairs} pairs (beat it on {top.beat})")
        tied = [sc.Index for sc in ranking.iloc[1:].itertuples()
                if (sc.matched, sc.beat) == (top.matched, top.beat)]
        if tied:
            text += (f", tied with {', '.join(tied)}; median time to target where reached: "
                     + ", ".join(f"{m} {_ttt_text(ranking.loc[m, 'median_ttt'])}"
                                 for m in [winner, *tied]))
        elif len(ranking) > 1:
            text += f"; next best {ranking.index[1]} {ranking['matched'].iloc[1]}/{pairs}"
        verdict_parts.append(text)
        if "annealing" in scores.index and "polish-only" in scores.index:
            lines.append(_control_line(part))
    lines.append("VERDICT: " + " | ".join(verdict_parts))
    if "annealing" in set(t["method"]):
        ann = next(method_scores(t[t["method"] == "annealing"]).itertuples())
        if ann.opt_pairs:
            first = ("reached every OPTIMAL published value" if ann.opt_matched == ann.opt_pairs
                     else "did NOT reach every OPTIMAL published value")
            first += f" ({ann.opt_matched}/{ann.opt_pairs})"
        else:
            first = "had no pair with a proven-optimal (OPTIMAL) published value"
        second = (f"matched or beat {100 * ann.lim_matched / ann.lim_pairs:.0f}% of the "
                  f"TIME_LIMIT ones ({ann.lim_matched}/{ann.lim_pairs})" if ann.lim_pairs
                  else "had no TIME_LIMIT pair")
        lines.append(f"VERDICT: qfin's annealing {first} and {second}")
    return lines


def figure(table: pd.DataFrame) -> Any:
    """Relative gap to the published value per instance and q, one trace per method."""
    import plotly.graph_objects as go

    fig = go.Figure()
    t = table[np.isfinite(table["gap"].astype(float))].copy() if "gap" in table else table
    if t.empty:
        fig.update_layout(title="QOBLIB 06-portfolio: no published values to compare")
        return fig
    t["pair"] = t["instance"] + " q=" + t["q"].map(lambda v: f"{v:g}")
    for method, part in t.groupby("method", sort=False):
        fig.add_trace(go.Scatter(x=part["pair"], y=part["gap"], mode="markers", name=method,
                                 hovertext=part["best_published"].map(lambda v: f"{v:.1f}")))
    fig.add_hline(y=0.0, line_dash="dash", annotation_text="Gurobi's published value")
    fig.update_layout(
        title="QOBLIB 06-portfolio: relative gap of the best objective to Gurobi's published "
              "value (published mode; below 0 = better than Gurobi)",
        xaxis_title="instance, q", yaxis_title="(best − published) / |published|",
        yaxis_type="linear", template="plotly_white")
    fig.update_yaxes(tickformat=".1e")
    return fig


def write_solutions(runs: Sequence[QoblibRun], folder: str | Path, *, mode: str = "published",
                    b_tot: int | None = None, instances: Sequence[Any] = ()) -> list[Path]:
    """Each method's best feasible solution as ``<folder>/<method>.sol`` (QOBLIB's format).

    With several (instance, q) pairs the files go to ``<folder>/<instance>_q<q>/``. The
    objective line is the published-mode value (the one printed beside it). A method without
    a feasible solution gets no file (its row says so).
    """
    from qfin.portfolio.qoblib import QoblibModel, write_sol

    folder = Path(folder)
    by_pair: dict[tuple[str, float], dict[str, QoblibRun]] = {}
    for r in runs:
        if r.sample is None or not r.feasible:  # only feasible solutions are written
            continue
        best = by_pair.setdefault((r.instance, r.q), {})
        current = best.get(r.method)
        key = (not r.feasible, r.published)
        if current is None or key < (not current.feasible, current.published):
            best[r.method] = r
    lookup = {inst.label: inst for inst in instances}
    single = len(by_pair) == 1
    written = []
    for (label, q), methods in by_pair.items():
        inst = lookup.get(label)
        if inst is None:
            continue
        model = QoblibModel(inst, q, b_tot=b_tot)
        target = folder if single else folder / f"{label}_q{q:g}"
        for method, r in methods.items():
            written.append(write_sol(model, r.sample, target / f"{method}.sol",
                                     objective=r.published, mode="published"))
    return written
