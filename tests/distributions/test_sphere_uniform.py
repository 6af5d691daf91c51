import math

import pytest
import torch

from vaezoo.distributions import HypersphericalUniform, log_sphere_surface_area


def test_log_surface_area_known_values():
    assert log_sphere_surface_area(2) == pytest.approx(math.log(2 * math.pi))
    assert log_sphere_surface_area(3) == pytest.approx(math.log(4 * math.pi))
    assert log_sphere_surface_area(4) == pytest.approx(math.log(2 * math.pi**2))


def test_samples_are_uniform_unit_vectors():
    torch.manual_seed(0)
    z = HypersphericalUniform(4, dtype=torch.float64).sample((50000,))
    assert torch.allclose(z.norm(dim=-1), torch.ones(50000, dtype=torch.float64))
    assert z.mean(0).abs().max() < 5 * (1 / 2) / math.sqrt(50000)
    # E[z z^T] = I / m for the uniform law.
    assert torch.allclose(z.T @ z / 50000, torch.eye(4, dtype=torch.float64) / 4, atol=0.01)


def test_log_prob_and_entropy():
    u = HypersphericalUniform(3, batch_shape=(2,))
    z = u.sample((5,))
    assert z.shape == (5, 2, 3)
    assert torch.allclose(u.log_prob(z), torch.full((5, 2), -math.log(4 * math.pi)))
    assert torch.allclose(u.entropy(), torch.full((2,), math.log(4 * math.pi)))


def test_rejects_dimension_below_two():
    with pytest.raises(ValueError, match="dim must be an integer >= 2"):
        HypersphericalUniform(1)
