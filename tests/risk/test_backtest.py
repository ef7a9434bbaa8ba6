from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from qfin.errors import ProblemError
from qfin.risk import (
    backtest_var,
    christoffersen_test,
    exceedance_chart,
    historical_var,
    kupiec_test,
    parametric_var,
)


def test_kupiec_by_hand():
    hits = np.zeros(250, dtype=bool)
    hits[[10, 50, 90, 130, 170, 210]] = True  # 6 exceedances, 2.5 expected at 99%
    out = kupiec_test(hits, 0.99)
    p0, phat = 0.01, 6 / 250
    lr = -2 * (6 * np.log(p0) + 244 * np.log(1 - p0) - 6 * np.log(phat) - 244 * np.log(1 - phat))
    assert out["lr"] == pytest.approx(lr, rel=1e-12)
    assert out["p_value"] == pytest.approx(stats.chi2.sf(lr, 1), rel=1e-12)
    assert out["exceedances"] == 6 and out["expected"] == pytest.approx(2.5)
    zero = kupiec_test(np.zeros(100, dtype=bool), 0.99)  # 0 log 0 = 0
    assert zero["lr"] == pytest.approx(-2 * 100 * np.log(0.99), rel=1e-12)


def test_christoffersen_by_hand():
    hits = np.array([0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1], dtype=bool)
    out = christoffersen_test(hits, 0.9)
    prev, cur = hits[:-1], hits[1:]
    n = {f"n{a}{b}": int(((prev == a) & (cur == b)).sum()) for a in (0, 1) for b in (0, 1)}
    assert {k: out[k] for k in n} == n
    pi01 = n["n01"] / (n["n00"] + n["n01"])
    pi11 = n["n11"] / (n["n10"] + n["n11"])
    pi = (n["n01"] + n["n11"]) / 19
    ll0 = (n["n00"] + n["n10"]) * np.log(1 - pi) + (n["n01"] + n["n11"]) * np.log(pi)
    ll1 = (n["n00"] * np.log(1 - pi01) + n["n01"] * np.log(pi01)
           + n["n10"] * np.log(1 - pi11) + n["n11"] * np.log(pi11))
    assert out["lr_ind"] == pytest.approx(-2 * (ll0 - ll1), rel=1e-12)
    assert out["p_value_cc"] == pytest.approx(
        stats.chi2.sf(out["lr_ind"] + kupiec_test(hits, 0.9)["lr"], 2), rel=1e-12)


def test_tests_reject_bad_series():
    with pytest.raises(ProblemError, match="exceedances"):
        kupiec_test([], 0.99)
    with pytest.raises(ProblemError, match="0/1"):
        christoffersen_test([0, 2, 1])
    with pytest.raises(ProblemError, match="confidence"):
        kupiec_test([0, 1], 1.0)


@pytest.fixture(scope="module")
def iid_returns():
    rng = np.random.default_rng(7)
    idx = pd.bdate_range("2000-01-03", periods=2200)
    return pd.DataFrame(rng.normal(0.0003, 0.01, size=(2200, 2)), index=idx, columns=["A", "B"])


@pytest.fixture(scope="module")
def iid_backtest(iid_returns):
    return backtest_var(iid_returns, methods=["historical", "normal", "t", "cornish-fisher",
                                              "mc"],
                        window=250, confidence=0.99, paths=2000, sampling_step=50,
                        progress=False)


def test_forecasts_are_the_estimators_on_each_window(iid_returns, iid_backtest):
    frame = iid_backtest.frame
    assert len(frame) == 2200 - 250 and frame.index[0] == iid_returns.index[250]
    for t in (250, 900, 2199):
        window = iid_returns.iloc[t - 250:t]
        day = iid_returns.index[t]
        assert frame.loc[day, "var_historical"] == pytest.approx(
            historical_var(window).value, abs=1e-15)
        assert frame.loc[day, "var_normal"] == pytest.approx(
            parametric_var(window).value, abs=1e-15)
        assert frame.loc[day, "loss"] == pytest.approx(-iid_returns.iloc[t].mean(), abs=1e-15)
    exc = frame["loss"] > frame["var_normal"]
    assert (frame["exceed_normal"] == exc).all()


def test_correct_model_is_not_rejected(iid_returns, iid_backtest):
    summary = iid_backtest.summary
    # i.i.d. Gaussian data: the normal VaR has about 1% exceedances and is not rejected
    assert summary.loc["normal", "rate"] == pytest.approx(0.01, abs=0.006)
    assert summary.loc["normal", "kupiec_p_value"] > 0.01
    assert summary.loc["mc", "reestimation_step"] == 50
    assert set(summary.columns) >= {"kupiec_p_value", "christoffersen_p_value", "cc_p_value"}
    d = iid_backtest.to_dict()
    assert d["first_date"] == str(iid_returns.index[250].date())
    assert len(d["methods"]) == 5


def test_exceedance_chart(iid_backtest):
    fig = exceedance_chart(iid_backtest, methods=["normal"])
    names = [trace.name for trace in fig.data]
    assert names[0] == "realised loss" and any("exceedances normal" in n for n in names)
    with pytest.raises(ProblemError, match="not in this backtest"):
        exceedance_chart(iid_backtest, methods=["qmc"])


def test_full_history_backtest(tmp_path_factory):
    from qfin.data import MarketStore

    store = MarketStore(tmp_path_factory.mktemp("full") / "full.sqlite")
    returns = store.returns(dataset="full")
    assert returns.index[0].year == 1990 and returns.index[-1].year == 2022
    res = backtest_var(returns, methods=["historical", "normal"], window=500, progress=False)
    summary = res.summary
    assert (summary["days"] == len(returns) - 500).all()
    # fat tails: the normal VaR is exceeded more often than historical simulation's
    assert summary.loc["normal", "exceedances"] > summary.loc["historical", "exceedances"]
    assert summary.loc["normal", "kupiec_p_value"] < 0.05


def test_backtest_bad_inputs(iid_returns):
    with pytest.raises(ProblemError, match="window must be at least 100"):
        backtest_var(iid_returns, window=50)
    with pytest.raises(ProblemError, match="shorter than the history"):
        backtest_var(iid_returns, window=5000)
    with pytest.raises(ProblemError, match="methods must be among"):
        backtest_var(iid_returns, methods=["garch"])
    with pytest.raises(ProblemError, match="step must be a positive integer"):
        backtest_var(iid_returns, step=0)
