"""VampPrior, mixture-of-Gaussians and mixture-of-vMF priors against direct sums (SciPy, float64)."""

import math

import numpy as np
import pytest
import torch
from scipy.special import logsumexp
from scipy.stats import multivariate_normal, vonmises_fisher

from vaezoo.latent import GaussianHead, VMFHead
from vaezoo.models import ImageVAE
from vaezoo.nets import GatedMLP
from vaezoo.objectives import Progress
from vaezoo.priors import GaussianMixturePrior, VampPrior, VMFMixturePrior


def gaussian_encoder(input_dim: int = 6, dim: int = 3):
    torch.manual_seed(0)
    trunk, head = GatedMLP(input_dim, [8]).double(), GaussianHead(8, dim).double()
    return lambda x: head(trunk(x))


def test_vampprior_log_density_is_the_mean_of_the_posteriors_at_the_pseudo_inputs():
    encode = gaussian_encoder()
    prior = VampPrior(3, num_pseudo_inputs=3, input_dim=6, init_mean=0.5, init_std=0.3).double()
    z = torch.randn(4, 5, 3, dtype=torch.float64)
    ours = prior(encode).log_prob(z)
    components = encode(prior.pseudo_inputs())
    means, scales = components.base_dist.loc.detach().numpy(), components.base_dist.scale.detach().numpy()
    direct = logsumexp([multivariate_normal(means[k], np.diag(scales[k] ** 2)).logpdf(z.numpy())
                        for k in range(3)], axis=0) - math.log(3)
    np.testing.assert_allclose(ours.detach().numpy(), direct, rtol=1e-10)


def test_vampprior_with_a_vmf_posterior_is_a_mixture_of_vmfs():
    torch.manual_seed(1)
    trunk, head = GatedMLP(6, [8]).double(), VMFHead(8, 4).double()
    prior = VampPrior(4, num_pseudo_inputs=3, input_dim=6, init_mean=0.5, init_std=0.3).double()
    p = prior(lambda x: head(trunk(x)))
    z = torch.nn.functional.normalize(torch.randn(7, 4, dtype=torch.float64), dim=-1)
    components = p.component_distribution
    direct = logsumexp([vonmises_fisher(components.loc[k].detach().numpy(), components.scale[k].item()).logpdf(
        z.numpy()) for k in range(3)], axis=0) - math.log(3)
    np.testing.assert_allclose(p.log_prob(z).detach().numpy(), direct, rtol=1e-8)


def test_mixture_of_gaussians_log_density_is_the_direct_sum():
    torch.manual_seed(2)
    prior = GaussianMixturePrior(3, num_components=4, init_scale=0.7).double()
    with torch.no_grad():
        prior.raw_scales.add_(torch.randn_like(prior.raw_scales) * 0.3)
    z = torch.randn(10, 3, dtype=torch.float64)
    components = prior().component_distribution.base_dist
    direct = logsumexp([multivariate_normal(components.loc[k].detach().numpy(),
                                            np.diag(components.scale[k].detach().numpy() ** 2)).logpdf(z.numpy())
                        for k in range(4)], axis=0) - math.log(4)
    np.testing.assert_allclose(prior().log_prob(z).detach().numpy(), direct, rtol=1e-10)


def test_mixture_of_vmfs_log_density_is_the_direct_sum():
    torch.manual_seed(3)
    prior = VMFMixturePrior(5, num_components=3, init_kappa=4.0).double()
    z = torch.nn.functional.normalize(torch.randn(10, 5, dtype=torch.float64), dim=-1)
    components = prior().component_distribution
    direct = logsumexp([vonmises_fisher(components.loc[k].detach().numpy(), components.scale[k].item()).logpdf(
        z.numpy()) for k in range(3)], axis=0) - math.log(3)
    np.testing.assert_allclose(prior().log_prob(z).detach().numpy(), direct, rtol=1e-8)


def test_gradients_of_the_elbo_reach_the_pseudo_inputs():
    torch.manual_seed(4)
    prior = VampPrior(3, num_pseudo_inputs=5, input_dim=12)
    model = ImageVAE(GatedMLP(12, [8]), GaussianHead(8, 3), GatedMLP(3, [8], 12), prior)
    x = torch.bernoulli(torch.full((6, 12), 0.5))
    model.objective(model, model.training_passes((x,)), Progress()).loss.backward()
    assert prior.raw_inputs.grad is not None and prior.raw_inputs.grad.abs().sum() > 0


def test_pseudo_inputs_stay_in_the_data_range_and_initialise_from_data():
    prior = VampPrior(2, num_pseudo_inputs=4, input_dim=3, init_mean=0.5, init_std=0.3, data_noise_std=0.01)
    with torch.no_grad():
        prior.raw_inputs.mul_(100).sub_(1)
    assert prior.pseudo_inputs().min() >= 0 and prior.pseudo_inputs().max() <= 1
    data = torch.rand(10, 3)
    prior.initialise_from(data)
    assert (prior.raw_inputs - data[:4]).abs().max() < 0.1
    with pytest.raises(Exception, match="needs 4 training inputs"):
        prior.initialise_from(data[:3])


def test_vampprior_without_an_encoder_says_what_it_needs():
    with pytest.raises(ValueError, match="encode"):
        VampPrior(2, num_pseudo_inputs=4, input_dim=3)()


@pytest.mark.parametrize("family", ["gaussian", "vmf"])
def test_float32_mixture_log_density_keeps_its_precision_for_sharp_components(family):
    """The product form of UniformMixture against torch's broadcast MixtureSameFamily in float64."""
    from torch.distributions import Categorical, Independent, MixtureSameFamily, Normal

    from vaezoo.distributions.mixture import UniformMixture
    from vaezoo.distributions.vmf import VonMisesFisher

    torch.manual_seed(5)
    loc = torch.randn(50, 8, dtype=torch.float64) * 3
    if family == "gaussian":
        make = lambda d: Independent(Normal(loc.to(d), torch.full_like(loc, 0.01).to(d)), 1)  # noqa: E731
        z = loc[:10] + 0.01 * torch.randn(10, 8, dtype=torch.float64)
    else:
        loc = torch.nn.functional.normalize(loc, dim=-1)
        make = lambda d: VonMisesFisher(loc.to(d), torch.full((50, 1), 5e3, dtype=d))  # noqa: E731
        z = torch.nn.functional.normalize(loc[:10] + 0.01 * torch.randn(10, 8, dtype=torch.float64), dim=-1)
    reference = MixtureSameFamily(Categorical(logits=torch.zeros(50, dtype=torch.float64)), make(torch.float64))
    ours = UniformMixture(make(torch.float32)).log_prob(z.float())
    assert ours.dtype == torch.float32
    torch.testing.assert_close(ours.double(), reference.log_prob(z), rtol=1e-6, atol=1e-3)
