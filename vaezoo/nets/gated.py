"""Gated MLPs (Dauphin et al. 2017's gated linear units as dense layers): the encoder and decoder
of the VampPrior experiments (Tomczak & Welling 2018, §4.1: two gated layers of 300 units)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from vaezoo.nets.mlp import glorot_init, stacked_layers


class GatedDense(nn.Module):
    """h = (W x + b) * sigmoid(V x + c), with no further activation (as the original code)."""

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.value = nn.Linear(in_features, out_features)
        self.gate = nn.Linear(in_features, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.value(x) * torch.sigmoid(self.gate(x))


class GatedMLP(nn.Sequential):
    """Gated dense layers, then an optional linear output layer.

    Args:
        in_features: input width.
        hidden_sizes: widths of the gated layers, e.g. [300, 300].
        out_features: width of a final linear layer; None ends on the last gated layer (an
            encoder trunk).
    """

    def __init__(self, in_features: int, hidden_sizes: Sequence[int], out_features: int | None = None) -> None:
        layers, width = stacked_layers(in_features, hidden_sizes, out_features, lambda i, o: [GatedDense(i, o)])
        super().__init__(*layers)
        self.in_features = in_features
        self.out_features = width
        glorot_init(self)
