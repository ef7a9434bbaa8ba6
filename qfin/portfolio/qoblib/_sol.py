"""Solutions in QOBLIB's ``.sol`` format (Gurobi's): read into a model, write from samples."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from qfin.datasets import read_qoblib_sol
from qfin.errors import DataError, ProblemError
from qfin.portfolio.qoblib._model import QoblibModel

__all__ = ["read_sol", "write_sol", "format_objective"]


def format_objective(value: float) -> str:
    """An objective as Gurobi prints it: the shortest text that reads back to the same float."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def read_sol(model: QoblibModel, path: str | Path, *, missing: str = "error"
             ) -> tuple[np.ndarray, float | None]:
    """Read a ``.sol`` file into a value vector of ``model`` (labels order).

    Parameters
    ----------
    model : QoblibModel
    path : str or Path
        A file in QOBLIB's format (``# Objective value = V`` then ``name value`` lines).
    missing : {"error", "zero"}
        Variables the file does not name.

    Returns
    -------
    (ndarray of shape (n_variables,), float or None)
        The values and the file's objective line.

    Raises
    ------
    DataError
        The file is missing or malformed, names a variable the model does not have, or
        lacks one (``missing="error"``).
    """
    sol = read_qoblib_sol(path)
    try:
        values = model.vector(sol.values, missing=missing)
    except ProblemError as exc:
        raise DataError(f"{Path(path).name}: {exc}") from exc
    return values, sol.objective


def write_sol(model: QoblibModel, sample: Any, path: str | Path, *,
              objective: float | None = None, mode: str = "published") -> Path:
    """Write a binary sample as a ``.sol`` file anyone can re-score against QOBLIB's model.

    Parameters
    ----------
    model : QoblibModel
    sample : mapping or array-like of shape (n_variables,)
        Binary values (see :meth:`QoblibModel.vector`).
    path : str or Path
        Output file (parent folders are created).
    objective : float, optional
        Value for the ``# Objective value`` line (default: the sample scored in ``mode``).
    mode : {"published", "exact"}
        Mode of the default objective line.

    Returns
    -------
    Path
    """
    values = np.rint(model.vector(sample)).astype(np.int64)
    if objective is None:
        objective = model.score(values, mode)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# Solution for model risk", f"# Objective value = {format_objective(objective)}"]
    lines += [f"{label} {int(v)}" for label, v in zip(model.labels, values.tolist(), strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path
