import pytest
import torch
from torch.distributions import Categorical, Independent, MixtureSameFamily, Normal

from vaezoo.distributions import HypersphericalUniform, VonMisesFisher
from vaezoo.objectives import KL, Pass


def test_kl_term_uses_closed_forms_when_registered():
    term = KL()
    q = Independent(Normal(torch.randn(4, 3), torch.rand(4, 3) + 0.5), 1)
    p = Independent(Normal(torch.zeros(3), torch.ones(3)), 1)
    assert term.method(q, p) == "closed_form"
    data = Pass(None, q, q.rsample(), None, prior=lambda: p)
    expected = 0.5 * (q.base_dist.loc**2 + q.base_dist.scale**2 - 1 - 2 * q.base_dist.scale.log()).sum(-1)
    assert torch.allclose(term(None, data), expected, atol=1e-5)
    assert not term.reads_sample(None, data)
    assert torch.allclose(KL(divide_by_count=True)(None, data), expected / 4, atol=1e-5)
    loc = torch.nn.functional.normalize(torch.randn(4, 5), dim=-1)
    assert KL().method(VonMisesFisher(loc, torch.ones(4, 1)), HypersphericalUniform(5)) == "closed_form"


def test_kl_term_falls_back_to_an_unbiased_monte_carlo_estimate():
    torch.manual_seed(0)
    term = KL()
    q = Independent(Normal(torch.tensor([[0.3, -0.2]]), torch.tensor([[0.8, 1.1]])), 1)
    # One-component mixture: the same law as N(0, I), but with no registered KL.
    p = MixtureSameFamily(Categorical(torch.ones(1)), Independent(Normal(torch.zeros(1, 2), torch.ones(1, 2)), 1))
    assert term.method(q, p) == "monte_carlo"
    assert term.reads_sample(None, Pass(None, q, q.rsample(), None, prior=lambda: p))
    z = q.rsample((20000,))
    exact = torch.distributions.kl_divergence(q, Independent(Normal(torch.zeros(2), torch.ones(2)), 1))
    assert term.divergence(q, p, z).item() == pytest.approx(exact.item(), abs=0.02)
