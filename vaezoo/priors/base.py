"""Priors p(z) as modules, so that learned priors (VampPrior) hold parameters."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import ClassVar

import torch
from torch import nn
from torch.distributions import Distribution

from vaezoo.traits import MATCHES_POSTERIOR

__all__ = ["MATCHES_POSTERIOR", "Encode", "Prior"]

Encode = Callable[[torch.Tensor], Distribution]


class Prior(nn.Module, ABC):
    """A prior over z in R^dim; ``forward()`` returns the distribution (batch shape []).

    ``forward`` receives the model's posterior map x -> q(z|x) as ``encode``; only priors made of
    posteriors (the VampPrior) use it.
    """

    support: ClassVar[str]
    # True for priors made of pseudo-inputs passed through the model's encoder (the VampPrior).
    reads_inputs: ClassVar[bool] = False

    def __init__(self, dim: int) -> None:
        super().__init__()
        if dim <= 0:
            raise ValueError(f"{type(self).__name__}: dim must be positive, got {dim}")
        self.dim = dim

    @abstractmethod
    def forward(self, encode: Encode | None = None) -> Distribution:
        """The prior distribution, batch shape [], event shape [dim]."""
