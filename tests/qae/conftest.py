from __future__ import annotations

import numpy as np
import pytest

from qfin.qae import DiscreteDistribution
from qfin.qae.studies import sample_losses


@pytest.fixture(scope="module")
def losses(sample_store):
    return sample_losses(sample_store)


@pytest.fixture(scope="module")
def sample_dist(losses):
    return DiscreteDistribution.from_samples(losses, 10)


@pytest.fixture(scope="module")
def small_dist():
    rng = np.random.default_rng(3)
    p = rng.random(16) ** 2
    return DiscreteDistribution(np.linspace(-1.0, 2.0, 16), p / p.sum())


