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

import math
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from qfin.errors import DataError

__all__ = ["SNIPPETS", "DOC_FILES", "render_docs", "render_snippet"]

#: Files that may hold generated blocks, relative to the repository root.
DOC_FILES = ("README.md", "docs/samplers.md", "docs/qae.md", "docs/portfolio.md",
             "docs/risk.md", "docs/benchmarks/README.md")

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


def _section(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    part = frame[frame["section"] == name]
    if part.empty:
        raise DataError(f"docs/benchmarks/qae.csv has no section {name!r}; re-run "
                        "`qfin bench qae --out docs/benchmarks/qae.csv`")
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


#: Snippet name → function of the repository root returning Markdown.
SNIPPETS: dict[str, Callable[[Path], str]] = {
    "samplers-table": samplers_table,
    "samplers-verdict": samplers_verdict,
    "qae-slopes": qae_slopes,
    "qae-equal-cost": qae_equal_cost,
    "qae-coverage": qae_coverage,
    "qae-scorecard": qae_scorecard,
    "qae-floor": qae_floor,
    "portfolio-table": portfolio_table,
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
