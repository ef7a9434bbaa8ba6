"""The qfin error tree.

Every mistake a user can make through the public API raises one of these, with a message
that names the argument, what was expected and what arrived. The CLI turns them into a
one-line message and a non-zero exit code.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "QfinError",
    "DataError",
    "ProblemError",
    "SolverError",
    "BackendUnavailableError",
    "NotebookRunError",
    "PipelineError",
]


class QfinError(Exception):
    """Base class of every error qfin raises on purpose."""


class DataError(QfinError, ValueError):
    """Bad market data or a bad data request (unknown ticker, empty window, invalid file).

    Parameters
    ----------
    message : str
        What is wrong and what to do about it.
    problems : sequence of str, optional
        Every individual problem found (for example one line per bad row of a file).
    """

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        self.problems = list(problems)
        super().__init__(message)


class ProblemError(QfinError, ValueError):
    """An ill-posed optimisation or estimation problem (shapes, PSD, ranges)."""


class SolverError(QfinError, RuntimeError):
    """A solver failed, or was asked for something it cannot do."""


class BackendUnavailableError(QfinError, ImportError):
    """An array backend or device was requested that this installation cannot provide."""


class NotebookRunError(QfinError, RuntimeError):
    """A notebook failed while executing.

    Parameters
    ----------
    message : str
        The error raised inside the notebook.
    path : str or Path
        The executed notebook, with outputs up to the failure, for inspection.
    """

    def __init__(self, message: str, path: str | Path) -> None:
        self.path = Path(path)
        super().__init__(f"{message} (executed notebook: {self.path})")


class PipelineError(QfinError, ValueError):
    """An invalid pipeline definition (caught before any run starts)."""
