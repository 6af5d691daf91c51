"""Learned mixture priors with uniform weights: a mixture of Gaussians (the simple learned
baseline of Tomczak & Welling 2018, §2.2) and its analogue on the sphere, a mixture of vMFs."""

from __future__ import annotations

import math
from abc import abstractmethod

import torch
from torch import nn
from torch.distributions import Distribution, Independent, Normal

from vaezoo.distributions.mixture import UniformMixture
from vaezoo.distributions.vmf import VonMisesFisher
from vaezoo.errors import ConfigError
from vaezoo.latent.base import EUCLIDEAN, SPHERE
from vaezoo.priors.base import Encode, Prior


def _inverse_softplus(value: float) -> float:
    return value + math.log(-math.expm1(-value))


class _UniformMixture(Prior):
    """K components with equal weights 1/K; subclasses supply the component law."""

    def __init__(self, dim: int, num_components: int) -> None:
        super().__init__(dim)
        if num_components <= 0:
            raise ConfigError(f"prior.num_components={num_components} must be positive")

    @abstractmethod
    def components(self) -> Distribution:
        """The K component laws, batch shape [K]."""

    def forward(self, encode: Encode | None = None) -> UniformMixture:
        return UniformMixture(self.components())


class GaussianMixturePrior(_UniformMixture):
    """p(z) = (1/K) sum_k N(z; m_k, diag s_k^2) with learned m_k (initialised N(0, I)) and
    s_k = softplus(.) (initialised to ``init_scale``)."""

    support = EUCLIDEAN

    def __init__(self, dim: int, num_components: int, init_scale: float = 1.0) -> None:
        super().__init__(dim, num_components)
        self.means = nn.Parameter(torch.randn(num_components, dim))
        self.raw_scales = nn.Parameter(torch.full((num_components, dim), _inverse_softplus(init_scale)))

    def components(self) -> Independent:
        scales = nn.functional.softplus(self.raw_scales) + 1e-6
        return Independent(Normal(self.means, scales, validate_args=False), 1, validate_args=False)


class VMFMixturePrior(_UniformMixture):
    """p(z) = (1/K) sum_k vMF(z; mu_k, kappa_k) on S^{dim-1} with learned directions (initialised
    uniformly on the sphere) and concentrations kappa_k = softplus(.) (initialised to ``init_kappa``)."""

    support = SPHERE

    def __init__(self, dim: int, num_components: int, init_kappa: float = 1.0) -> None:
        super().__init__(dim, num_components)
        if dim < 2:
            raise ConfigError(f"VMFMixturePrior: dim is the ambient dimension and must be >= 2, got {dim}")
        self.directions = nn.Parameter(torch.randn(num_components, dim))
        self.raw_kappa = nn.Parameter(torch.full((num_components, 1), _inverse_softplus(init_kappa)))

    def components(self) -> VonMisesFisher:
        loc = self.directions / self.directions.norm(dim=-1, keepdim=True)
        return VonMisesFisher(loc, nn.functional.softplus(self.raw_kappa) + 1e-6, validate_args=False)
