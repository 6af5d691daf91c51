"""PowerSpherical: log_prob against its closed form (mpmath) and against normalisation by quadrature,
sample moments against analytic values, KL against Monte Carlo, gradients, float32 range."""

import math

import mpmath
import pytest
import scipy.integrate
import torch

from vaezoo.distributions import HypersphericalUniform, PowerSpherical, kl_divergence
from vaezoo.distributions.sphere_uniform import log_sphere_surface_area


def unit(x: torch.Tensor) -> torch.Tensor:
    return x / x.norm(dim=-1, keepdim=True)


def power_spherical(m: int, kappa: float, dtype=torch.float64, seed: int = 0) -> PowerSpherical:
    g = torch.Generator().manual_seed(seed)
    return PowerSpherical(unit(torch.randn(m, generator=g, dtype=dtype)), torch.tensor([kappa], dtype=dtype))


def closed_form_log_prob(m: int, kappa: float, cosine: float) -> float:
    """De Cao & Aziz 2020, eq. 3: log C + kappa log(1 + t), at 50 digits."""
    mpmath.mp.dps = 50
    a, b = mpmath.mpf(m - 1) / 2 + kappa, mpmath.mpf(m - 1) / 2
    log_c = -((a + b) * mpmath.log(2) + b * mpmath.log(mpmath.pi) + mpmath.loggamma(a) - mpmath.loggamma(a + b))
    return float(log_c + kappa * mpmath.log(1 + mpmath.mpf(cosine)))


@pytest.mark.parametrize("m,kappa", [(2, 0.5), (3, 1.0), (5, 10.0), (50, 100.0), (1000, 1e4)])
def test_log_prob_matches_the_closed_form(m, kappa):
    d = power_spherical(m, kappa)
    z = torch.cat([d.rsample((5,)), unit(torch.randn(5, m, dtype=torch.float64))])
    cosines = (z @ d.loc).tolist()
    expected = [closed_form_log_prob(m, kappa, c) for c in cosines]
    torch.testing.assert_close(d.log_prob(z), torch.tensor(expected, dtype=torch.float64), rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize("m,kappa", [(3, 2.0), (5, 30.0), (10, 0.3)])
def test_density_integrates_to_one(m, kappa):
    """Over S^{m-1}: Area(S^{m-2}) * integral of p(t) (1 - t^2)^{(m-3)/2} dt over t = mu^T z in [-1, 1]."""
    d = power_spherical(m, kappa)
    log_c = float(d.log_normalizer())
    area = math.exp(log_sphere_surface_area(m - 1))
    total, _ = scipy.integrate.quad(lambda t: math.exp(log_c) * (1 + t) ** kappa * (1 - t * t) ** ((m - 3) / 2), -1, 1)
    assert area * total == pytest.approx(1.0, rel=1e-8)


@pytest.mark.parametrize("m,kappa", [(3, 2.0), (10, 50.0), (100, 5.0)])
def test_sample_mean_and_norm(m, kappa):
    torch.manual_seed(0)
    d = power_spherical(m, kappa)
    z = d.rsample((100_000,))
    torch.testing.assert_close(z.norm(dim=-1), torch.ones(len(z), dtype=torch.float64))
    cosine = z @ d.loc
    stderr = float(cosine.std()) / math.sqrt(len(z))
    assert abs(float(cosine.mean()) - kappa / (kappa + m - 1)) < 5 * stderr
    torch.testing.assert_close(d.mean, d.loc * kappa / (kappa + m - 1))
    # Tangent part: isotropic, so its mean is zero.
    assert float((z - cosine.unsqueeze(-1) * d.loc).mean(0).norm()) < 0.02


@pytest.mark.parametrize("m,kappa", [(3, 1.0), (20, 40.0), (200, 500.0)])
def test_kl_to_uniform_matches_monte_carlo(m, kappa):
    torch.manual_seed(0)
    q, p = power_spherical(m, kappa), HypersphericalUniform(m, dtype=torch.float64)
    z = q.sample((50_000,))
    log_ratio = q.log_prob(z) - p.log_prob(z)
    stderr = float(log_ratio.std()) / math.sqrt(len(z))
    assert abs(float(kl_divergence(q, p)) - float(log_ratio.mean())) < 5 * stderr + 1e-9
    assert float(kl_divergence(q, p)) == pytest.approx(float(-q.entropy()) + log_sphere_surface_area(m), rel=1e-12)


def test_entropy_and_log_prob_gradcheck():
    m = 7
    loc = unit(torch.randn(m, dtype=torch.float64))
    z = power_spherical(m, 4.0).sample((3,))
    kappa = torch.tensor([4.0], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda k: PowerSpherical(loc, k).entropy(), (kappa,))
    assert torch.autograd.gradcheck(lambda k: PowerSpherical(loc, k).log_prob(z), (kappa,))


def test_pathwise_gradient_of_the_mean_cosine_matches_the_analytic_one():
    """d/dkappa E[mu^T z] = (m - 1) / (kappa + m - 1)^2; rsample is reparameterised in kappa."""
    torch.manual_seed(0)
    m, n = 5, 200_000
    kappa = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)
    loc = unit(torch.randn(m, dtype=torch.float64))
    cosine = PowerSpherical(loc, kappa.expand(n, 1)).rsample() @ loc
    total = torch.autograd.grad(cosine.sum(), kappa)[0]  # the sum of the samples' slopes
    slopes = torch.autograd.functional.jacobian(
        lambda k: PowerSpherical(loc, k.expand(2000, 1)).rsample() @ loc, kappa)  # spread, on a subsample
    stderr = float(slopes.std()) / math.sqrt(n)
    assert abs(float(total) / n - (m - 1) / (2.0 + m - 1) ** 2) < 5 * stderr


@pytest.mark.parametrize("m", [3, 100, 1000])
@pytest.mark.parametrize("kappa", [1e-3, 1.0, 1e3, 1e5])
def test_float32_is_finite_over_the_range(m, kappa):
    torch.manual_seed(0)
    d = power_spherical(m, kappa, dtype=torch.float32)
    z = d.rsample((64,))
    assert z.dtype == torch.float32 and torch.isfinite(z).all()
    torch.testing.assert_close(z.norm(dim=-1), torch.ones(64), atol=1e-5, rtol=0)
    kl = kl_divergence(d, HypersphericalUniform(m))
    exact = kl_divergence(power_spherical(m, kappa), HypersphericalUniform(m, dtype=torch.float64))
    assert torch.isfinite(d.log_prob(z)).all()
    assert float(kl) == pytest.approx(float(exact), rel=1e-5, abs=1e-6)
