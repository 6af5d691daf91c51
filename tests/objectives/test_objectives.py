import math

import pytest
import torch
from torch.distributions import Categorical, Independent, MixtureSameFamily, Normal

from vaezoo.distributions import HypersphericalUniform, VonMisesFisher
from vaezoo.objectives import KLSchedule, KLTerm


def test_linear_warmup():
    w = KLSchedule("linear", 100)
    assert [w(0), w(25), w(100), w(250)] == [0.0, 0.25, 1.0, 1.0]
    assert KLSchedule("linear", 0)(0) == 1.0
    with pytest.raises(ValueError, match="must be >= 0"):
        KLSchedule("linear", -1)


def test_sigmoid_schedule_is_the_per_epoch_sigmoid_of_xu_and_durrett():
    """sigmoid(e / 2 - 5) for epoch number e = 1, 2, ... over a 20-epoch rise: constant within an
    epoch, 0.5 at e = 10, above 0.99 at e = 20."""
    w = KLSchedule("sigmoid", 20)
    for e in (1, 5, 10, 15, 20):
        expected = 1.0 / (1.0 + math.exp(-(e / 2 - 5)))
        assert w(e - 1) == pytest.approx(expected) and w(e - 1 + 0.7) == pytest.approx(expected)
    assert w(9) == pytest.approx(0.5) and w(0) < 0.012 and w(19) > 0.99


def test_constant_weight_and_bad_kind():
    assert [KLSchedule("constant", 20, 0.2)(e) for e in (0, 10, 100)] == [0.2, 0.2, 0.2]
    with pytest.raises(ValueError, match="kind='cosine' is not one of"):
        KLSchedule("cosine")


def test_kl_term_uses_closed_forms_when_registered():
    term = KLTerm()
    q = Independent(Normal(torch.randn(4, 3), torch.rand(4, 3) + 0.5), 1)
    p = Independent(Normal(torch.zeros(3), torch.ones(3)), 1)
    assert term.method(q, p) == "closed_form"
    expected = 0.5 * (q.base_dist.loc**2 + q.base_dist.scale**2 - 1 - 2 * q.base_dist.scale.log()).sum(-1)
    assert torch.allclose(term(q, p, q.rsample()), expected, atol=1e-5)
    loc = torch.nn.functional.normalize(torch.randn(4, 5), dim=-1)
    assert KLTerm().method(VonMisesFisher(loc, torch.ones(4, 1)), HypersphericalUniform(5)) == "closed_form"


def test_kl_term_falls_back_to_an_unbiased_monte_carlo_estimate():
    torch.manual_seed(0)
    term = KLTerm()
    q = Independent(Normal(torch.tensor([[0.3, -0.2]]), torch.tensor([[0.8, 1.1]])), 1)
    # One-component mixture: the same law as N(0, I), but with no registered KL.
    p = MixtureSameFamily(Categorical(torch.ones(1)), Independent(Normal(torch.zeros(1, 2), torch.ones(1, 2)), 1))
    assert term.method(q, p) == "monte_carlo"
    z = q.rsample((20000,))
    exact = torch.distributions.kl_divergence(q, Independent(Normal(torch.zeros(2), torch.ones(2)), 1))
    assert term(q, p, z).item() == pytest.approx(exact.item(), abs=0.02)
