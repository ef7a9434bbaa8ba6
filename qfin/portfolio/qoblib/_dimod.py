"""QOBLIB's BQP as dimod models: the CQM (2T equalities with slack bits) and a penalised BQM."""

from __future__ import annotations

import dimod
import numpy as np

from qfin.errors import ProblemError
from qfin.portfolio.qoblib._model import QoblibModel, check_mode

__all__ = ["objective_bqm", "to_cqm", "to_bqm", "calibrate_penalty", "constraint_terms"]


def _objective_vectors(model: QoblibModel, mode: str
                       ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    c = model.coefficients(check_mode(mode))
    n, T, U = model.n_assets, model.n_periods, model.parameters.ub
    pos = model.position_index()  # (n, U, 2, T)
    linear = np.zeros(model.n_variables)
    # x² = x for binaries: the square coefficient joins the linear one.
    square = c["square"].reshape(T, n, 2).transpose(1, 2, 0)  # (n, 2, T)
    linear[pos] = (c["linear"] + square)[:, None, :, :]
    s1, s2 = model.slack_index()
    linear[s1] = c["cash"][:, None]
    linear[s2] = c["count"][:, None]
    rows, cols, data = [], [], []
    iu, ju = np.triu_indices(2 * U * n, k=1)
    cls = (2 * np.arange(n)[:, None, None] + np.arange(2)[None, None, :]
           + 0 * np.arange(U)[None, :, None]).reshape(-1)
    for t in range(T):
        idx = pos[..., t].reshape(-1)
        rows.append(idx[iu])
        cols.append(idx[ju])
        data.append(c["pair"][t][cls[iu], cls[ju]])
    for t in range(1, T):
        w = c["chain"][:, t]
        if not np.any(w):
            continue
        rows.append(pos[..., t - 1].reshape(-1))
        cols.append(pos[..., t].reshape(-1))
        data.append(np.broadcast_to(w[:, None, None], (n, U, 2)).reshape(-1))
    irow, icol, qdata = (np.concatenate(a) for a in (rows, cols, data))
    keep = qdata != 0
    return linear, (irow[keep], icol[keep], qdata[keep])


def objective_bqm(model: QoblibModel, mode: str = "published") -> dimod.BinaryQuadraticModel:
    """The objective alone as a binary BQM over :attr:`QoblibModel.labels`."""
    linear, quadratic = _objective_vectors(model, mode)
    return dimod.BinaryQuadraticModel.from_numpy_vectors(
        linear, quadratic, 0.0, dimod.BINARY, variable_order=model.labels)


def constraint_terms(model: QoblibModel) -> list[tuple[str, list[tuple[str, float]], float]]:
    """The 2T equalities as ``(label, [(variable, coefficient), ...], rhs)``.

    ``c2#t``: Σ sl·x + Σ 2^k s1 = b_csh (capital); ``c3#t``: Σ x + Σ 2^k s2 = b_tot (positions).
    """
    n, T, U = model.n_assets, model.n_periods, model.parameters.ub
    pos = model.position_index()
    s1, s2 = model.slack_index()
    labels = model.labels
    out = []
    sign = np.broadcast_to(np.array([1.0, -1.0])[None, None, :], (n, U, 2)).reshape(-1)
    for t in range(T):
        idx = pos[..., t].reshape(-1)
        cash = [(labels[k], float(s)) for k, s in zip(idx.tolist(), sign.tolist(), strict=True)]
        cash += [(labels[s1[b, t]], float(2 ** b)) for b in range(s1.shape[0])]
        out.append((f"c2#{t}", cash, float(model.b_csh)))
        count = [(labels[k], 1.0) for k in idx.tolist()]
        count += [(labels[s2[b, t]], float(2 ** b)) for b in range(s2.shape[0])]
        out.append((f"c3#{t}", count, float(model.b_tot)))
    return out


def to_cqm(model: QoblibModel, mode: str = "published") -> dimod.ConstrainedQuadraticModel:
    """The BQP as a dimod CQM: the objective plus 2T equality constraints with slack bits.

    Parameters
    ----------
    model : QoblibModel
    mode : {"published", "exact"}
        Which coefficients the objective carries.

    Returns
    -------
    dimod.ConstrainedQuadraticModel
        Binary variables named as in QOBLIB's ``.sol`` files; constraints ``c2#t``, ``c3#t``.
    """
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(objective_bqm(model, mode))
    for label, terms, rhs in constraint_terms(model):
        cqm.add_constraint_from_iterable(terms, "==", rhs=rhs, label=label)
    return cqm


def calibrate_penalty(model: QoblibModel, mode: str = "published") -> float:
    """A starting Lagrange multiplier for the penalised BQM.

    The largest objective change of taking one unit into an empty period (``|linear +
    square|`` of a position variable), or of one slack bit, whichever is larger: a
    constraint violated by one unit must cost at least what one unit can gain from an empty
    portfolio. No guarantee (risk interactions can gain more); the benchmark doubles it
    whenever the best read of a call is infeasible (and charges that time to the method).
    """
    c = model.coefficients(check_mode(mode))
    n, T = model.n_assets, model.n_periods
    square = c["square"].reshape(T, n, 2).transpose(1, 2, 0)
    unit = float(np.abs(c["linear"] + square).max()) if n else 0.0
    slack = float(max(np.abs(c["cash"]).max(initial=0.0), np.abs(c["count"]).max(initial=0.0)))
    return max(unit, slack, 1.0)


def to_bqm(model: QoblibModel, mode: str = "published", penalty: float | None = None
           ) -> dimod.BinaryQuadraticModel:
    """The penalised BQM ``objective + penalty · Σ_c (lhs_c − rhs_c)²``.

    Parameters
    ----------
    model : QoblibModel
    mode : {"published", "exact"}
    penalty : float, optional
        Lagrange multiplier (default :func:`calibrate_penalty`).

    Returns
    -------
    dimod.BinaryQuadraticModel
        On feasible samples its energy equals the objective in ``mode``.
    """
    lam = calibrate_penalty(model, mode) if penalty is None else float(penalty)
    if not np.isfinite(lam) or lam <= 0:
        raise ProblemError(f"penalty must be a finite number > 0; got {penalty!r}")
    bqm = objective_bqm(model, mode)
    for _, terms, rhs in constraint_terms(model):
        bqm.add_linear_equality_constraint(terms, lagrange_multiplier=lam, constant=-rhs)
    return bqm
