"""qfin.samplers: dimod API, ExactSolver agreement, reproducibility, bad input."""

from __future__ import annotations

import warnings

import dimod
import numpy as np
import pytest
from dimod.testing import assert_sampler_api, assert_sampleset_energies
from dimod.testing.sampler import create_bqm_tests
from hypothesis import given, settings
from hypothesis import strategies as st

from qfin.errors import BackendUnavailableError, ProblemError
from qfin.samplers import (
    ParallelAnnealingSampler,
    SimulatedBifurcationSampler,
    default_beta_range,
)
from qfin.samplers._model import dense_ising
from qfin.samplers._polish import polish_spins

SAMPLERS = [ParallelAnnealingSampler, SimulatedBifurcationSampler]
FAST = {ParallelAnnealingSampler: {"num_sweeps": 200},
        SimulatedBifurcationSampler: {"num_steps": 300}}


@pytest.fixture(scope="module")
def small_models() -> list[dimod.BinaryQuadraticModel]:
    out = []
    for seed in range(3):
        out.append(dimod.generators.gnp_random_bqm(10, 0.6, "BINARY", random_state=seed))
        spin = dimod.generators.gnp_random_bqm(9, 0.7, "SPIN", random_state=10 + seed)
        spin.offset = 3.5
        out.append(spin)
    return out


@pytest.mark.parametrize("cls", SAMPLERS)
def test_sampler_api(cls):
    sampler = cls()
    assert_sampler_api(sampler)
    assert isinstance(sampler, dimod.Sampler)
    assert "num_reads" in sampler.parameters and "seed" in sampler.parameters


@pytest.mark.parametrize("cls", SAMPLERS)
def test_dimod_conformance_nonempty(cls):
    """dimod's generated checks (1-3 variables, SPIN/BINARY, offsets, odd labels).

    The empty-model cases are left out on purpose: qfin raises ProblemError for them.
    """

    class Case:
        def assertEqual(self, a, b):  # noqa: N802 - unittest spelling
            assert a == b

        def assertIs(self, a, b):  # noqa: N802
            assert a is b

        def assertAlmostEqual(self, a, b):  # noqa: N802
            assert a == pytest.approx(b)

    class Small(cls):  # dimod builds the sampler with no arguments; keep its runs short
        def sample(self, bqm, **kwargs):
            kwargs.setdefault("num_reads", 16)
            return super().sample(bqm, **kwargs)

    n_run = 0
    for method in create_bqm_tests(Small, max_num_variables=3):
        if "empty" in method.__name__:
            continue
        method(Case())
        n_run += 1
    assert n_run >= 20


@pytest.mark.parametrize("cls", SAMPLERS)
def test_default_call_just_works(cls):
    bqm = dimod.BQM({"a": 0.5, "b": -1.0}, {("a", "b"): 2.0}, 1.25, "BINARY")
    ss = cls().sample(bqm, num_reads=1024, seed=7)
    assert len(ss) == 1024
    assert_sampleset_energies(ss, bqm)
    assert ss.first.energy == pytest.approx(dimod.ExactSolver().sample(bqm).first.energy)
    timing = ss.info["timing"]
    assert {"build", "first_step", "sampling", "polish", "total"} <= set(timing)


@pytest.mark.parametrize("cls", SAMPLERS)
def test_single_variable_and_zero_bias(cls):
    one = dimod.BQM({"x": -2.0}, {}, 0.0, "SPIN")
    assert cls().sample(one, num_reads=4, seed=1).first.sample == {"x": 1}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        zero = dimod.BQM({"x": 0.0, "y": 0.0}, {}, 2.0, "BINARY")
        ss = cls().sample(zero, num_reads=3, seed=1)
    assert np.allclose(ss.record.energy, 2.0)


