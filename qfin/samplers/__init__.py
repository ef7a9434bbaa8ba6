"""qfin's own QUBO samplers (classical, quantum-inspired) as dimod Samplers.

Both run their inner loop as array algebra on a :mod:`qfin.backends` backend (numpy/BLAS
always; MLX on Metal, CUDA or CPU), so the same code serves a laptop and a GPU. Everything
here is a classical simulation; nothing claims a quantum speed-up.

>>> import dimod
>>> from qfin.samplers import ParallelAnnealingSampler
>>> bqm = dimod.BQM({"a": 1.0}, {}, 0.0, "BINARY")
>>> ParallelAnnealingSampler().sample(bqm, num_reads=4, seed=7).first.energy
0.0
"""

from qfin.samplers._annealing import ParallelAnnealingSampler
from qfin.samplers._base import ArraySampler
from qfin.samplers._bifurcation import SimulatedBifurcationSampler
from qfin.samplers._schedule import default_beta_range
from qfin.samplers._structured import (
    StructuredAnnealingSampler,
    StructuredResult,
    block_descent,
)
from qfin.samplers._structured_model import StructuredCountModel

__all__ = ["ArraySampler", "ParallelAnnealingSampler", "SimulatedBifurcationSampler",
           "default_beta_range", "StructuredCountModel",
           "StructuredAnnealingSampler", "StructuredResult", "block_descent"]
