"""Posterior heads: encoder features -> q(z|x), a torch Distribution with event shape [dim]."""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import nn
from torch.distributions import Distribution

from vaezoo.traits import EUCLIDEAN, SPHERE

__all__ = ["EUCLIDEAN", "SPHERE", "LatentHead"]


def at_least_float32(features: torch.Tensor) -> torch.Tensor:
    """Half or bfloat16 features (a layer under autocast) as float32: a distribution's parameters
    stay in float32, since its log-density, entropy and KL in bf16 keep three digits."""
    return features.float() if features.dtype in (torch.float16, torch.bfloat16) else features


class LatentHead(nn.Module):
    """Base class of posterior heads.

    ``support`` names the space z lives in; a prior must declare the same one.
    ``manifold_codim`` is the ambient dimension minus the manifold dimension (1 on a sphere),
    so that ``latent.dim = d + manifold_codim`` turns a paper's manifold dimension d into the
    length of z.
    ``takes_fixed_kappa`` marks heads that read the top-level ``kappa`` key.
    """

    support: ClassVar[str]
    manifold_codim: ClassVar[int] = 0
    takes_fixed_kappa: ClassVar[bool] = False
    # False for a code without a density (a point mass): no KL to a prior, no importance sampling.
    has_density: ClassVar[bool] = True

    def __init__(self, in_features: int, dim: int, samples_averaged: int = 1) -> None:
        super().__init__()
        if in_features <= 0 or dim <= 0:
            raise ValueError(f"{type(self).__name__}: in_features and dim must be positive, "
                             f"got in_features={in_features}, dim={dim}")
        if samples_averaged < 1:
            raise ValueError(f"{type(self).__name__}: samples_averaged must be >= 1, got {samples_averaged}")
        self.in_features = in_features
        self.dim = dim
        self.samples_averaged = samples_averaged

    def sample(self, q: Distribution) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The code the decoder reads, one per example, and its score (``draw``).

        With ``samples_averaged`` = n > 1 it is the mean of n draws, with the sum of their scores:
        Xu & Durrett's public code (vmf_vae_nlp, ``NVLL/model/nvrnn.py``) feeds the decoder the
        mean of 3 samples while charging the KL of one posterior. Their paper does not describe
        it, so n = 1 is the default; with n > 1 a vMF code leaves the sphere and the reported
        ELBO is no longer a bound on the likelihood."""
        draws = [self.draw(q) for _ in range(self.samples_averaged)]
        if len(draws) == 1:
            return draws[0]
        scores = [score for _, score in draws]
        return (torch.stack([z for z, _ in draws]).mean(0),
                None if scores[0] is None else torch.stack(scores).sum(0))

    def draw(self, q: Distribution) -> tuple[torch.Tensor, torch.Tensor | None]:
        """One reparameterised z per example and, for samplers whose pathwise gradient is biased,
        a score whose gradient corrects it (``vaezoo.objectives.score``); None when exact."""
        return q.rsample(), None
