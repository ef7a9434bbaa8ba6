"""PortfolioProblem: construction, validation, objective, from_store."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qfin.errors import DataError, ProblemError
from qfin.portfolio import DEFAULT_RISK_AVERSION, PortfolioProblem, synthetic_problem

MU = np.array([0.10, 0.20, 0.15, 0.05])
COV = np.array([[0.04, 0.01, 0.00, 0.00],
                [0.01, 0.09, 0.02, 0.00],
                [0.00, 0.02, 0.05, 0.01],
                [0.00, 0.00, 0.01, 0.02]])


def test_objective_matches_formula():
    p = PortfolioProblem(MU, COV, risk_aversion=2.0, cardinality=2)
    w = np.array([0.5, 0.0, 0.5, 0.0])
    assert p.objective(w) == pytest.approx(2.0 * w @ COV @ w - MU @ w, rel=1e-15)
    stack = np.array([w, [0.25] * 4])
    np.testing.assert_allclose(p.objective(stack),
                               [p.objective(stack[0]), p.objective(stack[1])], rtol=1e-15)
    terms = p.terms(w)
    assert terms["objective"] == pytest.approx(p.objective(w))
    assert terms["volatility"] == pytest.approx(np.sqrt(w @ COV @ w))


def test_series_inputs_supply_tickers_and_align():
    tickers = ["A", "B", "C", "D"]
    mu = pd.Series(MU, index=tickers)
    cov = pd.DataFrame(COV, index=tickers, columns=tickers).loc[::-1, ::-1]
    p = PortfolioProblem(mu, cov)
    assert p.tickers == tickers
    np.testing.assert_allclose(p.cov, COV)
    assert p.risk_aversion == DEFAULT_RISK_AVERSION


def test_feasibility_checks():
    p = PortfolioProblem(MU, COV, cardinality=2, bounds=(0.0, 0.6))
    assert p.is_feasible([0.5, 0.5, 0, 0])
    assert not p.is_feasible([0.4, 0.4, 0.2, 0])  # three assets held
    assert not p.is_feasible([0.7, 0.3, 0, 0])  # above the upper bound
    assert not p.is_feasible([0.5, 0.4, 0, 0])  # budget


def test_feasibility_means_the_problems_own_constraints():
    """Issue 11.5: unequal weights passed under the equal-weight cardinality formulation."""
    cov = np.diag([0.04, 0.09, 0.05, 0.02])
    p = PortfolioProblem([0.1, 0.2, 0.15, 0.05], cov, cardinality=2)
    assert p.is_feasible([0.5, 0.5, 0, 0])
    assert not p.is_feasible([0.6, 0.4, 0, 0])       # K held, but not equally
    assert p.violated_constraints([0.6, 0.4, 0, 0]) == {"equal_weights": pytest.approx(0.2)}
    assert not p.is_feasible([1.0, 0, 0, 0])         # a relaxation's corner solution
    assert set(p.violated_constraints([1.0, 0, 0, 0])) == {"cardinality", "equal_weights"}
    np.testing.assert_array_equal(
        p.is_feasible(np.array([[0.5, 0.5, 0, 0], [0.6, 0.4, 0, 0]])), [True, False])
    # the discretised-weights formulation: every weight on the grid of 1/(2**bits - 1)
    w = PortfolioProblem([0.1, 0.2, 0.15, 0.05], cov, bits=2)
    assert w.is_feasible([1 / 3, 2 / 3, 0, 0])
    assert not w.is_feasible([0.5, 0.5, 0, 0])
    assert set(w.violated_constraints([0.5, 0.5, 0, 0])) == {"weight_grid"}
    wk = w.replace(cardinality=2)
    assert wk.is_feasible([1 / 3, 2 / 3, 0, 0]) and not wk.is_feasible([1 / 3, 1 / 3, 1 / 3, 0])
    # the same weights are feasible for one formulation and not the other
    both = PortfolioProblem([0.1, 0.2, 0.15, 0.05], cov, bits=2, cardinality=2)
    assert both.is_feasible([0.5, 0.5, 0, 0], formulation="cardinality")
    assert not both.is_feasible([0.5, 0.5, 0, 0], formulation="weights")
    # no K and no bits: the continuous problem (budget, bounds, sectors only)
    free = PortfolioProblem([0.1, 0.2, 0.15, 0.05], cov)
    assert free.is_feasible([0.6, 0.4, 0, 0]) and not free.is_feasible([0.6, 0.5, 0, 0])
    with pytest.raises(ProblemError, match="formulation must be one of"):
        p.is_feasible([0.5, 0.5, 0, 0], formulation="binary")


def test_repair_psd_and_replace():
    bad = COV.copy()
    bad[0, 1] = bad[1, 0] = 0.5
    p = PortfolioProblem(MU, bad, repair_psd=True)
    assert p.repaired and np.linalg.eigvalsh(p.cov).min() > -1e-12
    q = p.replace(risk_aversion=7.0, cardinality=3)
    assert q.risk_aversion == 7.0 and q.cardinality == 3 and p.cardinality is None


@pytest.mark.parametrize("kwargs, match", [
    ({"cov": COV[:, :3]}, r"cov must be \(4, 4\) to match mu; got \(4, 3\)"),
    ({"mu": [0.1, np.nan, 0.2, 0.1]}, "mu contains NaN or inf at positions"),
    ({"mu": [[0.1, 0.2]]}, "mu must be a 1-D array"),
    ({"cov": COV + np.triu(np.ones((4, 4)) * 0.01, 1)}, "cov must be symmetric"),
    ({"cov": np.diag([0.04, -0.01, 0.05, 0.02])}, "positive semi-definite.*repair_psd=True"),
    ({"cardinality": 5}, r"1 ≤ K ≤ n_assets = 4; got K = 5"),
    ({"cardinality": 0}, "1 ≤ K ≤ n_assets"),
    ({"cardinality": 2.5}, "cardinality must be an integer"),
    ({"risk_aversion": -1.0}, "risk_aversion must be a finite number ≥ 0"),
    ({"budget": 0.0}, "budget must be a finite number > 0"),
    ({"bits": 0}, "bits must be an integer between 1 and 16"),
    ({"bounds": (0.0, 0.2)}, "bounds make the budget 1 unreachable"),
    ({"bounds": (-0.1, 1.0)}, "bounds lower must be ≥ 0"),
    ({"bounds": ([0.0, 0.0], 1.0)}, r"bounds lower must be a number or have shape \(4,\)"),
    ({"bounds": 0.5}, "bounds must be a pair"),
    ({"tickers": ["A", "B"]}, "tickers must have 4 names"),
    ({"tickers": ["A", "A", "B", "C"]}, "tickers must be distinct"),
    ({"sector_limits": {"x": 0.5}}, "sector_limits needs sectors"),
    ({"sectors": ["a", "a", "b", "b"], "sector_limits": {"c": 0.5}}, "unknown sector 'c'"),
    ({"cardinality": 2, "bounds": (0.0, 0.4)}, "fewer than K assets"),
])
def test_bad_input_raises_problem_error(kwargs, match):
    args = {"mu": MU, "cov": COV, **kwargs}
    with pytest.raises(ProblemError, match=match):
        PortfolioProblem(args.pop("mu"), args.pop("cov"), **args)


def test_bad_weights_and_formulation():
    p = PortfolioProblem(MU, COV)
    with pytest.raises(ProblemError, match=r"weights must have shape \(4,\)"):
        p.objective([0.5, 0.5])
    with pytest.raises(ProblemError, match="cardinality formulation needs cardinality=K"):
        p.to_cqm("cardinality")
    with pytest.raises(ProblemError, match="weights formulation needs bits=B"):
        p.to_cqm("weights")
    with pytest.raises(ProblemError, match="formulation must be one of"):
        p.replace(cardinality=2).to_cqm("qaoa")
    with pytest.raises(ProblemError, match="unknown argument"):
        p.replace(alpha=0.1)


def test_from_store(sample_store):
    p = PortfolioProblem.from_store(["AAPL", "XOM", "KO"], store=sample_store, cardinality=2,
                                    estimator="ledoit-wolf")
    assert p.tickers == ["AAPL", "XOM", "KO"] and p.n_assets == 3
    rets = sample_store.returns(["AAPL", "XOM", "KO"])
    np.testing.assert_allclose(p.mu, rets.mean().to_numpy() * 252, rtol=1e-12)
    assert p.sectors == ["Information Technology", "Energy", "Consumer Staples"]
    limited = PortfolioProblem.from_store(store=sample_store, cardinality=4,
                                          sector_limits={"Energy": 0.25})
    assert limited.sector_limits == {"Energy": 0.25}


def test_from_store_unknown_ticker(sample_store):
    with pytest.raises(DataError, match="unknown ticker.*NOPE"):
        PortfolioProblem.from_store(["AAPL", "NOPE"], store=sample_store)


def test_synthetic_problem_is_shaped_like_equities():
    p = synthetic_problem(60, seed=3)
    vol = np.sqrt(np.diag(p.cov))
    corr = p.cov / np.outer(vol, vol)
    off = corr[np.triu_indices(60, 1)]
    assert p.cardinality == 15 and p.tickers[0] == "S000"
    assert 0.12 < vol.min() and vol.max() < 0.6
    assert 0.05 < np.median(off) < 0.6
    np.testing.assert_array_equal(synthetic_problem(60, seed=3).mu, p.mu)
    with pytest.raises(ProblemError, match="n_assets must be an integer ≥ 2"):
        synthetic_problem(1)
