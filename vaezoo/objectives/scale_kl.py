"""The auxiliary KL of the stochastic Wasserstein autoencoder (Bahuleyan et al. 2019, eq. 5):
sum_i KL(N(mu_i, sigma_i^2) || N(mu_i, 1)) = sum_i (-log sigma_i + sigma_i^2 / 2 - 1/2). It keeps
the posterior's spread away from 0 (their Theorem 1: without it sigma collapses and WAE-S is
WAE-D) without pulling the means to the prior's."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch.distributions import Independent, Normal

from vaezoo.objectives.base import Pass, Term

if TYPE_CHECKING:
    from vaezoo.models.base import LatentVariableModel


class KLToUnitScale(Term):
    """Per example, for a diagonal Gaussian posterior (``latent=gaussian``); weight lambda_KL."""

    sign, bound_sign = 1, 0

    def forward(self, model: LatentVariableModel, data: Pass) -> torch.Tensor:
        q = data.q
        if not (isinstance(q, Independent) and isinstance(q.base_dist, Normal)):
            raise ValueError(f"KLToUnitScale needs a diagonal Gaussian posterior (latent=gaussian), got "
                             f"{type(q).__name__}")
        sigma = q.base_dist.scale
        return (-sigma.log() + 0.5 * sigma.pow(2) - 0.5).sum(-1)

    def reads_sample(self, model: LatentVariableModel, data: Pass) -> bool:
        return False
