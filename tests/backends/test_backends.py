from __future__ import annotations

import numpy as np
import pytest

from qfin import backends
from qfin.backends._mlx import MLXBackend
from qfin.errors import BackendUnavailableError


def test_numpy_backend_protocol():
    be = backends.get("numpy")
    assert isinstance(be, backends.Backend)
    assert (be.name, be.device) == ("numpy", "cpu")
    x = be.asarray([1, 2, 3])
    assert x.dtype == np.float64
    assert be.to_numpy(be.asarray([1.0], dtype="float32")).dtype == np.float64


def test_backends_are_seeded(backend_name):
    be = backends.get(backend_name)
    a = be.to_numpy(be.rng(11).normal((5,)))
    b = be.to_numpy(be.rng(11).normal((5,)))
    c = be.to_numpy(be.rng(12).normal((5,)))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    u = be.to_numpy(be.rng(3).uniform((1000,)))
    assert 0.0 <= u.min() and u.max() < 1.0
    kids = be.rng(5).spawn(2)
    assert not np.allclose(be.to_numpy(kids[0].normal((4,))), be.to_numpy(kids[1].normal((4,))))


def test_auto_prefers_numpy_without_a_gpu():
    be = backends.get("auto")
    if be.name == "mlx":
        assert be.device.startswith("gpu")
    else:
        assert be.name == "numpy"


def test_mlx_on_cpu_records_its_device():
    pytest.importorskip("mlx.core", reason="MLX cannot be imported here")
    be = backends.get("mlx")
    assert be.name == "mlx" and be.device in ("cpu", "gpu:metal", "gpu:cuda")
    np.testing.assert_allclose(be.to_numpy(be.asarray([1.5, 2.5])), [1.5, 2.5])


def test_float64_refused_on_an_mlx_gpu():
    pytest.importorskip("mlx.core", reason="MLX cannot be imported here")
    be = MLXBackend(device="cpu")
    be.device = "gpu:cuda"  # what a CUDA machine reports; no GPU needed for the check
    with pytest.raises(BackendUnavailableError, match="float64 is not supported by MLX on the GPU"):
        be.resolve_dtype("float64")


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: backends.get("cuda"), "backend must be one of numpy, mlx, auto; got 'cuda'"),
        (lambda: backends.get(42), "backend must be one of"),
        (lambda: backends.get("numpy", device="gpu"), "numpy backend runs on the CPU only"),
        (lambda: backends.get("numpy").resolve_dtype("int8"), "dtype must be 'float32' or"),
    ],
)
def test_bad_backend_requests(call, match):
    with pytest.raises(BackendUnavailableError, match=match):
        call()


def test_gpu_request_without_gpu_is_a_clear_error():
    mx = pytest.importorskip("mlx.core", reason="MLX cannot be imported here")
    from qfin.backends._mlx import mlx_gpu_kind

    if mlx_gpu_kind(mx) is not None:
        pytest.skip("this machine has an MLX GPU")
    with pytest.raises(BackendUnavailableError, match="MLX sees no GPU"):
        MLXBackend(device="gpu")


def test_missing_mlx_names_the_extra(monkeypatch):
    import builtins

    from qfin.backends import _mlx

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("mlx"):
            raise ImportError("No module named 'mlx'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(BackendUnavailableError, match=r'pip install "qfin\[mlx\]"'):
        _mlx.import_mlx()
