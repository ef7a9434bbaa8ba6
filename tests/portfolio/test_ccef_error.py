"""The CCEF error measures on hand-checked examples, and the walk-forward figures."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from qfin.errors import DataError, ProblemError
from qfin.portfolio import (
    percentage_deviation,
    performance_summary,
    unconstrained_frontier,
    vre_mre,
    walk_forward,
)

UEF = pd.DataFrame({"mean": [0.0, 1.0, 2.0], "variance": [1.0, 2.0, 4.0]})


def test_percentage_deviation_by_hand():
    # (R, V) = (0.5, 1.65): V*(0.5) = 1.5 -> 10 %; R*(1.65) = 0.65 -> 23.1 %; min = 10 %
    assert percentage_deviation([0.5], [1.65], UEF) == pytest.approx([10.0])
    # return-direction smaller: (1.9, 4.0): V*(1.9)=3.8 -> 5.26 %, R*(4.0)=2 -> 5 %
    assert percentage_deviation([1.9], [4.0], UEF) == pytest.approx([5.0])
    # on the UEF or a hair above it: clipped to 0
    assert percentage_deviation([1.0, 1.0], [2.0, 1.999999], UEF).tolist() == [0.0, 0.0]
    # below the UEF's lowest return: clamped to the minimum-variance end
    assert percentage_deviation([-1.0], [1.1], UEF) == pytest.approx([10.0])


def test_vre_mre_by_hand():
    vre, mre = vre_mre([1.0], [2.2], UEF)  # nearest UEF point (2.0, 1.0)
    assert vre == pytest.approx(100 * 0.2 / 2.2) and mre == pytest.approx(0.0)


def test_bad_uef_and_shapes():
    with pytest.raises(DataError, match="columns 'mean' and 'variance'"):
        percentage_deviation([1.0], [1.0], pd.DataFrame({"r": [1, 2]}))
    with pytest.raises(DataError, match="variance rises"):
        percentage_deviation([1.0], [1.0], pd.DataFrame({"mean": [0, 1], "variance": [2, 1]}))
    with pytest.raises(ProblemError, match="same shape"):
        percentage_deviation([1.0, 2.0], [1.0], UEF)


def test_unconstrained_frontier_matches_published_port1():
    from qfin.datasets import load_orlib

    inst = load_orlib(1)
    uef = unconstrained_frontier(inst.mu, inst.cov, n_points=40)
    assert uef["mean"].iloc[-1] == pytest.approx(inst.uef["mean"].max(), rel=1e-6)
    assert uef["variance"].iloc[0] == pytest.approx(inst.uef["variance"].min(), rel=1e-4)
    # every computed point lies on the published curve (its deviation is ~0)
    dev = percentage_deviation(uef["mean"], uef["variance"], inst.uef)
    assert dev.max() < 0.05


def test_performance_summary_by_hand():
    r = pd.Series([0.1, -0.5, 0.2, 0.0])
    s = performance_summary(r, periods_per_year=52)
    assert s["annual_return"] == pytest.approx((1.1 * 0.5 * 1.2) ** (52 / 4) - 1)
    assert s["annual_volatility"] == pytest.approx(np.std(r, ddof=1) * math.sqrt(52))
    assert s["max_drawdown"] == pytest.approx(0.5)
    assert s["sharpe"] == pytest.approx(r.mean() * 52 / (np.std(r, ddof=1) * math.sqrt(52)))


def test_walk_forward_buy_and_hold_and_turnover():
    rets = pd.DataFrame({"a": [0.0, 0.0, 0.1, 0.0, 0.0, 0.0], "b": [0.0] * 6},
                        index=[f"T{i}" for i in range(1, 7)])
    res = walk_forward(rets, {"half": lambda t: np.array([0.5, 0.5])}, window=2, hold=2,
                       periods_per_year=52)
    realised = res["returns"]["half"].to_numpy()
    assert realised == pytest.approx([0.05, 0.0, 0.0, 0.0])
    # after the 10 % gain a drifted to 0.55/1.05; back to 0.5: ½·(|Δa| + |Δb|) = 0.55/1.05 − 0.5
    turnover = res["table"].set_index("portfolio").loc["half", "turnover"]
    assert turnover == pytest.approx(0.55 / 1.05 - 0.5)
    with pytest.raises(ProblemError, match="leaves no out-of-sample"):
        walk_forward(rets, {"x": lambda t: np.array([1.0, 0.0])}, window=6)
