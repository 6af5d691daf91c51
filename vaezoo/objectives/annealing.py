"""KL weight schedules (Bowman et al. 2016 warm-up, as used by Davidson et al. 2018, F.1)."""

from __future__ import annotations


class LinearWarmup:
    """beta rises linearly from 0 to 1 over ``epochs`` epochs, then stays at 1.

    Progress is measured in fractional epochs so beta moves every step, not only at epoch
    boundaries. ``epochs = 0`` disables the warm-up (beta = 1 throughout).
    """

    def __init__(self, epochs: float) -> None:
        if epochs < 0:
            raise ValueError(f"LinearWarmup: epochs must be >= 0, got {epochs}")
        self.epochs = float(epochs)

    def __call__(self, progress_epochs: float) -> float:
        if self.epochs == 0:
            return 1.0
        return min(1.0, max(0.0, progress_epochs / self.epochs))
