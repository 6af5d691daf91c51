"""The semi-supervised bounds of M1+M2 (Kingma et al. 2014, eqs. 6, 7 and 9), on a stacked model
whose M1 code z1 is the pass's sample (``vaezoo.models.m1m2``).

With z1 ~ q(z1|x), per image:

    L(x, y) = log p(x|z1) + H[q(z1|x)] + M2(z1, y)
    U(x)    = log p(x|z1) + H[q(z1|x)] + sum_y q(y|z1) M2(z1, y) + H[q(y|z1)]

where M2(z1, y) = log p(z1|z2,y) - KL(q(z2|z1,y) || p(z2)) + log p(y) at one z2 sample (the
model's ``m2_terms``). Eq. 9 adds alpha times -log q(y|z1) on the labelled images. q(y | .) may
read the mode of q(z1|x) instead of z1 (the model's ``classifier_input``): a function of x all the
same, so both bounds stay bounds. Divided by the
training set's size N the objective is (N_l E_l[L] + N_u E_u[U]) / N + alpha E_l[-log q(y|z1)]:
weights ``TrainingShare("labelled")``, ``TrainingShare("unlabelled")`` and alpha.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from vaezoo.objectives.base import Pass, Term

if TYPE_CHECKING:
    from vaezoo.models.base import LatentVariableModel


def m1_bound(model: LatentVariableModel, data: Pass) -> torch.Tensor:
    """log p(x|z1) + H[q(z1|x)]: M1's share of both bounds (z1's KL is M2's job)."""
    return model.log_likelihood(data.x, data.z) + data.q.entropy()


def unlabelled_bound(model: LatentVariableModel, z1: torch.Tensor, m1: torch.Tensor,
                     logits: torch.Tensor) -> torch.Tensor:
    """U(x) with y summed out, from z1 [batch, dim], M1's bound [batch] and the logits of q(y | .)
    [batch, classes]."""
    classes = torch.arange(logits.shape[-1], device=z1.device)
    per_class = model.m2_terms(z1.expand(len(classes), *z1.shape),
                               classes[:, None].expand(len(classes), len(z1)))  # [classes, batch]
    q_y = logits.softmax(-1)
    entropy = -(q_y * logits.log_softmax(-1)).sum(-1)
    return m1 + (q_y * per_class.T).sum(-1) + entropy


class LabelledBound(Term):
    """L(x, y) on a labelled pass (its extras carry ``y``)."""

    sign, bound_sign = -1, 0

    def forward(self, model: LatentVariableModel, data: Pass) -> torch.Tensor:
        return m1_bound(model, data) + model.m2_terms(data.z, data.extras["y"])


class UnlabelledBound(Term):
    """U(x), the bound on log p(x) with y unobserved: the bound reported at evaluation."""

    sign, bound_sign = -1, 1

    def forward(self, model: LatentVariableModel, data: Pass) -> torch.Tensor:
        return unlabelled_bound(model, data.z, m1_bound(model, data), model.class_logits(data))


class LabelClassification(Term):
    """-log q(y|z1) of the labelled images (Kingma et al. 2014, eq. 9)."""

    sign, bound_sign = 1, 0

    def forward(self, model: LatentVariableModel, data: Pass) -> torch.Tensor:
        return nn.functional.cross_entropy(model.class_logits(data), data.extras["y"], reduction="none")

    def reads_sample(self, model: LatentVariableModel, data: Pass) -> bool:
        """On the mode of q(z1|x) (``classifier_input=mode``) the term does not depend on the
        sample: no score correction, which would add noise (times alpha) and nothing else."""
        return getattr(model, "classifier_input", "sample") == "sample"
