"""Backend selection: ``get("numpy" | "mlx" | "auto")``."""

from __future__ import annotations

import importlib.util
from functools import cache
from typing import Any

from qfin.backends._mlx import MLXBackend, import_mlx, mlx_gpu_kind
from qfin.backends._numpy import NumpyBackend
from qfin.errors import BackendUnavailableError

__all__ = ["get", "available", "mlx_available"]

BACKEND_NAMES = ("numpy", "mlx", "auto")


def mlx_available() -> bool:
    """Whether ``mlx.core`` can be imported here."""
    if importlib.util.find_spec("mlx") is None:
        return False
    try:
        import_mlx()
    except BackendUnavailableError:
        return False
    return True


def available() -> list[str]:
    """Names of the backends usable in this installation."""
    return ["numpy", "mlx"] if mlx_available() else ["numpy"]


@cache
def _make(name: str, device: str) -> Any:
    if name == "numpy":
        if device not in ("auto", "cpu"):
            raise BackendUnavailableError(
                f"the numpy backend runs on the CPU only; got device={device!r}"
            )
        return NumpyBackend()
    return MLXBackend(device=device)


def get(name: Any = "numpy", device: str = "auto") -> Any:
    """Return a backend.

    Parameters
    ----------
    name : {"numpy", "mlx", "auto"} or Backend
        ``"auto"`` prefers MLX when MLX has a GPU here (Metal or CUDA) and numpy otherwise:
        on a Linux CPU numpy/BLAS is faster than MLX's CPU build. A backend instance is
        returned unchanged.
    device : {"auto", "gpu", "cpu"}
        For MLX: ``"auto"`` uses the GPU when there is one and falls back to the CPU.

    Returns
    -------
    Backend

    Raises
    ------
    BackendUnavailableError
        Unknown name, MLX not installed (the message names ``pip install "qfin[mlx]"``),
        or a GPU requested where there is none.
    """
    if not isinstance(name, str):
        if hasattr(name, "xp") and hasattr(name, "to_numpy"):
            return name
        raise BackendUnavailableError(
            f"backend must be one of {', '.join(BACKEND_NAMES)}; got {name!r}"
        )
    key = name.lower().strip()
    if key not in BACKEND_NAMES:
        raise BackendUnavailableError(
            f"backend must be one of {', '.join(BACKEND_NAMES)}; got {name!r}"
        )
    if key == "auto":
        if mlx_available() and mlx_gpu_kind(import_mlx()) is not None and device != "cpu":
            return _make("mlx", device)
        return _make("numpy", "auto")
    return _make(key, device)
