"""Posterior heads: encoder features -> q(z|x), a torch Distribution with event shape [dim]."""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import nn
from torch.distributions import Distribution

EUCLIDEAN = "euclidean"
SPHERE = "sphere"


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

    def __init__(self, in_features: int, dim: int) -> None:
        super().__init__()
        if in_features <= 0 or dim <= 0:
            raise ValueError(f"{type(self).__name__}: in_features and dim must be positive, "
                             f"got in_features={in_features}, dim={dim}")
        self.in_features = in_features
        self.dim = dim

    def sample(self, q: Distribution) -> tuple[torch.Tensor, torch.Tensor | None]:
        """One reparameterised z per example and, for samplers whose pathwise gradient is biased,
        a score whose gradient corrects it (``vaezoo.objectives.score``); None when exact."""
        return q.rsample(), None
