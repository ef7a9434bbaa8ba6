"""The CCEF suite: OR-Library port1–port5 against the published frontier and figures.

For each instance every method traces the same 50-point frontier (k = 10, weights in
[0.01, 1]) on the same clock, one after the other in one process; each frontier is scored
with the literature's measures (:mod:`qfin.portfolio._ccef_error`) against the published UEF,
and against the exact (SCIP) frontier of the same run, point by point. The published figures
sit beside them as context (:mod:`qfin.bench._ccef_reference`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["run_instance", "benchmark", "verdict_lines", "comparison_lines", "json_payload",
           "write_json", "ccef_figure", "scip_shortfalls", "load_universe", "run_universe",
           "walk_forward_benchmark"]

#: Two methods' mean % errors closer than this (percentage points) are a tie.
TIE_PP = 1e-6


def run_instance(instance: int | Any, methods: Sequence[str], *, k: int = 10,
                 min_weight: float = 0.01, max_weight: float = 1.0, n_points: int = 50,
                 time_limit: float = 60.0, seed: int | None = 0,
                 progress: bool | None = None, **options: Any) -> dict[str, Any]:
    """Trace and score every method's frontier on one OR-Library instance.

    Parameters
    ----------
    instance : int or OrlibInstance
        1–5, or an instance read with :func:`qfin.datasets.read_orlib`.
    methods : sequence of str
        Any of :data:`qfin.portfolio.CCEF_METHODS`; ``miqp`` runs first (the yardstick).
    k, min_weight, max_weight, n_points, time_limit, seed
        As in :func:`qfin.portfolio.cardinality_frontier`.

    Returns
    -------
    dict
        ``instance`` (OrlibInstance), ``frontiers`` (method -> CardinalityFrontier),
        ``cpu_seconds`` (method -> process CPU seconds), ``table`` (one row per method).
    """
    from qfin.datasets import load_orlib
    from qfin.portfolio import PortfolioProblem, cardinality_frontier, frontier_errors

    inst = load_orlib(instance) if isinstance(instance, int | str) else instance
    problem = PortfolioProblem.from_moments(inst.mu, inst.cov)
    order = sorted(dict.fromkeys(methods), key=lambda m: m != "miqp")
    frontiers, cpu = {}, {}
    for method in order:
        c0 = time.process_time()
        frontiers[method] = cardinality_frontier(
            problem, k=k, min_weight=min_weight, max_weight=max_weight, n_points=n_points,
            method=method, time_limit=time_limit, seed=seed, progress=progress, **options)
        cpu[method] = time.process_time() - c0
    reference = frontiers.get("miqp")
    rows = []
    for method, frontier in frontiers.items():
        scores = frontier_errors(frontier, inst.uef, reference=reference)
        rows.append({"instance": inst.name, "index": inst.index, "n_assets": inst.n_assets,
                     "k": k, "method": method, "source": "measured (this run)", **scores,
                     "seconds": frontier.seconds, "cpu_seconds": cpu[method],
                     "n_optimal": frontier.n_optimal, "qp_solves": frontier.info["qp_solves"],
                     "n_points": len(frontier.points)})
    return {"instance": inst, "frontiers": frontiers, "cpu_seconds": cpu,
            "table": pd.DataFrame(rows)}


def benchmark(instances: Sequence[int], methods: Sequence[str], **options: Any
              ) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """:func:`run_instance` for each instance; the measured rows and the published ones.

    Returns
    -------
    table : DataFrame
        Measured rows then published rows (column ``source`` says which).
    results : list of dict
        One :func:`run_instance` result per instance.
    """
    from qfin.bench._ccef_reference import published_figures

    results = [run_instance(i, methods, **options) for i in instances]
    published = published_figures()
    names = {int(r["instance"].name[4:]) if r["instance"].name[4:].isdigit() else None:
             r["instance"] for r in results}
    pub = published[published["instance"].isin([n for n in names if n is not None])].copy()
    pub["index"] = pub["instance"].map(lambda n: names[n].index)
    pub["n_assets"] = pub["instance"].map(lambda n: names[n].n_assets)
    pub["instance"] = pub["instance"].map(lambda n: f"port{n}")
    pub["k"] = 10
    pub = pub.rename(columns={"source": "citation"})
    pub["source"] = "published (context)"
    table = pd.concat([r["table"] for r in results] + [pub], ignore_index=True)
    return table, results


def scip_shortfalls(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Points where SCIP stopped at its time limit: its gap and who found the better point."""
    frontiers = result["frontiers"]
    if "miqp" not in frontiers:
        return []
    out = []
    for i, point in enumerate(frontiers["miqp"].points):
        if point.optimal:
            continue
        others = {m: f.points[i].objective for m, f in frontiers.items() if m != "miqp"}
        best = min(others, key=others.get) if others else None
        better = best if best is not None and others[best] < point.objective - 1e-12 * (
            abs(point.objective) + 1e-300) else "miqp" if best is None or others[best] > \
            point.objective + 1e-12 * (abs(point.objective) + 1e-300) else f"tie (miqp, {best})"
        out.append({"lambda": point.lam, "scip_gap": point.mip_gap,
                    "scip_objective": point.objective,
                    "best_other": best, "best_other_objective": others.get(best),
                    "better_point": better})
    return out


