"""Mutual information and active units against models where both are known in closed form."""

import math

import pytest
import torch
from torch.distributions import Independent, Normal

from vaezoo.evaluation.posterior_usage import ActiveUnitCount, AggregatePosteriorMI, aggregate_posterior_mi


def linear_gaussian(gain: float, scale: float):
    """q(z|x) = N(gain x, scale^2 I) with x ~ N(0, I): I(x; z) = d/2 log(1 + gain^2 / scale^2)."""
    return lambda x: Independent(Normal(gain * x, torch.full_like(x, scale)), 1)


@pytest.mark.parametrize(("dim", "gain"), [(2, 1.0), (4, 2.0)])
def test_mi_of_a_linear_gaussian_encoder_matches_its_closed_form(dim, gain):
    torch.manual_seed(0)
    x = torch.randn(3000, dim)
    estimate = aggregate_posterior_mi(linear_gaussian(gain, 1.0), x, samples=4, chunk=500)
    assert float(estimate) == pytest.approx(dim / 2 * math.log(1 + gain ** 2), abs=0.04)


def test_mi_of_nearly_deterministic_codes_saturates_at_log_n():
    """Codes far apart relative to their spread: every sample is explained by its own posterior
    only, so the estimate is log N, the ceiling of an N-example mixture."""
    torch.manual_seed(0)
    x = torch.randn(500, 8)
    estimate = float(aggregate_posterior_mi(linear_gaussian(1.0, 1e-3), x, chunk=128))
    assert estimate == pytest.approx(math.log(500), abs=1e-3)


def test_mi_metric_gathers_batches_into_one_mixture():
    torch.manual_seed(0)
    x = torch.randn(1200, 2)
    metric = AggregatePosteriorMI(samples=4)
    posterior = linear_gaussian(1.0, 1.0)
    for batch in x.split(100):
        metric.update(batch, posterior)
    torch.manual_seed(1)
    whole = float(metric.compute())
    torch.manual_seed(1)
    assert whole == pytest.approx(float(aggregate_posterior_mi(posterior, x, samples=4)), rel=1e-9)
    assert whole == pytest.approx(math.log(2), abs=0.05)


def test_mi_metric_refuses_a_module_as_the_posterior():
    head = torch.nn.Linear(2, 2)
    with pytest.raises(TypeError, match="__call__"):
        AggregatePosteriorMI().update(torch.zeros(3, 2), head)


def test_active_units_count_the_dimensions_whose_means_vary():
    """Posterior means with variance 1 in 3 dimensions, 1e-4 in 4 and 0.02 in 1: AU = 4 at 0.01."""
    torch.manual_seed(0)
    spread = torch.tensor([1.0, 1.0, 1.0, 1e-2, 1e-2, 1e-2, 1e-2, 0.02 ** 0.5])
    means = torch.randn(20000, 8) * spread + 5.0
    metric = ActiveUnitCount(8, threshold=0.01)
    for batch in means.split(512):
        metric.update(batch)
    assert int(metric.compute()) == 4
    assert metric.variances() == pytest.approx(torch.var(means.double(), dim=0), rel=1e-9)
