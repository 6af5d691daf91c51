"""Priors p(z) as modules, so that learned priors (VampPrior) hold parameters."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from torch import nn
from torch.distributions import Distribution


class Prior(nn.Module, ABC):
    """A prior over z in R^dim; ``forward()`` returns the distribution (batch shape [])."""

    support: ClassVar[str]

    def __init__(self, dim: int) -> None:
        super().__init__()
        if dim <= 0:
            raise ValueError(f"{type(self).__name__}: dim must be positive, got {dim}")
        self.dim = dim

    @abstractmethod
    def forward(self) -> Distribution:
        """The prior distribution, batch shape [], event shape [dim]."""
