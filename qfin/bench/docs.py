"""Benchmark figures in the docs, rendered from ONE source: the tables in ``docs/benchmarks``.

The docs never type a benchmark figure by hand. A Markdown file marks a generated block
with a pair of HTML comments::

    <!-- bench:samplers-table -->
    ... replaced by the rendering of docs/benchmarks/samplers.csv ...
    <!-- /bench:samplers-table -->

and :func:`render_docs` replaces every block's body by the output of the snippet of that
name (:data:`SNIPPETS`), computed from the CSV tables that the bench commands wrote into
``docs/benchmarks/``. ``python scripts/render_benchmark_docs.py`` (or ``--check``) runs it;
a test checks that every block is up to date, so a doc can no longer disagree with the
benchmark output it quotes.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from qfin._format import format_duration as _duration
from qfin._format import format_scientific
from qfin.errors import DataError

__all__ = ["SNIPPETS", "DOC_FILES", "render_docs", "render_snippet"]

#: Files that may hold generated blocks, relative to the repository root.
DOC_FILES = ("README.md", "docs/samplers.md", "docs/qae.md", "docs/portfolio.md",
             "docs/risk.md", "docs/benchmarks/README.md", "docs/workbench.md", "docs/ccef.md",
             "docs/qoblib.md")

_BLOCK = re.compile(r"(<!-- bench:(?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /bench:(?P=name) -->)",
                    re.S)


def _g(value: float, digits: int = 3) -> str:
    """A number for people: ``digits`` significant digits, inf/NaN spelt out."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float) and math.isinf(value):
        return "never" if value > 0 else "−inf"
    return f"{float(value):.{digits}g}"


def _s(value: float) -> str:
    return "never (p = 0)" if math.isinf(value) else f"{_g(value)} s"


