"""Array backends: numpy (always) and MLX (optional: Metal, CUDA or CPU).

A backend is a small protocol: ``xp`` (the array namespace), ``asarray``, ``to_numpy``,
``rng(seed)``, ``synchronize`` and ``check_dtype``, plus ``name`` and ``device`` that every
result records. Results leave a backend as numpy float64.

>>> from qfin.backends import get
>>> be = get("numpy")
>>> be.name, be.device
('numpy', 'cpu')
>>> float(be.to_numpy(be.rng(7).normal((3,))).shape[0])
3.0
"""

from qfin.backends._base import Backend, BackendRNG
from qfin.backends._registry import available, get, mlx_available

__all__ = ["Backend", "BackendRNG", "get", "available", "mlx_available"]
