import numpy as np
import pytest
import torch
from scipy.special import expit

from vaezoo.distributions.discretized_logistic import discretized_logistic_log_prob

PIXELS = (torch.arange(256, dtype=torch.float64) + 0.5) / 256


@pytest.mark.parametrize("mean, log_scale", [(0.3, -3.0), (0.0, -4.5), (1.0, 0.0), (0.5, -12.0), (-0.2, -4.5),
                                             (0.999, -6.0)])
def test_probabilities_of_the_256_bins_sum_to_one(mean, log_scale):
    for dtype in (torch.float64, torch.float32):
        log_p = discretized_logistic_log_prob(PIXELS.to(dtype), torch.tensor(mean, dtype=dtype),
                                              torch.tensor(log_scale, dtype=dtype))
        assert torch.isfinite(log_p).all()
        assert torch.logsumexp(log_p.double(), 0).item() == pytest.approx(0.0, abs=1e-5 if dtype == torch.float32
                                                                          else 1e-12)


def test_interior_and_edge_bins_match_the_logistic_cdf():
    mean, scale = 0.4, np.exp(-2.5)
    log_p = discretized_logistic_log_prob(PIXELS, torch.tensor(mean, dtype=torch.float64),
                                          torch.tensor(-2.5, dtype=torch.float64)).numpy()
    k = np.arange(256)
    cdf = lambda edge: expit((edge - mean) / scale)  # noqa: E731
    direct = np.log(np.where(k == 255, 1.0, cdf((k + 1) / 256)) - np.where(k == 0, 0.0, cdf(k / 256)))
    np.testing.assert_allclose(log_p, direct, rtol=1e-9)


def test_gradients_are_finite_far_in_the_tails():
    mean = torch.tensor([0.0, 0.5, 1.0], requires_grad=True)
    log_scale = torch.tensor([-4.5, -4.5, -4.5], requires_grad=True)
    x = torch.tensor([0.998, 0.002, 0.5])
    discretized_logistic_log_prob(x, mean, log_scale).sum().backward()
    assert torch.isfinite(mean.grad).all() and torch.isfinite(log_scale.grad).all()
