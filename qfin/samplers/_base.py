"""What every qfin sampler shares: parameter handling, backends, BLAS threads, timings."""

from __future__ import annotations

import time
from abc import abstractmethod
from contextlib import contextmanager
from typing import Any

import dimod
import numpy as np
from threadpoolctl import threadpool_limits

from qfin.backends import available, get
from qfin.errors import ProblemError
from qfin.samplers._constrained import sample_cqm as _sample_cqm
from qfin.samplers._model import DenseIsing, check_bqm, check_num_reads, check_positive_int
from qfin.samplers._model import dense_ising as _dense_ising
from qfin.samplers._polish import check_polish, polish_spins

__all__ = ["ArraySampler", "blas_threads_limited", "resolve_backend"]

COMMON_PARAMETERS: dict[str, list] = {
    "num_reads": [], "seed": [], "backend": [], "dtype": [], "polish": [], "blas_threads": [],
}


@contextmanager
def blas_threads_limited(blas_threads: int | None):
    """Limit BLAS threads for the block (``None`` leaves the library's own setting).

    The products here are small (R×n by n×n with n ≤ a few thousand): on OpenBLAS two
    threads were measured several times *slower* than one, so the samplers default to 1.
    """
    if blas_threads is None:
        yield
        return
    with threadpool_limits(limits=blas_threads, user_api="blas"):
        yield


def resolve_backend(backend: Any, dtype: Any) -> tuple[Any, Any]:
    """Return ``(backend, dtype)``; unknown names and float64 on an MLX GPU raise."""
    be = get(backend)
    return be, be.resolve_dtype(dtype)


