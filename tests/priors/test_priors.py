import math

import pytest
import torch

from vaezoo.priors import SphereUniform, StandardNormal


def test_standard_normal_log_prob():
    p = StandardNormal(3)()
    z = torch.randn(4, 3)
    expected = -0.5 * (z**2).sum(-1) - 1.5 * math.log(2 * math.pi)
    assert torch.allclose(p.log_prob(z), expected)


def test_sphere_uniform_follows_module_dtype():
    prior = SphereUniform(3).double()
    z = prior().sample((2,))
    assert z.dtype == torch.float64 and torch.allclose(z.norm(dim=-1), torch.ones(2, dtype=torch.float64))


@pytest.mark.parametrize("cls,dim", [(StandardNormal, 0), (SphereUniform, 1)])
def test_priors_reject_bad_dimensions(cls, dim):
    with pytest.raises(ValueError, match="dim"):
        cls(dim)
