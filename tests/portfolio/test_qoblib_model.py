"""QOBLIB 06-portfolio: loader, the .zpl model in both modes, .sol naming, dimod models."""

from __future__ import annotations

import gzip
from pathlib import Path

import dimod
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qfin.datasets import (
    QOBLIB_Q_GRID,
    load_qoblib_portfolio,
    qoblib_best_known,
    qoblib_instance_names,
    qoblib_published_value,
    qoblib_solution_files,
    read_qoblib_sol,
    write_synthetic_qoblib_instance,
)
from qfin.errors import DataError, ProblemError
from qfin.portfolio.qoblib import (
    QoblibModel,
    lp_cut,
    read_sol,
    to_bqm,
    to_cqm,
    write_sol,
)
from qfin.portfolio.qoblib._model import lp_name
from qfin.samplers._structured import random_feasible_counts

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "data" / "qoblib"


@pytest.fixture(scope="module")
def a010():
    return load_qoblib_portfolio("po_a010_t10_orig")


@pytest.fixture(scope="module")
def gurobi_a010():
    """Gurobi's .sol files of a010_t10_orig, keyed by q."""
    return {q: sol for _, q, sol in qoblib_solution_files("a010_t10_orig")}


def _copy_instance(tmp_path: Path, name: str = "po_a010_t10_orig") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for f in ("stock_prices.txt.gz", "covariance_matrices.txt.gz"):
        with gzip.open(SHIPPED / "instances" / name / f, "rt") as src:
            (folder / f[:-3]).write_text(src.read())
    return folder


# ------------------------------------------------------------------------------ data


def test_shipped_instances_and_table():
    names = qoblib_instance_names()
    assert len(names) == 12
    assert qoblib_instance_names(10) == [n for n in names if "_a010_" in n]
    table = qoblib_best_known()
    small = table[(table.a <= 50) & table.objval.notna()]
    assert len(small) == 128  # seeds 00, 01, 02, orig x 2 sizes x 2 horizons x 8 q
    assert int((small.status == "TIME_LIMIT").sum()) == 87  # as the issue states
    assert sorted(set(small.q)) == sorted(QOBLIB_Q_GRID)
    assert (SHIPPED / "README.md").read_text().count("CC BY 4.0") >= 1


def test_loader_shapes_and_order(a010):
    assert (a010.n_assets, a010.n_periods) == (10, 10)
    assert a010.symbols[:3] == ("AAPL", "NVDA", "MSFT")
    assert a010.prices.shape == (10, 10) and a010.covariances.shape == (10, 10, 10)
    assert a010.label == "a010_t10_orig" and a010.default_b_tot == 4 and a010.shipped
    np.testing.assert_allclose(a010.covariances, np.transpose(a010.covariances, (0, 2, 1)))


def test_loader_reads_a_users_plain_folder(tmp_path, a010):
    folder = _copy_instance(tmp_path)
    inst = load_qoblib_portfolio(folder)
    assert not inst.shipped and inst.symbols == a010.symbols
    np.testing.assert_array_equal(inst.prices, a010.prices)


def test_published_values():
    opt = qoblib_published_value("a010_t10_orig", 0.0)
    assert (opt.objective, opt.status, opt.source) == (-110512.0, "OPTIMAL", "sol")
    assert opt.reached(-110512.0) and not opt.reached(-110511.5)
    unshipped = qoblib_published_value("a010_t10_s02", 5e-5)  # table only, 6 digits
    assert (unshipped.objective, unshipped.source) == (-67521.5, "table")
    assert qoblib_published_value("a010_t10_orig", 0.123) is None
    assert qoblib_published_value("a010_t10_orig", 0.0, b_tot=5) is None


# ----------------------------------------------------------------------- bad input


def test_folder_without_a_file(tmp_path):
    folder = _copy_instance(tmp_path)
    (folder / "covariance_matrices.txt").unlink()
    with pytest.raises(DataError, match="lacks covariance_matrices.txt"):
        load_qoblib_portfolio(folder)
    folder2 = _copy_instance(tmp_path, "po_a010_t10_s00")
    (folder2 / "stock_prices.txt").unlink()
    with pytest.raises(DataError, match="lacks stock_prices.txt"):
        load_qoblib_portfolio(folder2)


