"""Bag-of-words encoder and multinomial decoder of the NVDM (Miao et al. 2016; Xu & Durrett 2018, §5)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from vaezoo.nets.mlp import MLP


class BagOfWordsEncoder(nn.Module):
    """Word counts [batch, vocab] -> MLP features.

    Xu & Durrett (§5) describe the input as "an indicator vector of word presence or absence";
    ``binary_input=false`` feeds the counts instead, as their public code does.
    """

    def __init__(self, vocab_size: int, hidden_sizes: Sequence[int] = (400, 400), activation: str = "tanh",
                 binary_input: bool = True, dropout: float = 0.0) -> None:
        super().__init__()
        self.binary_input = binary_input
        self.dropout = nn.Dropout(dropout)
        self.mlp = MLP(vocab_size, hidden_sizes, activation=activation)
        self.out_features = self.mlp.out_features

    def forward(self, counts: torch.Tensor) -> torch.Tensor:
        x = (counts > 0).to(counts.dtype) if self.binary_input else counts
        return self.mlp(self.dropout(x))


class MultinomialDecoder(nn.Module):
    """z -> log-probabilities over the vocabulary [*, vocab] (§5: "a simple multinomial
    distribution over words"), through an MLP."""

    def __init__(self, vocab_size: int, latent_dim: int, hidden_sizes: Sequence[int] = (400,),
                 activation: str = "relu") -> None:
        super().__init__()
        self.mlp = MLP(latent_dim, hidden_sizes, out_features=vocab_size, activation=activation)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.log_softmax(self.mlp(z), dim=-1)
