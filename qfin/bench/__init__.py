"""Accuracy and latency measurement shared by every benchmark, notebook and CLI.

>>> from qfin.bench import time_call
>>> stats = time_call(lambda: sum(range(100)), repeat=5)
>>> stats.n
5
"""

from qfin.bench._environment import environment_info, git_revision
from qfin.bench._output import save_benchmark
from qfin.bench._timing import Timing, peak_memory_of, time_call

__all__ = ["time_call", "Timing", "peak_memory_of", "environment_info", "git_revision",
           "save_benchmark"]
