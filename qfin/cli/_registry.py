"""The subcommands of ``qfin``: name -> one-line help (the only place they are listed).

``qfin --help`` and ``qfin --version`` read this table and nothing else, so start-up imports
no science; the module ``qfin/cli/cmd_<name>.py`` of a command is imported only when that
command runs (or when the full parser is built, e.g. for the tests of every ``--help``).
"""

from __future__ import annotations

__all__ = ["COMMANDS"]

COMMANDS: dict[str, str] = {
    "backtest": "rolling-window VaR backtest with Kupiec and Christoffersen tests",
    "bench": "benchmarks: accuracy and latency, printed and written to a file",
    "data": "the market database: build, inspect, ingest, export",
    "lab": "open JupyterLab on notebooks/ with a kernel that has qfin installed",
    "optimize": "portfolio selection: QUBO annealing vs exact, MIQP, convex, heuristic",
    "pipeline": "run notebook pipelines (papermill over parameter grids, on Dask)",
    "report": "write run reports and index.html (findings first) for a pipeline output folder",
    "var": "VaR and CVaR of a portfolio (historical, parametric, Monte Carlo, ...)",
}
