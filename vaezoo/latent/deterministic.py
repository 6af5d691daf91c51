"""Deterministic code head: z = W features + b (Bahuleyan et al. 2019's DAE and WAE-D)."""

from __future__ import annotations

import torch
from torch import nn

from vaezoo.distributions.point_mass import PointMass
from vaezoo.latent.base import EUCLIDEAN, LatentHead, at_least_float32
from vaezoo.nets.mlp import glorot_init


class DeterministicHead(LatentHead):
    """features [batch, in_features] -> a point mass at a linear map of them."""

    support = EUCLIDEAN
    has_density = False

    def __init__(self, in_features: int, dim: int) -> None:
        super().__init__(in_features, dim)
        self.loc = nn.Linear(in_features, dim)
        glorot_init(self)

    def forward(self, features: torch.Tensor) -> PointMass:
        return PointMass(at_least_float32(self.loc(features)))
