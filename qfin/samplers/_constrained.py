"""Constraint-aware sampling of a CQM: moves that never leave ``Σ units = D``.

A cardinality constraint ``Σx = K`` on binaries and a budget ``Σ_i Σ_b 2ᵇ·x_ib = D`` on
discretised weights are the same thing in integer form: non-negative integers ``v_i ≤ u_i``
with a fixed total. The annealer here moves one *unit* from a donor ``i`` (chosen with
probability ∝ ``v_i``) to a receiver ``j`` with room (``v_j < u_j``): for binaries that is
the pair swap that keeps exactly K assets, for weights the exchange of one weight unit.
Energies are the CQM objective plus ``penalty·violation²`` for any *other* linear
constraints (sector limits, ...), tracked exactly per move, so no slack variables are needed.
A CQM without such a constraint falls back to the penalised BQM (``dimod.cqm_to_bqm``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import dimod
import numpy as np

from qfin.errors import ProblemError
from qfin.samplers._model import check_num_reads, check_positive_int
from qfin.samplers._schedule import check_beta_range, empirical_beta_range

__all__ = ["UnitPlan", "plan_cqm", "sample_cqm", "MODES"]

MODES = ("auto", "exchange", "penalty")
_EQ, _LE, _GE = 0, 1, 2


@dataclass
class UnitPlan:
    """A CQM in integer-unit form (see the module docstring).

    Attributes
    ----------
    kind : {"swap", "exchange"}
        ``"swap"`` for binaries under ``Σx = K``, ``"exchange"`` for weight units.
    c, Q : ndarray
        ``objective(v) = c·v + ½ vᵀQv + offset`` (Q symmetric, diagonal allowed).
    upper : ndarray of int
        Per-variable capacity ``u_i``.
    total : int
        Units to distribute, ``D``.
    A, rhs, sense : ndarray
        Other linear constraints ``A v (sense) rhs`` (sense 0: ==, 1: <=, 2: >=).
    labels : list
        Constraint labels of the rows of ``A``.
    handled : str
        Label of the constraint kept exactly.
    decode : callable
        Integer units (R, G) → samples over ``variables`` (R, n).
    variables : list
        The CQM's variables, in sample column order.
    """

    kind: str
    c: np.ndarray
    Q: np.ndarray
    offset: float
    upper: np.ndarray
    total: int
    A: np.ndarray
    rhs: np.ndarray
    sense: np.ndarray
    labels: list
    handled: str
    decode: Any
    variables: list


def _linear_rows(cqm: dimod.ConstrainedQuadraticModel, index: dict, skip: Any
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list] | None:
    rows, rhs, sense, labels = [], [], [], []
    for label, con in cqm.constraints.items():
        if label == skip:
            continue
        if con.lhs.num_interactions:
            return None
        row = np.zeros(len(index))
        for v, a in con.lhs.linear.items():
            row[index[v]] = a
        rows.append(row)
        rhs.append(float(con.rhs) - float(con.lhs.offset))
        sense.append({dimod.sym.Sense.Eq: _EQ, dimod.sym.Sense.Le: _LE,
                      dimod.sym.Sense.Ge: _GE}[con.sense])
        labels.append(label)
    n = len(index)
    A = np.array(rows).reshape(len(rows), n)
    return A, np.array(rhs), np.array(sense, dtype=int), labels


def _objective_arrays(qm: Any, index: dict) -> tuple[np.ndarray, np.ndarray, float]:
    n = len(index)
    c = np.zeros(n)
    Q = np.zeros((n, n))
    for v, b in qm.linear.items():
        c[index[v]] += b
    for (u, v), b in qm.quadratic.items():
        i, j = index[u], index[v]
        if i == j:
            Q[i, i] += 2.0 * b
        else:
            Q[i, j] += b
            Q[j, i] += b
    return c, Q, float(qm.offset)


def _unit_constraint(cqm: dimod.ConstrainedQuadraticModel, variables: list
                     ) -> tuple[Any, np.ndarray, float] | None:
    """The first equality over every variable with positive coefficients (scaled to min 1)."""
    n = len(variables)
    for label, con in cqm.constraints.items():
        lhs = con.lhs
        if con.sense is not dimod.sym.Sense.Eq or lhs.num_interactions or len(lhs.linear) != n:
            continue
        coef = np.array([lhs.linear[v] for v in variables], dtype=float)
        if coef[0] < 0:
            coef = -coef
            rhs = -(float(con.rhs) - float(lhs.offset))
        else:
            rhs = float(con.rhs) - float(lhs.offset)
        if np.any(coef <= 0):
            continue
        unit = coef.min()
        scaled = coef / unit
        total = rhs / unit
        if np.allclose(scaled, np.round(scaled)) and abs(total - round(total)) < 1e-9:
            return label, np.round(scaled).astype(int), float(round(total))
    return None


def _bit_groups(scaled: np.ndarray) -> list[list[int]] | None:
    """Split variables (in order) into groups with coefficients 1, 2, 4, ... ."""
    groups: list[list[int]] = []
    for k, a in enumerate(scaled):
        if a == 1:
            groups.append([k])
        elif groups and a == 2 * scaled[groups[-1][-1]]:
            groups[-1].append(k)
        else:
            return None
    return groups


def plan_cqm(cqm: dimod.ConstrainedQuadraticModel) -> UnitPlan | None:
    """Recognise a unit-conserving equality in ``cqm``; ``None`` means use the penalty BQM.

    Recognised: (1) binaries with ``a·Σx = a·K`` (pair swaps); (2) integers in ``[0, u]``
    with ``a·Σv = a·D`` (unit exchanges); (3) binaries whose equality coefficients are
    ``a·(1, 2, 4, …)`` in consecutive runs (binary-encoded weights), provided the objective
    and the other constraints depend on the bits only through the encoded integers (checked
    exactly); (2) and (3) move weight units.
    """
    variables = list(cqm.variables)
    if not variables:
        return None
    index = {v: k for k, v in enumerate(variables)}
    vartypes = {cqm.vartype(v) for v in variables}
    found = _unit_constraint(cqm, variables)
    if found is None:
        return None
    handled, scaled, total = found
    rows = _linear_rows(cqm, index, handled)
    if rows is None:
        return None
    A, rhs, sense, labels = rows
    c, Q, offset = _objective_arrays(cqm.objective, index)
    if vartypes == {dimod.BINARY} and np.all(scaled == 1):
        return UnitPlan("swap", c, Q, offset, np.ones(len(variables), dtype=int), int(total),
                        A, rhs, sense, labels, handled, lambda v: v, variables)
    if vartypes == {dimod.INTEGER} and np.all(scaled == 1):
        lower = np.array([cqm.lower_bound(v) for v in variables])
        if np.any(lower != 0):
            return None
        upper = np.array([cqm.upper_bound(v) for v in variables]).astype(int)
        return UnitPlan("exchange", c, Q, offset, upper, int(total), A, rhs, sense, labels,
                        handled, lambda v: v, variables)
    if vartypes != {dimod.BINARY}:
        return None
    groups = _bit_groups(scaled)
    if groups is None:
        return None
    return _integer_plan(groups, variables, c, Q, offset, A, rhs, sense, labels, handled,
                         int(total))


def _integer_plan(groups: list[list[int]], variables: list, c: np.ndarray, Q: np.ndarray,
                  offset: float, A: np.ndarray, rhs: np.ndarray, sense: np.ndarray,
                  labels: list, handled: Any, total: int) -> UnitPlan | None:
    """Lift a bit-level model to integer weights, or ``None`` if it does not factor."""
    n, G = len(variables), len(groups)
    enc = np.zeros((n, G))  # bits → integers: v = xᵀ·enc
    first = np.array([g[0] for g in groups])
    for g, bits in enumerate(groups):
        for p, k in enumerate(bits):
            enc[k, g] = 2.0**p
    Qi = Q[np.ix_(first, first)].copy()
    diag = Qi.diagonal().copy()
    np.fill_diagonal(Qi, 0.0)
    # A group's own square shows up as couplings between its bits (2^{p+q}·Q_gg) and in
    # the linear terms (4^p·Q_gg/2); recover Q_gg from the first two bits or from c.
    for g, bits in enumerate(groups):
        diag[g] = Q[bits[0], bits[1]] / 2.0 if len(bits) > 1 else 0.0
    np.fill_diagonal(Qi, diag)
    ci = c[first] - 0.5 * diag
    c_back = enc @ ci + 0.5 * (enc**2) @ diag
    Q_back = enc @ Qi @ enc.T
    np.fill_diagonal(Q_back, 0.0)
    scale = 1.0 + np.abs(Q).max() + np.abs(c).max()
    if not (np.allclose(c_back, c, atol=1e-9 * scale) and np.allclose(Q_back, Q,
                                                                      atol=1e-9 * scale)):
        return None
    Ai = A[:, first]
    if A.size and not np.allclose(Ai @ enc.T, A):
        return None
    widths = np.array([len(b) for b in groups])
    upper = (2**widths - 1).astype(int)
    bit_index = [np.array(b) for b in groups]

    def decode(v: np.ndarray) -> np.ndarray:
        out = np.zeros((v.shape[0], n), dtype=np.int8)
        for g, bits in enumerate(bit_index):
            for p, k in enumerate(bits):
                out[:, k] = (v[:, g] >> p) & 1
        return out

    return UnitPlan("exchange", ci, Qi, offset, upper, total, Ai, rhs, sense, labels,
                    handled, decode, variables)


def _violation(L: np.ndarray, rhs: np.ndarray, sense: np.ndarray) -> np.ndarray:
    diff = L - rhs
    return np.where(sense == _EQ, diff, np.where(sense == _LE, np.maximum(diff, 0.0),
                                                 np.maximum(-diff, 0.0)))


def _initial_units(plan: UnitPlan, R: int, rng: np.random.Generator) -> np.ndarray:
    """Random feasible starts: units dropped one by one into random variables with room."""
    G = plan.upper.size
    if plan.total > plan.upper.sum():
        raise ProblemError(f"constraint {plan.handled!r} asks for {plan.total} units but the "
                           f"variables hold at most {int(plan.upper.sum())}")
    if np.all(plan.upper == 1):
        order = np.argsort(rng.random((R, G)), axis=1)[:, :plan.total]
        v = np.zeros((R, G), dtype=np.int64)
        np.put_along_axis(v, order, 1, axis=1)
        return v
    v = np.zeros((R, G), dtype=np.int64)
    for _ in range(plan.total):
        room = (v < plan.upper).astype(float)
        pick = (rng.random((R, G)) * room).argmax(axis=1)
        v[np.arange(R), pick] += 1
    return v


def _move_deltas(plan: UnitPlan, v: np.ndarray, field: np.ndarray, L: np.ndarray,
                 penalty: float, rng: np.random.Generator, rows: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Propose one unit move per replica; return donors, receivers, ΔE, Δobjective, new L."""
    R, G = v.shape
    cum = np.cumsum(v, axis=1)
    unit = rng.integers(0, plan.total, size=R)
    donor = (cum <= unit[:, None]).sum(axis=1)
    receiver = rng.integers(0, G, size=R)
    Qd = plan.Q
    d_obj = (field[rows, receiver] - field[rows, donor]
             + 0.5 * (Qd[donor, donor] + Qd[receiver, receiver]) - Qd[donor, receiver])
    valid = (receiver != donor) & (v[rows, receiver] < plan.upper[receiver])
    d_obj = np.where(valid, d_obj, np.inf)
    if plan.A.shape[0]:
        L_new = L + plan.A[:, receiver].T - plan.A[:, donor].T
        old = _violation(L, plan.rhs, plan.sense)
        new = _violation(L_new, plan.rhs, plan.sense)
        d_energy = d_obj + penalty * ((new * new).sum(axis=1) - (old * old).sum(axis=1))
    else:
        L_new = L
        d_energy = d_obj
    return donor, receiver, d_energy, d_obj, L_new


