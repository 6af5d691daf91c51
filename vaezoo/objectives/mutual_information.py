"""The mutual-information term of VAE-MINE (Qian & Cheung, §4, eqs. 10-17, Algorithm 1): alpha
times a neural lower bound on I_q(x; z), added to the ELBO to keep the code informative.

An energy network f(x, z), an MLP on the encoder's features of x (the "shared lower layers" of
§5.2) and z, scores pairs; negatives pair each x with the z of another sentence of the batch (z
shuffled, Algorithm 1 line 5). The tangent-line bound of eq. 12,

    I >= E_joint[f] - xi E_marginal[e^f] + log xi + 1,

is tight at xi* = 1 / E_marginal[e^f], where it equals the Donsker-Varadhan bound. Eq. 13 and
Algorithm 1 line 9 print xi* = E_marginal[e^f], which is not the maximiser and, at an optimal f,
sends xi to 1/xi each step; the maximiser is used here, computed without gradient.

Algorithm 1's order: the critic f ascends its bound with the previous step's xi, then xi is
recomputed, then the encoder and decoder update on the ELBO plus alpha times the bound. With
``encoder_gradient`` the bound's gradient reaches the encoder through f's inputs (the features and
the reparameterised z); eq. 18 says it may be ignored once f is optimal, which ``false`` does.
Exponentials are taken in log space (log-mean-exp) so a large f cannot overflow.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch

from vaezoo.nets.mlp import MLP
from vaezoo.objectives.base import CriticTerm, Pass
from vaezoo.objectives.schedules import Schedule

if TYPE_CHECKING:
    from vaezoo.models.base import LatentVariableModel
    from vaezoo.models.optimization import Optimization


def log_mean_exp(values: torch.Tensor) -> torch.Tensor:
    return torch.logsumexp(values, dim=0) - math.log(len(values))


def tangent_bound(joint: torch.Tensor, marginal: torch.Tensor, log_xi: torch.Tensor | float) -> torch.Tensor:
    """E_joint[f] - xi E_marginal[e^f] + log xi + 1 (eq. 12) from the energies of the two samples."""
    log_xi = torch.as_tensor(log_xi, dtype=marginal.dtype, device=marginal.device)
    return joint.mean() - torch.exp(log_mean_exp(marginal) + log_xi) + log_xi + 1.0


def optimal_log_xi(marginal: torch.Tensor) -> torch.Tensor:
    """log xi* = -log E_marginal[e^f]: the slope where the tangent touches log (the printed eq. 13
    gives its reciprocal)."""
    return -log_mean_exp(marginal.detach())


class MutualInformationBound(CriticTerm):
    """alpha * the tangent bound on I_q(x; z): one value per batch, maximised.

    Args:
        optimization: the energy network's optimiser (the paper gives none; its experiment uses
            the model's).
        hidden_sizes: the energy MLP (§5.2: two layers of 512 ReLU units).
        weight: alpha (§5.2: chosen on validation in [2, 5]).
        encoder_gradient: let the bound's gradient reach the encoder through f.
    """

    sign, bound_sign = -1, 0
    updates_first = True

    def __init__(self, optimization: Optimization, hidden_sizes: Sequence[int] = (512, 512),
                 weight: Schedule | float = 1.0, from_pass: str = "data", encoder_gradient: bool = True) -> None:
        super().__init__(optimization, weight, from_pass)
        self.hidden_sizes, self.encoder_gradient = [int(h) for h in hidden_sizes], encoder_gradient
        self.energy: MLP | None = None
        # log xi from the last step: the critic's own loss uses it (Algorithm 1, line 7)
        self.register_buffer("log_xi", torch.zeros(()))

    def attach(self, model: LatentVariableModel) -> None:
        if model.latent is None or not hasattr(model.encoder, "out_features"):
            raise ValueError("objective.terms.<mutual information> needs a model with an encoder and a code")
        self.energy = MLP(model.encoder.out_features + model.latent.dim, self.hidden_sizes, 1, activation="relu")

    def energies(self, data: Pass, detach: bool) -> tuple[torch.Tensor, torch.Tensor]:
        """f on the batch's pairs (x_i, z_i) and on shuffled pairs (x_i, z_perm(i))."""
        if data.features is None or data.z is None:
            raise ValueError("MutualInformationBound reads the encoder features and z of a stochastic code")
        features, z = (data.features.detach(), data.z.detach()) if detach else (data.features, data.z)
        shuffled = z[torch.randperm(len(z), device=z.device)]
        joint = self.energy(torch.cat([features, z], dim=-1)).squeeze(-1)
        marginal = self.energy(torch.cat([features, shuffled], dim=-1)).squeeze(-1)
        return joint, marginal

    def forward(self, model: LatentVariableModel, data: Pass) -> torch.Tensor:
        joint, marginal = self.energies(data, detach=not self.encoder_gradient)
        log_xi = optimal_log_xi(marginal)
        if self.training:  # evaluation batches must not set the slope the next critic step uses
            self.log_xi.copy_(log_xi)
        return tangent_bound(joint, marginal, log_xi)

    def own_loss(self, model: LatentVariableModel, data: Pass) -> torch.Tensor:
        """-(E_joint[f] - xi E_marginal[e^f]) with xi of the last step, codes held fixed."""
        joint, marginal = self.energies(data, detach=True)
        return -tangent_bound(joint, marginal, self.log_xi)
