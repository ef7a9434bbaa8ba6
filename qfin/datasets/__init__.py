"""Benchmark datasets from the field's own references, shipped or read from a user's copy."""

from qfin.datasets._qoblib import *  # noqa: F403  (QOBLIB 06-portfolio; names in its __all__)
