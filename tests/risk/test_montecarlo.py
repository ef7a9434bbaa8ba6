from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qfin.errors import ProblemError
from qfin.risk import TailKeeper, monte_carlo_var, parametric_var, t_var_cvar, value_at_risk

# numpy (float64) and MLX (float32) draw independent random streams, so their estimates
# differ by Monte Carlo error; float32 arithmetic adds only ~1e-7 relative error per loss.
# Documented tolerance: the two agree within the sum of their 99% interval half-widths.


@pytest.fixture(scope="module")
def normal_reference(request):
    returns = request.getfixturevalue("sample_returns")
    return parametric_var(returns, confidence=0.99)


@pytest.fixture(scope="module")
def mc_results(request):
    returns = request.getfixturevalue("sample_returns")
    return {}, returns


def _mc(cache, returns, backend):
    if backend not in cache:
        cache[backend] = monte_carlo_var(returns, paths=1_000_000, confidence=0.99, seed=2024,
                                         backend=backend)
    return cache[backend]


def test_mc_agrees_with_parametric_normal(backend_name, mc_results, normal_reference):
    cache, returns = mc_results
    res = _mc(cache, returns, backend_name)
    lo, hi = res.confidence_interval
    assert lo <= normal_reference.value <= hi
    clo, chi = res.cvar_confidence_interval
    assert clo <= normal_reference.cvar <= chi
    assert res.samples == 1_000_000 and res.seed == 2024 and res.interval_level == 0.99
    assert res.backend == backend_name and res.device
    assert res.standard_error > 0 and hi - lo < 0.02 * res.value


def test_numpy_and_mlx_agree(mc_results):
    pytest.importorskip("mlx.core", reason="MLX cannot be imported here")
    cache, returns = mc_results
    a, b = _mc(cache, returns, "numpy"), _mc(cache, returns, "mlx")
    assert b.info["dtype"] == "float32" and a.info["dtype"] == "float64"
    half = lambda r: (r.confidence_interval[1] - r.confidence_interval[0]) / 2  # noqa: E731
    assert abs(a.value - b.value) <= half(a) + half(b)


def test_seed_determines_result_regardless_of_threads(gaussian_returns):
    kw = dict(paths=600_000, seed=11, confidence=0.995)
    one = monte_carlo_var(gaussian_returns, threads=1, **kw)
    two = monte_carlo_var(gaussian_returns, threads=2, **kw)
    assert one.value == two.value and one.cvar == two.cvar
    assert one.confidence_interval == two.confidence_interval
    other = monte_carlo_var(gaussian_returns, threads=2, **{**kw, "seed": 12})
    assert other.value != one.value


def test_seed_none_is_recorded_and_reproducible(gaussian_returns):
    res = monte_carlo_var(gaussian_returns, paths=20_000)
    assert isinstance(res.seed, int)
    again = monte_carlo_var(gaussian_returns, paths=20_000, seed=res.seed)
    assert again.value == res.value


def test_t_copula_matches_closed_form_t(gaussian_returns):
    # a multivariate t with covariance S has portfolio returns t(dof) with variance w'Sw
    w = np.array([0.5, 0.3, 0.2])
    res = monte_carlo_var(gaussian_returns, w, paths=1_000_000, copula="t", dof=5.0, seed=5)
    x = gaussian_returns @ w
    var, cvar = t_var_cvar(x.mean(), x.std(ddof=1), 5.0, 0.99)
    assert res.confidence_interval[0] <= var <= res.confidence_interval[1]
    assert res.cvar_confidence_interval[0] <= cvar <= res.cvar_confidence_interval[1]
    assert res.info["dof"] == 5.0


def test_fitted_t_copula_runs(gaussian_returns, backend_name):
    res = monte_carlo_var(gaussian_returns, paths=50_000, copula="t", seed=1,
                          backend=backend_name)
    assert res.info["dof"] > 2 and res.cvar > res.value


def test_horizon_scaling(gaussian_returns):
    w = np.array([0.4, 0.4, 0.2])
    res = monte_carlo_var(gaussian_returns, w, paths=400_000, horizon=10, seed=3)
    ref = parametric_var(gaussian_returns, w, horizon=10)
    assert res.confidence_interval[0] <= ref.value <= res.confidence_interval[1]


