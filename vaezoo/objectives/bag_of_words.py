"""The bag-of-words loss of Zhao et al. (2017, §3.3): an auxiliary network predicts every word of
the sentence from z alone, ignoring order, so the code must carry the sentence's content (Qian &
Cheung's VAE-BoW baseline, which uses it instead of word dropout)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from vaezoo.data.vocab import PAD
from vaezoo.nets.mlp import MLP
from vaezoo.objectives.base import Pass, Term
from vaezoo.objectives.schedules import Schedule

if TYPE_CHECKING:
    from vaezoo.models.base import LatentVariableModel


class BagOfWords(Term):
    """sum over the target's words and <eos> of log softmax(MLP(z))[w]: one value per sentence.

    The MLP maps z to the vocabulary through ``hidden_size`` tanh units (Zhao et al.'s code: 400);
    it is built when the model is, from its code and vocabulary sizes, and trained by ``main``.
    Not part of the evidence bound.
    """

    sign, bound_sign = -1, 0

    def __init__(self, weight: Schedule | float = 1.0, from_pass: str = "data", hidden_size: int = 400) -> None:
        super().__init__(weight, from_pass)
        if hidden_size < 1:
            raise ValueError(f"BagOfWords: hidden_size={hidden_size} must be positive")
        self.hidden_size = hidden_size
        self.predictor: MLP | None = None

    def attach(self, model: LatentVariableModel) -> None:
        output = getattr(model.decoder, "output", None)
        if model.latent is None or not isinstance(output, nn.Linear):
            raise ValueError("objective.terms.<bag of words> needs a sentence model with a code and a decoder "
                             "whose output layer gives the vocabulary (model=nvrnn or sentence_ae)")
        self.predictor = MLP(model.latent.dim, [self.hidden_size], output.out_features, activation="tanh")

    def forward(self, model: LatentVariableModel, data: Pass) -> torch.Tensor:
        log_probs = torch.log_softmax(self.predictor(data.z), dim=-1)          # [batch, vocab]
        targets = data.x.target.tokens[:, 1:]                                  # words and <eos>
        picked = log_probs.gather(1, targets)
        return picked.masked_fill(targets == PAD, 0.0).sum(-1)
