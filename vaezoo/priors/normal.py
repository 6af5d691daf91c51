"""Standard normal prior N(0, I) of the Gaussian VAE."""

import torch
from torch.distributions import Independent, Normal

from vaezoo.latent.base import EUCLIDEAN
from vaezoo.priors.base import Encode, Prior


class StandardNormal(Prior):
    support = EUCLIDEAN

    def __init__(self, dim: int) -> None:
        super().__init__(dim)
        self.register_buffer("zeros", torch.zeros(dim), persistent=False)

    def forward(self, encode: Encode | None = None) -> Independent:
        return Independent(Normal(self.zeros, torch.ones_like(self.zeros)), 1)
