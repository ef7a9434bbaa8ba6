"""The names of the risk methods (no imports: the CLI reads them to build ``--help``)."""

from __future__ import annotations

__all__ = ["CLOSED_FORM_METHODS", "SAMPLING_METHODS", "METHODS", "COPULAS",
           "DEFAULT_BACKTEST_METHODS", "DEFAULT_PATHS"]

CLOSED_FORM_METHODS = ("normal", "t", "cornish-fisher")
SAMPLING_METHODS = ("mc", "qmc", "is")
METHODS = ("historical", *CLOSED_FORM_METHODS, *SAMPLING_METHODS)
COPULAS = ("gaussian", "t")
DEFAULT_BACKTEST_METHODS = ("historical", "normal", "t", "cornish-fisher")
#: Default scenario counts of the sampling methods.
DEFAULT_PATHS = {"mc": 1_000_000, "qmc": 1 << 16, "is": 100_000}
