"""The reconstruction term E_q[log p(x|z)] of the ELBO, at one sample per example."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from vaezoo.objectives.base import Pass, Term
from vaezoo.objectives.schedules import Schedule

if TYPE_CHECKING:
    from vaezoo.models.base import LatentVariableModel


class Reconstruction(Term):
    """log p(x|z) from the model's likelihood (Kingma & Welling 2014, eq. 3).

    Args:
        per_token: weigh it in the loss per predicted token (sum over the batch / its tokens), the
            cross-entropy of Bahuleyan et al.'s (2019) code, to which their lambdas are relative;
            the logged value and the bound stay per example.
    """

    sign, bound_sign = -1, 1

    def __init__(self, weight: Schedule | float = 1.0, from_pass: str = "data", per_token: bool = False) -> None:
        super().__init__(weight, from_pass)
        self.per_token = per_token

    def loss_scale(self, model: LatentVariableModel, data: Pass) -> torch.Tensor | float:
        if not self.per_token:
            return 1.0
        tokens = getattr(data.x, "target_tokens", None)
        if tokens is None:
            raise ValueError(f"objective.terms.*.per_token=true needs sentences; {type(data.x).__name__} has no "
                             "target_tokens")
        return 1.0 / tokens.float().mean()

    def forward(self, model: LatentVariableModel, data: Pass) -> torch.Tensor:
        return model.log_likelihood(data.x, data.z)

    def reads_sample(self, model: LatentVariableModel, data: Pass) -> bool:
        return data.z is not None
