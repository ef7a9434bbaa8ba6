"""``qfin bench qae``: simulated amplitude estimation, seconds and accuracy.

Seconds per IQAE estimate on the exact fast path, seconds per Grover call on the simulated
state vector (n = 10, 16, 20; numpy and MLX), the state-vector / fast-path agreement, and
the studies (coverage over seeds, error-vs-cost slopes, credit example, discretisation).
Everything is a classical simulation; oracle queries are query complexity, not time.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from qfin.cli._common import format_table, open_store_from_args


def register(bench_sub: Any) -> None:
    p = bench_sub.add_parser(
        "qae", help="simulated amplitude estimation: IQAE latency, Grover-call cost, "
                    "agreement, coverage and error-vs-cost slopes",
        description="Median seconds per IQAE estimate (epsilon 1e-3, alpha 0.05) on the exact "
                    "fast path; median seconds per Grover call on the state vector for "
                    "n = 10, 16, 20 on each backend; state-vector vs fast-path agreement for "
                    "every m <= 64 and n <= 10; coverage over seeds on the 20-asset sample "
                    "(confidence 0.99, n = 10); RMSE-vs-cost slopes; the published credit "
                    "example; discretisation error. A classical simulation throughout.")
    p.add_argument("--out", default=None, help="output file (default bench-results/qae.csv)")
    p.add_argument("--quick", action="store_true",
                   help="fewer seeds and calls (minutes -> seconds); n = 10, 16 only")
    p.add_argument("--seeds", type=int, default=None,
                   help="seeds of the coverage study (default 500; 50 with --quick)")
    p.add_argument("--figures", default=None, metavar="DIR",
                   help="also write the plotly figures as HTML into DIR")
    p.add_argument("--dataset", default="sample", help="dataset (default sample)")
    p.add_argument("--coverage-seeds", type=int, default=None,
                   help="seeds per cell of the coverage-by-shots table (default 200; 40 with "
                        "--quick)")
    p.add_argument("--resources-only", action="store_true",
                   help="only the fault-tolerant sections: the break-even table of the 99%% "
                        "VaR at epsilon 1e-2, 1e-3, 1e-4 (classical seconds measured now, AE "
                        "Grover calls, runtime per qubit model, break-even logical clock "
                        "rates) and the encoding-error table (n = 8..20)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import pandas as pd
    import scipy.stats

    from qfin.bench import save_benchmark
    from qfin.bench.qae import agreement, fast_path, statevector
    from qfin.bench.var_accuracy import var_scorecard
    from qfin.qae import (
        CanonicalAE,
        DiscreteDistribution,
        IterativeAE,
        MaximumLikelihoodAE,
        studies,
    )

    store = open_store_from_args(args)
    if args.resources_only:
        return _run_resources_only(args, store)
    quick = args.quick
    seeds = args.seeds or (50 if quick else 500)
    losses = studies.sample_losses(store, dataset=args.dataset)
    dist = DiscreteDistribution.from_samples(losses, 10)
    print(f"qfin bench qae: {losses.size} daily losses of the {args.dataset} universe, equal "
          f"weights, n = 10 qubits, confidence 0.99 (a classical simulation)")
    parts: list[pd.DataFrame] = []

    def show(title: str, frame: pd.DataFrame, cols: list[str]) -> None:
        parts.append(frame)
        print(f"\n[{title}]")
        print(format_table(frame[[c for c in cols if c in frame]]))

    t_start = time.perf_counter()
    show("fast path: seconds per estimate (CDF at the exact VaR point)", fast_path(dist, quick),
         ["name", "seconds_median", "seconds_p10", "seconds_p90", "calls",
          "mean_oracle_queries"])
    show("state vector: seconds per Grover call", statevector(quick),
         ["backend", "device", "dtype", "n_qubits", "seconds_median", "calls",
          "simulated_qubits", "rotations_per_a"])
    show("agreement: state vector vs exact fast path", agreement(),
         ["name", "cases", "max_abs_error"])
    cov = studies.coverage_study(dist, 0.99, n_seeds=seeds, progress=None)
    cov.insert(0, "section", "coverage")
    show(f"coverage over {seeds} seeds (CDF at the exact VaR; full VaR bisection)", cov,
         ["method", "alpha", "cdf_coverage", "required_coverage", "var_exact_fraction",
          "var_bracket_coverage", "mean_bracket_width_points", "mean_oracle_queries_var"])
    cov_seeds = args.coverage_seeds or (40 if quick else 200)
    by_shots = studies.coverage_by_shots(dist, 0.99, n_seeds=cov_seeds, progress=None)
    by_shots.insert(0, "section", "coverage-by-shots")
    show(f"coverage of every interval at every shot count offered ({cov_seeds} seeds; "
         "nominal 0.95; below_nominal = more than 2 standard errors short)", by_shots,
         ["method", "shots", "target", "amplitude", "coverage", "nominal", "median_width",
          "below_nominal"])
    returns = store.returns(dataset=args.dataset, kind="simple")
    card = var_scorecard(
        returns, confidence=0.99, n_qubits=10, seed=1,
        classical_options={"mc": {"paths": 100_000 if quick else 1_000_000}},
        ae_estimators={"AE iterative": IterativeAE(1e-3, 0.05, 1),
                       "AE maximum-likelihood": MaximumLikelihoodAE("exponential", 100, seed=1),
                       "AE canonical": CanonicalAE(8, 100, seed=1)})
    card.insert(0, "section", "var-accuracy")
    show("VaR accuracy (0.99, equal weights) against two ground truths, never mixed: the "
         "data's VaR (empirical quantile, 95% bootstrap interval) and each method's own "
         "model's exact VaR", card,
         ["method", "ground_truth_kind", "ground_truth", "ground_truth_low",
          "ground_truth_high", "estimate", "error", "error_low", "error_high", "model_vs_data",
          "whole_call_s"])
    n_err = 40 if quick else 200
    err = studies.error_vs_cost(dist, n_seeds=n_err, progress=None)
    slopes = studies.fit_slopes(err)
    err.insert(0, "section", "error-vs-cost")
    parts.append(err)
    slopes.insert(0, "section", "slopes")
    show(f"log-log slope of RMSE vs cost ({n_err} seeds per point; cost = state-preparation "
         "calls for AE, samples for classical)", slopes,
         ["method", "cost_kind", "slope", "points", "target_low", "target_high",
          "within_target"])
    equal = studies.equal_cost_comparison(err)
    equal.insert(0, "section", "equal-cost")
    show("RMSE of the CDF at the VaR point at equal cost (state-preparation calls = samples)",
         equal, ["cost", "method", "cost_kind", "rmse", "best"])
    for cost, grp in equal.groupby("cost"):
        ranked = grp.dropna(subset=["rmse"]).sort_values("rmse")
        if len(ranked) >= 2:
            first, second = ranked.iloc[0], ranked.iloc[1]
            print(f"VERDICT at {cost:,.0f} state preparations / samples: {first['method']} has "
                  f"the lowest RMSE ({first['rmse']:.3g}), {second['rmse'] / first['rmse']:.3g}x "
                  f"below {second['method']}")
    print(studies.CLASSICAL_BASELINE_NOTE)
    credit = studies.credit_study(n_seeds=20 if quick else 100)
    credit.insert(0, "section", "credit")
    show("published credit example (Qiskit finance tutorial), IQAE eps 0.01", credit,
         ["measure", "exact", "published", "mean_estimate", "within_interval",
          "mean_oracle_queries"])
    fitted = scipy.stats.t(*scipy.stats.t.fit(losses))
    disc = studies.discretisation_study(fitted, 0.99, range(2, 17))
    disc.insert(0, "section", "discretisation")
    show("discretisation error vs n (Student-t fitted to the sample's losses)", disc,
         ["n_qubits", "grid_step", "continuous_var", "discretised_var", "var_abs_error",
          "half_step", "cvar_abs_error", "cvar_truncation_floor", "cvar_error_beyond_floor"])
    print("the CVaR error's plateau is cvar_truncation_floor: the model's tail beyond the "
          "grid's upper end (the 1 - 1e-6 quantile), which no number of qubits recovers")
    parts += _resource_sections(args, store, dist, losses)
    table = pd.concat(parts, ignore_index=True)
    saved = save_benchmark("qae", table, out=args.out, store=store,
                           params={"quick": quick, "seeds": seeds, "dataset": args.dataset})
    if args.figures:
        out = Path(args.figures)
        out.mkdir(parents=True, exist_ok=True)
        studies.error_vs_cost_figure(err, slopes).write_html(out / "qae_error_vs_cost.html")
        studies.coverage_figure(cov).write_html(out / "qae_coverage.html")
        studies.discretisation_figure(disc).write_html(out / "qae_discretisation.html")
        from qfin.bench.var_accuracy import scorecard_figure

        scorecard_figure(card).write_html(out / "qae_var_accuracy.html")
        print(f"figures in {out}")
    print(f"\nwrote {saved['path']} (run {saved['run_id']}); {time.perf_counter() - t_start:.0f} s")
    print("timings are medians on a possibly shared machine; oracle queries are query "
          "complexity of a simulated algorithm, not seconds on any quantum device")
    return 0


# ---------------------------------------------------------------------- issue 14: resources
def _resource_sections(args: argparse.Namespace, store: Any, dist: Any, losses: Any
                       ) -> list[Any]:
    """Print and return the break-even and encoding-error sections."""
    from qfin.bench.qae import break_even, encoding_errors

    quick = args.quick
    table, crossover = break_even(dist, quick)
    per_eps = table.drop_duplicates("epsilon")
    ae_cols = ["epsilon", "ae_grover_calls", "ae_shots", "ae_logical_qubits", "ae_t_count",
               "ae_t_depth"] + [c for c in table.columns if c.startswith("ae_runtime_s_")]
    print("\n[break-even: the sample's 99% VaR to accuracy epsilon (CDF at the VaR point), "
          "iterative AE (alpha 0.05) vs classical methods on the same pmf]")
    print("AE side: Grover calls of the whole bisection (simulated), fault-tolerant "
          "estimates; runtime_s_at_<f> = T-depth / f, runtime_s_<model> from the Microsoft "
          "estimator")
    print(format_table(per_eps[ae_cols].set_index("epsilon").T))
    print("\nclassical side, measured in this run (median seconds; samples sized for "
          "+-epsilon at level 0.95); break_even_clock_hz = AE T-depth / classical seconds")
    print(format_table(table[["epsilon", "method", "classical_samples", "classical_seconds",
                              "classical_var_correct", "break_even_clock_hz"]]))
    print(f"\nQMC crossover: {crossover['verdict']}")
    mc = table[(table["method"] == "monte-carlo")].sort_values("epsilon")
    for _, row in mc.iterrows():
        print(f"verdict at epsilon {row['epsilon']:g}: to match plain Monte Carlo measured here "
              f"({row['classical_seconds']:.3g} s) the AE VaR would need a logical clock of "
              f"{row['break_even_clock_hz']:.3g} T layers per second; at 10 MHz it would take "
              f"{row['ae_runtime_s_at_1e+07_hz']:.3g} s (an estimate, no speed-up claim)")
    returns = store.returns(None, kind="simple", dataset=args.dataset)
    enc = encoding_errors(losses, returns, quick)
    print("\n[encoding error of the 99% VaR: discretisation vs the data's own sampling "
          "(bootstrap 95% half-width) vs the AE bracket; loss units]")
    print(format_table(enc[["source", "n_qubits", "grid_step", "data_var", "encoded_var",
                            "discretisation_error", "bootstrap_half_width", "ae_half_width",
                            "dominant_error", "t_count_grover_rudolph", "t_count_qrom"]]))
    if args.figures:
        from qfin.qae import break_even_figure

        out = Path(args.figures)
        out.mkdir(parents=True, exist_ok=True)
        break_even_figure(table).write_html(out / "qae_break_even.html")
    return [table, enc]


def _run_resources_only(args: argparse.Namespace, store: Any) -> int:
    import pandas as pd

    from qfin.bench import save_benchmark
    from qfin.qae import DiscreteDistribution, studies

    t_start = time.perf_counter()
    losses = studies.sample_losses(store, dataset=args.dataset)
    dist = DiscreteDistribution.from_samples(losses, 10)
    print(f"qfin bench qae --resources-only: {losses.size} daily losses of the {args.dataset} "
          f"universe, equal weights, n = 10 qubits, confidence 0.99")
    table = pd.concat(_resource_sections(args, store, dist, losses), ignore_index=True)
    saved = save_benchmark("qae", table, out=args.out, store=store,
                           params={"quick": args.quick, "resources_only": True,
                                   "dataset": args.dataset})
    print(f"\nwrote {saved['path']} (run {saved['run_id']}); "
          f"{time.perf_counter() - t_start:.0f} s")
    print("classical seconds are medians measured on this (possibly shared) machine; every "
          "AE runtime is a fault-tolerant resource estimate under stated assumptions")
    return 0
