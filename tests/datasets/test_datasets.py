"""qfin.datasets: the shipped OR-Library instances and weekly universes, and bad files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qfin.datasets import load_orlib, load_weekly, read_orlib, read_uef, read_weekly
from qfin.errors import DataError


def test_orlib_port1_moments_and_uef():
    inst = load_orlib(1)
    assert inst.n_assets == 31 and inst.labels[0] == "S1" and inst.labels[-1] == "S31"
    assert inst.index == "Hang Seng" and inst.periods_per_year == 52
    # σ_12 = ρ_12·s_1·s_2 with the file's numbers (return.csv rows 1-2, risk.csv "1,2,0.562289")
    assert inst.cov.loc["S1", "S2"] == pytest.approx(0.562289 * 0.043208 * 0.040258, rel=1e-12)
    assert inst.mu["S1"] == pytest.approx(0.001309)
    assert np.allclose(inst.cov, inst.cov.T) and np.linalg.eigvalsh(inst.cov).min() > 0
    assert len(inst.uef) == 2000 and inst.uef["mean"].is_monotonic_increasing
    assert inst.uef["variance"].is_monotonic_increasing
    assert [load_orlib(k).n_assets for k in (2, 3, 4, 5)] == [85, 89, 98, 225]


@pytest.mark.parametrize("bad", [0, 6, "port9", "x", True])
def test_orlib_unknown_instance(bad):
    with pytest.raises(DataError, match="instance must be 1-5"):
        load_orlib(bad)


def _write(path, text):
    path.write_text(text)
    return path


def test_uef_malformed(tmp_path):
    with pytest.raises(DataError, match="2 columns"):
        read_uef(_write(tmp_path / "a.csv", "0.01,0.002,7\n0.02,0.003,7\n"))
    with pytest.raises(DataError, match="not a finite number|malformed"):
        read_uef(_write(tmp_path / "b.csv", "0.01,0.002\n0.02,abc\n"))
    with pytest.raises(DataError, match="at least 2 points"):
        read_uef(_write(tmp_path / "c.csv", "0.01,0.002\n"))
    with pytest.raises(DataError, match="does not exist"):
        read_uef(tmp_path / "missing.csv")


def test_uef_not_monotone(tmp_path):
    with pytest.raises(DataError, match="not monotone"):
        read_uef(_write(tmp_path / "m.csv", "0.03,0.004\n0.02,0.005\n0.01,0.001\n"))
    with pytest.raises(DataError, match="appears twice"):
        read_uef(_write(tmp_path / "d.csv", "0.02,0.004\n0.02,0.005\n"))
    with pytest.raises(DataError, match="negative variance"):
        read_uef(_write(tmp_path / "n.csv", "0.02,-0.004\n0.03,0.005\n"))


def test_read_orlib_bad_correlations(tmp_path):
    _write(tmp_path / "return.csv", "0.01,0.1\n0.02,0.2\n")
    _write(tmp_path / "frontier.csv", "0.02,0.04\n0.01,0.01\n")
    _write(tmp_path / "risk.csv", "1,1,1.0\n2,2,1.0\n")
    with pytest.raises(DataError, match="no correlation for the pair"):
        read_orlib(tmp_path)
    _write(tmp_path / "risk.csv", "1,1,1.0\n1,2,1.5\n2,2,1.0\n")
    with pytest.raises(DataError, match="outside"):
        read_orlib(tmp_path)
    _write(tmp_path / "risk.csv", "1,1,1.0\n1,3,0.5\n2,2,1.0\n")
    with pytest.raises(DataError, match="integers in 1..2"):
        read_orlib(tmp_path)
    _write(tmp_path / "risk.csv", "1,1,1.0\n1,2,0.5\n2,2,1.0\n")
    inst = read_orlib(tmp_path)
    assert inst.cov.iloc[0, 1] == pytest.approx(0.5 * 0.1 * 0.2)


def test_weekly_universes():
    nasdaq = load_weekly("NASDAQ100")
    assert nasdaq.n_assets == 82 and nasdaq.index_returns is None and nasdaq.values == "returns"
    ind = load_weekly("indtrack6")
    assert ind.n_assets == 457 and "Index" not in ind.labels and ind.periods_per_year == 52
    assert ind.index_returns is not None and len(ind.index_returns) == len(ind.returns) == 290
    assert ind.returns.index[0] == "T2"  # prices: the first week has no return
    with pytest.raises(DataError, match="unknown weekly universe"):
        load_weekly("FTSE")


def test_weekly_bad_values(tmp_path):
    path = _write(tmp_path / "r.csv", "X,S1,S2\nT1,0.01,0.02\nT2,-1.0,0.01\n")
    with pytest.raises(DataError, match=r"row T2 column S1: return -1.0 is ≤ -1"):
        read_weekly(path, values="returns")
    path = _write(tmp_path / "p.csv", "X,S1,S2\nT1,10,20\nT2,0,21\n")
    with pytest.raises(DataError, match="must be > 0"):
        read_weekly(path, values="prices")
    path = _write(tmp_path / "n.csv", "X,S1,S2\nT1,10,20\nT2,abc,21\n")
    with pytest.raises(DataError, match="not a finite number"):
        read_weekly(path, values="prices")
    ok = read_weekly(_write(tmp_path / "ok.csv", "X,Index,S1\nT1,100,10\nT2,110,11\n"),
                     values="prices")
    assert ok.labels == ["S1"] and ok.index_returns.tolist() == pytest.approx([0.1])
    pd.testing.assert_index_equal(ok.returns.index, pd.Index(["T2"]))
