"""Names of the benchmarks that the ``qfin bench`` parsers list (no numpy, no pandas).

:mod:`qfin.bench.samplers` and ``qfin bench samplers --help`` read the same tuple here, so
building the parser imports nothing heavy.
"""

from __future__ import annotations

__all__ = ["FAMILIES"]

#: Instance families of the samplers benchmark (:func:`qfin.bench.samplers.build_instances`).
FAMILIES = ("sample", "synthetic", "weights-4bit", "sector-bounded")