def verdict_lines(table: pd.DataFrame) -> list[str]:
    """Per instance: the winner on mean % error (protocol a) and on time, plainly."""
    lines = []
    measured = table[table["source"] == "measured (this run)"]
    for name, group in measured.groupby("instance", sort=False):
        g = group.sort_values(["mean_error", "seconds"])
        best = g.iloc[0]
        tied = g[g["mean_error"] <= best["mean_error"] + TIE_PP]
        rest = g[g["mean_error"] > best["mean_error"] + TIE_PP]
        winners = ", ".join(tied["method"])
        margin = (f"{rest.iloc[0]['mean_error'] - best['mean_error']:.4f} pp ahead of "
                  f"{rest.iloc[0]['method']}" if len(rest) else "every method measured")
        fastest = g.sort_values("seconds").iloc[0]
        tie_word = "tie between " if len(tied) > 1 else ""
        line = (f"{name} verdict: lowest mean % error (a) {best['mean_error']:.4f} — "
                f"{tie_word}{winners} ({margin}); fastest: {fastest['method']} "
                f"{fastest['seconds']:.3g} s")
        if len(tied) > 1:
            quickest = tied.sort_values("seconds").iloc[0]
            line += (f"; fastest at the lowest error: {quickest['method']} "
                     f"{quickest['seconds']:.3g} s")
        if "miqp" in set(g["method"]):
            exact = g[g["method"] == "miqp"].iloc[0]
            others = g[g["method"] != "miqp"]
            if len(others):
                top = others.sort_values(["mean_error", "seconds"]).iloc[0]
                diff = top["mean_error"] - exact["mean_error"]
                line += (f"; best non-exact {top['method']}: {diff:+.4f} "
                         f"pp vs the exact frontier, {int(top['n_within_1e6'])}/"
                         f"{int(top['n_proven'])} "
                         f"proven points within 1e-6, {top['seconds']:.3g} s vs SCIP "
                         f"{exact['seconds']:.3g} s")
        lines.append(line)
    return lines


#: A point counts as "matched" when its objective is within this relative gap of SCIP's.
MATCH_GAP = 1e-6


def comparison_lines(table: pd.DataFrame) -> list[str]:
    """Per instance with ``miqp``: qfin's best other method against the exact frontier.

    One line per instance, facts only: at how many of the points SCIP proved optimal the
    method's objective is within ``MATCH_GAP`` (relative) of SCIP's, and the largest gap;
    its mean % error under protocol (a) minus the exact frontier's, in percentage points (a
    negative difference happens where SCIP stopped at its time limit); its wall and CPU
    seconds for the whole frontier beside SCIP's.
    """
    lines = []
    measured = table[table["source"] == "measured (this run)"]
    for name, group in measured.groupby("instance", sort=False):
        if "miqp" not in set(group["method"]) or len(group) < 2:
            continue
        exact = group[group["method"] == "miqp"].iloc[0]
        others = group[group["method"] != "miqp"].sort_values(["mean_error", "seconds"])
        best = others.iloc[0]
        proven, within = int(best["n_proven"]), int(best["n_within_1e6"])
        diff = float(best["mean_error"] - exact["mean_error"])
        lines.append(
            f"{name} best non-exact method ({best['method']}) vs the exact frontier: "
            f"{within}/{proven} SCIP-proven points matched within {MATCH_GAP:g} relative "
            f"(largest gap {best['max_gap']:.2g}); mean % error (a) {diff:+.4f} pp; "
            f"{best['seconds']:.3g} s wall, {best['cpu_seconds']:.3g} s CPU; SCIP "
            f"{exact['seconds']:.3g} s wall, {exact['cpu_seconds']:.3g} s CPU")
    return lines


