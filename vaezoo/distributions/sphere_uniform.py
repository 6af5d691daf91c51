"""Uniform law on the unit hypersphere S^{m-1} in R^m: the S-VAE prior (Davidson et al. 2018, §3.2)."""

from __future__ import annotations

import math

import torch
from torch.distributions import Distribution

from vaezoo.distributions.constraints import unit_sphere
from vaezoo.distributions.precision import full_precision


def log_sphere_surface_area(dim: int) -> float:
    """log Area(S^{dim-1}) = log 2 + (dim/2) log(pi) - log Gamma(dim/2) (Davidson et al. 2018, eq. 15)."""
    return math.log(2.0) + 0.5 * dim * math.log(math.pi) - math.lgamma(0.5 * dim)


class HypersphericalUniform(Distribution):
    """Uniform distribution on S^{dim-1}, the unit sphere in R^dim.

    Args:
        dim: ambient dimension m of the vectors (m >= 2).
        batch_shape: optional batch shape; the law is the same for every batch element.
    """

    arg_constraints: dict = {}
    support = unit_sphere
    has_rsample = False

    def __init__(
        self,
        dim: int,
        batch_shape: torch.Size | tuple[int, ...] = (),
        dtype: torch.dtype | None = None,
        device: torch.device | str | None = None,
        validate_args: bool | None = None,
    ) -> None:
        if int(dim) != dim or dim < 2:
            raise ValueError(f"HypersphericalUniform: dim must be an integer >= 2, got {dim!r}")
        self.dim = int(dim)
        self._dtype = dtype or torch.get_default_dtype()
        self._device = torch.device(device) if device is not None else torch.device("cpu")
        super().__init__(torch.Size(batch_shape), torch.Size([self.dim]), validate_args)

    def expand(self, batch_shape, _instance=None) -> HypersphericalUniform:
        return HypersphericalUniform(self.dim, batch_shape, self._dtype, self._device)

    @property
    def mean(self) -> torch.Tensor:
        return torch.zeros(self.batch_shape + self.event_shape, dtype=self._dtype, device=self._device)

    @full_precision
    def sample(self, sample_shape: torch.Size | tuple[int, ...] = ()) -> torch.Tensor:
        """A normalised standard Gaussian vector is uniform on the sphere (rotation invariance)."""
        shape = self._extended_shape(torch.Size(sample_shape))
        with torch.no_grad():
            g = torch.randn(shape, dtype=self._dtype, device=self._device)
            return g / g.norm(dim=-1, keepdim=True)

    @full_precision
    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return torch.full(value.shape[:-1], -log_sphere_surface_area(self.dim),
                          dtype=value.dtype, device=value.device)

    @full_precision
    def entropy(self) -> torch.Tensor:
        return torch.full(self.batch_shape, log_sphere_surface_area(self.dim),
                          dtype=self._dtype, device=self._device)