class ArraySampler(dimod.Sampler):
    """Base class: a dimod sampler whose inner loop is array algebra on a qfin backend.

    Subclasses implement :meth:`_run` on a :class:`DenseIsing` model and return spins.
    """

    _own_parameters: dict[str, list] = {}
    _description = ""

    def __init__(self) -> None:
        self._parameters = {**COMMON_PARAMETERS, **self._own_parameters}
        self._properties = {
            "description": self._description,
            "backends": available(),
            "default_backend": "numpy",
            "category": "software (classical simulation)",
        }

    @property
    def parameters(self) -> dict[str, list]:
        """Keyword arguments accepted by :meth:`sample` (dimod convention)."""
        return self._parameters

    @property
    def properties(self) -> dict[str, Any]:
        """Static facts about the sampler (dimod convention)."""
        return self._properties

    def sample(self, bqm: dimod.BinaryQuadraticModel, *, num_reads: int = 1024,
               seed: int | None = None, backend: Any = "numpy", dtype: Any = None,
               polish: bool | str = True, blas_threads: int | None = 1,
               **kwargs: Any) -> dimod.SampleSet:
        """Sample ``bqm``; see the class docstring for the algorithm's own parameters.

        Parameters
        ----------
        bqm : dimod.BinaryQuadraticModel
            Any vartype; at least one variable; finite biases.
        num_reads : int
            Number of independent reads (replicas / agents), stepped together.
        seed : int, optional
            Seed; equal seeds give bit-identical results on numpy.
        backend : {"numpy", "mlx", "auto"} or Backend
            Where the arrays live.
        dtype : {"float32", "float64"}, optional
            Working precision (default: the backend's, float64 on numpy, float32 on MLX).
            Returned energies are always recomputed in float64.
        polish : bool or {"1-flip", "2-flip"}
            Steepest descent on every read, on by default (``True`` = ``"2-flip"``: single
            flips, then pair flips); energies before polishing stay in the
            ``energy_unpolished`` field and ``info["polish"]`` summarises the effect.
            ``polish=False`` returns the raw sampler's reads.
        blas_threads : int or None
            BLAS threads while sampling (default 1; ``None`` leaves the library setting).

        Returns
        -------
        dimod.SampleSet
            With ``info["timing"]`` (seconds: ``build``, ``first_step``, ``sampling``,
            ``polish``, ``total``) and the schedule used.
        """
        t0 = time.perf_counter()
        kwargs = self.remove_unknown_kwargs(**kwargs)
        bqm = check_bqm(bqm)
        num_reads = check_num_reads(num_reads)
        if blas_threads is not None:
            blas_threads = check_positive_int("blas_threads", blas_threads)
        be, dt = resolve_backend(backend, dtype)
        seed = _check_seed(seed)
        polish_mode = check_polish(polish)
        model = _dense_ising(bqm)
        with blas_threads_limited(blas_threads):
            spins, info = self._run(model, num_reads, seed, be, dt, t0=t0, **kwargs)
            spins = np.where(spins >= 0, 1, -1).astype(np.int8)
            vectors: dict[str, Any] = {}
            timing = info.setdefault("timing", {})
            if polish_mode:
                tp = time.perf_counter()
                before = model.energies(spins)
                spins = polish_spins(model, spins, polish_mode)
                timing["polish"] = time.perf_counter() - tp
                after = model.energies(spins)
                vectors["energy_unpolished"] = before
                info["polish"] = {
                    "method": f"{polish_mode} steepest descent (vectorised over reads)",
                    "min_energy_before": float(before.min()),
                    "min_energy_after": float(after.min()),
                    "mean_energy_before": float(before.mean()),
                    "mean_energy_after": float(after.mean()),
                    "reads_improved": int(np.sum(after < before - 1e-12 * (1 + abs(before)))),
                    "seconds": timing["polish"],
                }
            else:
                timing["polish"] = 0.0
        samples = spins if bqm.vartype is dimod.SPIN else ((spins + 1) // 2).astype(np.int8)
        info.update({"backend": be.name, "device": be.device, "dtype": np.dtype(
            "float64" if "64" in str(dt) else "float32").name, "num_reads": num_reads,
            "seed": seed, "blas_threads": blas_threads})
        timing["total"] = time.perf_counter() - t0
        return dimod.SampleSet.from_samples_bqm((samples, model.variables), bqm, info=info,
                                                **vectors)

    def sample_cqm(self, cqm: dimod.ConstrainedQuadraticModel, *, num_reads: int = 256,
                   seed: int | None = None, mode: str = "auto", num_sweeps: int = 50,
                   beta_range: Any = None, penalty: float | None = None, polish: bool = True,
                   **bqm_parameters: Any) -> dimod.SampleSet:
        """Constraint-aware sampling of a CQM (as D-Wave's hybrid CQM sampler offers).

        If the CQM has an equality that conserves units — ``Σx = K`` over binaries
        (cardinality), ``Σv = D`` over integers, or a budget over binary-encoded weights — the
        reads start feasible and only make moves that keep it: pair swaps or exchanges of one
        weight unit (see :mod:`qfin.samplers._constrained`). Other *linear* constraints are
        added as ``penalty·violation²``, evaluated exactly per move. Otherwise the CQM is
        turned into a penalised BQM with ``dimod.cqm_to_bqm`` and sampled by :meth:`sample`.

        Parameters
        ----------
        cqm : dimod.ConstrainedQuadraticModel
        num_reads : int
            Replicas, annealed together.
        seed : int, optional
        mode : {"auto", "exchange", "penalty"}
            ``"exchange"`` insists on the feasible-move annealer, ``"penalty"`` forces the BQM.
        num_sweeps : int
            Exchange mode: moves per replica = ``num_sweeps`` × number of (integer) variables.
        beta_range : (float, float), optional
            Exchange mode: default from the uphill moves seen at random feasible states.
        penalty : float, optional
            Lagrange multiplier for penalised constraints (default from the objective scale).
        polish : bool
            Steepest unit-move (swap) descent on every read; or 1-flip descent in penalty mode.
        **bqm_parameters
            Passed to :meth:`sample` in penalty mode only.

        Returns
        -------
        dimod.SampleSet
            Samples over the CQM's variables, ``energy`` = CQM objective, ``is_feasible``,
            and ``info`` with ``mode``, timings and the polish summary.
        """
        return _sample_cqm(self, cqm, num_reads=num_reads, seed=seed, mode=mode,
                           num_sweeps=num_sweeps, beta_range=beta_range, penalty=penalty,
                           polish=polish, **bqm_parameters)

    @abstractmethod
    def _run(self, model: DenseIsing, num_reads: int, seed: int | None, backend: Any,
             dtype: Any, *, t0: float, **kwargs: Any) -> tuple[np.ndarray, dict[str, Any]]:
        """Return spins of shape (num_reads, n) and an info dict (with ``timing``)."""


def _check_seed(seed: Any) -> int | None:
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ProblemError(f"seed must be a non-negative integer or None; got {seed!r}")
    return int(seed)
