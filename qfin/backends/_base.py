"""The backend protocol shared by numpy and MLX."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

__all__ = ["Backend", "BackendRNG"]


@runtime_checkable
class BackendRNG(Protocol):
    """A seeded random generator living on a backend."""

    def normal(self, shape: tuple[int, ...], dtype: Any = None) -> Any:
        """Draw standard normal variates of ``shape``."""

    def uniform(self, shape: tuple[int, ...], dtype: Any = None) -> Any:
        """Draw uniform variates on [0, 1) of ``shape``."""

    def integers(self, low: int, high: int, shape: tuple[int, ...]) -> Any:
        """Draw integers uniformly from [low, high)."""

    def spawn(self, n: int) -> list[BackendRNG]:
        """Independent child generators (for parallel sub-streams)."""


@runtime_checkable
class Backend(Protocol):
    """An array backend: numpy or MLX.

    Attributes
    ----------
    name : str
        ``"numpy"`` or ``"mlx"``.
    device : str
        ``"cpu"``, ``"gpu:metal"`` or ``"gpu:cuda"``.
    xp : module
        The array namespace (``numpy`` or ``mlx.core``).
    default_float : dtype
        float64 on numpy, float32 on MLX.
    """

    name: str
    device: str
    xp: Any
    default_float: Any

    def asarray(self, x: Any, dtype: Any = None) -> Any:
        """Convert ``x`` to a backend array (``dtype`` defaults to ``default_float``)."""

    def to_numpy(self, x: Any) -> np.ndarray:
        """Return ``x`` as a numpy array (float arrays as float64)."""

    def rng(self, seed: int | None) -> BackendRNG:
        """A seeded generator; ``None`` draws fresh entropy."""

    def synchronize(self) -> None:
        """Block until queued work has finished (for honest timings)."""

    def resolve_dtype(self, dtype: Any = None) -> Any:
        """Map ``"float32"``/``"float64"``/``None`` to a dtype this backend supports."""
