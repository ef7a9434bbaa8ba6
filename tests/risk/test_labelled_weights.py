"""Issue 10.2: labelled weights are aligned to the return columns by label, everywhere."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qfin.errors import ProblemError
from qfin.risk import METHODS, backtest_var, value_at_risk

_OPTS = {"mc": {"paths": 20_000, "seed": 3}, "qmc": {"paths": 4096, "seed": 3},
         "is": {"paths": 20_000, "seed": 3}}


@pytest.fixture(scope="module")
def abc_returns():
    """Three assets of very different risk, so a permuted portfolio has a different VaR."""
    rng = np.random.default_rng(11)
    data = rng.normal(0.0, 1.0, size=(500, 3)) * np.array([0.005, 0.01, 0.04])
    return pd.DataFrame(data, columns=["A", "B", "C"])


@pytest.mark.parametrize("method", METHODS)
def test_series_weights_in_every_method(abc_returns, method):
    """The issue's reproduction: Series({"C": .05, "B": .15, "A": .8}) on columns A, B, C."""
    series = pd.Series({"C": 0.05, "B": 0.15, "A": 0.8})
    mapping = {"B": 0.15, "A": 0.8, "C": 0.05}
    array = np.array([0.8, 0.15, 0.05])
    opts = _OPTS.get(method, {})
    want = value_at_risk(abc_returns, array, method=method, **opts)
    for labelled in (series, mapping):
        got = value_at_risk(abc_returns, labelled, method=method, **opts)
        assert got.value == want.value and got.cvar == want.cvar
    # applied by position (the old behaviour) it would be a much riskier portfolio
    wrong = value_at_risk(abc_returns, series.to_numpy(), method=method, **opts)
    assert wrong.value > 2 * want.value


@pytest.mark.parametrize("method", METHODS)
def test_missing_or_extra_labels_are_refused_by_every_method(abc_returns, method):
    with pytest.raises(ProblemError, match="missing 'C'"):
        value_at_risk(abc_returns, pd.Series({"A": 0.5, "B": 0.5}), method=method,
                      **_OPTS.get(method, {}))
    with pytest.raises(ProblemError, match="not in return columns: 'D'"):
        value_at_risk(abc_returns, {"A": 0.4, "B": 0.3, "C": 0.2, "D": 0.1}, method=method,
                      **_OPTS.get(method, {}))


def test_backtest_aligns_by_label(abc_returns):
    series = pd.Series({"C": 0.05, "B": 0.15, "A": 0.8})
    by_label = backtest_var(abc_returns, series, methods=["historical", "normal"], window=200)
    by_array = backtest_var(abc_returns, [0.8, 0.15, 0.05], methods=["historical", "normal"],
                            window=200)
    pd.testing.assert_frame_equal(by_label.frame, by_array.frame)
    with pytest.raises(ProblemError, match="missing 'C'"):
        backtest_var(abc_returns, {"A": 0.5, "B": 0.5}, methods=["normal"], window=200)


def test_duplicate_return_columns_are_refused(abc_returns):
    dup = abc_returns.set_axis(["A", "B", "A"], axis=1)
    with pytest.raises(Exception, match="twice"):
        value_at_risk(dup, [0.2, 0.3, 0.5])


def test_amplitude_estimation_losses_align_by_label(abc_returns):
    from qfin.qae import portfolio_losses

    series = pd.Series({"C": 0.05, "B": 0.15, "A": 0.8})
    np.testing.assert_array_equal(portfolio_losses(abc_returns, series),
                                  portfolio_losses(abc_returns, [0.8, 0.15, 0.05]))
    with pytest.raises(ProblemError, match="missing 'C'"):
        portfolio_losses(abc_returns, {"A": 0.5, "B": 0.5})


def test_portfolio_problem_aligns_every_labelled_input():
    from qfin.portfolio import PortfolioProblem

    mu = pd.Series({"A": 0.10, "B": 0.20, "C": 0.15})
    cov = pd.DataFrame(np.diag([0.04, 0.09, 0.05]), index=list("ABC"), columns=list("ABC"))
    base = PortfolioProblem(mu, cov, cardinality=2)
    # the same data given in other orders, as Series / DataFrame / mapping
    shuffled = PortfolioProblem(mu[["C", "A", "B"]], cov.loc[list("BCA"), list("CBA")],
                                tickers=list("ABC"), cardinality=2,
                                bounds=({"C": 0.0, "A": 0.0, "B": 0.1}, 1.0),
                                sectors={"C": "x", "B": "y", "A": "x"})
    assert shuffled.mu.tolist() == base.mu.tolist()
    assert shuffled.cov.tolist() == base.cov.tolist()
    assert shuffled.lower.tolist() == [0.0, 0.1, 0.0]
    assert shuffled.sectors == ["x", "y", "x"]
    # cov as a DataFrame supplies the tickers of a plain mu
    from_cov = PortfolioProblem(mu.to_numpy(), cov, cardinality=2)
    assert from_cov.tickers == ["A", "B", "C"]
    w = pd.Series({"C": 0.5, "A": 0.5, "B": 0.0})
    assert base.objective(w) == base.objective([0.5, 0.0, 0.5])
    assert base.is_feasible(w)
    with pytest.raises(ProblemError, match="missing 'B'"):
        base.objective({"A": 0.5, "C": 0.5})
    with pytest.raises(ProblemError, match="not in tickers"):
        PortfolioProblem(mu, cov.rename(index={"C": "D"}, columns={"C": "D"}))
    with pytest.raises(ProblemError, match="sectors are labelled"):
        PortfolioProblem(mu, cov, sectors={"A": "x", "B": "y"})
