"""What the mean-direction / concentration laws on the sphere share (vMF, Power Spherical)."""

from __future__ import annotations

import torch
from torch.distributions import Distribution, constraints

from vaezoo.distributions.constraints import unit_sphere


class DirectionalDistribution(Distribution):
    """A law on S^{m-1} in R^m with a mean direction ``loc`` and a concentration ``scale``.

    Args:
        loc: mean directions, unit vectors, shape [..., m].
        scale: concentrations kappa > 0, shape [..., 1].
    """

    # Unit norm implies finite, so loc needs no separate real_vector check (which costs more than
    # the norm on wide batches).
    arg_constraints = {"loc": unit_sphere, "scale": constraints.positive}
    support = unit_sphere
    has_rsample = True

    def __init__(self, loc: torch.Tensor, scale: torch.Tensor, validate_args: bool | None = None) -> None:
        name = type(self).__name__
        if loc.dim() < 1 or loc.shape[-1] < 2:
            raise ValueError(f"{name}: loc must have shape [..., m] with m >= 2, got {tuple(loc.shape)}")
        if scale.dim() < 1 or scale.shape[-1] != 1:
            raise ValueError(f"{name}: scale must have shape [..., 1], got {tuple(scale.shape)}")
        batch_shape = torch.broadcast_shapes(loc.shape[:-1], scale.shape[:-1])
        self.dim = loc.shape[-1]
        self.loc = loc.expand(batch_shape + (self.dim,))
        self.scale = scale.expand(batch_shape + (1,))
        super().__init__(batch_shape, torch.Size([self.dim]), validate_args)

    def expand(self, batch_shape, _instance=None) -> DirectionalDistribution:
        batch_shape = torch.Size(batch_shape)
        return type(self)(self.loc.expand(batch_shape + (self.dim,)), self.scale.expand(batch_shape + (1,)),
                          validate_args=False)

    @property
    def mode(self) -> torch.Tensor:
        return self.loc
