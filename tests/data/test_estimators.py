from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qfin.data import covariance, ewma_weights, mean_returns
from qfin.errors import DataError


@pytest.fixture(scope="module")
def csv_returns(sample_csv) -> pd.DataFrame:
    """Returns computed straight from the CSV, independent of qfin's loaders."""
    raw = pd.read_csv(sample_csv)
    wide = raw.pivot(index="date", columns="ticker", values="close")
    return (wide / wide.shift(1) - 1).iloc[1:]


def test_sample_mean_and_covariance_match_numpy(sample_store, csv_returns):
    rets = sample_store.returns()
    np.testing.assert_allclose(rets.to_numpy(), csv_returns.to_numpy(), rtol=1e-13)
    x = csv_returns.to_numpy()
    np.testing.assert_allclose(mean_returns(rets).to_numpy(), x.mean(axis=0), rtol=1e-12)
    n = len(x)
    centred = x - x.mean(axis=0)
    np.testing.assert_allclose(covariance(rets).to_numpy(), centred.T @ centred / (n - 1),
                               rtol=1e-12)


def test_annualisation_is_explicit(sample_store):
    rets = sample_store.returns(["AAPL", "KO"])
    np.testing.assert_allclose(mean_returns(rets, periods_per_year=252),
                               252 * mean_returns(rets), rtol=1e-14)
    np.testing.assert_allclose(covariance(rets, "ledoit-wolf", periods_per_year=252),
                               252 * covariance(rets, "ledoit-wolf"), rtol=1e-14)
    with pytest.raises(DataError, match="periods_per_year must be positive"):
        mean_returns(rets, periods_per_year=0)


def test_ledoit_wolf_matches_the_2004_formula(csv_returns):
    """Ledoit & Wolf (2004), Lemma 3.2-3.4, written out independently of scikit-learn."""
    x = csv_returns.to_numpy()
    n, p = x.shape
    xc = x - x.mean(axis=0)
    s = xc.T @ xc / n
    m = np.trace(s) / p
    d2 = np.sum((s - m * np.eye(p)) ** 2) / p
    b2_bar = sum(np.sum((np.outer(r, r) - s) ** 2) / p for r in xc) / n**2
    b2 = min(b2_bar, d2)
    expected = (b2 / d2) * m * np.eye(p) + (1 - b2 / d2) * s
    np.testing.assert_allclose(covariance(csv_returns, "ledoit-wolf").to_numpy(), expected,
                               rtol=1e-10)


def test_ewma_matches_pandas(csv_returns):
    sub = csv_returns[["AAPL", "XOM", "JPM"]]
    halflife = 20.0
    ours = covariance(sub, "ewma", halflife=halflife)
    theirs = sub.ewm(halflife=halflife, adjust=True).cov(bias=True).loc[sub.index[-1]]
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=1e-10)
    mu = mean_returns(sub, "ewma", halflife=halflife)
    np.testing.assert_allclose(mu.to_numpy(),
                               sub.ewm(halflife=halflife, adjust=True).mean().iloc[-1].to_numpy(),
                               rtol=1e-10)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 400), halflife=st.floats(0.5, 500))
def test_ewma_weights_are_normalised_and_increasing(n, halflife):
    w = ewma_weights(n, halflife)
    assert w.shape == (n,)
    assert np.isclose(w.sum(), 1.0)
    assert np.all(np.diff(w) >= 0)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), method=st.sampled_from(["sample", "ledoit-wolf", "ewma"]))
def test_covariances_are_symmetric_psd(seed, method):
    rng = np.random.default_rng(seed)
    rets = pd.DataFrame(rng.normal(0, 0.01, size=(40, 6)))
    cov = covariance(rets, method).to_numpy()
    np.testing.assert_array_equal(cov, cov.T)
    assert np.linalg.eigvalsh(cov).min() > -1e-15


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda r: covariance(r, "magic"), "covariance method must be one of"),
        (lambda r: mean_returns(r, "magic"), "mean method must be one of"),
        (lambda r: covariance(r.iloc[:1]), "at least 2 observations"),
        (lambda r: covariance(r.assign(A=np.nan)), "NaN or inf"),
        (lambda r: mean_returns(r, "ewma", halflife=-1), "halflife must be"),
    ],
)
def test_estimator_bad_input(call, match):
    rets = pd.DataFrame({"A": [0.01, 0.02, -0.01], "B": [0.0, 0.01, 0.02]})
    with pytest.raises(DataError, match=match):
        call(rets)
