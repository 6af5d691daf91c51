"""Diagonal Gaussian posterior head (N-VAE; Kingma & Welling 2014)."""

import torch
from torch import nn
from torch.distributions import Independent, Normal

from vaezoo.latent.base import EUCLIDEAN, LatentHead, at_least_float32
from vaezoo.nets.mlp import glorot_init

SCALE_LINKS = ("softplus", "exp")


class GaussianHead(LatentHead):
    """features [batch, in_features] -> N(mu, diag(sigma^2)) with sigma = softplus(.) or, with
    ``scale_link="exp"``, sigma = exp(.) (the log-sigma output of Kipf & Welling's VGAE code).

    ``scale_range`` = (low, high) clamps sigma, with no gradient beyond the bounds: the VampPrior
    code passes the log-variance through Hardtanh(-6, 2), i.e. sigma in [e^-3, e^1]."""

    support = EUCLIDEAN

    def __init__(self, in_features: int, dim: int, scale_link: str = "softplus", samples_averaged: int = 1,
                 scale_range: tuple[float, float] | None = None) -> None:
        super().__init__(in_features, dim, samples_averaged)
        if scale_link not in SCALE_LINKS:
            raise ValueError(f"GaussianHead: scale_link={scale_link!r} is not one of {list(SCALE_LINKS)}")
        if scale_range is not None and not 0 < scale_range[0] < scale_range[1]:
            raise ValueError(f"GaussianHead: scale_range must be (low, high) with 0 < low < high, got {scale_range}")
        self.scale_link = scale_link
        self.scale_range = None if scale_range is None else (float(scale_range[0]), float(scale_range[1]))
        self.loc = nn.Linear(in_features, dim)
        self.raw_scale = nn.Linear(in_features, dim)
        glorot_init(self)

    def forward(self, features: torch.Tensor) -> Independent:
        raw = at_least_float32(self.raw_scale(features))
        scale = (torch.exp(raw) if self.scale_link == "exp" else nn.functional.softplus(raw)) + 1e-6
        if self.scale_range is not None:
            scale = scale.clamp(*self.scale_range)
        # Valid by construction (positive scale): skip the per-step argument checks, which
        # also cost a device synchronisation on GPU.
        loc = at_least_float32(self.loc(features))
        return Independent(Normal(loc, scale, validate_args=False), 1, validate_args=False)
