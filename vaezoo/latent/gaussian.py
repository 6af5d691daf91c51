"""Diagonal Gaussian posterior head (N-VAE; Kingma & Welling 2014)."""

import torch
from torch import nn
from torch.distributions import Independent, Normal

from vaezoo.latent.base import EUCLIDEAN, LatentHead
from vaezoo.nets.mlp import glorot_init


class GaussianHead(LatentHead):
    """features [batch, in_features] -> N(mu, diag(sigma^2)) with sigma = softplus(.)."""

    support = EUCLIDEAN

    def __init__(self, in_features: int, dim: int) -> None:
        super().__init__(in_features, dim)
        self.loc = nn.Linear(in_features, dim)
        self.raw_scale = nn.Linear(in_features, dim)
        glorot_init(self)

    def forward(self, features: torch.Tensor) -> Independent:
        scale = nn.functional.softplus(self.raw_scale(features)) + 1e-6
        # Valid by construction (positive scale): skip the per-step argument checks, which
        # also cost a device synchronisation on GPU.
        return Independent(Normal(self.loc(features), scale, validate_args=False), 1, validate_args=False)
