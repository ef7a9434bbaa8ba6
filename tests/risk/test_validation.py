from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qfin.errors import BackendUnavailableError, DataError, ProblemError
from qfin.risk import METHODS, value_at_risk


@pytest.fixture(scope="module")
def rets():
    return np.random.default_rng(1).normal(0.0, 0.01, size=(300, 4))


@pytest.mark.parametrize("method", METHODS)
def test_weights_must_sum_to_one(rets, method):
    with pytest.raises(ProblemError, match=r"weights must sum to 1 \(got 1\.2\).*allow_leverage"):
        value_at_risk(rets, [0.3, 0.3, 0.3, 0.3], method=method)


@pytest.mark.parametrize("method", METHODS)
def test_leverage_allowed_on_request(rets, method):
    kw = {"paths": 2000, "seed": 0} if method in ("mc", "qmc", "is") else {}
    one = value_at_risk(rets, [0.25] * 4, method=method, **kw)
    two = value_at_risk(rets, [0.5] * 4, method=method, allow_leverage=True, **kw)
    assert two.value == pytest.approx(2 * one.value, rel=1e-9)  # VaR is positively homogeneous


def test_wrong_number_of_weights(rets):
    with pytest.raises(ProblemError, match=r"one entry per asset \(4\); got 3"):
        value_at_risk(rets, [0.5, 0.25, 0.25])
    with pytest.raises(ProblemError, match="1-D"):
        value_at_risk(rets, [[0.25] * 4])
    with pytest.raises(ProblemError, match="finite"):
        value_at_risk(rets, [np.nan, 0.5, 0.25, 0.25])
    with pytest.raises(ProblemError, match="numbers"):
        value_at_risk(rets, ["a", "b", "c", "d"])


@pytest.mark.parametrize("confidence", [0.0, 1.0, 1.5, -0.1, float("nan"), "0.99", True])
def test_confidence_outside_unit_interval(rets, confidence):
    with pytest.raises(ProblemError, match="confidence must be"):
        value_at_risk(rets, method="normal", confidence=confidence)


@pytest.mark.parametrize("horizon", [0, -3, 1.5, "2"])
def test_bad_horizon(rets, horizon):
    with pytest.raises(ProblemError, match="horizon must be"):
        value_at_risk(rets, method="normal", horizon=horizon)


@pytest.mark.parametrize("method", ["mc", "qmc", "is"])
def test_paths_below_one_over_tail(rets, method):
    with pytest.raises(ProblemError, match=r"paths must be at least 1/\(1 - confidence\) = 1000"):
        value_at_risk(rets, method=method, confidence=0.999, paths=999)


def test_unknown_backend_and_method(rets):
    with pytest.raises(BackendUnavailableError, match="backend must be one of"):
        value_at_risk(rets, method="mc", backend="cupy", paths=1000)
    with pytest.raises(ProblemError, match="method must be one of"):
        value_at_risk(rets, method="garch")


def test_bad_returns():
    with pytest.raises(DataError, match="NaN"):
        value_at_risk(np.array([[0.01, np.nan]] * 200))
    with pytest.raises(DataError, match="2-D"):
        value_at_risk(np.zeros((5, 2, 2)))
    with pytest.raises(DataError, match="above -1"):
        value_at_risk(np.full((200, 1), -1.5))
    with pytest.raises(DataError, match="numeric"):
        value_at_risk(pd.DataFrame({"a": ["x"] * 200}))
    with pytest.raises(DataError, match="at least"):
        value_at_risk(np.zeros((1, 2)), method="normal")
