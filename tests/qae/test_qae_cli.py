from __future__ import annotations

import argparse
import json
import os

import numpy as np
import pytest

from qfin.cli import main
from qfin.errors import DataError, ProblemError
from qfin.qae import _cli as qae_cli
from qfin.qae import portfolio_losses


def _args(**kw):
    parser = argparse.ArgumentParser()
    qae_cli.add_var_options(parser)
    args = parser.parse_args([])
    args.confidence, args.seed, args.horizon, args.backend, args.json = 0.99, 3, 1, "numpy", True
    for key, value in kw.items():
        setattr(args, key, value)
    return args


@pytest.fixture(scope="module")
def returns(sample_store):
    return sample_store.returns(None, kind="simple", dataset="sample")


@pytest.mark.parametrize("method", ["qae-iterative", "qae-ml", "qae-canonical"])
def test_var_methods_payload(returns, method):
    weights = np.full(returns.shape[1], 1.0 / returns.shape[1])
    payload = qae_cli.VAR_METHODS[method](_args(qubits=8, eval_qubits=6), returns, weights)
    for key in ("var", "cvar", "var_bracket", "oracle_queries", "seconds",
                "exact_discretised_var", "method", "qubits"):
        assert key in payload
    assert payload["method"] == method and payload["qubits"] == 8
    assert payload["var_bracket"][0] <= payload["var"] <= payload["var_bracket"][1]
    assert abs(payload["var"] - payload["exact_discretised_var"]) <= 3 * (
        payload["grid"]["step"])
    json.dumps(payload)


def test_var_statevector_and_horizon(returns):
    weights = np.full(returns.shape[1], 1.0 / returns.shape[1])
    args = _args(qubits=5, simulator="statevector", epsilon=1e-2, horizon=5)
    payload = qae_cli.VAR_METHODS["qae-iterative"](args, returns, weights)
    assert payload["simulator"] == "statevector" and payload["horizon"] == 5
    assert payload["scenarios"] == len(returns) - 4


def test_var_method_bad_options(returns):
    weights = np.full(returns.shape[1], 1.0 / returns.shape[1])
    with pytest.raises(ProblemError, match="--qubits must be an integer in 1..24"):
        qae_cli.VAR_METHODS["qae-iterative"](_args(qubits=25), returns, weights)
    with pytest.raises(ProblemError, match="--alpha must be in \\(0, 1\\)"):
        qae_cli.VAR_METHODS["qae-iterative"](_args(alpha=1.0), returns, weights)
    with pytest.raises(ProblemError, match="epsilon must be a finite number > 0"):
        qae_cli.VAR_METHODS["qae-iterative"](_args(epsilon=0.0), returns, weights)
    with pytest.raises(ProblemError, match="confidence must be in \\(0, 1\\)"):
        qae_cli.VAR_METHODS["qae-ml"](_args(confidence=1.5), returns, weights)
    with pytest.raises(ProblemError, match="--ae-interval for qae-ml"):
        qae_cli.VAR_METHODS["qae-ml"](_args(ae_interval="chernoff"), returns, weights)


def test_portfolio_losses_bad_inputs():
    with pytest.raises(DataError, match="non-empty 2-D"):
        portfolio_losses(np.zeros(3))
    with pytest.raises(ProblemError, match="weights must have shape \\(2,\\)"):
        portfolio_losses(np.zeros((4, 2)), [1.0])
    with pytest.raises(ProblemError, match="horizon must be an integer >= 1"):
        portfolio_losses(np.zeros((4, 2)), horizon=0)


def _has_var_command() -> bool:
    here = os.path.dirname(__import__("qfin.cli", fromlist=["x"]).__file__)
    return os.path.exists(os.path.join(here, "cmd_var.py"))


@pytest.mark.skipif(not _has_var_command(), reason="qfin var (cmd_var.py) is not there yet")
def test_qfin_var_command(sample_store, capsys):
    db = str(sample_store.url) if hasattr(sample_store, "url") else None
    argv = (["--db", db] if db else []) + [
        "var", "--method", "qae-iterative", "--qubits", "8", "--seed", "1", "--json"]
    assert main(argv) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["method"] == "qae-iterative" and payload["oracle_queries"] > 0
    assert main((["--db", db] if db else []) + ["var", "--method", "qae-ml", "--qubits",
                                                "30"]) == 2
    assert "--qubits must be" in capsys.readouterr().err


def test_bench_qae_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["bench", "qae", "--help"])
    assert exc.value.code == 0
    assert "--quick" in capsys.readouterr().out
