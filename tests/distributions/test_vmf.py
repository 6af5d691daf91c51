"""VonMisesFisher: density against SciPy, sample statistics against analytic values,
gradients with gradcheck, finiteness over the whole (m, kappa) range in float32."""

import math

import numpy as np
import pytest
import scipy.stats
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from vaezoo.distributions import HypersphericalUniform, VonMisesFisher, kl_divergence
from vaezoo.distributions.vmf import centred_symmetric_beta, householder_to, mean_resultant_length, wood_coefficients

DIMS = (2, 3, 5, 50, 300, 1000)
KAPPAS = (1.0, 10.0, 100.0, 1e3, 1e4, 1e5)


def unit(x: torch.Tensor) -> torch.Tensor:
    return x / x.norm(dim=-1, keepdim=True)


def vmf(m: int, kappa: float, batch: int = 1, dtype=torch.float64, seed: int = 0) -> VonMisesFisher:
    g = torch.Generator().manual_seed(seed)
    loc = unit(torch.randn(m, generator=g, dtype=dtype)).expand(batch, m)
    return VonMisesFisher(loc, torch.full((batch, 1), kappa, dtype=dtype))


# SciPy's own normaliser underflows (log ive -> -inf) for large m at small kappa, so the grid
# stops there; the KL test covers those corners against mpmath.
SCIPY_GRID = [(m, k) for m in (2, 3, 5, 50) for k in (0.5, 10.0, 1e3, 1e5)] + [(300, 50.0), (300, 1e5)]


@pytest.mark.parametrize("m,kappa", SCIPY_GRID)
def test_log_prob_matches_scipy(m, kappa):
    torch.manual_seed(1)
    d = vmf(m, kappa)
    z = torch.cat([d.rsample((20,)).squeeze(1), unit(torch.randn(5, m, dtype=torch.float64))])
    ours = VonMisesFisher(d.loc[0], d.scale[0]).log_prob(z).numpy()
    ref = scipy.stats.vonmises_fisher(d.loc[0].numpy(), kappa).logpdf(z.numpy())
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-8 * max(1.0, kappa))


def test_shapes_and_broadcasting():
    loc = unit(torch.randn(4, 3, 7))
    d = VonMisesFisher(loc, torch.ones(1, 3, 1) * 5.0)
    assert d.batch_shape == (4, 3) and d.event_shape == (7,)
    assert d.rsample((2,)).shape == (2, 4, 3, 7)
    assert d.log_prob(d.rsample((2,))).shape == (2, 4, 3)
    assert d.entropy().shape == (4, 3) and d.mean.shape == (4, 3, 7)


def test_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"scale must have shape \[\.\.\., 1\]"):
        VonMisesFisher(unit(torch.randn(3, 4)), torch.ones(3))
    with pytest.raises(ValueError, match="m >= 2"):
        VonMisesFisher(torch.ones(3, 1), torch.ones(3, 1))


@pytest.mark.parametrize("bad", [[1.0, 1.0, 0.0], [float("nan"), 1.0, 0.0], [float("inf"), 0.0, 0.0]])
def test_validation_rejects_non_unit_or_non_finite_loc(bad):
    loc = torch.tensor([[1.0, 0.0, 0.0], bad])
    with pytest.raises(ValueError, match="loc .* UnitSphere"):
        VonMisesFisher(loc, torch.ones(2, 1))
    with pytest.raises(ValueError, match="scale"):
        VonMisesFisher(loc[:1], torch.zeros(1, 1))
    VonMisesFisher(loc, torch.ones(2, 1), validate_args=False)  # the caller may opt out


@pytest.mark.parametrize("m", DIMS)
@pytest.mark.parametrize("kappa", KAPPAS)
def test_mean_resultant_length_of_samples(m, kappa):
    """E[mu^T z] = A_m(kappa); 1 - mu^T z is compared in relative terms (it is tiny at large kappa)."""
    torch.manual_seed(m + int(kappa))
    n = 4000
    d = vmf(m, kappa, batch=n)
    z = d.rsample()
    assert torch.allclose(z.norm(dim=-1), torch.ones(n, dtype=z.dtype), atol=1e-12)
    one_minus_w = 0.5 * ((z - d.loc) ** 2).sum(-1)  # = 1 - mu^T z on the sphere, without cancellation
    expected = 1.0 - mean_resultant_length(torch.tensor([kappa], dtype=torch.float64), m).item()
    standard_error = one_minus_w.std().item() / math.sqrt(n)
    assert abs(one_minus_w.mean().item() - expected) < 5 * standard_error + 1e-12


