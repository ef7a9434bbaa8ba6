"""Shared fixtures: every test runs against temporary databases, never the user's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from qfin.backends import mlx_available

# Property tests draw the same examples on every run (the project's rule: deterministic
# seeds), so a CI run can never fail on an example no earlier run has seen.
settings.register_profile("qfin", derandomize=True, print_blob=True)
settings.load_profile("qfin")


@pytest.fixture(autouse=True, scope="session")
def _isolated_home(tmp_path_factory: pytest.TempPathFactory):
    """Point the default database at a temporary folder for the whole session."""
    home = tmp_path_factory.mktemp("qfin-home")
    old = {k: os.environ.get(k) for k in ("QFIN_HOME", "QFIN_DB_URL")}
    os.environ["QFIN_HOME"] = str(home)
    os.environ.pop("QFIN_DB_URL", None)
    yield home
    for key, value in old.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory: pytest.TempPathFactory):
    """A SQLite store holding the shipped sample (read-only use, please)."""
    from qfin.data import MarketStore

    return MarketStore(tmp_path_factory.mktemp("sample-db") / "sample.sqlite")


@pytest.fixture
def fresh_store(tmp_path: Path):
    """A new SQLite store for tests that write."""
    from qfin.data import MarketStore

    return MarketStore(tmp_path / "fresh.sqlite")


@pytest.fixture(scope="session")
def sample_csv() -> Path:
    """The shipped 7,320-record sample CSV (read independently of qfin's loaders)."""
    return Path(__file__).resolve().parents[1] / "data" / "sp500_20x366_close.csv"


BACKENDS = ["numpy", pytest.param("mlx", marks=[
    pytest.mark.mlx,
    pytest.mark.skipif(not mlx_available(), reason="MLX cannot be imported here "
                       "(pip install 'qfin[mlx]')"),
])]


@pytest.fixture(params=BACKENDS)
def backend_name(request: pytest.FixtureRequest) -> str:
    """Each array backend available here: numpy always, MLX where importable."""
    return request.param