def test_float32_numpy(gaussian_returns):
    res = monte_carlo_var(gaussian_returns, paths=400_000, seed=3, dtype="float32")
    ref = parametric_var(gaussian_returns)
    assert res.info["dtype"] == "float32"
    assert res.confidence_interval[0] <= ref.value <= res.confidence_interval[1]


def test_interval_coverage_single_asset():
    # 200 independent small runs: the 95% order-statistic interval should cover the truth
    r = np.random.default_rng(9).normal(0.0, 0.01, size=(300, 1))
    truth = parametric_var(r, [1.0], confidence=0.95).value
    hits = 0
    for seed in range(200):
        res = monte_carlo_var(r, [1.0], paths=2_000, confidence=0.95, seed=seed,
                              interval_level=0.95, threads=1)
        hits += res.confidence_interval[0] <= truth <= res.confidence_interval[1]
    assert 0.9 <= hits / 200 <= 0.99


def test_to_dict_is_json_ready(gaussian_returns):
    import json

    d = monte_carlo_var(gaussian_returns, paths=10_000, seed=0).to_dict()
    assert {"var", "cvar", "confidence_interval", "samples", "seed", "backend", "device",
            "seconds", "oracle_queries"} <= set(d)
    json.dumps(d)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 400), st.lists(st.integers(1, 300), min_size=1, max_size=12),
       st.integers(0, 2**32 - 1))
def test_tail_keeper_is_exact(k, chunk_sizes, seed):
    rng = np.random.default_rng(seed)
    chunks = [np.round(rng.normal(size=n), 1) for n in chunk_sizes]  # ties included
    keeper = TailKeeper(k)
    for c in chunks:
        keeper.offer(c)
    data = np.concatenate(chunks)
    expected = np.sort(data)[::-1][:k]
    np.testing.assert_array_equal(keeper.largest(), expected)
    assert keeper.peak_kept <= 2 * k + max(chunk_sizes)


def test_memory_stays_bounded(gaussian_returns):
    res = monte_carlo_var(gaussian_returns, paths=2_000_000, confidence=0.99, seed=1)
    # only the tail (plus the interval's margin) is kept, never the 2e6 losses
    assert res.info["kept_losses"] < 0.011 * 2_000_000
    assert res.info["peak_kept"] <= 2 * res.info["kept_losses"] + 16384


def test_bad_inputs(gaussian_returns):
    with pytest.raises(ProblemError, match=r"paths must be at least 1/\(1 - confidence\) = 100"):
        monte_carlo_var(gaussian_returns, paths=99, confidence=0.99)
    with pytest.raises(ProblemError, match="paths must be a whole number"):
        monte_carlo_var(gaussian_returns, paths=1000.5)
    with pytest.raises(ProblemError, match="copula"):
        monte_carlo_var(gaussian_returns, paths=1000, copula="clayton")
    with pytest.raises(ProblemError, match="dtype"):
        monte_carlo_var(gaussian_returns, paths=1000, dtype="int8")
    with pytest.raises(ProblemError, match="interval_level"):
        monte_carlo_var(gaussian_returns, paths=1000, interval_level=1.0)
    with pytest.raises(ProblemError, match="seed"):
        monte_carlo_var(gaussian_returns, paths=1000, seed=-1)
    with pytest.raises(ProblemError, match="runs on numpy only"):
        value_at_risk(gaussian_returns, method="qmc", backend="mlx")


def test_mlx_rejects_float64(gaussian_returns):
    pytest.importorskip("mlx.core", reason="MLX cannot be imported here")
    with pytest.raises(ProblemError, match="float32"):
        monte_carlo_var(gaussian_returns, paths=1000, backend="mlx", dtype="float64")


def test_float32_box_muller_normals_are_standard_normal():
    from scipy import stats

    from qfin.risk._montecarlo import _BoxMuller32

    gen = np.random.Generator(np.random.SFC64(123))
    z = _BoxMuller32(gen, 400_000).fill((20_000, 20)).ravel().astype(np.float64)
    assert z.dtype == np.float64 and z.size == 400_000
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01
    assert stats.kstest(z, "norm").pvalue > 0.01
    assert np.abs(z).max() <= np.sqrt(-2 * np.log(2.0**-24)) + 1e-6
    # odd sizes are filled completely
    odd = _BoxMuller32(gen, 21).fill((7, 3))
    assert odd.shape == (7, 3) and np.isfinite(odd).all()
