"""The reconstruction term E_q[log p(x|z)] of the ELBO, at one sample per example."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from vaezoo.objectives.base import Pass, Term

if TYPE_CHECKING:
    from vaezoo.models.base import LatentVariableModel


class Reconstruction(Term):
    """log p(x|z) from the model's likelihood (Kingma & Welling 2014, eq. 3)."""

    sign, bound_sign = -1, 1

    def forward(self, model: LatentVariableModel, data: Pass) -> torch.Tensor:
        return model.log_likelihood(data.x, data.z)

    def reads_sample(self, model: LatentVariableModel, data: Pass) -> bool:
        return data.z is not None
