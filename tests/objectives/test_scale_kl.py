import pytest
import torch
from torch.distributions import Independent, Normal, kl_divergence

from vaezoo.distributions import HypersphericalUniform, VonMisesFisher
from vaezoo.objectives import KLToUnitScale, Pass


def test_the_wae_s_kl_is_the_kl_to_a_unit_gaussian_at_the_same_mean():
    """Bahuleyan et al. eq. 5 against torch.distributions: sum_i KL(N(mu_i, sigma_i) || N(mu_i, 1))."""
    torch.manual_seed(0)
    mu, sigma = torch.randn(6, 4, dtype=torch.float64), torch.rand(6, 4, dtype=torch.float64) + 0.05
    q = Independent(Normal(mu, sigma), 1)
    value = KLToUnitScale()(None, Pass(None, q, q.rsample(), None))
    torch.testing.assert_close(value, kl_divergence(q, Independent(Normal(mu, torch.ones_like(mu)), 1)))
    shifted = Independent(Normal(mu + 3.0, sigma), 1)            # the means do not matter
    torch.testing.assert_close(KLToUnitScale()(None, Pass(None, shifted, shifted.rsample(), None)), value)


def test_the_wae_s_kl_needs_a_gaussian_posterior():
    loc = torch.nn.functional.normalize(torch.randn(2, 3), dim=-1)
    q = VonMisesFisher(loc, torch.ones(2, 1))
    with pytest.raises(ValueError, match="needs a diagonal Gaussian posterior"):
        KLToUnitScale()(None, Pass(None, q, q.rsample(), None, prior=lambda: HypersphericalUniform(3)))
