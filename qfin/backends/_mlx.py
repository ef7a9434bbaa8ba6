"""The MLX backend: Metal on Apple silicon, CUDA with ``mlx[cuda]``, CPU otherwise.

MLX is imported lazily, so qfin works without it. On a GPU MLX computes in float32 only;
asking for float64 there is an error rather than a silent downgrade.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qfin.errors import BackendUnavailableError

__all__ = ["MLXBackend", "MLXRNG", "import_mlx", "mlx_gpu_kind"]

INSTALL_HINT = 'install it with: pip install "qfin[mlx]"'


def import_mlx() -> Any:
    """Import ``mlx.core`` or raise :class:`BackendUnavailableError` naming the extra."""
    try:
        import mlx.core as mx
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise BackendUnavailableError(
            f"the 'mlx' backend needs the MLX package, which cannot be imported ({exc}); "
            + INSTALL_HINT
        ) from exc
    return mx


def mlx_gpu_kind(mx: Any) -> str | None:
    """Return ``"metal"``, ``"cuda"`` or ``None`` for the GPU MLX can use here."""
    try:
        if mx.metal.is_available():
            return "metal"
    except Exception:  # noqa: BLE001 - older/other builds lack the probe
        pass
    try:
        cuda = getattr(mx, "cuda", None)
        if cuda is not None and cuda.is_available():
            return "cuda"
    except Exception:  # noqa: BLE001
        pass
    return None


class MLXRNG:
    """A seeded MLX generator: an explicit PRNG key split for every draw."""

    def __init__(self, mx: Any, seed: int | None, device: Any) -> None:
        self._mx = mx
        self._device = device
        if seed is None:
            seed = int(np.random.SeedSequence().generate_state(1)[0])
        self.seed = int(seed)
        self._key = mx.random.key(self.seed)

    def _next_key(self) -> Any:
        self._key, sub = self._mx.random.split(self._key)
        return sub

    def normal(self, shape: tuple[int, ...], dtype: Any = None) -> Any:
        """Standard normal variates (float32)."""
        mx = self._mx
        return mx.random.normal(shape, dtype=dtype or mx.float32, key=self._next_key(),
                                stream=self._device)

    def uniform(self, shape: tuple[int, ...], dtype: Any = None) -> Any:
        """Uniform variates on [0, 1) (float32)."""
        mx = self._mx
        return mx.random.uniform(shape=shape, dtype=dtype or mx.float32, key=self._next_key(),
                                 stream=self._device)

    def integers(self, low: int, high: int, shape: tuple[int, ...]) -> Any:
        """Integers uniformly from [low, high)."""
        return self._mx.random.randint(low, high, shape, key=self._next_key(),
                                       stream=self._device)

    def spawn(self, n: int) -> list[MLXRNG]:
        """``n`` independent child generators."""
        children = np.random.SeedSequence(self.seed).spawn(n)
        return [MLXRNG(self._mx, int(c.generate_state(1)[0]), self._device) for c in children]


class MLXBackend:
    """MLX arrays on a chosen device.

    Parameters
    ----------
    device : {"auto", "gpu", "cpu"}
        ``"auto"`` takes the GPU when MLX has one here and falls back to the CPU cleanly;
        ``"gpu"`` insists (error if there is none); ``"cpu"`` forces the CPU.
    """

    name = "mlx"

    def __init__(self, device: str = "auto") -> None:
        mx = import_mlx()
        self.xp = mx
        self.default_float = mx.float32
        gpu = mlx_gpu_kind(mx)
        if device not in ("auto", "gpu", "cpu"):
            raise BackendUnavailableError(
                f"device must be 'auto', 'gpu' or 'cpu'; got {device!r}"
            )
        if device == "gpu" and gpu is None:
            raise BackendUnavailableError(
                "device='gpu' was requested but MLX sees no GPU here (no Metal, no CUDA); "
                "use device='cpu' or 'auto', or install mlx[cuda] on an NVIDIA machine"
            )
        use_gpu = gpu is not None and device != "cpu"
        self._mx_device = mx.gpu if use_gpu else mx.cpu
        self.device = f"gpu:{gpu}" if use_gpu else "cpu"
        mx.set_default_device(self._mx_device)

    @property
    def on_gpu(self) -> bool:
        """Whether arrays live on a GPU."""
        return self.device.startswith("gpu")

    def resolve_dtype(self, dtype: Any = None) -> Any:
        """Return the MLX dtype for ``dtype``; float64 is refused on a GPU."""
        mx = self.xp
        if dtype is None:
            return mx.float32
        name = getattr(dtype, "__name__", None) or str(dtype)
        name = name.replace("mlx.core.", "").replace("numpy.", "")
        if name in ("float32", "f4"):
            return mx.float32
        if name in ("float64", "f8", "float"):
            if self.on_gpu:
                raise BackendUnavailableError(
                    f"float64 is not supported by MLX on the GPU ({self.device}); "
                    "use dtype='float32', or the numpy backend for float64"
                )
            return mx.float64
        raise BackendUnavailableError(f"dtype must be 'float32' or 'float64'; got {dtype!r}")

    def asarray(self, x: Any, dtype: Any = None) -> Any:
        """Convert to an MLX array of ``dtype`` (float32 by default)."""
        mx = self.xp
        dt = self.resolve_dtype(dtype)
        if isinstance(x, mx.array):
            return x.astype(dt)
        np_dtype = np.float64 if dt == mx.float64 else np.float32
        return mx.array(np.asarray(x, dtype=np_dtype), dtype=dt)

    def to_numpy(self, x: Any) -> np.ndarray:
        """Evaluate and return ``x`` as numpy; floating arrays come back as float64."""
        arr = np.array(x, copy=True)
        return arr.astype(np.float64) if np.issubdtype(arr.dtype, np.floating) else arr

    def rng(self, seed: int | None) -> MLXRNG:
        """A seeded MLX generator."""
        return MLXRNG(self.xp, seed, self._mx_device)

    def synchronize(self) -> None:
        """Wait for the device's queue (``mx.synchronize``)."""
        sync = getattr(self.xp, "synchronize", None)
        if sync is not None:
            sync()

    def __repr__(self) -> str:
        return f"MLXBackend(device={self.device!r})"