def _default_penalty(plan: UnitPlan) -> float:
    """Twice the largest objective change one unit move can make, per unit of violation."""
    reach = np.abs(plan.c) + np.abs(plan.Q).sum(axis=1) * max(int(plan.upper.max()), 1)
    return float(2.0 * reach.max() + 1e-12)


def anneal_units(plan: UnitPlan, num_reads: int, seed: int | None, num_sweeps: int,
                 beta_range: Any, penalty: float) -> tuple[np.ndarray, dict[str, Any]]:
    """Anneal integer units with unit moves; return (units (R, G), info)."""
    t0 = time.perf_counter()
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
    R, G = num_reads, plan.upper.size
    rows = np.arange(R)
    v = _initial_units(plan, R, rng)
    vf = v.astype(np.float64)
    field = plan.c + vf @ plan.Q
    L = vf @ plan.A.T
    movable = 0 < plan.total < plan.upper.sum()
    if beta_range is None and not movable:
        beta_range = (0.1, 1.0)  # K = 0 or every slot full: the only feasible state
    elif beta_range is None:
        probes = [(_move_deltas(plan, v, field, L, penalty, rng, rows)[3]) for _ in range(8)]
        beta_range = empirical_beta_range(np.concatenate(probes))
    else:
        beta_range = check_beta_range(beta_range)
    steps = num_sweeps * G if movable else 0
    betas = np.geomspace(beta_range[0], beta_range[1], num=max(steps, 1))
    accepted_total = 0
    t_start = time.perf_counter()
    for k in range(steps):
        donor, receiver, d_energy, _, L_new = _move_deltas(plan, v, field, L, penalty, rng,
                                                           rows)
        accept = np.flatnonzero(d_energy <= rng.standard_exponential(R) / betas[k])
        if accept.size:
            dn, rc = donor[accept], receiver[accept]
            v[accept, dn] -= 1
            v[accept, rc] += 1
            field[accept] += plan.Q[rc] - plan.Q[dn]
            if plan.A.shape[0]:
                L[accept] = L_new[accept]
            accepted_total += accept.size
    info = {"timing": {"build": t_start - t0, "first_step": 0.0,
                       "sampling": time.perf_counter() - t_start},
            "beta_range": [float(b) for b in beta_range], "num_sweeps": num_sweeps,
            "moves_per_read": steps, "acceptance_rate": accepted_total / max(steps * R, 1)}
    return v, info