def json_payload(results: Sequence[dict[str, Any]], table: pd.DataFrame) -> dict[str, Any]:
    """The re-scorable JSON: one flat ``methods`` list, one object per (instance, method).

    Layout (``docs/ccef.md``)::

        {"suite": "ccef", "params": {...},
         "methods": [{"instance": "port1", "method": "heuristic", "seconds": 5.5,
                      "cpu_seconds": 0.9, "k": 10, "min_weight": 0.01, "max_weight": 1.0,
                      "points": [{"lambda": 0.0, "weights": {"S3": 0.91, ...}, ...}, ...],
                      "protocol_b_points": [{"weights": {...}, ...}, ...],
                      "scores": {"mean_error": ..., ...}}, ...],
         "instances": [{"instance": "port1", "index": "Hang Seng", "n_assets": 31,
                        "labels": ["S1", ...], "scip_shortfalls": [...]}, ...]}

    Every method object is complete on its own: :func:`qfin.portfolio.rescore_frontier`
    re-scores it from ``points`` (protocol a) and ``protocol_b_points`` (protocol b).
    """
    methods, instances = [], []
    for res in results:
        inst = res["instance"]
        for method, frontier in res["frontiers"].items():
            entry = {"instance": inst.name, **frontier.to_dict()}
            row = table[(table["instance"] == inst.name) & (table["method"] == method)
                        & (table["source"] == "measured (this run)")].iloc[0]
            entry["scores"] = {c: _clean(row[c], integer=c.startswith("n_")) for c in (
                "mean_error", "median_error", "mean_error_b", "median_error_b", "vre", "mre",
                "max_gap", "n_proven", "n_within_1e6", "n_better") if c in row}
            entry["cpu_seconds"] = res["cpu_seconds"][method]
            methods.append(entry)
        instances.append({"instance": inst.name, "index": inst.index,
                          "n_assets": inst.n_assets, "labels": inst.labels,
                          "scip_shortfalls": scip_shortfalls(res)})
    return {"suite": "ccef", "methods": methods, "instances": instances}


def write_json(path: str | Any, payload: dict[str, Any]) -> None:
    """Write ``payload`` (NaN-free) to ``path``, creating its folder."""
    import json
    from pathlib import Path

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(payload, indent=1, allow_nan=False))


