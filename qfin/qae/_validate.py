"""Argument checks shared by the amplitude-estimation modules (one message style)."""

from __future__ import annotations

import math
import numbers
from typing import Any

from qfin.errors import ProblemError

__all__ = ["MAX_QUBITS", "check_qubits", "check_open_unit", "check_positive",
           "check_positive_int"]

#: Largest loss register qfin encodes (2**24 grid points).
MAX_QUBITS = 24


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, numbers.Integral):
        return True
    return isinstance(value, numbers.Real) and float(value).is_integer()


def check_qubits(n_qubits: Any, name: str = "n_qubits") -> int:
    """Return ``n_qubits`` as an int in 1..24 or raise :class:`ProblemError`."""
    if not _is_integer(n_qubits):
        raise ProblemError(f"{name} must be an integer in 1..{MAX_QUBITS}; got {n_qubits!r}")
    n = int(n_qubits)
    if not 1 <= n <= MAX_QUBITS:
        raise ProblemError(f"{name} must be an integer in 1..{MAX_QUBITS}; got {n}")
    return n


def check_open_unit(value: Any, name: str) -> float:
    """Return ``value`` as a float strictly inside (0, 1) or raise :class:`ProblemError`."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ProblemError(f"{name} must be a number in (0, 1); got {value!r}") from None
    if not (0.0 < v < 1.0):
        raise ProblemError(f"{name} must be in (0, 1) (exclusive); got {value!r}")
    return v


def check_positive(value: Any, name: str) -> float:
    """Return ``value`` as a finite float > 0 or raise :class:`ProblemError`."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ProblemError(f"{name} must be a positive number; got {value!r}") from None
    if not (v > 0.0 and math.isfinite(v)):
        raise ProblemError(f"{name} must be a finite number > 0; got {value!r}")
    return v


def check_positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int >= ``minimum`` or raise :class:`ProblemError`."""
    if not _is_integer(value):
        raise ProblemError(f"{name} must be an integer >= {minimum}; got {value!r}")
    if int(value) < minimum:
        raise ProblemError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)
