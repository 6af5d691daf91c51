import math

import pytest
import torch
from torch.distributions import Independent, MultivariateNormal, Normal

from vaezoo.evaluation import ImportanceSampledLogLik, importance_log_weights
from vaezoo.latent.base import EUCLIDEAN, LatentHead
from vaezoo.models import LatentVariableModel
from vaezoo.priors import StandardNormal


def test_importance_sampled_loglik_is_mean_of_log_mean_exp():
    log_w = torch.tensor([[0.0, -1.0], [math.log(3.0), -3.0]], dtype=torch.float64)
    metric = ImportanceSampledLogLik()
    metric.update(log_w)
    expected = (math.log((1 + 3) / 2) + math.log((math.exp(-1) + math.exp(-3)) / 2)) / 2
    assert abs(metric.compute().item() - expected) < 1e-12


def test_states_are_sums_so_split_batches_agree_with_one_batch():
    torch.manual_seed(0)
    log_w = torch.randn(50, 7) * 10 - 100
    whole, parts = ImportanceSampledLogLik(), ImportanceSampledLogLik()
    whole.update(log_w)
    parts.update(log_w[:, :3])
    parts.update(log_w[:, 3:])
    assert torch.allclose(whole.compute(), parts.compute())
    assert whole.count.item() == 7


def test_large_negative_weights_do_not_underflow():
    metric = ImportanceSampledLogLik()
    metric.update(torch.full((500, 2), -5000.0))
    assert metric.compute().item() == -5000.0


class LinearGaussian(LatentVariableModel):
    """z ~ N(0, I_d), x | z ~ N(W z + b, sigma^2 I): log p(x) = log N(x; b, W W^T + sigma^2 I)."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor, sigma: float, head: LatentHead) -> None:
        super().__init__(torch.nn.Identity(), head, None, StandardNormal(weight.shape[1]))
        self.weight, self.bias, self.sigma = weight, bias, sigma

    def log_likelihood(self, x, z):
        mean = z @ self.weight.T + self.bias
        return Independent(Normal(mean, torch.full_like(mean, self.sigma)), 1).log_prob(x)

    def marginal(self) -> MultivariateNormal:
        covariance = self.weight @ self.weight.T + self.sigma**2 * torch.eye(len(self.bias), dtype=torch.float64)
        return MultivariateNormal(self.bias, covariance)


class GaussianProposal(LatentHead):
    """q(z|x) = N(A (x - b) + shift, diag(std)^2): the exact posterior when shift = 0 and the stds exact."""

    support = EUCLIDEAN

    def __init__(self, gain: torch.Tensor, bias: torch.Tensor, std: torch.Tensor, shift: float = 0.0) -> None:
        super().__init__(gain.shape[1], gain.shape[0])
        self.gain, self.bias, self.std, self.shift = gain, bias, std, shift

    def forward(self, x):
        mean = (x - self.bias) @ self.gain.T + self.shift
        return Independent(Normal(mean, self.std.expand_as(mean)), 1)


def linear_gaussian(shift: float = 0.0, widen: float = 1.0) -> LinearGaussian:
    """W with orthogonal columns, so that the exact posterior has a diagonal covariance:
    Sigma = diag(1 / (1 + s^2 / sigma^2)), mean = Sigma W^T (x - b) / sigma^2."""
    torch.manual_seed(0)
    q, _ = torch.linalg.qr(torch.randn(5, 2, dtype=torch.float64))
    scales = torch.tensor([2.0, 0.7], dtype=torch.float64)
    weight, bias, sigma = q * scales, torch.randn(5, dtype=torch.float64), 0.5
    variance = 1.0 / (1.0 + scales**2 / sigma**2)
    gain = (variance[:, None] * weight.T) / sigma**2
    head = GaussianProposal(gain, bias, variance.sqrt() * widen, shift)
    return LinearGaussian(weight, bias, sigma, head)


def test_importance_weights_of_the_exact_posterior_are_the_exact_log_likelihood():
    model = linear_gaussian()
    x = model.marginal().sample((8,))
    log_weights = importance_log_weights(model, x, samples=50, chunk=20)
    assert log_weights.shape == (50, 8)
    torch.testing.assert_close(log_weights, model.marginal().log_prob(x).expand(50, 8), rtol=0, atol=1e-10)


def test_importance_sampled_estimate_is_within_monte_carlo_error_of_log_p_x():
    """A shifted, widened proposal: the estimate log mean w agrees with the closed form within its
    delta-method standard error sd(w) / (sqrt(K) mean(w)), and the evaluator's metric averages it."""
    model = linear_gaussian(shift=0.4, widen=1.6)
    x = model.marginal().sample((8,))
    samples = 4000
    log_weights = importance_log_weights(model, x, samples=samples, chunk=1000)
    estimate = torch.logsumexp(log_weights, 0) - math.log(samples)
    relative = torch.exp(log_weights - estimate)           # w / mean(w)
    standard_error = relative.std(0) / math.sqrt(samples)
    exact = model.marginal().log_prob(x)
    assert (estimate - exact).abs().max() < 4 * standard_error.max() + 1e-3
    assert standard_error.max() < 0.05                      # the test has power: the errors are small
    assert ((estimate - exact).abs() > 1e-6).any()          # and the proposal really is not exact
    metric = ImportanceSampledLogLik()
    metric.update(log_weights)
    assert metric.compute().item() == pytest.approx(exact.mean().item(), abs=4 * standard_error.max().item() + 1e-3)