def test_unknown_name():
    with pytest.raises(DataError, match="no QOBLIB instance folder 'po_a999_t10_orig'"):
        load_qoblib_portfolio("po_a999_t10_orig")


def test_covariance_missing_a_pair(tmp_path):
    folder = _copy_instance(tmp_path)
    path = folder / "covariance_matrices.txt"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(ln for ln in lines if ln != lines[57]) + "\n")
    day, a, b, _ = lines[57].split()
    with pytest.raises(DataError, match=rf"missing.*\({a}, {b}\) on day {day}"):
        load_qoblib_portfolio(folder)


def test_covariance_missing_a_day(tmp_path):
    folder = _copy_instance(tmp_path)
    path = folder / "covariance_matrices.txt"
    lines = [ln for ln in path.read_text().splitlines() if not ln.startswith("7 ")]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"no covariances for day\(s\) \[7\]"):
        load_qoblib_portfolio(folder)


@pytest.mark.parametrize("bad", ["0", "-12.5"])
def test_price_not_positive(tmp_path, bad):
    folder = _copy_instance(tmp_path)
    path = folder / "stock_prices.txt"
    lines = path.read_text().splitlines()
    day, sym, _ = lines[13].split()
    lines[13] = f"{day} {sym} {bad}"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=rf"prices must be > 0.*line 14 \({sym} day {day}"):
        load_qoblib_portfolio(folder)


def test_price_not_a_number_and_missing_price(tmp_path):
    folder = _copy_instance(tmp_path)
    path = folder / "stock_prices.txt"
    lines = path.read_text().splitlines()
    lines[2] = lines[2].split()[0] + " " + lines[2].split()[1] + " abc"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match="price must be a finite number; bad on line 3"):
        load_qoblib_portfolio(folder)
    path.write_text("\n".join(ln for i, ln in enumerate(lines) if i != 2) + "\n")
    with pytest.raises(DataError, match="every symbol needs a price on every day"):
        load_qoblib_portfolio(folder)


def test_sol_naming_an_unknown_variable(tmp_path, a010, gurobi_a010):
    model = QoblibModel(a010, 1e-5)
    src = tmp_path / "good.sol"
    write_sol(model, model.vector(gurobi_a010[1e-5].values), src)
    bad = tmp_path / "bad.sol"
    bad.write_text(src.read_text() + "x$ACME#1#1#0 1\n")
    with pytest.raises(DataError, match=r"bad.sol: 1 variable name\(s\) unknown.*x\$ACME#1#1#0"):
        read_sol(model, bad)
    short = tmp_path / "short.sol"
    short.write_text("\n".join(src.read_text().splitlines()[:-1]) + "\n")
    with pytest.raises(DataError, match="lacks 1 of the 690 variables"):
        read_sol(model, short)
    garbled = tmp_path / "garbled.sol"
    garbled.write_text("# Objective value = 3\nx$AAPL#1#1#0 one\n")
    with pytest.raises(DataError, match="line 2: value 'one'"):
        read_qoblib_sol(garbled)


@pytest.mark.parametrize("q", [-1e-6, float("nan"), "abc"])
def test_q_must_be_non_negative(a010, q):
    with pytest.raises(ProblemError, match=r"q .*must be .*>= 0"):
        QoblibModel(a010, q)


def test_b_tot_needed_outside_qoblib_sizes(tmp_path):
    folder = write_synthetic_qoblib_instance(tmp_path / "syn", n_assets=12, n_periods=4, seed=3)
    inst = load_qoblib_portfolio(folder)
    with pytest.raises(ProblemError, match="pass b_tot"):
        QoblibModel(inst, 1e-4)
    model = QoblibModel(inst, 1e-4, b_tot=6)
    assert model.n_variables == 2 * 3 * 12 * 4 + 9 * 4


# ----------------------------------------------------------------------- the model


def test_lp_cut_matches_zimpl_and_sed():
    values = np.array([2.7, -2.7, 0.5, -0.99, 123456.789, 1.5e-05, -3.2e-05, 1e-05, 1.0, -1.0,
                       0.0, 2.9999999999999999, 1e16 + 0.0])
    cut = lp_cut(values)
    np.testing.assert_array_equal(
        cut, [2, -2, 0, 0, 123456, 1, -3, 1e-05, 1, -1, 0, 3, 1e16])


