from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def sample_returns(sample_store) -> pd.DataFrame:
    """Aligned daily simple returns of the shipped sample (20 stocks, 365 days)."""
    return sample_store.returns()


@pytest.fixture(scope="session")
def csv_equal_losses(sample_csv) -> np.ndarray:
    """Equal-weight daily losses computed straight from the CSV, independent of qfin."""
    raw = pd.read_csv(sample_csv)
    wide = raw.pivot(index="date", columns="ticker", values="close").sort_index()
    wide = wide.dropna(how="any")
    rets = wide.to_numpy()[1:] / wide.to_numpy()[:-1] - 1.0
    return -rets.mean(axis=1)


@pytest.fixture(scope="module")
def gaussian_returns() -> np.ndarray:
    """Three correlated Gaussian assets, 600 days (seeded)."""
    rng = np.random.default_rng(20240601)
    cov = np.array([[1.0, 0.5, 0.2], [0.5, 1.5, 0.3], [0.2, 0.3, 0.8]]) * 1e-4
    return rng.multivariate_normal([3e-4, 1e-4, 2e-4], cov, size=600)