def _table(rows: list[list[str]], header: list[str]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _num(frame: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for c in cols:
        out[c] = pd.to_numeric(out[c].replace({"inf": np.inf, "Infinity": np.inf}),
                               errors="coerce")
    return out


# ---------------------------------------------------------------------- samplers
def _samplers(root: Path) -> pd.DataFrame:
    table = pd.read_csv(root / "docs/benchmarks/samplers.csv")
    return _num(table, ["p", "tts99_s", "ttt99_s", "whole_call_s", "build_s", "call_s",
                        "tts99_lower_bound_s", "tts99_per_read_s", "tts99_speedup_vs_neal",
                        "gap"])


def samplers_table(root: Path) -> str:
    """Per instance: the winner and every method the verdict weighs, whole calls."""
    from qfin.bench.samplers import HEURISTIC, NEAL, NEAL_POLISH, POLISH_ONLY, verdicts

    table = _samplers(root)
    v = verdicts(table)
    rows = []
    for (inst, grp), (_, ver) in zip(table.groupby("instance", sort=False), v.iterrows(),
                                     strict=True):
        by = grp.set_index("method")

        def cell(method: str, by: pd.DataFrame = by) -> str:
            if method not in by.index:
                return "–"
            r = by.loc[method]
            tts = (_s(r["tts99_s"]) if r["p"] > 0 else
                   f"never (≥ {_g(r['tts99_lower_bound_s'])} s)")
            return f"p = {_g(r['p'])}, {tts}"

        rows.append([f"{inst} ({ver['reference_source'].split(';')[0]})",
                     f"**{ver['winner']}** ({_s(ver['winner_tts99_s'])})",
                     f"{ver['best_qfin']}: {cell(ver['best_qfin'])}", cell(NEAL),
                     cell(POLISH_ONLY), cell(NEAL_POLISH), cell(HEURISTIC)])
    return _table(rows, ["instance (reference)", "winner (TTS99)", "best qfin sampler",
                         "tuned neal", "polish only (random start + 2-flip)",
                         "neal + same polish", "heuristic"])


def samplers_verdict(root: Path) -> str:
    """The benchmark's closing verdict lines, as it printed them."""
    from qfin.bench.samplers import summarise

    lines = [ln for ln in summarise(_samplers(root)) if not ln.startswith(" ")
             and (ln.startswith("VERDICT") or ln.startswith("Random start"))]
    return "\n".join(f"> {ln}" for ln in lines)


# ---------------------------------------------------------------------- qae
def _qae(root: Path) -> pd.DataFrame:
    return pd.read_csv(root / "docs/benchmarks/qae.csv", low_memory=False)


def _section(frame: pd.DataFrame, name: str, file: str = "qae.csv",
             command: str = "qfin bench qae --out docs/benchmarks/qae.csv") -> pd.DataFrame:
    part = frame[frame["section"] == name]
    if part.empty:
        raise DataError(f"docs/benchmarks/{file} has no section {name!r}; re-run "
                        f"`{command}`")
    return part


def qae_slopes(root: Path) -> str:
    part = _num(_section(_qae(root), "slopes"), ["slope"])
    rows = [[r["method"], r["cost_kind"].replace("_", " "), _g(r["slope"])]
            for _, r in part.iterrows()]
    return _table(rows, ["method", "cost counted in", "log-log slope of RMSE vs cost"])


def qae_equal_cost(root: Path) -> str:
    part = _num(_section(_qae(root), "equal-cost"), ["cost", "rmse"])
    costs = sorted(part["cost"].unique())
    rows = []
    for method, grp in part.groupby("method", sort=False):
        by = grp.set_index("cost")["rmse"]
        rows.append([method] + [_g(by.get(c, math.nan)) for c in costs])
    out = [_table(rows, ["method"] + [f"RMSE at {c:,.0f}" for c in costs])]
    for c in costs:
        ranked = part[part["cost"] == c].dropna(subset=["rmse"]).sort_values("rmse")
        if len(ranked) >= 2:
            a, b = ranked.iloc[0], ranked.iloc[1]
            out.append(f"\nAt {c:,.0f} state-preparation calls / samples the lowest RMSE is "
                       f"**{a['method']}** ({_g(a['rmse'])}), {_g(b['rmse'] / a['rmse'])}x "
                       f"below {b['method']}.")
    return "\n".join(out)


def qae_coverage(root: Path) -> str:
    part = _num(_section(_qae(root), "coverage-by-shots"),
                ["shots", "coverage", "nominal", "amplitude"])
    rows = []
    for (method, shots), grp in part.groupby(["method", "shots"], sort=False):
        low = grp["coverage"].min()
        rows.append([method, f"{int(shots)}", f"{_g(low)}–{_g(grp['coverage'].max())}",
                     _g(grp["nominal"].iloc[0]),
                     "**below nominal**" if grp["below_nominal"].astype(str).eq("True").any()
                     else "holds"])
    seeds = int(pd.to_numeric(part["n_seeds"]).iloc[0])
    return (_table(rows, ["interval", "shots", "coverage (range over amplitudes)",
                          "nominal", "verdict"])
            + f"\n\nCoverage over {seeds} seeds at the CDF of the VaR point and at "
              "amplitudes 0.05, 0.3, 0.9; *below nominal* = more than two standard errors "
              "short for at least one of them.")


def qae_scorecard(root: Path) -> str:
    part = _num(_section(_qae(root), "var-accuracy"),
                ["ground_truth", "ground_truth_low", "ground_truth_high", "error",
                 "error_low", "error_high", "model_vs_data", "whole_call_s"])
    data = part[part["ground_truth_kind"] == "data"]
    model = part[part["ground_truth_kind"] == "model"].set_index("method")
    first = data.iloc[0]
    rows = []
    for _, r in data.iterrows():
        m = model.loc[r["method"]] if r["method"] in model.index else None
        rows.append([r["method"], f"{100 * r['error']:+.2f} %",
                     "–" if m is None else f"{100 * m['error']:+.2f} %",
                     "–" if pd.isna(r["model_vs_data"]) else f"{100 * r['model_vs_data']:+.2f} %",
                     _s(r["whole_call_s"])])
    return (f"The data's 99 % VaR: {_g(first['ground_truth'], 4)} (95 % bootstrap interval "
            f"{_g(first['ground_truth_low'], 4)}–{_g(first['ground_truth_high'], 4)}).\n\n"
            + _table(rows, ["method", "error vs the data", "error vs its own model",
                            "its model vs the data", "one whole call"]))


def qae_floor(root: Path) -> str:
    part = _num(_section(_qae(root), "discretisation"), ["cvar_truncation_floor", "n_qubits",
                                                         "cvar_abs_error"])
    last = part.sort_values("n_qubits").iloc[-1]
    return (f"On the Student-t fitted to the sample's losses at 0.99 the floor is "
            f"{_g(last['cvar_truncation_floor'])}; the CVaR error at n = {int(last['n_qubits'])} "
            f"qubits is {_g(last['cvar_abs_error'])}.")


# ---------------------------------------------------------------------- qae: resources
#: The commands whose output the fault-tolerant resource blocks quote (docs/benchmarks/).
_RES_CMD = "qfin bench qae --resources-only --out docs/benchmarks/qae_resources.csv"
_VAR_EPSILON = 1e-3
_VAR_CMD = ("qfin var --method qae-iterative --qubits 10 --epsilon 1e-3 --seed 1 --resources "
            "--json")
_VAR_JSON = {"grover-rudolph": "qae_var_resources.json", "qrom": "qae_var_resources_qrom.json"}
_PREP_LABEL = {"grover-rudolph": "Grover-Rudolph", "qrom": "QROM"}
_METHOD_LABEL = {"exact": "exact VaR", "monte-carlo": "Monte Carlo",
                 "quasi-monte-carlo": "QMC", "importance-sampling": "IS"}

#: Published fault-tolerant estimates for derivative pricing, quoted from the papers (not
#: benchmark output of qfin): (who, problem, logical qubits, T, clock needed, clock in Hz).
_PUBLISHED = (
    ("Chakrabarti et al. 2021 (Quantum 5, 463)",
     "price one autocallable / TARF derivative: multi-asset, multi-step paths loaded by a "
     "pre-trained variational circuit (re-parameterization), payoff arithmetic, one "
     "expectation, target 1 s", "7.5k", "T-depth 46M", ">= 10 MHz", 1e7),
    ("Stamatopoulos & Zeng 2024 (Quantum 8, 1322)",
     "the same derivatives, payoff by quantum signal processing instead of arithmetic",
     "4.7k", "1e9 T gates", "45 MHz", 4.5e7),
)


def _sci(value: float, digits: int = 2) -> str:
    """:func:`qfin._format.format_scientific`; zero and non-finite values as :func:`_g`."""
    v = float(value)
    return _g(v) if v == 0 or not math.isfinite(v) else format_scientific(v, digits)


def _count(value: float) -> str:
    """Physical qubits for people: ``470k``, ``1.14M``."""
    v = float(value)
    return f"{v / 1e6:.3g}M" if v >= 1e6 else f"{v / 1e3:.3g}k" if v >= 1e4 else f"{v:,.0f}"


def _secs(value: float) -> str:
    """Classical seconds: ``5.5 us``, ``1.9 ms``, ``0.44 s``."""
    v = float(value)
    if v < 1e-4:
        return f"{v * 1e6:.2g} us"
    return f"{v * 1e3:.2g} ms" if v < 0.1 else f"{_sci(v)} s"


def _samples(value: float) -> str:
    v = int(value)
    return f"{v / 1e6:.2g}M" if v >= 1e6 else f"{v:,}"


def _qae_resources(root: Path) -> pd.DataFrame:
    path = root / "docs/benchmarks/qae_resources.csv"
    if not path.is_file():
        raise DataError(f"{path} is missing; run `{_RES_CMD}`")
    return pd.read_csv(path, low_memory=False)


def _break_even(root: Path) -> pd.DataFrame:
    part = _section(_qae_resources(root), "break-even", "qae_resources.csv", _RES_CMD)
    part = part.dropna(axis=1, how="all")
    text = {"section", "state_preparation", "method", "classical_var_correct",
            "ae_var_correct"}
    return _num(part, [c for c in part.columns if c not in text]).sort_values(
        "epsilon", ascending=False, kind="stable")


def _encoding(root: Path) -> pd.DataFrame:
    part = _section(_qae_resources(root), "encoding-error", "qae_resources.csv", _RES_CMD)
    return _num(part.dropna(axis=1, how="all"),
                ["n_qubits", "scenarios", "grid_step", "half_step", "discretisation_error",
                 "bootstrap_half_width", "ae_half_width", "t_count_grover_rudolph",
                 "t_count_qrom"]).sort_values(["source", "n_qubits"], kind="stable")


def _var_resources(root: Path, preparation: str) -> dict:
    """What ``qfin var ... --resources --json`` wrote, checked to be the run it claims."""
    path = root / "docs/benchmarks" / _VAR_JSON[preparation]
    flag = "" if preparation == "grover-rudolph" else f" --state-preparation {preparation}"
    if not path.is_file():
        raise DataError(f"{path} is missing; run `{_VAR_CMD}{flag} > {path.name}`")
    payload = json.loads(path.read_text(encoding="utf-8"))
    res = payload.get("resources") or {}
    if res.get("model", {}).get("state_preparation") != preparation:
        raise DataError(f"{path} does not hold a {preparation} resource estimate; re-run "
                        f"`{_VAR_CMD}{flag} > {path.name}`")
    return payload


def _v(node: dict) -> float:
    return node["value"]


def qae_resources_sample(root: Path) -> str:
    """The fault-tolerant estimate of one VaR search, both loaders (``qfin var --resources``)."""
    runs = {p: _var_resources(root, p)["resources"] for p in _VAR_JSON}
    preps = list(runs)

    def one_q(r: dict) -> str:
        q = r["per_call"]["q"]
        rot = int(_v(q["rotation_count"]))
        text = f"{int(_v(q['toffoli_count'])):,} Toffoli"
        if rot:
            text += f" + {rot:,} rotations"
        text += f" = {int(_v(q['t_count'])):,} T"
        return text + (f" ({int(_v(r['t_per_rotation']))} T per rotation)" if rot else "")

    rows = [["VaR search (simulated)"] + [f"{int(_v(runs[p]['grover_calls'])):,} Grover calls, "
                                          f"{int(_v(runs[p]['shots'])):,} shots" for p in preps],
            ["logical qubits"] + [f"{int(_v(runs[p]['logical_qubits']))}" for p in preps],
            ["one Q"] + [one_q(runs[p]) for p in preps],
            ["whole VaR search"] + [f"{_sci(_v(runs[p]['whole_run']['t_count']))} T, T-depth "
                                    f"{_sci(_v(runs[p]['whole_run']['t_depth']))}"
                                    for p in preps]]
    models = [m["qubit_model"] for m in runs[preps[0]].get("physical", [])]
    for model in models:
        cells = []
        for p in preps:
            hit = [m for m in runs[p].get("physical", []) if m["qubit_model"] == model]
            if not hit:
                cells.append("–")
                continue
            m = hit[0]
            rt = _v(m["runtime"])
            cells.append(f"{_count(_v(m['physical_qubits']))} physical qubits, "
                         f"d = {int(_v(m['code_distance']))}, {_sci(rt)} s "
                         f"({_duration(rt)})")
        rows.append([model] + cells)
    header = [""] + [f"{_PREP_LABEL[p]}" + (" (simulated)" if p == "grover-rudolph" else "")
                     for p in preps]
    return (f"`{_VAR_CMD}` (`docs/benchmarks/qae_var_resources.json`; with "
            "`--state-preparation qrom`: `qae_var_resources_qrom.json`). Estimates under the "
            "assumptions above, never measured runtimes:\n\n" + _table(rows, header))


def _wall_seconds(root: Path) -> str | None:
    path = root / "docs/benchmarks/qae_resources.txt"
    if not path.is_file():
        return None
    hit = re.search(r"^wrote .*; (\d+) s$", path.read_text(encoding="utf-8"), re.M)
    return hit.group(1) if hit else None


def qae_break_even(root: Path) -> str:
    """The break-even table of ``qfin bench qae --resources-only``."""
    be = _break_even(root)
    first = be.iloc[0]
    wall = _wall_seconds(root)
    methods = [m for m in ("exact", "monte-carlo", "quasi-monte-carlo", "importance-sampling")
               if m in set(be["method"])]
    rows, missed = [], False
    for eps, grp in be.groupby("epsilon", sort=False):
        by = grp.set_index("method")
        ae = grp.iloc[0]
        cells = []
        for m in methods:
            r = by.loc[m]
            cell = _secs(r["classical_seconds"])
            if m != "exact":
                cell += f" ({_samples(r['classical_samples'])})"
            if str(r["classical_var_correct"]).lower() != "true":
                cell += " †"
                missed = True
            cells.append(cell)
        at_10mhz = ae.get("ae_runtime_s_at_1e+07_hz", math.nan)
        rows.append([_sci(eps, 1), f"{int(ae['ae_grover_calls']):,}", _sci(ae["ae_t_depth"]),
                     f"{at_10mhz:,.0f} s" if at_10mhz >= 100 else f"{at_10mhz:.3g} s"]
                    + cells + [f"{_sci(by.loc['monte-carlo', 'break_even_clock_hz'])} Hz"
                               if "monte-carlo" in by.index else "–"])
    header = (["epsilon", "AE Grover calls", "AE T-depth", "AE at 10 MHz"]
              + [_METHOD_LABEL[m] + ("" if m == "exact" else " (samples)") for m in methods]
              + ["break-even clock vs Monte Carlo"])
    lead = (f"`{_RES_CMD}` ("
            + (f"{wall} s in all " if wall else "")
            + "on the machine named in `docs/benchmarks/README.md`; classical seconds are "
              "medians of that run, AE runtimes are estimates): the sample's "
            f"{100 * first['confidence']:g} % VaR to accuracy epsilon, iterative AE (alpha "
            f"{first['alpha']:g}, n = {int(first['n_qubits'])}) against the classical methods "
            "on the same pmf.\n\n")
    note = ("\n\n† the timed classical estimate missed the exact VaR of the pmf (samples are "
            "sized for +-epsilon on the CDF at level 0.95, not for hitting the grid point)."
            if missed else "")
    return lead + _table(rows, header) + note


def qae_break_even_models(root: Path) -> str:
    """Per qubit model runtimes and the break-even clock range against each method."""
    be = _break_even(root)
    per_eps = be.drop_duplicates("epsilon")
    eps = " / ".join(_sci(e, 1) for e in per_eps["epsilon"])
    models = [c.removeprefix("ae_runtime_s_") for c in be.columns
              if c.startswith("ae_runtime_s_qubit_")]
    parts = []
    if models:
        runs = [f"{' / '.join(_sci(v) for v in per_eps['ae_runtime_s_' + m])} s on `{m}`"
                for m in models]
        parts.append(f"Per qubit model (the Microsoft estimator) the same runs (epsilon {eps}) "
                     f"take {', '.join(runs[:-1])} and {runs[-1]}." if len(runs) > 1 else
                     f"Per qubit model (the Microsoft estimator) the same runs (epsilon {eps}) "
                     f"take {runs[0]}.")
    ranges = []
    for method, grp in be.groupby("method", sort=False):
        lo, hi = grp["break_even_clock_hz"].min(), grp["break_even_clock_hz"].max()
        ranges.append(f"against {'the ' if method == 'exact' else ''}"
                      f"{_METHOD_LABEL[method]} {_sci(lo)} to {_sci(hi)}")
    parts.append("The break-even clock (AE T-depth / classical seconds) is, in T layers per "
                 f"second, {'; '.join(ranges)}.")
    return " ".join(parts)


def qae_qmc_slopes(root: Path) -> str:
    """AE's Grover calls against QMC's samples over epsilon (:func:`qmc_crossover`)."""
    from qfin.qae import qmc_crossover

    cross = qmc_crossover(_break_even(root))
    ratios = cross["query_ratio"].values()
    text = (f"AE needed {_g(min(ratios))}x to {_g(max(ratios))}x more Grover calls than QMC "
            f"needed samples, with fitted slopes {cross['ae_slope']:.2f} (AE) and "
            f"{cross['qmc_slope']:.2f} (QMC) of log cost against log(1/epsilon)")
    if cross["crossover_epsilon"] is None:
        return ("QMC's cost grows about as fast as AE's here (a 1-D stratified sample: its "
                f"error falls close to 1/N): {text}, so AE's query count never falls below "
                "QMC's in the measured range.")
    return f"{text}. {cross['verdict']}."


def _runs(values: list[int]) -> str:
    """``8, 11 to 15`` from ``[8, 11, 12, 13, 14, 15]``."""
    out, start = [], None
    for i, v in enumerate(values):
        if start is None:
            start = v
        if i + 1 == len(values) or values[i + 1] != v + 1:
            out.append(f"{start}" if start == v else f"{start} to {v}")
            start = None
    return ", ".join(out)


def qae_encoding_error(root: Path) -> str:
    """Which error dominates the VaR per register size (section ``encoding-error``)."""
    enc = _encoding(root)
    out = []
    for source, grp in enc.groupby("source", sort=False):
        grp = grp.sort_values("n_qubits")
        first, last = grp.iloc[0], grp.iloc[-1]
        boot = float(grp["bootstrap_half_width"].iloc[0])
        within = bool((grp["discretisation_error"] <= grp["half_step"] * (1 + 1e-9)).all())
        disc = (f"a discretisation error {'of at most half a grid step ' if within else ''}"
                f"({_sci(first['discretisation_error'])} at n = {int(first['n_qubits'])}, "
                f"{_sci(last['discretisation_error'])} at n = {int(last['n_qubits'])})")
        ae_zero = bool((grp["ae_half_width"] == 0).all())
        ae = ("an AE bracket that collapses to one grid point" if ae_zero else
              f"an AE bracket half-width of up to {_sci(grp['ae_half_width'].max())}")
        dominant = [(k, [int(n) for n in g["n_qubits"]])
                    for k, g in grp.groupby("dominant_error", sort=False)]
        if len(dominant) == 1:
            verdict = f"{dominant[0][0]} dominates at every n"
        else:
            verdict = "; ".join(f"{k} dominates at n = {_runs(ns)}" for k, ns in dominant)
        n_scen = int(first["scenarios"])
        what = (f"the sample's {n_scen:,} daily losses" if source == "historical" else
                f"{n_scen:,} {source.replace('monte carlo', 'Monte Carlo')} scenarios fitted "
                "to the sample")
        out.append(f"For {what} the bootstrap 95 % half-width of the data's own VaR is "
                   f"{_sci(boot)} ({100 * boot:.2g} % of portfolio value), against {disc} "
                   f"and {ae}: {verdict}.")
    source = enc["source"].iloc[0]
    gr = enc[enc["source"] == source].set_index("n_qubits")
    lo_n, hi_n = int(gr.index.min()), int(gr.index.max())
    growth = (gr["t_count_grover_rudolph"].iloc[-1] / gr["t_count_grover_rudolph"].iloc[0]
              ) ** (1 / max(hi_n - lo_n, 1))
    out.append(f"Meanwhile the Grover-Rudolph cost of the VaR search ({source} losses) grows "
               f"about {growth:.2g}-fold per qubit ({_sci(gr['t_count_grover_rudolph'].iloc[0])}"
               f" T at n = {lo_n}, {_sci(gr['t_count_grover_rudolph'].iloc[-1])} T at "
               f"n = {hi_n}; QROM {_sci(gr['t_count_qrom'].iloc[0])} to "
               f"{_sci(gr['t_count_qrom'].iloc[-1])}).")
    below = []
    for share in (1.0, 0.1):
        ok = enc["discretisation_error"] < share * enc["bootstrap_half_width"]
        last_bad = enc.loc[~ok, "n_qubits"]
        below.append(int(last_bad.max()) + 1 if len(last_bad) else lo_n)
    out.append(f"From n = {below[0]} on the discretisation error stays below the data's own "
               f"sampling error for every source, from n = {below[1]} on below a tenth of it: "
               "beyond that, more qubits buy nothing the data can support.")
    return "\n\n".join(out)


def _qfin_comparison_row(root: Path) -> list[str]:
    runs = {p: _var_resources(root, p)["resources"] for p in _VAR_JSON}
    be = _break_even(root)
    at = be[np.isclose(be["epsilon"], _VAR_EPSILON)].set_index("method")
    qubits = " to ".join(f"{int(_v(runs[p]['logical_qubits']))} ({_PREP_LABEL[p]})"
                         for p in runs)
    depth = " / ".join(f"{_sci(_v(runs[p]['whole_run']['t_depth']))} ({_PREP_LABEL[p]})"
                       for p in runs)
    n = int(runs["grover-rudolph"]["model"]["n_qubits"])
    clocks = []
    for m in ("monte-carlo", "exact"):
        if m in at.index:
            clocks.append(f"{_sci(at.loc[m, 'break_even_clock_hz'])} T layers/s to match "
                          f"{'the ' if m == 'exact' else ''}{_METHOD_LABEL[m]} "
                          f"({_secs(at.loc[m, 'classical_seconds'])})")
    return ["qfin (this section)",
            f"99 % VaR of one 1-D portfolio loss pmf on 2^n points (n = {n}), loaded exactly; "
            "comparator only; a bisection of n estimates; target: the classical time measured "
            "here for the same epsilon", qubits,
            f"T-depth {depth} at epsilon {_sci(_VAR_EPSILON, 1)}",
            ", ".join(clocks) + (f" (Grover-Rudolph; the break-even run's T-depth, "
                                 f"{_sci(at['ae_t_depth'].iloc[0])})" if len(at) else "")]


def qae_published_comparison(root: Path) -> str:
    """The published estimates (quoted from the papers) next to qfin's, from its tables."""
    rows = [[who, problem, qubits, t, clock] for who, problem, qubits, t, clock, _ in _PUBLISHED]
    return _table(rows + [_qfin_comparison_row(root)],
                  ["", "problem", "logical qubits", "T", "clock needed"])


def qae_sub_microsecond(root: Path) -> str:
    """What finishing the sample's AE VaR search in a microsecond would need."""
    be = _break_even(root)
    loosest = be.iloc[0]
    eps = float(loosest["epsilon"])
    calls, shots = int(loosest["ae_grover_calls"]), int(loosest["ae_shots"])
    gr_depth = float(loosest["ae_t_depth"])
    per = {p: _var_resources(root, p)["resources"]["per_call"] for p in _VAR_JSON}
    # QROM counts do not depend on the rotation precision: Q x calls + A x shots is exact
    qrom_depth = (calls * _v(per["qrom"]["q"]["t_depth"])
                  + shots * _v(per["qrom"]["per_shot_extra"]["t_depth"]))
    lo_hz, hi_hz = min(p[-1] for p in _PUBLISHED), max(p[-1] for p in _PUBLISHED)
    model_clocks = [_v(m["logical_clock_rate"]) for p in _VAR_JSON
                    for m in _var_resources(root, p)["resources"].get("physical", [])]
    models = [c for c in be.columns if c.startswith("ae_runtime_s_qubit_")]
    exact = be[(be["method"] == "exact") & np.isclose(be["epsilon"], eps)]
    text = (f"Even at epsilon = {_sci(eps, 1)} the AE VaR search of the {int(loosest['n_qubits'])}-"
            f"qubit sample needs {calls:,} Grover calls in sequence, each with a T-depth of "
            f"{int(_v(per['grover-rudolph']['q']['t_depth'])):,} (Grover-Rudolph, at the "
            f"rotation precision of the epsilon {_sci(_VAR_EPSILON, 1)} run) or "
            f"{int(_v(per['qrom']['q']['t_depth'])):,} (QROM); the whole search has a T-depth "
            f"of {_sci(gr_depth)} (Grover-Rudolph) or {_sci(qrom_depth)} (QROM: Q x calls + "
            f"A x shots). At the {lo_hz / 1e6:g}-{hi_hz / 1e6:g} MHz logical clock the "
            "literature treats as the threshold for advantage that is "
            f"{_duration(gr_depth / hi_hz)} to {_duration(gr_depth / lo_hz)} (Grover-Rudolph) "
            f"and {_duration(qrom_depth / hi_hz)} to {_duration(qrom_depth / lo_hz)} (QROM)")
    if model_clocks:
        text += (f"; the Microsoft estimator's qubit models reach {_sci(min(model_clocks))} to "
                 f"{_sci(max(model_clocks))} logical operations per second")
    if models:
        runtimes = loosest[models].astype(float)
        text += (f", on which the Grover-Rudolph search takes {_duration(runtimes.min())} to "
                 f"{_duration(runtimes.max())}")
    text += (f". Finishing in under a microsecond would need more than {_sci(qrom_depth / 1e-6)}"
             f" T layers per second (QROM; {_sci(gr_depth / 1e-6)} with Grover-Rudolph)")
    if not exact.empty:
        text += (", while the exact classical VaR of the same pmf took "
                 f"{_secs(exact['classical_seconds'].iloc[0])} in the same benchmark run")
    return text + "."


def qae_break_even_summary(root: Path) -> str:
    """One sentence for the README: the range of break-even clock rates."""
    be = _break_even(root)
    lo = be.loc[be["break_even_clock_hz"].idxmin()]
    hi = be.loc[be["break_even_clock_hz"].idxmax()]

    def label(r: pd.Series) -> str:
        name = {"exact": "exact VaR", "quasi-monte-carlo": "quasi-Monte Carlo",
                "importance-sampling": "importance sampling"}.get(r["method"], "Monte Carlo")
        return f"{name}, ε = {_sci(r['epsilon'], 1)}"

    return ("Turned into a fault-tolerant resource estimate, the AE VaR of the sample would "
            f"need a logical clock of {_sci(lo['break_even_clock_hz'])} ({label(lo)}) to "
            f"{_sci(hi['break_even_clock_hz'])} ({label(hi)}) T layers per second to match "
            "the classical seconds measured here (`qfin bench qae --resources-only`, "
            "[docs/qae.md](docs/qae.md)): an estimate under stated assumptions, not a "
            "measured runtime.")


# ---------------------------------------------------------------------- portfolio
def portfolio_table(root: Path) -> str:
    table = _num(pd.read_csv(root / "docs/benchmarks/portfolio.csv"),
                 ["gap", "success_probability", "seconds", "tts99", "n_assets"])
    rows = []
    for (n, k), grp in table.groupby(["n_assets", "cardinality"], sort=True):
        for _, r in grp.iterrows():
            gap = "–" if pd.isna(r["gap"]) else _g(r["gap"])
            if str(r["method"]) == "convex" and gap != "–":
                gap += " (bound gap: a relaxation)"
            rows.append([f"{int(n)} ({int(k)})", str(r["method"]), gap,
                         _g(r["success_probability"]),
                         "–" if pd.isna(r["tts99"]) else _s(r["tts99"]),
                         str(r["reference_source"])])
    return _table(rows, ["n (K)", "method", "gap", "p", "TTS99 (whole calls)", "reference"])


# ---------------------------------------------------------------------- ccef
def _ccef_orlib(root: Path) -> pd.DataFrame:
    files = sorted((root / "docs/benchmarks/ccef").glob("port*.csv"))
    if not files:
        raise DataError("no docs/benchmarks/ccef/port*.csv: run `qfin bench ccef --instance N "
                        "--out docs/benchmarks/ccef/portN.csv` first")
    return pd.concat([pd.read_csv(f) for f in files], ignore_index=True)


def ccef_orlib_table(root: Path) -> str:
    """OR-Library port1-5: every method's errors and seconds, the exact frontier first."""
    table = _ccef_orlib(root)
    measured = table[table["source"] == "measured (this run)"]
    rows = []
    for _, r in measured.iterrows():
        proven = ("–" if pd.isna(r["n_proven"]) else
                  f"{int(r['n_within_1e6'])}/{int(r['n_proven'])}")
        if r["method"] == "miqp":
            proven = f"{int(r['n_optimal'])} of {int(r['n_points'])} proven"
        rows.append([str(r["instance"]), str(r["method"]), f"{r['mean_error']:.4f}",
                     f"{r['median_error']:.4f}", f"{r['mean_error_b']:.4f}", f"{r['vre']:.4f}",
                     f"{r['mre']:.4f}", _g(r["seconds"]), _g(r["cpu_seconds"]), proven])
    return _table(rows, ["instance", "method", "mean % (a)", "median % (a)", "mean % (b)",
                         "VRE", "MRE", "wall s", "CPU s",
                         "SCIP-proven points matched within 1e-6"])


def ccef_orlib_verdict(root: Path) -> str:
    """The verdict and comparison lines of the recorded runs, re-derived from their tables."""
    from qfin.bench.ccef import comparison_lines, verdict_lines

    table = _ccef_orlib(root)
    return "\n>\n".join(f"> {line}" for line in verdict_lines(table) + comparison_lines(table))


def _ccef_universes(root: Path, suffix: str) -> list[pd.DataFrame]:
    folder = root / "docs/benchmarks/ccef"
    return [pd.read_csv(folder / f"{name}{suffix}.csv") for name in ("nasdaq100", "indtrack6")
            if (folder / f"{name}{suffix}.csv").is_file()]


def ccef_universes_table(root: Path) -> str:
    """Weekly universes in sample: errors against qfin's cvxpy UEF, seconds."""
    rows = []
    for table in _ccef_universes(root, ""):
        for _, r in table.iterrows():
            rows.append([f"{r['universe']} ({int(r['n_assets'])})", str(int(r["k"])),
                         str(r["method"]), f"{r['mean_error']:.4f}", f"{r['median_error']:.4f}",
                         f"{r['vre']:.4f}", f"{r['mre']:.4f}", _g(r["seconds"]),
                         _g(r["cpu_seconds"])])
    return _table(rows, ["universe (assets)", "k", "method", "mean % (a)", "median % (a)",
                         "VRE", "MRE", "wall s", "CPU s"])


def ccef_walk_forward_table(root: Path) -> str:
    """Walk-forward, out of sample: each method's portfolios, equal weights and the index."""
    rows = []
    for table in _ccef_universes(root, "-walk-forward"):
        for _, r in table.iterrows():
            rows.append([str(r["universe"]), str(int(r["k"])), str(r["portfolio"]),
                         f"{100 * r['annual_return']:.1f} %",
                         f"{100 * r['annual_volatility']:.1f} %", f"{r['sharpe']:.2f}",
                         f"{100 * r['max_drawdown']:.1f} %",
                         "–" if pd.isna(r["turnover"]) else f"{r['turnover']:.2f}",
                         str(int(r["rebalances"]))])
    return _table(rows, ["universe", "k", "portfolio", "annual return", "annual volatility",
                         "Sharpe", "max drawdown", "turnover", "re-selections"])


# ---------------------------------------------------------------------- qoblib
#: docs/benchmarks/qoblib/<file>.csv -> what the run was (its command is in qoblib/README.md).
QOBLIB_RUNS = {
    "a010": "a010, every method, 5 CPU s each",
    "a050-annealing": "a050, qfin's annealing, 60 CPU s each",
    "a050-baselines": "a050 subset, the four baselines, 60 CPU s each",
}


def qoblib_table(root: Path) -> str:
    """Per run and method: pairs matched or beaten (OPTIMAL / TIME_LIMIT), gaps, TTT."""
    from qfin.bench.qoblib import method_scores

    rows = []
    for name, label in QOBLIB_RUNS.items():
        path = root / "docs/benchmarks/qoblib" / f"{name}.csv"
        if not path.is_file():
            continue
        scores = method_scores(_num(pd.read_csv(path), ["gap", "ttt_median_s"]))
        for sc in scores.itertuples():
            method = sc.Index
            lim = (f"{sc.lim_matched}/{sc.lim_pairs}"
                   + (f" ({100 * sc.lim_matched / sc.lim_pairs:.0f} %)" if sc.lim_pairs else ""))
            rows.append([label, str(method), str(sc.pairs),
                         f"{sc.opt_matched}/{sc.opt_pairs}", lim, str(sc.beat),
                         f"{sc.median_gap:+.2e}", f"{sc.worst_gap:+.2e}",
                         _s(sc.median_ttt) if math.isfinite(sc.median_ttt) else "never"])
    return _table(rows, ["run", "method", "pairs", "matched: OPTIMAL",
                         "matched or beaten: TIME_LIMIT", "beaten", "median relative gap",
                         "worst relative gap", "median TTT where reached"])


#: Snippet name → function of the repository root returning Markdown.
def report_size(root: Path) -> str:
    """The demo run folder and its page loads, before (report_before.csv) and now."""
    rows = []
    for label, name in (("before (plotly.js inline in every page)", "report_before.csv"),
                        ("now (one shared plotly.js)", "report.csv")):
        path = root / "docs/benchmarks" / name
        if not path.is_file():
            continue
        table = pd.read_csv(path)
        sizes = table[table["section"] == "size"].set_index("kind")
        pages = table[table["section"] == "page_load"]
        rows.append([label, _g(float(sizes.loc["total", "bytes"]) / 1e6, 3),
                     str(len(pages)), _s(float(pages["rendered_s"].median())),
                     _s(float(pages["rendered_s"].max())),
                     _s(float(pages["rendered_max_s"].max()))])
    return _table(rows, ["demo run folder", "size (MB)", "pages", "median page",
                         "slowest page (median of 3)", "slowest single open"])


SNIPPETS: dict[str, Callable[[Path], str]] = {
    "samplers-table": samplers_table,
    "samplers-verdict": samplers_verdict,
    "qae-slopes": qae_slopes,
    "qae-equal-cost": qae_equal_cost,
    "qae-coverage": qae_coverage,
    "qae-scorecard": qae_scorecard,
    "qae-floor": qae_floor,
    "qae-resources-sample": qae_resources_sample,
    "qae-break-even": qae_break_even,
    "qae-break-even-models": qae_break_even_models,
    "qae-qmc-slopes": qae_qmc_slopes,
    "qae-encoding-error": qae_encoding_error,
    "qae-published-comparison": qae_published_comparison,
    "qae-sub-microsecond": qae_sub_microsecond,
    "qae-break-even-summary": qae_break_even_summary,
    "portfolio-table": portfolio_table,
    "report-size": report_size,
    "ccef-orlib-table": ccef_orlib_table,
    "ccef-orlib-verdict": ccef_orlib_verdict,
    "ccef-universes-table": ccef_universes_table,
    "ccef-walk-forward-table": ccef_walk_forward_table,
    "qoblib-table": qoblib_table,
}


def render_snippet(name: str, root: Path | str = ".") -> str:
    """The Markdown of one generated block, from the tables in ``docs/benchmarks``."""
    if name not in SNIPPETS:
        raise DataError(f"unknown generated block {name!r}; known: {sorted(SNIPPETS)}")
    return SNIPPETS[name](Path(root)).rstrip("\n") + "\n"


def render_docs(root: Path | str = ".", *, check: bool = False) -> list[str]:
    """Re-render every generated block of :data:`DOC_FILES`; return the files that changed.

    Parameters
    ----------
    root : path
        The repository root (holds ``docs/benchmarks``).
    check : bool
        Only report what would change; write nothing.

    Returns
    -------
    list of str
        Files (relative) whose blocks differ from the rendering.
    """
    root = Path(root)
    changed = []
    for rel in DOC_FILES:
        path = root / rel
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        new = _BLOCK.sub(lambda m: m.group(1) + render_snippet(m.group("name"), root)
                         + m.group(4), text)
        if new != text:
            changed.append(rel)
            if not check:
                path.write_text(new, encoding="utf-8")
    return changed