@pytest.mark.parametrize("m", (3, 10))
def test_samples_are_rotationally_symmetric_about_the_mean(m):
    """The component orthogonal to mu has mean zero: Householder reflection keeps the tangent uniform."""
    torch.manual_seed(0)
    d = vmf(m, 5.0, batch=20000)
    z = d.rsample()
    mu = d.loc[0]
    tangent = z - (z @ mu)[:, None] * mu
    assert tangent.mean(0).abs().max() < 5 * tangent.std(0).max() / math.sqrt(20000)


def test_householder_maps_e1_to_loc_and_handles_loc_at_e1():
    loc = unit(torch.randn(6, dtype=torch.float64))
    e1 = torch.zeros(6, dtype=torch.float64)
    e1[0] = 1
    def split(v):
        rest = v.clone()
        rest[0] = 0.0
        return v[:1], rest

    assert torch.allclose(householder_to(*split(e1), loc), loc, atol=1e-14)
    z = unit(torch.randn(6, dtype=torch.float64))
    assert torch.equal(householder_to(*split(z), e1), z)
    # A reflection: norms and the angle to loc of the reflected e_1-frame are preserved.
    reflected = householder_to(*split(z), loc)
    assert torch.allclose(reflected.norm(), torch.ones((), dtype=torch.float64))
    assert torch.allclose(reflected @ loc, z[0])
    d = VonMisesFisher(e1[None], torch.tensor([[50.0]], dtype=torch.float64))
    assert torch.isfinite(d.rsample((100,))).all()


@pytest.mark.parametrize("m", (3, 20))
@pytest.mark.parametrize("kappa", (0.5, 30.0))
def test_entropy_matches_monte_carlo(m, kappa):
    torch.manual_seed(2)
    d = vmf(m, kappa, batch=1)
    lp = d.log_prob(d.rsample((40000,)))
    assert abs(-lp.mean().item() - d.entropy().item()) < 5 * lp.std().item() / 200


@pytest.mark.parametrize("m,kappa", [(3, 0.5), (5, 30.0), (50, 1e3)])
def test_entropy_matches_scipy(m, kappa):
    d = vmf(m, kappa)
    expected = scipy.stats.vonmises_fisher(d.loc[0].numpy(), kappa).entropy()
    assert d.entropy().item() == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_mean_is_a_times_loc():
    d = vmf(5, 3.0)
    a = mean_resultant_length(torch.tensor([3.0], dtype=torch.float64), 5)
    assert torch.allclose(d.mean, a * d.loc)


@pytest.mark.parametrize("m", DIMS)
@pytest.mark.parametrize("kappa", KAPPAS)
def test_float32_is_finite_everywhere(m, kappa):
    torch.manual_seed(3)
    loc = unit(torch.randn(64, m)).requires_grad_()
    scale = torch.full((64, 1), kappa, requires_grad=True)
    d = VonMisesFisher(loc, scale)
    z = d.rsample()
    kl = kl_divergence(d, HypersphericalUniform(m))
    lp = d.log_prob(z)
    for t in (z, kl, lp, d.entropy(), d.mean):
        assert t.dtype == torch.float32 and torch.isfinite(t).all()
    (z.sum() + kl.sum() + lp.sum()).backward()
    assert torch.isfinite(loc.grad).all() and torch.isfinite(scale.grad).all()


def test_gradcheck_log_prob_and_entropy():
    torch.manual_seed(4)
    loc = unit(torch.randn(3, 5, dtype=torch.float64)).requires_grad_()
    scale = torch.tensor([[0.7], [12.0], [300.0]], dtype=torch.float64, requires_grad=True)
    z = unit(torch.randn(3, 5, dtype=torch.float64))
    assert torch.autograd.gradcheck(lambda mu, k: VonMisesFisher(mu, k).log_prob(z), (loc, scale))
    assert torch.autograd.gradcheck(lambda k: VonMisesFisher(loc.detach(), k).entropy(), (scale,))


def test_rsample_gradient_wrt_loc_is_unbiased():
    """E[a^T z] = A_m(kappa) a^T mu, and the pathwise gradient through the Householder reflection
    recovers its derivative w.r.t. unnormalised loc parameters."""
    torch.manual_seed(5)
    m, kappa, n = 6, 3.0, 200000
    raw = torch.randn(m, dtype=torch.float64, requires_grad=True)
    a_vec = torch.randn(m, dtype=torch.float64)
    scale = torch.tensor([[kappa]], dtype=torch.float64)
    z = VonMisesFisher(unit(raw)[None], scale).rsample((n,))
    (z @ a_vec).mean().backward()
    raw_ref = raw.detach().clone().requires_grad_()
    a_m = mean_resultant_length(scale[0], m)
    (a_m * (unit(raw_ref) @ a_vec)).sum().backward()
    assert torch.allclose(raw.grad, raw_ref.grad, atol=4 * a_vec.norm().item() / n**0.5)


