"""Figures for people (issue 11.13): units on every axis, exact results drawn as "exact",
one ground truth per panel, the loss distribution with VaR and CVaR, a dense frontier,
the chosen portfolios' annualised figures with held assets only."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from qfin.errors import DataError
from qfin.report import (
    accuracy_latency_figure,
    dense_frontier,
    efficient_frontier_figure,
    held_weights_figure,
    loss_distribution_figure,
    portfolio_summary,
)


def _summary() -> pd.DataFrame:
    return pd.DataFrame([
        ("portfolio", "exact (enumeration)", None, 0.0, 0.001),
        ("portfolio", "QUBO neal", None, 0.0, 4.3),
        ("portfolio", "heuristic", None, 0.004, 0.01),
        ("var", "historical", "empirical quantile", 0.0, 0.0005),
        ("var", "normal", "empirical quantile", 0.11, 0.0004),
        ("var", "AE iterative", "discretised VaR (64 points)", 0.0, 0.03),
        ("var", "AE canonical", "discretised VaR (64 points)", 0.19, 0.27),
    ], columns=["task", "method", "ground_truth_kind", "median_error", "median_seconds"])


def _values(fig, axis):
    out = []
    for trace in fig.data:
        values = getattr(trace, axis)
        if values is not None:
            out += list(values)
    return out


def test_accuracy_latency_draws_exact_results_as_exact_never_at_a_tiny_number():
    fig = accuracy_latency_figure(_summary())
    numbers = [v for v in _values(fig, "y") if not isinstance(v, str)]
    assert min(numbers) > 1e-6  # nothing invented at 1e-12
    exact = [t for t in fig.data if t.y is not None and list(t.y) and list(t.y)[0] == "exact"]
    assert {t.name for t in exact} == {"exact (enumeration)", "QUBO neal", "historical",
                                       "AE iterative"}
    assert "1e-12" not in json.dumps(fig.to_plotly_json(), default=str)


def test_accuracy_latency_has_one_panel_per_question_and_ground_truth_with_units():
    fig = accuracy_latency_figure(_summary())
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["portfolio<br><sub>vs exact optimum</sub>",
                      "var<br><sub>vs empirical quantile</sub>",
                      "var<br><sub>vs discretised VaR (64 points)</sub>"]
    layout = fig.to_plotly_json()["layout"]
    x_axes = [v for k, v in layout.items() if k.startswith("xaxis")]
    y_axes = [v for k, v in layout.items() if k.startswith("yaxis")]
    assert all(a.get("type") == "log" for a in x_axes)
    assert any(a.get("title", {}).get("text") == "time per call (s, log scale)" for a in x_axes)
    assert any(a.get("title", {}).get("text") == "relative error (%, log scale)" for a in y_axes)
    assert sum(a.get("type") == "log" for a in y_axes) == 3


def test_accuracy_latency_bad_input():
    with pytest.raises(DataError, match="has no column 'median_error'"):
        accuracy_latency_figure(pd.DataFrame({"x": [1]}))
    with pytest.raises(DataError, match="no row of summary has both"):
        accuracy_latency_figure(_summary().assign(median_seconds=np.nan))


def test_loss_distribution_marks_var_and_cvar_and_the_grid():
    rng = np.random.default_rng(0)
    losses = rng.standard_t(4, 2000) * 0.01
    grid = np.linspace(losses.min(), losses.max(), 64)
    pmf = np.histogram(losses, bins=64)[0] / losses.size
    fig = loss_distribution_figure(losses, 0.975, var=0.021, cvar=0.03, grid=grid, pmf=pmf,
                                   grid_var=0.022, grid_cvar=0.031)
    names = [t.name for t in fig.data]
    assert "scenarios (2,000)" in names and "discretisation (64 points)" in names
    assert "VaR 97.5 % = 2.10 %" in names and "CVaR 97.5 % = 3.00 %" in names
    assert "VaR 97.5 % of the grid = 2.20 %" in names
    assert "CVaR 97.5 % of the grid = 3.10 %" in names
    assert fig.layout.xaxis.title.text == "loss (% of portfolio value)"
    assert "97.5 %" in fig.layout.title.text and "98 %" not in fig.layout.title.text
    with pytest.raises(DataError, match="confidence must be in"):
        loss_distribution_figure(losses, 99)
    with pytest.raises(DataError, match="grid and pmf must have the same length"):
        loss_distribution_figure(losses, 0.99, grid=grid, pmf=pmf[:-1])
    with pytest.raises(DataError, match="losses must be a non-empty array"):
        loss_distribution_figure([], 0.99)


@pytest.fixture(scope="module")
def small_problem():
    from qfin.portfolio import PortfolioProblem

    rng = np.random.default_rng(3)
    a = rng.normal(size=(6, 6)) * 0.1
    cov = a @ a.T + np.diag(np.full(6, 0.02))
    mu = np.array([0.05, 0.12, 0.08, 0.15, 0.03, 0.10])
    return PortfolioProblem(mu, cov, cardinality=2, risk_aversion=2.0,
                            tickers=["A", "B", "C", "D", "E", "F"])


def test_dense_frontier_has_at_least_twenty_distinct_points(small_problem):
    frontier = dense_frontier(small_problem, n_points=20)
    points = frontier[["volatility", "expected_return"]].round(6).drop_duplicates()
    assert len(points) >= 20
    assert frontier["risk_aversion"].is_monotonic_increasing
    fig = efficient_frontier_figure(frontier)
    assert len(fig.data[0].x) >= 20
    assert fig.layout.xaxis.title.text == "volatility (annualised, %)"
    assert fig.layout.yaxis.title.text == "expected return (annualised, %)"
    with pytest.raises(DataError, match="n_points must be at least 2"):
        dense_frontier(small_problem, n_points=1)
    with pytest.raises(DataError, match="q_range must be"):
        dense_frontier(small_problem, q_range=(5.0, 1.0))


def test_chosen_portfolios_show_held_assets_and_annualised_figures(small_problem):
    from qfin.portfolio import solve

    results = {"exact": solve(small_problem, "exact"),
               "heuristic": solve(small_problem, "heuristic", seed=0)}
    table = portfolio_summary(small_problem, results).set_index("method")
    row = table.loc["exact"]
    weights = results["exact"].weights
    held = [t for t, w in zip(results["exact"].tickers, weights, strict=True) if w > 0]
    assert row["n_held"] == 2 and sorted(p.split()[0] for p in row["held"].split(", ")) == held
    terms = small_problem.terms(weights)
    assert row["expected_return"] == pytest.approx(terms["expected_return"])
    assert row["volatility"] == pytest.approx(terms["volatility"])
    assert row["sharpe"] == pytest.approx(terms["expected_return"] / terms["volatility"])
    assert "50.0 %" in row["held"]
    frame = pd.DataFrame({k: r.weights_series() for k, r in results.items()})
    fig = held_weights_figure(frame)
    shown = set(fig.data[0].x)
    assert shown == set(frame.index[(frame > 0).any(axis=1)]) and len(shown) < 6
    with pytest.raises(DataError, match="results must map at least one method"):
        portfolio_summary(small_problem, {})
    with pytest.raises(DataError, match="no method holds any asset"):
        held_weights_figure(frame * 0)


def test_compact_figures_show_the_same_in_a_fraction_of_the_bytes():
    import plotly.express as px
    import plotly.graph_objects as go

    from qfin.report import compact_figure

    dates = pd.date_range("2021-07-19", periods=300)
    frame = pd.DataFrame({"date": dates.repeat(2), "ticker": ["A", "B"] * 300,
                          "price": np.linspace(1.0, 2.0, 600)})
    fig = px.line(frame, x="date", y="price", color="ticker")
    before = len(fig.to_json())
    compact_figure(fig)
    assert len(fig.to_json()) < before / 2
    assert fig.layout.xaxis.type == "date"
    assert fig.data[0].x[0] == pd.Timestamp("2021-07-19").value / 1e6  # ms since the epoch
    assert fig.data[0].y.dtype == np.float32
    assert len(json.dumps(fig.layout.template.to_plotly_json())) < 500
    chosen = go.Figure(layout={"template": "plotly_dark"})
    compact_figure(chosen)
    assert chosen.layout.template.layout.paper_bgcolor == "rgb(17,17,17)"  # kept
