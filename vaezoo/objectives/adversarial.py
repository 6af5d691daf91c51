"""An adversarial match of the aggregate posterior q(z) to the prior p(z), with a critic of its own:
the latent penalty of the adversarial autoencoder (Makhzani et al. 2016) and of WAE-GAN
(Tolstikhin et al. 2018, Algorithm 2).

A critic D(z) is trained to tell prior samples (label 1) from the pass's codes (label 0) on its
own optimiser; the model pays -log sigmoid(D(z)) per code, the non-saturating loss of a
generator that makes its codes look drawn from the prior. Each step updates the model first,
against the critic as it was, then the critic on the step's codes; Algorithm 2 updates the critic
first, which shifts the two updates by half a step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch
from torch import nn

from vaezoo.nets.mlp import MLP
from vaezoo.objectives.base import CriticTerm, Pass
from vaezoo.objectives.schedules import Schedule

if TYPE_CHECKING:
    from vaezoo.models.base import LatentVariableModel
    from vaezoo.models.optimization import Optimization


class LatentAdversary(CriticTerm):
    """Args:
        dim: length of z.
        optimization: the critic's optimiser (Tolstikhin et al. 2018, MNIST: Adam 5e-4).
        hidden_sizes, activation: the critic's MLP (MNIST: four layers of 512 ReLU units).
        weight: lambda, or its schedule.
    """

    sign, bound_sign = 1, 0

    def __init__(self, dim: int, optimization: Optimization, hidden_sizes: Sequence[int] = (512, 512, 512, 512),
                 activation: str = "relu", weight: Schedule | float = 1.0, from_pass: str = "data") -> None:
        super().__init__(optimization, weight, from_pass)
        self.critic = MLP(dim, [int(width) for width in hidden_sizes], 1, activation)

    def forward(self, model: LatentVariableModel, data: Pass) -> torch.Tensor:
        return nn.functional.softplus(-self.critic(data.z).squeeze(-1))

    def own_loss(self, model: LatentVariableModel, data: Pass) -> torch.Tensor:
        """Cross-entropy of the critic on prior samples (1) and the pass's codes (0), codes held fixed."""
        codes = data.z.detach()
        prior_samples = data.prior.sample(codes.shape[:-1])
        logits = self.critic(torch.cat([prior_samples, codes]))
        labels = torch.cat([torch.ones(len(prior_samples)), torch.zeros(len(codes))]).to(logits)
        return nn.functional.binary_cross_entropy_with_logits(logits.squeeze(-1), labels)
