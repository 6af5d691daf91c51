import pytest
import torch
from torch.distributions import Independent

from vaezoo.distributions import PowerSpherical, VonMisesFisher
from vaezoo.errors import ConfigError
from vaezoo.latent import FixedKappaVMFHead, GaussianHead, PowerSphericalHead, VMFHead


def test_gaussian_head_shapes_and_positive_scale():
    q = GaussianHead(8, 3)(torch.randn(5, 8) * 100)
    assert isinstance(q, Independent) and q.batch_shape == (5,) and q.event_shape == (3,)
    assert (q.base_dist.scale > 0).all()


@pytest.mark.parametrize("head,law", [(VMFHead, VonMisesFisher), (PowerSphericalHead, PowerSpherical)])
def test_sphere_heads_unit_loc_and_kappa_at_least_one(head, law):
    q = head(8, 4)(torch.randn(5, 8) * 100)
    assert isinstance(q, law) and q.batch_shape == (5,)
    assert torch.allclose(q.loc.norm(dim=-1), torch.ones(5))
    assert (q.scale >= 1.0).all()


def test_vmf_head_clips_learned_kappa_to_its_range():
    head = VMFHead(8, 4, kappa_min=5.0, kappa_max=150.0)
    features = torch.randn(64, 8) * 1000
    kappa = head(features).scale
    assert kappa.min() >= 5.0 and kappa.max() <= 150.0
    assert (kappa == 150.0).any() and (kappa < 5.01).any()   # both ends reached by large features
    inside = head(torch.randn(64, 8) * 0.01).scale
    assert ((inside > 5.0) & (inside < 150.0)).all()
    head.raw_scale.weight.grad = None
    inside.sum().backward()
    assert head.raw_scale.weight.grad.abs().sum() > 0         # learned inside the range


def test_fixed_kappa_head_uses_the_constant_and_gets_no_gradient_for_it():
    head = FixedKappaVMFHead(8, 4, kappa=80.0)
    q = head(torch.randn(5, 8))
    assert torch.equal(q.scale, torch.full((5, 1), 80.0))
    assert all(p is not head.kappa for p in head.parameters())


@pytest.mark.parametrize("cls,args,match", [
    (GaussianHead, (8, 0), "must be positive"),
    (VMFHead, (8, 1), "must be >= 2"),
    (VMFHead, (8, 4, 10.0, 5.0), "need 0 <= kappa_min < kappa_max"),
    (FixedKappaVMFHead, (8, 4, -1.0), "kappa must be a positive number"),
])
def test_heads_reject_bad_arguments(cls, args, match):
    with pytest.raises(ValueError, match=match):
        cls(*args)


def test_manifold_codimension_declared():
    assert GaussianHead.manifold_codim == 0 and VMFHead.manifold_codim == PowerSphericalHead.manifold_codim == 1
    assert FixedKappaVMFHead.takes_fixed_kappa and not VMFHead.takes_fixed_kappa


def test_a_deterministic_head_samples_its_code_with_gradient_and_has_no_density():
    from vaezoo.latent import DeterministicHead

    head = DeterministicHead(4, 3)
    features = torch.randn(5, 4, requires_grad=True)
    q = head(features)
    z, score = head.sample(q)
    torch.testing.assert_close(z, head.loc(features))
    assert score is None and q.rsample((2,)).shape == (2, 5, 3) and torch.equal(q.mode, q.mean)
    z.sum().backward()
    assert features.grad.abs().sum() > 0
    with pytest.raises(ConfigError, match="no density"):
        q.log_prob(z)


def test_an_averaged_code_has_the_posterior_mean_and_a_third_of_its_spread():
    """samples_averaged=3 (Xu & Durrett's code): over 20,000 codes of one input the mean is
    A_d(kappa) mu, as for one sample, and the total variance (1 - A_d(kappa)^2) / 3."""
    from scipy.special import ive

    torch.manual_seed(0)
    dim, kappa = 8, 20.0
    head = FixedKappaVMFHead(4, dim, kappa, samples_averaged=3)
    q = head(torch.randn(1, 4).expand(20000, 4))
    z, score = head.sample(q)
    mean_resultant = ive(dim / 2, kappa) / ive(dim / 2 - 1, kappa)
    assert score is None and z.shape == (20000, dim)
    assert torch.allclose(z.mean(0), mean_resultant * q.loc[0], atol=0.01)
    assert float(z.var(0).sum()) == pytest.approx((1 - mean_resultant ** 2) / 3, rel=0.05)
    assert float(z.norm(dim=-1).max()) < 1.0


def test_an_averaged_code_sums_the_scores_of_its_draws():
    torch.manual_seed(0)
    head = VMFHead(4, 5, grad_correction=True, samples_averaged=3)
    z, score = head.sample(head(torch.randn(6, 4)))
    assert z.shape == (6, 5) and score.shape == (6,)
    with pytest.raises(ValueError, match="samples_averaged must be >= 1"):
        GaussianHead(4, 2, samples_averaged=0)


def test_a_model_with_an_averaged_code_says_its_elbo_is_not_a_bound():
    from vaezoo.models import ImageVAE
    from vaezoo.nets import MLP
    from vaezoo.priors import StandardNormal

    def model(averaged: int) -> ImageVAE:
        return ImageVAE(MLP(6, [4]), GaussianHead(4, 2, samples_averaged=averaged), MLP(2, [4], 6), StandardNormal(2))

    assert "code" not in model(1).bound_estimate()
    assert model(3).bound_estimate()["code"] == "mean of 3 posterior samples: not a bound on log p(x)"


def test_a_scale_range_clamps_sigma_with_no_gradient_beyond_it():
    """The VampPrior code's Hardtanh(-6, 2) on the log-variance: sigma in [e^-3, e^1]."""
    import math

    head = GaussianHead(3, 2, scale_link="exp", scale_range=(math.exp(-3), math.exp(1)))
    with torch.no_grad():
        head.raw_scale.weight.zero_()
        head.raw_scale.bias.copy_(torch.tensor([-10.0, 0.5]))
    q = head(torch.randn(4, 3))
    assert torch.allclose(q.stddev[:, 0], torch.full((4,), math.exp(-3)))
    assert torch.allclose(q.stddev[:, 1], torch.full((4,), math.exp(0.5) + 1e-6))
    q.stddev.sum().backward()
    assert head.raw_scale.bias.grad[0] == 0 and head.raw_scale.bias.grad[1] > 0
    with pytest.raises(ValueError, match="scale_range must be"):
        GaussianHead(3, 2, scale_range=(1.0, 0.5))
