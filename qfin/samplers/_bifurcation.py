"""Simulated bifurcation (Goto et al., Sci. Adv. 2019; 2021): bSB, dSB and a heated variant."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from qfin.errors import ProblemError
from qfin.samplers._base import ArraySampler
from qfin.samplers._model import DenseIsing, check_positive_int

__all__ = ["SimulatedBifurcationSampler", "sb_coupling"]

VARIANTS = ("ballistic", "discrete")


def sb_coupling(model: DenseIsing) -> tuple[np.ndarray, bool]:
    """The SB coupling matrix M with ``E(s) = -½ s'ᵀ M s' + offset`` for ``s' = (s, 1)``.

    SB maximises ``½ xᵀMx``; the dimod energy ``h·s + ½ sᵀJs`` becomes that with ``M = -J``.
    Linear biases are folded into couplings to one auxiliary spin (row/column ``n``), which
    is exact: flipping every spin including the auxiliary one leaves the energy unchanged, so
    the decoded state is ``s · s_aux``.

    Returns
    -------
    M : ndarray of shape (N, N)
        ``N = n + 1`` when any linear bias is non-zero, else ``n``.
    has_aux : bool
        Whether the last spin is the auxiliary one.
    """
    n = model.n
    if not np.any(model.h):
        return -model.J, False
    M = np.zeros((n + 1, n + 1), dtype=np.float64)
    M[:n, :n] = -model.J
    M[:n, n] = -model.h
    M[n, :n] = -model.h
    return M, True


class SimulatedBifurcationSampler(ArraySampler):
    """Simulated bifurcation: R agents integrated together, one R×N by N×N product per step.

    Each agent has positions ``x`` and momenta ``y`` (one per spin). Symplectic Euler steps

    ``y ← y + [-(a0 - a(t))·x + c0·M·φ(x)]·dt``,  ``x ← x + a0·y·dt``

    with ``φ(x) = x`` (ballistic, bSB) or ``sign(x)`` (discrete, dSB), the pump ``a(t)``
    ramped linearly from 0 to ``a0``, and inelastic walls (``|x| > 1 → x = sign(x), y = 0``).
    ``c0 = 0.5 / (√N · σ_M)`` with σ_M the root-mean-square coupling, as Goto et al. advise.
    The heated variant adds ``heat·y·dt`` to the momenta (Kanao & Goto 2022), which helps
    agents leave local minima. Integration stops early once every agent's signs have not
    changed over ``patience`` checks (every ``check_every`` steps) in the second half of the
    ramp. Spins are the signs of ``x``; energies are recomputed exactly in float64.

    Parameters accepted by :meth:`sample` besides the common ones
    --------------------------------------------------------------
    variant : {"ballistic", "discrete"}, default "discrete"
    num_steps : int, default 1000
    dt : float, default 1.0
    c0 : float, optional
        Coupling strength (default from the coupling scale, above).
    heat : float, default 0.0
        Heating rate γ; 0 disables the heated variant.
    check_every, patience : int, default 10 and 5
        Early stopping; ``patience=0`` disables it.

    Examples
    --------
    >>> import dimod
    >>> bqm = dimod.BQM({"a": -1.0, "b": 0.5}, {("a", "b"): -2.0}, 0.0, "SPIN")
    >>> ss = SimulatedBifurcationSampler().sample(bqm, num_reads=8, seed=7)
    >>> round(ss.first.energy, 6)
    -2.5
    """

    _own_parameters = {"variant": ["variants"], "num_steps": [], "dt": [], "c0": [],
                       "heat": [], "check_every": [], "patience": []}
    _description = ("simulated bifurcation (bSB/dSB, Goto et al. 2019/2021): agents stepped "
                    "together as one matrix product per step (classical simulation)")

    def __init__(self) -> None:
        super().__init__()
        self._properties["variants"] = list(VARIANTS)

    def _run(self, model: DenseIsing, num_reads: int, seed: int | None, backend: Any,
             dtype: Any, *, t0: float, variant: str = "discrete", num_steps: int = 1000,
             dt: float = 1.0, c0: float | None = None, heat: float = 0.0,
             check_every: int = 10, patience: int = 5) -> tuple[np.ndarray, dict[str, Any]]:
        if variant not in VARIANTS:
            raise ProblemError(f"variant must be one of {VARIANTS}; got {variant!r}")
        num_steps = check_positive_int("num_steps", num_steps)
        check_every = check_positive_int("check_every", check_every)
        patience = check_positive_int("patience", patience, minimum=0)
        dt = _positive_float("dt", dt)
        heat = _positive_float("heat", heat, allow_zero=True)
        M, has_aux = sb_coupling(model)
        N = M.shape[0]
        if c0 is None:
            rms = math.sqrt(float(np.sum(M * M)) / max(N * (N - 1), 1))
            c0 = 0.5 / (math.sqrt(N) * rms) if rms > 0 else 1.0
        else:
            c0 = _positive_float("c0", c0)
        xp = backend.xp
        rng = backend.rng(seed)
        Mb = backend.asarray(M, dtype)
        x = (rng.uniform((num_reads, N), dtype=dtype) - 0.5) * 0.2
        y = (rng.uniform((num_reads, N), dtype=dtype) - 0.5) * 0.2
        backend.synchronize()
        build = time.perf_counter() - t0
        a0 = 1.0
        discrete = variant == "discrete"
        t_start = time.perf_counter()
        first = None
        previous = None
        stable = 0
        steps_done = 0
        for k in range(num_steps):
            pump = a0 * (k + 1) / num_steps
            force = (xp.sign(x) if discrete else x) @ Mb
            y = y + (-(a0 - pump) * x + c0 * force) * dt
            if heat:
                y = y + heat * dt * y
            x = x + a0 * dt * y
            wall = xp.abs(x) > 1.0
            x = xp.where(wall, xp.sign(x), x)
            y = xp.where(wall, 0.0 * y, y)
            steps_done = k + 1
            if first is None:
                backend.synchronize()
                first = time.perf_counter() - t_start
            if patience and (k + 1) % check_every == 0:
                signs = backend.to_numpy(x) > 0
                if previous is not None and np.array_equal(signs, previous):
                    stable += 1
                else:
                    stable = 0
                previous = signs
                if stable >= patience and k + 1 >= num_steps // 2:
                    break
            elif not patience and hasattr(xp, "eval"):
                xp.eval(x, y)
        backend.synchronize()
        total = time.perf_counter() - t_start
        xs = backend.to_numpy(x)
        spins = np.where(xs >= 0, 1, -1).astype(np.int8)
        if has_aux:
            spins = spins[:, :-1] * spins[:, -1:]
        info = {"timing": {"build": build, "first_step": first or 0.0,
                           "sampling": max(total - (first or 0.0), 0.0)},
                "variant": variant, "num_steps": num_steps, "steps_run": steps_done,
                "dt": dt, "c0": float(c0), "heat": heat, "auxiliary_spin": has_aux}
        return spins, info


def _positive_float(name: str, value: Any, allow_zero: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise ProblemError(f"{name} must be a positive number; got {value!r}") from exc
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise ProblemError(f"{name} must be a {'non-negative' if allow_zero else 'positive'} "
                           f"finite number; got {value!r}")
    return v