def _clean(value: Any, integer: bool = False) -> Any:
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return None
        return int(value) if integer else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def ccef_figure(results: Sequence[dict[str, Any]]) -> Any:
    """CCEF points over the UEF, one panel per instance (plotly)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    cols = min(3, len(results))
    rows = math.ceil(len(results) / cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[
        f"{r['instance'].name} ({r['instance'].index}, n={r['instance'].n_assets})"
        for r in results])
    symbols = {"miqp": "circle-open", "heuristic": "x", "qubo-hybrid": "diamond-open",
               "polish-only": "cross"}
    for i, res in enumerate(results):
        row, col = i // cols + 1, i % cols + 1
        uef = res["instance"].uef
        fig.add_trace(go.Scatter(x=uef["variance"], y=uef["mean"], mode="lines",
                                 name="UEF (published)", line={"color": "black"},
                                 showlegend=i == 0, legendgroup="uef"), row=row, col=col)
        for method, frontier in res["frontiers"].items():
            fig.add_trace(go.Scatter(
                x=[p.variance for p in frontier.points],
                y=[p.expected_return for p in frontier.points], mode="markers",
                name=method, marker={"symbol": symbols.get(method, "circle"), "size": 7},
                legendgroup=method, showlegend=i == 0), row=row, col=col)
        fig.update_xaxes(title_text="variance of weekly return", row=row, col=col)
        fig.update_yaxes(title_text="mean weekly return", row=row, col=col)
    fig.update_layout(title="Cardinality-constrained efficient frontiers (k = 10) over the UEF",
                      height=420 * rows, width=480 * cols)
    return fig


# ---------------------------------------------------------------------------- weekly universes
#: What the index series of a shipped universe is, for the walk-forward table.
_INDEX_NAMES = {"indtrack6": "S&P 500 index"}


def _natural(label: str) -> tuple:
    import re

    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(label)))


def load_universe(dataset: str, store: Any = None) -> Any:
    """A universe from the market store: asset returns, index returns, periods per year.

    The weekly universes that ship with qfin (``nasdaq100``, ``dowjones``, ``indtrack6``)
    are loaded into the store on first use, like the sample; any other dataset must have
    been ingested (``qfin data ingest FILE --dataset NAME ...``, docs/data.md).

    Parameters
    ----------
    dataset : str
        Store dataset name.
    store : MarketStore, optional
        Default :func:`qfin.data.open_store` (``QFIN_HOME`` / ``QFIN_DB_URL``).

    Returns
    -------
    SimpleNamespace
        ``name``, ``returns`` (DataFrame of shape (n_periods, n_assets), simple returns,
        index series excluded), ``index_returns`` (Series or None: the dataset's index
        series, e.g. INDTRACK6's S&P 500), ``index_name``, ``periods_per_year`` (the
        store's: 52 weekly, 252 daily), ``labels``, ``n_assets``.

    Raises
    ------
    DataError
        An unknown dataset (with the names the store holds), or one whose frequency is
        unknown.
    """
    from types import SimpleNamespace

    from qfin.data import open_store

    store = open_store() if store is None else store
    returns = store.returns(dataset=dataset)
    returns = returns[sorted(returns.columns, key=_natural)]
    periods = store.periods_per_year(dataset)
    indexes = store.index_tickers(dataset)
    index_returns = (store.benchmark_returns(dataset, indexes[0]).reindex(returns.index)
                     if indexes else None)
    return SimpleNamespace(name=dataset, returns=returns, index_returns=index_returns,
                           index_name=indexes[0] if indexes else None,
                           periods_per_year=periods, labels=[str(c) for c in returns.columns],
                           n_assets=returns.shape[1])


def run_universe(name: str, methods: Sequence[str], *, ks: Sequence[int] = (10, 20),
                 min_weight: float = 0.01, max_weight: float = 1.0, n_points: int = 50,
                 time_limit: float = 60.0, seed: int | None = 0, uef_points: int = 300,
                 store: Any = None, progress: bool | None = None
                 ) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """In-sample CCEF of a store universe for each k, scored against qfin's own UEF.

    The moments are the sample mean and covariance of the whole history's simple returns
    (per period: weekly units for the weekly universes, like the OR-Library data); the UEF
    is :func:`qfin.portfolio.unconstrained_frontier` (cvxpy) at ``uef_points`` returns.

    Returns
    -------
    table : DataFrame
        One row per (k, method), with ``periods_per_year`` and the annualised return and
        volatility of each frontier's end points.
    results : list of dict
        As :func:`run_instance` (``instance`` carries name, labels, mu, cov, uef).
    """
    from types import SimpleNamespace

    from qfin.portfolio import PortfolioProblem, cardinality_frontier, frontier_errors
    from qfin.portfolio import unconstrained_frontier as uef_of

    universe = load_universe(name, store)
    mu = universe.returns.mean()
    cov = universe.returns.cov()
    problem = PortfolioProblem.from_moments(mu, cov, repair_psd=True)
    t0 = time.perf_counter()
    uef = uef_of(problem.mu, problem.cov, n_points=uef_points, max_weight=max_weight)
    uef_seconds = time.perf_counter() - t0
    periods = universe.periods_per_year
    rows, results = [], []
    for k in ks:
        inst = SimpleNamespace(name=f"{universe.name} k={k}", index=universe.name,
                               n_assets=universe.n_assets, labels=universe.labels, uef=uef)
        frontiers, cpu = {}, {}
        for method in sorted(dict.fromkeys(methods), key=lambda m: m != "miqp"):
            c0 = time.process_time()
            frontiers[method] = cardinality_frontier(
                problem, k=k, min_weight=min_weight, max_weight=max_weight,
                n_points=n_points, method=method, time_limit=time_limit, seed=seed,
                progress=progress)
            cpu[method] = time.process_time() - c0
        reference = frontiers.get("miqp")
        table_rows = []
        for method, frontier in frontiers.items():
            scores = frontier_errors(frontier, uef, reference=reference)
            ends = (frontier.points[-1], frontier.points[0])  # minimum variance, top return
            table_rows.append({"instance": inst.name, "universe": universe.name,
                               "n_assets": universe.n_assets, "k": k, "method": method,
                               "source": "measured (this run)", **scores,
                               "seconds": frontier.seconds, "cpu_seconds": cpu[method],
                               "n_optimal": frontier.n_optimal,
                               "n_points": len(frontier.points),
                               "periods_per_year": periods,
                               "min_var_annual_volatility": math.sqrt(
                                   ends[0].variance * periods),
                               "top_annual_return": ends[1].expected_return * periods,
                               "uef": f"cvxpy, {len(uef)} points ({uef_seconds:.3g} s)"})
        rows += table_rows
        results.append({"instance": inst, "frontiers": frontiers, "cpu_seconds": cpu,
                        "table": pd.DataFrame(table_rows)})
    return pd.DataFrame(rows), results


def _max_sharpe_rule(method: str, k: int, *, min_weight: float, max_weight: float,
                     n_points: int, time_limit: float, seed: int | None) -> Any:
    """Selection rule: the CCEF point of highest in-sample Sharpe ratio (μᵀw/√wᵀΣw)."""
    from qfin.portfolio import PortfolioProblem, cardinality_frontier

    def rule(trailing: pd.DataFrame) -> np.ndarray:
        problem = PortfolioProblem.from_moments(trailing.mean(), trailing.cov(),
                                                repair_psd=True)
        frontier = cardinality_frontier(problem, k=k, min_weight=min_weight,
                                        max_weight=max_weight, n_points=n_points,
                                        method=method, time_limit=time_limit, seed=seed,
                                        record=False)
        sharpe = [p.expected_return / math.sqrt(p.variance) if p.variance > 0 else -math.inf
                  for p in frontier.points]
        return frontier.points[int(np.argmax(sharpe))].weights

    return rule


def walk_forward_benchmark(name: str, methods: Sequence[str], *, ks: Sequence[int] = (10, 20),
                           min_weight: float = 0.01, max_weight: float = 1.0,
                           window: int = 104, hold: int = 13, n_points: int = 10,
                           time_limit: float = 60.0, seed: int | None = 0, store: Any = None,
                           progress: bool | None = None) -> pd.DataFrame:
    """Out-of-sample results of each method's portfolios, equal weights and the index.

    Every re-selection each method traces an ``n_points`` CCEF on the trailing ``window``
    periods (sample moments) and holds the point of highest in-sample Sharpe ratio for
    ``hold`` periods. Equal weights (1/n over the universe) re-balance on the same dates;
    the dataset's index series (INDTRACK6: the S&P 500) is shown as it is. Annualised with
    the store's periods per year for the dataset (52 for the weekly universes).

    Returns
    -------
    DataFrame
        One row per (k, portfolio): ``annual_return``, ``annual_volatility``, ``sharpe``,
        ``max_drawdown``, ``turnover``, ``seconds``, ``rebalances``, ``periods_per_year``.
    """
    from qfin.portfolio import walk_forward

    universe = load_universe(name, store)
    n = universe.n_assets
    frames = []
    for k in ks:
        rules: dict[str, Any] = {
            m: _max_sharpe_rule(m, k, min_weight=min_weight, max_weight=max_weight,
                                n_points=n_points, time_limit=time_limit, seed=seed)
            for m in methods}
        rules["equal weights (1/n)"] = lambda trailing: np.full(n, 1.0 / n)
        label = _INDEX_NAMES.get(universe.name, "index")
        benchmarks = ({f"{label} ({universe.index_name})": universe.index_returns}
                      if universe.index_returns is not None else None)
        res = walk_forward(universe.returns, rules, window=window, hold=hold,
                           periods_per_year=universe.periods_per_year, benchmarks=benchmarks,
                           progress=progress)
        table = res["table"]
        table.insert(0, "k", k)
        table.insert(0, "universe", universe.name)
        table["rebalances"] = res["rebalances"]
        table["periods_per_year"] = universe.periods_per_year
        frames.append(table)
    return pd.DataFrame(pd.concat(frames, ignore_index=True))
