"""The numpy backend (float64 by default)."""

from __future__ import annotations

from typing import Any

import numpy as np

from qfin.errors import BackendUnavailableError

__all__ = ["NumpyBackend", "NumpyRNG"]


class NumpyRNG:
    """A seeded numpy generator (PCG64) with the backend RNG interface."""

    def __init__(self, seed: int | None | np.random.SeedSequence) -> None:
        self.seed_sequence = (
            seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        )
        self.generator = np.random.Generator(np.random.PCG64(self.seed_sequence))

    def normal(self, shape: tuple[int, ...], dtype: Any = None) -> np.ndarray:
        """Standard normal variates (float64 unless ``dtype`` is float32)."""
        return self.generator.standard_normal(shape, dtype=dtype or np.float64)

    def uniform(self, shape: tuple[int, ...], dtype: Any = None) -> np.ndarray:
        """Uniform variates on [0, 1)."""
        return self.generator.random(shape, dtype=dtype or np.float64)

    def integers(self, low: int, high: int, shape: tuple[int, ...]) -> np.ndarray:
        """Integers uniformly from [low, high)."""
        return self.generator.integers(low, high, size=shape)

    def spawn(self, n: int) -> list[NumpyRNG]:
        """``n`` independent child generators."""
        return [NumpyRNG(child) for child in self.seed_sequence.spawn(n)]


class NumpyBackend:
    """numpy on the CPU; float64 by default, float32 on request."""

    name = "numpy"
    device = "cpu"
    xp = np
    default_float = np.float64

    def resolve_dtype(self, dtype: Any = None) -> Any:
        """Return the numpy dtype for ``dtype`` (``None`` means float64)."""
        if dtype is None:
            return np.float64
        try:
            resolved = np.dtype(dtype)
        except TypeError as exc:
            raise BackendUnavailableError(
                f"dtype must be 'float32' or 'float64'; got {dtype!r}"
            ) from exc
        if resolved not in (np.float32, np.float64):
            raise BackendUnavailableError(f"dtype must be 'float32' or 'float64'; got {dtype!r}")
        return resolved.type

    def asarray(self, x: Any, dtype: Any = None) -> np.ndarray:
        """Convert to a numpy array of ``dtype`` (float64 by default)."""
        return np.asarray(x, dtype=self.resolve_dtype(dtype))

    def to_numpy(self, x: Any) -> np.ndarray:
        """Return ``x`` as numpy; floating arrays come back as float64."""
        arr = np.asarray(x)
        return arr.astype(np.float64) if np.issubdtype(arr.dtype, np.floating) else arr

    def rng(self, seed: int | None) -> NumpyRNG:
        """A PCG64 generator seeded by ``seed``."""
        return NumpyRNG(seed)

    def synchronize(self) -> None:
        """Nothing to wait for: numpy is eager."""

    def __repr__(self) -> str:
        return "NumpyBackend(device='cpu')"