def test_lp_names_follow_zimpl():
    assert lp_name("x$AAPL#1#-1#0", 10) == "x$AAPL#1#_1#0@a"
    assert lp_name("x$GOOGL#2#-1#0", 270) == "x$GOOGL#2#_1@10e"
    assert lp_name("x$AAPL#1#1#0", 0) == "x$AAPL#1#1#0"
    assert lp_name("s1#3#9", 999) == "s1#3#9"


def test_every_gurobi_name_round_trips(tmp_path, a010, gurobi_a010):
    model = QoblibModel(a010, 1e-5)
    sol = gurobi_a010[1e-5]
    assert set(sol.values) == set(model.labels)
    path = write_sol(model, model.vector(sol.values), tmp_path / "rt.sol")
    values, objective = read_sol(model, path)
    np.testing.assert_array_equal(values, np.rint(model.vector(sol.values)))
    assert objective == sol.objective


def test_published_mode_reproduces_every_shipped_sol_file():
    """All 96 Gurobi .sol files: the published score equals the '# Objective value' line."""
    cache: dict[str, object] = {}
    seen = 0
    for label, q, sol in qoblib_solution_files():
        inst = cache.setdefault(label, load_qoblib_portfolio(label))
        model = QoblibModel(inst, q)
        rounded = model.evaluate(sol.values)
        raw = model.evaluate(sol.values, round_values=False)
        assert rounded.feasible, (label, q)
        # Gurobi's line comes from its own (within 1e-5 of binary) values
        assert raw.published == pytest.approx(sol.objective, rel=1e-9, abs=1e-6), (label, q)
        assert abs(rounded.published - sol.objective) <= 0.01, (label, q)
        if rounded.n_units.any():  # truncation matters as soon as anything is held
            assert abs(rounded.exact - rounded.published) > 1e-6, (label, q)
        seen += 1
    assert seen == 96


def test_dimod_models_agree_with_the_scorer(a010, gurobi_a010):
    for q in (0.0, 1e-4):
        model = QoblibModel(a010, q)
        sample = dict(zip(model.labels, np.rint(model.vector(gurobi_a010[q].values)),
                          strict=True))
        score = model.evaluate(sample)
        cqm = to_cqm(model)
        assert isinstance(cqm, dimod.ConstrainedQuadraticModel)
        assert len(cqm.constraints) == 2 * a010.n_periods
        assert cqm.check_feasible(sample)
        assert cqm.objective.energy(sample) == pytest.approx(score.published, abs=1e-6)
        bqm = to_bqm(model, "published", penalty=1e5)
        assert bqm.energy(sample) == pytest.approx(score.published, abs=1e-6)
        assert to_bqm(model, "exact").energy(sample) == pytest.approx(score.exact, rel=1e-12)
        # one unit too many is penalised: energy rises by the penalty times violation²
        x = model.vector(sample)
        x[model.slack_index()[0][0, 0]] = 1 - x[model.slack_index()[0][0, 0]]
        broken = dict(zip(model.labels, x, strict=True))
        assert not model.evaluate(broken).feasible
        assert not cqm.check_feasible(broken)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), q=st.sampled_from([0.0, 1e-5, 5e-4, 1e-2]))
def test_count_model_equals_the_binary_objective(seed, q):
    inst = load_qoblib_portfolio("po_a010_t15_s01")
    model = QoblibModel(inst, q)
    rng = np.random.default_rng(seed)
    for mode in ("published", "exact"):
        sm = model.to_structured(mode)
        counts = random_feasible_counts(sm, 3, rng)
        binary = model.expand(counts)
        for c, x in zip(counts, binary, strict=True):
            score = model.evaluate(x)
            assert score.feasible
            assert sm.energies(c) == pytest.approx(score.objective(mode), rel=1e-10, abs=1e-6)
            np.testing.assert_array_equal(model.counts(x), c)


def test_shipped_copy_is_byte_identical_to_sources():
    """The shipped files hash as QOBLIB's (recorded in data/qoblib/SHA256SUMS)."""
    import hashlib

    sums = (SHIPPED / "SHA256SUMS").read_text().split("\n")
    checked = 0
    for line in filter(None, sums):
        digest, name = line.split(maxsplit=1)
        assert hashlib.sha256((SHIPPED / name).read_bytes()).hexdigest() == digest, name
        checked += 1
    assert checked == 12 * 2 + 12