@pytest.mark.parametrize("cls", SAMPLERS)
def test_agrees_with_exact_solver(cls, small_models, backend_name):
    for bqm in small_models:
        exact = dimod.ExactSolver().sample(bqm).first.energy
        ss = cls().sample(bqm, num_reads=64, seed=3, backend=backend_name, polish=True,
                          **FAST[cls])
        assert ss.first.energy == pytest.approx(exact, abs=1e-9)
        assert_sampleset_energies(ss, bqm, precision=6)


def test_sb_variants_and_heated(small_models):
    bqm = small_models[0]
    exact = dimod.ExactSolver().sample(bqm).first.energy
    for variant in ("ballistic", "discrete"):
        ss = SimulatedBifurcationSampler().sample(bqm, num_reads=64, seed=2, variant=variant)
        assert ss.first.energy == pytest.approx(exact)
        assert ss.info["variant"] == variant
    ss = SimulatedBifurcationSampler().sample(bqm, num_reads=64, seed=2, heat=0.05)
    assert ss.info["heat"] == 0.05 and ss.first.energy == pytest.approx(exact)


def test_pa_schedule_options(small_models):
    bqm = small_models[1]
    exact = dimod.ExactSolver().sample(bqm).first.energy
    ss = ParallelAnnealingSampler().sample(bqm, num_reads=32, seed=5, num_sweeps=200,
                                           num_sweeps_per_beta=4, beta_range=(0.1, 5.0),
                                           dtype="float32")
    assert ss.info["beta_range"] == [0.1, 5.0] and ss.info["dtype"] == "float32"
    assert ss.first.energy == pytest.approx(exact)


def test_default_beta_range_matches_neal():
    from dwave.samplers.sa.sampler import default_beta_range as neal_range

    bqm = dimod.generators.gnp_random_bqm(15, 0.4, "BINARY", random_state=4)
    assert default_beta_range(dense_ising(bqm)) == pytest.approx(tuple(neal_range(bqm)))


@pytest.mark.parametrize("cls", SAMPLERS)
def test_numpy_bit_reproducible(cls, small_models):
    bqm = small_models[2]
    a = cls().sample(bqm, num_reads=16, seed=11, **FAST[cls])
    b = cls().sample(bqm, num_reads=16, seed=11, **FAST[cls])
    assert np.array_equal(a.record.sample, b.record.sample)
    assert np.array_equal(a.record.energy, b.record.energy)


@pytest.mark.mlx
@pytest.mark.parametrize("cls", SAMPLERS)
def test_mlx_reproducible(cls, small_models):
    pytest.importorskip("mlx.core", reason="MLX cannot be imported here")
    bqm = small_models[3]
    a = cls().sample(bqm, num_reads=16, seed=11, backend="mlx", **FAST[cls])
    b = cls().sample(bqm, num_reads=16, seed=11, backend="mlx", **FAST[cls])
    assert np.array_equal(a.record.sample, b.record.sample)
    assert a.info["backend"] == "mlx"


@pytest.mark.parametrize("cls", SAMPLERS)
def test_polish_reported_and_never_worse(cls, small_models):
    bqm = small_models[0]
    ss = cls().sample(bqm, num_reads=32, seed=1, polish=True, **FAST[cls])
    before = ss.record.energy_unpolished
    assert np.all(ss.record.energy <= before + 1e-9)
    info = ss.info["polish"]
    assert info["min_energy_after"] <= info["min_energy_before"] + 1e-12
    assert info["seconds"] >= 0


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), mode=st.sampled_from(["1-flip", "2-flip"]))
def test_polish_reaches_local_minimum(seed, mode):
    bqm = dimod.generators.gnp_random_bqm(8, 0.6, "SPIN", random_state=seed)
    model = dense_ising(bqm)
    rng = np.random.default_rng(seed)
    spins = rng.choice([-1, 1], size=(6, 8)).astype(np.int8)
    out = polish_spins(model, spins, mode)
    e_in, e_out = model.energies(spins), model.energies(out)
    assert np.all(e_out <= e_in + 1e-9)
    for row in out.astype(float):  # no single flip improves
        for i in range(8):
            flipped = row.copy()
            flipped[i] *= -1
            assert model.energies(flipped[None])[0] >= model.energies(row[None])[0] - 1e-9


