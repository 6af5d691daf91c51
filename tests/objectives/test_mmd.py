"""The MMD term: against a direct double loop, unbiased under the null, positive under a shift."""

import math

import pytest
import torch

from vaezoo.objectives import MMD, Pass
from vaezoo.objectives.mmd import SCALES, imq_kernel, mmd
from vaezoo.priors import SphereUniform, StandardNormal


def double_loop_mmd(x: torch.Tensor, y: torch.Tensor, base: float) -> float:
    """Bahuleyan et al. eq. 3 with the standard 2 / n^2 cross term, one pair at a time."""
    def k(a, b):
        return sum(base * s / (base * s + float(((a - b) ** 2).sum())) for s in SCALES)

    n = len(x)
    within = sum(k(x[i], x[j]) + k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    return within - 2.0 * sum(k(x[i], y[j]) for i in range(n) for j in range(n)) / n**2


def test_mmd_equals_the_double_loop():
    generator = torch.Generator().manual_seed(0)
    x, y = torch.randn(7, 3, generator=generator, dtype=torch.float64), torch.randn(7, 3, generator=generator,
                                                                                     dtype=torch.float64) + 0.5
    assert mmd(x, y, base_scale=12.0).item() == pytest.approx(double_loop_mmd(x, y, 12.0), rel=1e-12)
    assert imq_kernel(x, x, 12.0).diagonal().tolist() == pytest.approx([len(SCALES)] * 7)   # k(x, x) = 1 per scale


def estimates(shift: float, pairs: int = 200, n: int = 64, d: int = 8) -> torch.Tensor:
    generator = torch.Generator().manual_seed(1)
    return torch.stack([mmd(torch.randn(n, d, generator=generator, dtype=torch.float64) + shift,
                            torch.randn(n, d, generator=generator, dtype=torch.float64), 4.0 * d)
                        for _ in range(pairs)])


def test_mmd_is_unbiased_for_one_distribution_and_positive_for_a_shifted_one():
    """Over 200 independent pairs of batches of N(0, I): mean within 3 standard errors of 0; with
    the first shifted by 0.5 in every coordinate: many standard errors above 0."""
    null = estimates(0.0)
    standard_error = null.std() / math.sqrt(len(null))
    assert abs(null.mean()) < 3 * standard_error
    shifted = estimates(0.5)
    assert shifted.mean() > 20 * shifted.std() / math.sqrt(len(shifted)) and shifted.mean() > 10 * standard_error


@pytest.mark.parametrize("prior", [StandardNormal(5), SphereUniform(5)])
def test_the_mmd_term_compares_the_codes_with_prior_samples_and_carries_gradients(prior):
    """Any latent: the term draws as many prior samples as codes; its default kernel scale is 4 * dim."""
    torch.manual_seed(0)
    z = torch.randn(32, 5, requires_grad=True)
    codes = torch.nn.functional.normalize(z, dim=-1) if isinstance(prior, SphereUniform) else z
    term = MMD(weight=10.0)
    torch.manual_seed(3)
    value = term(None, Pass(None, None, codes, None, prior=lambda: prior()))
    torch.manual_seed(3)
    expected = mmd(codes, prior().sample((32,)), base_scale=20.0)
    torch.testing.assert_close(value, expected)
    value.backward()
    assert value.dim() == 0 and z.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="base_scale=0 must be positive"):
        MMD(base_scale=0)
