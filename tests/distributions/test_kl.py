"""KL(vMF || uniform on the sphere) against an mpmath table, its limits, its gradient, and MC."""

import csv

import pytest
import torch

from vaezoo.distributions import HypersphericalUniform, VonMisesFisher, kl_divergence


def load_reference(fixtures_dir):
    with open(fixtures_dir / "vmf_kl_reference.csv") as handle:
        rows = list(csv.DictReader(handle))
    return [(int(r["m"]), float(r["kappa"]), float(r["kl"])) for r in rows]


def kl(m: int, kappa: torch.Tensor) -> torch.Tensor:
    loc = torch.zeros(kappa.shape[0], m, dtype=kappa.dtype)
    loc[:, 0] = 1.0
    return kl_divergence(VonMisesFisher(loc, kappa[:, None]), HypersphericalUniform(m, dtype=kappa.dtype))


@pytest.mark.parametrize("dtype,rel,abs_", [(torch.float64, 1e-9, 1e-10), (torch.float32, 0.0, 1e-3)])
def test_kl_matches_mpmath_table(fixtures_dir, dtype, rel, abs_):
    """float64 to 1e-9 relative; float32 to 1e-3 absolute everywhere, up to m = 5002 and kappa = 1e5."""
    by_dim: dict[int, list[tuple[float, float]]] = {}
    for m, kappa, ref in load_reference(fixtures_dir):
        by_dim.setdefault(m, []).append((kappa, ref))
    for m, rows in by_dim.items():
        kappas = torch.tensor([k for k, _ in rows], dtype=dtype)
        refs = torch.tensor([r for _, r in rows], dtype=torch.float64)
        ours = kl(m, kappas)
        assert ours.dtype == dtype
        err = (ours.double() - refs).abs()
        assert (err <= abs_ + rel * refs.abs()).all(), f"m={m}: max error {err.max():.3e}"


def test_kl_vanishes_as_kappa_goes_to_zero_and_grows_with_kappa():
    kappas = torch.logspace(-4, 5, 50, dtype=torch.float64)
    for m in (3, 10, 100):
        values = kl(m, kappas)
        assert values[0] < 1e-7
        assert (values.diff() > 0).all()


@pytest.mark.parametrize("m,kappa", [(3, 2.0), (10, 25.0)])
def test_kl_matches_monte_carlo(m, kappa):
    torch.manual_seed(0)
    loc = torch.zeros(1, m, dtype=torch.float64)
    loc[0, 0] = 1
    q = VonMisesFisher(loc, torch.tensor([[kappa]], dtype=torch.float64))
    p = HypersphericalUniform(m, dtype=torch.float64)
    z = q.rsample((50000,))
    mc = q.log_prob(z) - p.log_prob(z)
    assert abs(mc.mean().item() - kl_divergence(q, p).item()) < 5 * mc.std().item() / 50000**0.5


def test_kl_gradient_gradcheck_and_closed_form():
    """gradcheck in float64, and dKL/dkappa = kappa A'(kappa) (Davidson et al. 2018, eq. 21).

    The finite-difference step is 1e-4 rather than gradcheck's 1e-6, which at kappa = 2000 is
    below what a float64 forward pass resolves. Beyond that, where no finite difference is
    reliable, m = 3 has the closed form A = coth(kappa) - 1/kappa, so kappa A' = 1/kappa -
    kappa csch^2(kappa).
    """
    kappas = torch.tensor([0.01, 1.0, 40.0, 2000.0], dtype=torch.float64, requires_grad=True)
    for m in (3, 64):
        assert torch.autograd.gradcheck(lambda k, m=m: kl(m, k), (kappas,), eps=1e-4)
    k = torch.tensor([7.0], dtype=torch.float64, requires_grad=True)
    kl(5, k).backward()
    from vaezoo.distributions.vmf import mean_resultant_length
    a = mean_resultant_length(k.detach(), 5)
    assert torch.allclose(k.grad, k.detach() * (1 - a**2 - 4 / k.detach() * a))
    large = torch.tensor([3e3, 9e4, 1e5], dtype=torch.float64, requires_grad=True)
    kl(3, large).sum().backward()
    # kappa A' = kappa (1 - A^2) - (2v + 1) A is O(1/kappa) from O(1) terms: an error of about
    # 30 roundings in A (26 recurrence steps and the expansion) becomes 2 kappa * 30 eps.
    bound = 2 * large.detach() * 30 * torch.finfo(torch.float64).eps
    assert ((large.grad - 1 / large.detach()).abs() <= bound).all()


def test_kl_rejects_mismatched_dimensions():
    loc = torch.zeros(1, 4)
    loc[0, 0] = 1
    with pytest.raises(ValueError, match="dimensions differ"):
        kl_divergence(VonMisesFisher(loc, torch.ones(1, 1)), HypersphericalUniform(5))
