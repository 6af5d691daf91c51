"""Uniform prior on the unit sphere (Davidson et al. 2018, §3.2; Xu & Durrett 2018, §3)."""

import torch

from vaezoo.distributions.sphere_uniform import HypersphericalUniform
from vaezoo.latent.base import SPHERE
from vaezoo.priors.base import Encode, Prior


class SphereUniform(Prior):
    support = SPHERE

    def __init__(self, dim: int) -> None:
        super().__init__(dim)
        if dim < 2:
            raise ValueError(f"SphereUniform: dim is the ambient dimension and must be >= 2, got {dim}")
        self.register_buffer("anchor", torch.zeros(()), persistent=False)

    def forward(self, encode: Encode | None = None) -> HypersphericalUniform:
        return HypersphericalUniform(self.dim, dtype=self.anchor.dtype, device=self.anchor.device)