def unit_energies(plan: UnitPlan, v: np.ndarray, penalty: float) -> np.ndarray:
    """Objective plus ``penalty·violation²`` of the other constraints, per row of ``v``."""
    vf = v.astype(np.float64)
    obj = vf @ plan.c + 0.5 * np.einsum("ri,ri->r", vf @ plan.Q, vf) + plan.offset
    if not plan.A.shape[0]:
        return obj
    viol = _violation(vf @ plan.A.T, plan.rhs, plan.sense)
    return obj + penalty * (viol * viol).sum(axis=1)


def unit_descent(plan: UnitPlan, v: np.ndarray, penalty: float,
                 max_iter: int | None = None) -> np.ndarray:
    """Steepest descent over all unit moves (pair swaps for binaries), read by read in chunks.

    For each read every (donor, receiver) move's objective change is computed at once; the
    16 best are re-scored with the constraint penalties and the best improving one is
    applied, until no move improves. Energies never increase.
    """
    v = v.copy()
    G = plan.upper.size
    cap = max_iter if max_iter is not None else 4 * G + 10
    Qdiag = plan.Q.diagonal()
    chunk = max(1, 2_000_000 // (G * G))  # bounded memory: chunk·G² floats
    scale = 1.0 + float(np.abs(plan.c).max() + np.abs(plan.Q).max())
    for start in range(0, v.shape[0], chunk):
        blk = v[start:start + chunk]
        active = np.arange(blk.shape[0])
        for _ in range(cap):
            if active.size == 0:
                break
            vb = blk[active].astype(np.float64)
            field = plan.c + vb @ plan.Q
            # d[r, i, j]: objective change of moving one unit from i to j in read r
            d = (field[:, None, :] - field[:, :, None]
                 + 0.5 * (Qdiag[:, None] + Qdiag[None, :])[None] - plan.Q[None])
            ok = (blk[active][:, :, None] > 0) & (blk[active][:, None, :] < plan.upper[None,
                                                                                      None, :])
            ok &= ~np.eye(G, dtype=bool)[None]
            d = np.where(ok, d, np.inf).reshape(active.size, G * G)
            top = min(16, G * G)
            cand = np.argpartition(d, top - 1, axis=1)[:, :top]
            d_top = np.take_along_axis(d, cand, axis=1)
            donor, receiver = cand // G, cand % G
            if plan.A.shape[0]:
                L = vb @ plan.A.T
                old = (_violation(L, plan.rhs, plan.sense) ** 2).sum(axis=1)
                L_new = (L[:, None, :] + plan.A.T[receiver] - plan.A.T[donor])
                new = (_violation(L_new, plan.rhs, plan.sense) ** 2).sum(axis=2)
                d_top = d_top + penalty * (new - old[:, None])
            best = np.argmin(d_top, axis=1)
            gain = d_top[np.arange(active.size), best]
            improve = gain < -1e-12 * scale
            if not improve.any():
                break
            act = active[improve]
            dn = donor[improve, best[improve]]
            rc = receiver[improve, best[improve]]
            blk[act, dn] -= 1
            blk[act, rc] += 1
            active = act
        v[start:start + chunk] = blk
    return v


def sample_cqm(sampler: Any, cqm: Any, *, num_reads: int = 256, seed: int | None = None,
               mode: str = "auto", num_sweeps: int = 50, beta_range: Any = None,
               penalty: float | None = None, polish: bool = True,
               **bqm_parameters: Any) -> dimod.SampleSet:
    """Sample a CQM, keeping a unit-conserving equality exactly where the CQM has one.

    See :meth:`qfin.samplers.ArraySampler.sample_cqm` for the parameters.
    """
    t0 = time.perf_counter()
    if not isinstance(cqm, dimod.ConstrainedQuadraticModel):
        raise ProblemError(
            f"cqm must be a dimod.ConstrainedQuadraticModel; got {type(cqm).__name__}")
    if mode not in MODES:
        raise ProblemError(f"mode must be one of {MODES}; got {mode!r}")
    if cqm.num_variables() == 0:
        raise ProblemError("cqm must have at least one variable; got an empty model")
    num_reads = check_num_reads(num_reads)
    plan = plan_cqm(cqm) if mode != "penalty" else None
    if mode == "exchange" and plan is None:
        raise ProblemError(
            "mode='exchange' needs an equality Σ a·x = a·K over all binaries, Σ a·v = a·D over "
            "integers in [0, u], or binary-encoded weights; this CQM has none (use 'auto')")
    if plan is None:
        return _penalty_fallback(sampler, cqm, num_reads, seed, penalty, polish,
                                 bqm_parameters, t0)
    if bqm_parameters:
        raise ProblemError(f"parameters {sorted(bqm_parameters)} apply to the penalised BQM "
                           "only; the exchange mode takes num_reads, seed, num_sweeps, "
                           "beta_range, penalty, polish")
    num_sweeps = check_positive_int("num_sweeps", num_sweeps)
    lam = _default_penalty(plan) if penalty is None else float(penalty)
    units, info = anneal_units(plan, num_reads, seed, num_sweeps, beta_range, lam)
    before = unit_energies(plan, units, lam)
    vectors: dict[str, Any] = {}
    if polish:
        tp = time.perf_counter()
        units = unit_descent(plan, units, lam)
        info["timing"]["polish"] = time.perf_counter() - tp
        after = unit_energies(plan, units, lam)
        vectors["energy_unpolished"] = before
        info["polish"] = {"method": "steepest unit-move (swap) descent",
                          "min_energy_before": float(before.min()),
                          "min_energy_after": float(after.min()),
                          "mean_energy_before": float(before.mean()),
                          "mean_energy_after": float(after.mean()),
                          "reads_improved": int(np.sum(after < before - 1e-12)),
                          "seconds": info["timing"]["polish"]}
    else:
        info["timing"]["polish"] = 0.0
    samples = plan.decode(units)
    info.update({"mode": plan.kind, "exact_constraint": plan.handled,
                 "penalised_constraints": list(plan.labels), "penalty": lam,
                 "backend": "numpy", "num_reads": num_reads, "seed": seed})
    info["timing"]["total"] = time.perf_counter() - t0
    return dimod.SampleSet.from_samples_cqm((samples, plan.variables), cqm, info=info,
                                            **vectors)


def _penalty_fallback(sampler: Any, cqm: Any, num_reads: int, seed: int | None,
                      penalty: float | None, polish: bool, params: dict, t0: float
                      ) -> dimod.SampleSet:
    """Penalised BQM (``dimod.cqm_to_bqm``), sampled by ``sampler``, decoded onto the CQM."""
    if penalty is None:
        # same scale rule as the exchange mode: twice the largest objective field
        index = {v: k for k, v in enumerate(cqm.variables)}
        c, Q, _ = _objective_arrays(cqm.objective, index)
        penalty = float(2.0 * (np.abs(c) + np.abs(Q).sum(axis=1)).max() + 1e-12)
    bqm, invert = dimod.cqm_to_bqm(cqm, lagrange_multiplier=float(penalty))
    ss = sampler.sample(bqm, num_reads=num_reads, seed=seed, polish=polish, **params)
    decoded = [invert(s) for s in ss.samples()]
    variables = list(cqm.variables)
    samples = np.array([[d[v] for v in variables] for d in decoded])
    info = dict(ss.info)
    info.update({"mode": "penalty", "exact_constraint": None,
                 "penalised_constraints": list(cqm.constraints), "penalty": float(penalty)})
    info.setdefault("timing", {})["total"] = time.perf_counter() - t0
    return dimod.SampleSet.from_samples_cqm((samples, variables), cqm, info=info)