@pytest.mark.parametrize("cls", SAMPLERS)
def test_unknown_kwarg_warns(cls):
    bqm = dimod.BQM({"a": 1.0}, {}, 0.0, "SPIN")
    with pytest.warns(dimod.exceptions.SamplerUnknownArgWarning, match="not_a_param"):
        cls().sample(bqm, num_reads=2, not_a_param=3)


@pytest.mark.parametrize("cls", SAMPLERS)
def test_bad_input(cls):
    sampler = cls()
    good = dimod.BQM({"a": 1.0}, {("a", "b"): 1.0}, 0.0, "SPIN")
    with pytest.raises(ProblemError, match="at least one variable"):
        sampler.sample(dimod.BQM("SPIN"))
    with pytest.raises(ProblemError, match="linear biases must be finite"):
        sampler.sample(dimod.BQM({"a": np.nan}, {}, 0.0, "SPIN"))
    with pytest.raises(ProblemError, match="quadratic biases must be finite"):
        sampler.sample(dimod.BQM({}, {("a", "b"): np.inf}, 0.0, "SPIN"))
    with pytest.raises(ProblemError, match="offset must be finite"):
        sampler.sample(dimod.BQM({"a": 1.0}, {}, np.inf, "SPIN"))
    for bad in (0, -3, 2.5, "10"):
        with pytest.raises(ProblemError, match="num_reads must be an integer >= 1"):
            sampler.sample(good, num_reads=bad)
    with pytest.raises(BackendUnavailableError, match="backend must be one of"):
        sampler.sample(good, backend="cupy")
    with pytest.raises(BackendUnavailableError, match="dtype must be"):
        sampler.sample(good, dtype="int8")
    with pytest.raises(ProblemError, match="seed must be"):
        sampler.sample(good, seed=-1)
    with pytest.raises(ProblemError, match="bqm must be a dimod.BinaryQuadraticModel"):
        sampler.sample({"a": 1})
    with pytest.raises(ProblemError, match="polish must be"):
        sampler.sample(good, polish="3-flip")


def test_bad_schedule_parameters():
    bqm = dimod.BQM({"a": 1.0}, {("a", "b"): 1.0}, 0.0, "SPIN")
    with pytest.raises(ProblemError, match="divisible by num_sweeps_per_beta"):
        ParallelAnnealingSampler().sample(bqm, num_sweeps=10, num_sweeps_per_beta=3)
    with pytest.raises(ProblemError, match="beta_range must be"):
        ParallelAnnealingSampler().sample(bqm, beta_range=(0.0, 1.0))
    with pytest.raises(ProblemError, match="variant must be one of"):
        SimulatedBifurcationSampler().sample(bqm, variant="adiabatic")
    with pytest.raises(ProblemError, match="dt must be a positive"):
        SimulatedBifurcationSampler().sample(bqm, dt=-1)


class _FakeMLXGPU:
    """Stands in for MLX on a GPU: resolve_dtype refuses float64 as MLXBackend does there."""

    name = "mlx"
    device = "gpu:cuda"
    xp = np
    default_float = np.float32

    def resolve_dtype(self, dtype=None):
        from qfin.backends._mlx import MLXBackend

        return MLXBackend.resolve_dtype(self, dtype)

    on_gpu = True

    def to_numpy(self, x):
        return np.asarray(x)


def test_float64_on_mlx_gpu_refused():
    pytest.importorskip("mlx.core", reason="MLX cannot be imported here")
    import mlx.core as mx

    fake = _FakeMLXGPU()
    fake.xp = mx
    bqm = dimod.BQM({"a": 1.0}, {}, 0.0, "SPIN")
    for cls in SAMPLERS:
        with pytest.raises(BackendUnavailableError, match="float64 is not supported"):
            cls().sample(bqm, backend=fake, dtype="float64")
