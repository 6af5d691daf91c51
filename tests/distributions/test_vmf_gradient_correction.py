"""g_cor of Davidson et al. 2018, appendix D: with it the kappa gradient of E[f(z)] is exact."""

import math

import pytest
import torch

from vaezoo.distributions import VonMisesFisher
from vaezoo.distributions.vmf import mean_resultant_length
from vaezoo.latent import VMFHead
from vaezoo.objectives.score import with_score_correction


def kappa_gradients(m: int, kappa: float, n: int, corrected: bool) -> torch.Tensor:
    """Per-sample estimates of d/dkappa E[mu0^T z] (one kappa leaf per sample)."""
    mu0 = torch.zeros(m, dtype=torch.float64)
    mu0[0] = 1.0
    kappas = torch.full((n, 1), kappa, dtype=torch.float64, requires_grad=True)
    z, score = VonMisesFisher(mu0.expand(n, m), kappas).rsample_with_score()
    f = z @ mu0
    if corrected:
        f = with_score_correction(f, score)
    return torch.autograd.grad(f.sum(), kappas)[0].squeeze(-1)


def test_corrected_gradient_matches_the_derivative_of_the_mean_resultant_length():
    """E[mu^T z] = A_m(kappa), so the exact gradient is A_m'(kappa) = 1 - A^2 - (m - 1) A / kappa."""
    torch.manual_seed(0)
    m, kappa, n = 5, 2.0, 200_000
    a = float(mean_resultant_length(torch.tensor([kappa], dtype=torch.float64), m))
    exact = 1.0 - a * a - (m - 1) * a / kappa
    for corrected, should_match in ((True, True), (False, False)):
        grads = kappa_gradients(m, kappa, n, corrected)
        stderr = float(grads.std()) / math.sqrt(n)
        error = abs(float(grads.mean()) - exact)
        assert (error < 4 * stderr) == should_match, (corrected, error, stderr)
        if not should_match:
            assert error > 5 * stderr   # the pathwise gradient alone is biased: the test can fail


def test_score_correction_changes_only_the_kappa_gradient():
    """Same sample, with and without the surrogate: equal values and mu gradients (g_cor has no mu
    component, eq. 36 ff.), different kappa gradients."""
    torch.manual_seed(0)
    head = VMFHead(6, 4, grad_correction=True).double()
    z, score = head.sample(head(torch.randn(8, 6, dtype=torch.float64)))
    assert score.shape == (8,) and z.shape == (8, 4)
    f = (z * torch.arange(4.0, dtype=torch.float64)).sum(-1)
    corrected = with_score_correction(f, score)
    torch.testing.assert_close(corrected, f)
    params = [head.loc.weight, head.raw_scale.weight]
    plain = torch.autograd.grad(f.sum(), params, retain_graph=True)
    fixed = torch.autograd.grad(corrected.sum(), params)
    torch.testing.assert_close(fixed[0], plain[0])
    assert not torch.allclose(fixed[1], plain[1])
    assert VMFHead(6, 4).sample(head(torch.randn(2, 6, dtype=torch.float64)))[1] is None   # off by default


@pytest.mark.parametrize("kappa", [1e-2, 1.0, 1e3, 1e5])
@pytest.mark.parametrize("m", [2, 3, 50, 1000])
def test_score_is_finite_over_the_range_in_float32(m, kappa):
    torch.manual_seed(0)
    kappas = torch.full((16, 1), kappa, requires_grad=True)
    mu = torch.nn.functional.normalize(torch.randn(16, m), dim=-1)
    z, score = VonMisesFisher(mu, kappas).rsample_with_score()
    assert torch.isfinite(score).all()
    assert torch.isfinite(torch.autograd.grad(score.sum(), kappas)[0]).all()
