"""Mixtures with equal weights whose log-density avoids the [..., K, dim] tensor.

torch's ``MixtureSameFamily.log_prob`` broadcasts every z against every component, which with a
VampPrior of K = 500 components and 5,000 importance samples per test image costs seconds per
chunk and gigabytes of memory. For diagonal Gaussian and vMF components log p(z | k) is a
quadratic or linear form in z, so all K of them come from matrix products, here in float64
(the expanded quadratic form cancels otherwise).
"""

from __future__ import annotations

import math

import torch
from torch.distributions import Categorical, Distribution, Independent, MixtureSameFamily, Normal

from vaezoo.distributions.vmf import VonMisesFisher, log_normalizer_plus_kappa


def _gaussian_component_log_probs(components: Independent, z: torch.Tensor) -> torch.Tensor:
    """log N(z; m_k, diag s_k^2) for z [n, dim] -> [n, K]."""
    loc, scale = components.base_dist.loc.double(), components.base_dist.scale.double()
    precision = scale.pow(-2)
    quadratic = (z.pow(2) @ precision.T - 2.0 * z @ (loc * precision).T + (loc.pow(2) * precision).sum(-1))
    return -0.5 * quadratic - scale.log().sum(-1) - 0.5 * loc.shape[-1] * math.log(2.0 * math.pi)


def _vmf_component_log_probs(components: VonMisesFisher, z: torch.Tensor) -> torch.Tensor:
    """log vMF(z; mu_k, kappa_k) = (log C + kappa) - kappa (1 - mu^T z) for z [n, dim] -> [n, K]."""
    kappa = components.scale.squeeze(-1).double()
    cosine = z @ components.loc.double().T
    return log_normalizer_plus_kappa(kappa, components.dim).double() - kappa * (1.0 - cosine)


def _matrix_form(components: Distribution):
    """The matrix-product log-density of these components, or None for a family without one."""
    if isinstance(components, Independent) and isinstance(components.base_dist, Normal):
        return _gaussian_component_log_probs
    if isinstance(components, VonMisesFisher):
        return _vmf_component_log_probs
    return None


class UniformMixture(MixtureSameFamily):
    """(1/K) sum_k component_k, components given as one distribution of batch shape [K].

    ``log_prob`` takes z [..., dim] (any leading shape) and returns [...], in the dtype of z.
    """

    def __init__(self, components: Distribution) -> None:
        count = components.batch_shape[-1]
        anchor = components.mode  # the location: its dtype and device
        logits = torch.zeros(count, dtype=anchor.dtype, device=anchor.device)
        super().__init__(Categorical(logits=logits), components, validate_args=False)

    def component_log_probs(self, value: torch.Tensor) -> torch.Tensor:
        """log p(z | k) of every component for z [n, dim] -> [n, K], in float64."""
        components = self.component_distribution
        per_component = _matrix_form(components)
        if per_component is None:
            return components.log_prob(value.unsqueeze(-2)).double()
        return per_component(components, value.double())

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        components = self.component_distribution
        if len(components.batch_shape) != 1 or _matrix_form(components) is None:
            return super().log_prob(value)
        log_probs = self.component_log_probs(value.reshape(-1, value.shape[-1]))
        mixture = torch.logsumexp(log_probs, dim=-1) - math.log(log_probs.shape[-1])
        return mixture.to(value.dtype).reshape(value.shape[:-1])
