"""Support constraint for laws on the unit sphere (torch.distributions has none)."""

import torch
from torch.distributions import constraints


class _UnitSphere(constraints.Constraint):
    """Vectors of unit Euclidean norm along the last dimension."""

    event_dim = 1

    def __init__(self, atol: float = 1e-4) -> None:
        self.atol = atol
        super().__init__()

    def check(self, value: torch.Tensor) -> torch.Tensor:
        return (value.norm(dim=-1) - 1.0).abs() <= self.atol

    def __repr__(self) -> str:
        return f"UnitSphere(norm within {self.atol:g} of 1 along the last dimension)"


unit_sphere = _UnitSphere()