def test_rsample_gradient_wrt_kappa_is_the_derivative_at_fixed_eps():
    """Like the public S-VAE code, d z / d kappa is taken through w = h(eps, kappa) with the
    accepted eps held fixed (g_rep of Davidson et al. 2018, eq. 8; g_cor is not added)."""
    torch.manual_seed(6)
    m, kappa = 7, 5.0
    scale = torch.full((50, 1), kappa, dtype=torch.float64, requires_grad=True)
    loc = torch.zeros(50, m, dtype=torch.float64)
    loc[:, 0] = 1.0
    w = VonMisesFisher(loc, scale).rsample()[:, 0]
    w.sum().backward()

    def h(eps, k):
        _, b, _ = wood_coefficients(torch.tensor(k, dtype=torch.float64), m)
        return (1 - (1 + b) * eps) / (1 - (1 - b) * eps)

    _, b, _ = wood_coefficients(torch.tensor(kappa, dtype=torch.float64), m)
    one_minus_w = 1 - w.detach()
    eps = one_minus_w / (2 * b + (1 - b) * one_minus_w)
    delta = 1e-5
    finite_difference = (h(eps, kappa + delta) - h(eps, kappa - delta)) / (2 * delta)
    assert torch.allclose(scale.grad.squeeze(-1), finite_difference, rtol=1e-6, atol=1e-9)


def test_rsample_with_proposals_counts_at_least_one():
    z, proposals = vmf(5, 10.0, batch=1000).rsample_with_proposals()
    assert proposals.shape == (1000,) and proposals.min() >= 1 and 1.0 < proposals.float().mean() < 2.0


@pytest.mark.parametrize("m", (2, 3, 4, 6, 51, 1000))
@pytest.mark.parametrize("dtype", (torch.float32, torch.float64))
def test_symmetric_beta_proposals_follow_the_beta_law(m, dtype):
    torch.manual_seed(m)
    draws = 0.5 + 0.5 * centred_symmetric_beta(m, (100000,), dtype, torch.device("cpu")).double().numpy()
    half = (m - 1) / 2
    assert scipy.stats.kstest(draws, scipy.stats.beta(half, half).cdf).pvalue > 1e-3


@settings(max_examples=60, deadline=None, derandomize=True)
@given(m=st.integers(2, 64), seed=st.integers(0, 2**31 - 1), kappa=st.floats(1e-3, 1e5))
def test_any_dimension_concentration_and_direction(m, seed, kappa):
    """Unit norm, and E[mu^T z] = A_m(kappa) within 5 standard errors, for any (m, kappa, mu);
    1 - mu^T z is taken as |z - mu|^2 / 2 so that large kappa keeps its precision."""
    generator = torch.Generator().manual_seed(seed)
    loc = unit(torch.randn(m, generator=generator, dtype=torch.float64))
    torch.manual_seed(seed)
    z = VonMisesFisher(loc[None], torch.tensor([[kappa]], dtype=torch.float64)).rsample((400,)).squeeze(1)
    assert torch.allclose(z.norm(dim=-1), torch.ones(400, dtype=torch.float64), atol=1e-12)
    one_minus_w = 0.5 * ((z - loc) ** 2).sum(-1)
    expected = 1 - mean_resultant_length(torch.tensor([kappa], dtype=torch.float64), m).item()
    assert abs(one_minus_w.mean().item() - expected) <= 5 * one_minus_w.std().item() / 20 + 1e-12


def test_non_finite_kappa_is_an_error_not_an_endless_loop():
    loc = unit(torch.randn(2, 4))
    with pytest.raises(ValueError, match="kappa must be finite and positive"):
        VonMisesFisher(loc, torch.tensor([[float("nan")], [3.0]]), validate_args=False).rsample()


@pytest.mark.parametrize("distance", (1e-2, 1e-3, 1e-4, 1e-5))
def test_float32_samples_stay_unit_when_loc_is_close_to_e1(distance):
    """The reflection keeps float32 precision however close loc is to e_1."""
    torch.manual_seed(7)
    loc = torch.zeros(1, 8, dtype=torch.float64)
    loc[0, 0], loc[0, 1] = 1.0, distance
    loc = unit(loc).float()
    z = VonMisesFisher(loc, torch.tensor([[1e4]])).rsample((2000,))
    assert (z.norm(dim=-1) - 1).abs().max() < 1e-5
