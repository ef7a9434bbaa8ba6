"""The portfolio benchmark: every method against ground truth for n in {20, 50, 100}.

n = 20 is the real sample (sample covariance); larger n are seeded synthetic factor-model
universes; K = n // 4. The reference optimum comes from exact enumeration when feasible,
else from SCIP (column ``reference_source`` says which and whether it is proven). Every
method is solved without a reference and scored against the same one.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from qfin.portfolio import (
    AUTO_EXACT_LIMIT,
    PortfolioProblem,
    count_candidates,
    solve,
    synthetic_problem,
)

__all__ = ["benchmark"]


def _problem(n: int, store: Any, seed: int, q: float | None) -> tuple[PortfolioProblem, str]:
    extra = {} if q is None else {"risk_aversion": q}
    if n == 20:
        return (PortfolioProblem.from_store(store=store, cardinality=5, **extra),
                "sample (20 S&P 500 stocks)")
    return synthetic_problem(n, seed=seed, **extra), f"synthetic factor model (seed {seed})"


def benchmark(sizes: list[int], methods: list[str], *, store: Any, reads: int = 1000,
              sweeps: int = 1000, seed: int = 0, time_limit: float = 60.0,
              risk_aversion: float | None = None) -> pd.DataFrame:
    """Run every method on every size; one row per (n, method)."""
    rows: list[dict[str, Any]] = []
    bar = tqdm(total=len(sizes) * len(methods), disable=None, desc="portfolio bench")
    for n in sizes:
        problem, universe = _problem(n, store, seed, risk_aversion)
        enumerable = count_candidates(problem) <= AUTO_EXACT_LIMIT
        results = {}
        order = sorted(methods, key=lambda m: (m not in ("exact", "miqp"), m))
        for method in order:
            if method == "exact" and not enumerable:
                bar.update()
                continue
            options: dict[str, Any] = {"reference": None}
            if method == "neal":
                options.update(num_reads=reads, num_sweeps=sweeps)
            elif method == "miqp":
                options["time_limit"] = time_limit
            bar.set_postfix(n=n, method=method)
            results[method] = solve(problem, method, seed=seed, **options)
            bar.update()
        if "exact" in results:
            reference, source = results["exact"].objective, "exact enumeration"
        elif "miqp" in results and results["miqp"].info.get("optimal"):
            reference, source = results["miqp"].objective, "miqp (SCIP, proven optimal)"
        else:
            feasible = [r.objective for r in results.values() if r.feasible]
            reference = min(feasible) if feasible else None
            gap = results["miqp"].info.get("mip_gap") if "miqp" in results else None
            source = ("best found, not proven" if gap is None
                      else f"best found (SCIP stopped at MIP gap {gap:.2g})")
        for method, res in results.items():
            # every method is scored against the same reference (solved without one)
            rows.append(_row(n, problem, universe, method, res, reference, source))
    bar.close()
    return pd.DataFrame(rows)


def _row(n: int, problem: PortfolioProblem, universe: str, method: str, res: Any,
         reference: float | None, source: str) -> dict[str, Any]:
    from qfin.portfolio import relative_gap, tts99
    from qfin.portfolio._metrics import read_metrics

    if res.sampleset is not None:
        metrics = read_metrics(problem.interpret(res.sampleset), reference,
                               res.timings["solver_seconds"],
                               setup_seconds=res.timings.get("build_seconds", 0.0))
    else:
        hit = None
        if reference is not None and method != "convex":
            hit = float(res.feasible and res.objective
                        <= reference + 1e-9 * max(abs(reference), 1e-12))
        secs = res.timings["solver_seconds"]
        metrics = {"num_reads": 1, "feasibility_rate": float(res.feasible),
                   "success_probability": hit, "seconds_per_read": secs,
                   "tts99": None if hit is None else tts99(secs, hit)}
    return {
        "n_assets": n, "cardinality": problem.cardinality, "universe": universe,
        "method": method, "objective": res.objective, "feasible": res.feasible,
        "role": "lower bound" if res.is_bound else "solution",
        "reference": reference, "reference_source": source,
        "gap": None if reference is None else relative_gap(res.objective, reference),
        "feasibility_rate": metrics["feasibility_rate"],
        "success_probability": metrics["success_probability"],
        "num_reads": metrics["num_reads"], "seconds": res.timings["seconds"],
        "seconds_per_read": metrics["seconds_per_read"], "tts99": metrics["tts99"],
        "penalty": res.info.get("penalty"), "mip_gap": res.info.get("mip_gap"),
    }
