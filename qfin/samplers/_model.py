"""Dense arrays from dimod models, plus the input checks every qfin sampler shares."""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import dimod
import numpy as np

from qfin.errors import ProblemError

__all__ = ["DenseIsing", "DenseQubo", "check_bqm", "check_num_reads", "check_positive_int",
           "dense_ising", "dense_qubo"]


@dataclass(frozen=True)
class DenseIsing:
    """An Ising model as dense float64 arrays: ``E(s) = h·s + ½ sᵀJs + offset``.

    Attributes
    ----------
    variables : list
        Labels in array order.
    h : ndarray of shape (n,)
        Linear biases.
    J : ndarray of shape (n, n)
        Symmetric couplings with a zero diagonal (each dimod interaction appears twice).
    offset : float
        Constant energy.
    """

    variables: list
    h: np.ndarray
    J: np.ndarray
    offset: float

    @property
    def n(self) -> int:
        """Number of variables."""
        return len(self.variables)

    def energies(self, spins: np.ndarray) -> np.ndarray:
        """Energies of spin rows (array of shape (R, n) with entries ±1), in float64."""
        s = np.asarray(spins, dtype=np.float64)
        return s @ self.h + 0.5 * np.einsum("ri,ri->r", s @ self.J, s) + self.offset


@dataclass(frozen=True)
class DenseQubo:
    """A QUBO as dense float64 arrays: ``E(x) = c·x + ½ xᵀQx + offset`` on x ∈ {0,1}ⁿ.

    Attributes
    ----------
    variables : list
        Labels in array order.
    c : ndarray of shape (n,)
        Linear biases.
    Q : ndarray of shape (n, n)
        Symmetric quadratic biases with a zero diagonal.
    offset : float
        Constant energy.
    """

    variables: list
    c: np.ndarray
    Q: np.ndarray
    offset: float

    @property
    def n(self) -> int:
        """Number of variables."""
        return len(self.variables)

    def energies(self, x: np.ndarray) -> np.ndarray:
        """Energies of 0/1 rows (array of shape (R, n)), in float64."""
        b = np.asarray(x, dtype=np.float64)
        return b @ self.c + 0.5 * np.einsum("ri,ri->r", b @ self.Q, b) + self.offset


def check_bqm(bqm: Any) -> dimod.BinaryQuadraticModel:
    """Validate a BQM: a dimod model with at least one variable and finite biases.

    Raises
    ------
    ProblemError
        Not a BQM, no variables, or a NaN/inf bias or offset.
    """
    if not isinstance(bqm, dimod.BinaryQuadraticModel):
        raise ProblemError(
            f"bqm must be a dimod.BinaryQuadraticModel; got {type(bqm).__name__}")
    if bqm.num_variables == 0:
        raise ProblemError(
            "bqm must have at least one variable; got an empty model (nothing to sample)")
    ldata, (_, _, qdata), offset = bqm.to_numpy_vectors()
    if not np.all(np.isfinite(ldata)):
        bad = [v for v, b in bqm.linear.items() if not np.isfinite(b)][:3]
        raise ProblemError(f"bqm linear biases must be finite; got non-finite bias on {bad}")
    if not np.all(np.isfinite(qdata)):
        bad = [k for k, b in bqm.quadratic.items() if not np.isfinite(b)][:3]
        raise ProblemError(
            f"bqm quadratic biases must be finite; got non-finite bias on {bad}")
    if not np.isfinite(offset):
        raise ProblemError(f"bqm offset must be finite; got {offset}")
    return bqm


def check_positive_int(name: str, value: Any, minimum: int = 1) -> int:
    """Return ``value`` as an int ≥ ``minimum`` or raise ProblemError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ProblemError(f"{name} must be an integer >= {minimum}; got {value!r}")
    if int(value) < minimum:
        raise ProblemError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def check_num_reads(num_reads: Any) -> int:
    """``num_reads`` must be an integer ≥ 1."""
    return check_positive_int("num_reads", num_reads, 1)


def _dense(bqm: dimod.BinaryQuadraticModel) -> tuple[list, np.ndarray, np.ndarray, float]:
    variables = list(bqm.variables)
    ldata, (irow, icol, qdata), offset = bqm.to_numpy_vectors(variable_order=variables)
    n = len(variables)
    mat = np.zeros((n, n), dtype=np.float64)
    np.add.at(mat, (irow, icol), qdata)
    mat = mat + mat.T
    return variables, np.asarray(ldata, dtype=np.float64), mat, float(offset)


def dense_ising(bqm: dimod.BinaryQuadraticModel) -> DenseIsing:
    """The spin form of ``bqm`` as dense arrays (a BINARY model is converted exactly)."""
    variables, h, J, offset = _dense(bqm.spin if bqm.vartype is dimod.BINARY else bqm)
    return DenseIsing(variables, h, J, offset)


def dense_qubo(bqm: dimod.BinaryQuadraticModel) -> DenseQubo:
    """The binary form of ``bqm`` as dense arrays (a SPIN model is converted exactly)."""
    variables, c, Q, offset = _dense(bqm.binary if bqm.vartype is dimod.SPIN else bqm)
    return DenseQubo(variables, c, Q, offset)
