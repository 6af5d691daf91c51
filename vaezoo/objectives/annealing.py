"""KL weight schedules beta(progress), progress in fractional epochs.

* linear: 0 -> weight over ``warmup_epochs`` (Bowman et al. 2016; Davidson et al. 2018, F.1).
* sigmoid: weight * sigmoid(10 e / warmup_epochs - 5) with e = 1, 2, ... the epoch number, so
  it rises from ~0 to ~1 over ``warmup_epochs`` and changes once per epoch. Xu & Durrett 2018 (§2.2)
  say only "from 0 to 1 over the first 20 epochs"; with 20 this is sigmoid(e / 2 - 5), the
  schedule of their public code.
* constant: weight throughout ("permanent" annealing with weight alpha < 1, Xu & Durrett 2018 §4).
"""

from __future__ import annotations

import math

SCHEDULES = ("linear", "sigmoid", "constant")


class KLSchedule:
    """beta as a function of training progress in (fractional) epochs.

    Args:
        kind: one of ``SCHEDULES``.
        warmup_epochs: length of the rise (linear, sigmoid); 0 means no rise (beta = weight).
        weight: the final (or constant) weight.
    """

    def __init__(self, kind: str = "linear", warmup_epochs: float = 0.0, weight: float = 1.0) -> None:
        if kind not in SCHEDULES:
            raise ValueError(f"KLSchedule: kind={kind!r} is not one of {list(SCHEDULES)}")
        if warmup_epochs < 0 or weight < 0:
            raise ValueError(f"KLSchedule: warmup_epochs and weight must be >= 0, got {warmup_epochs}, {weight}")
        self.kind, self.warmup_epochs, self.weight = kind, float(warmup_epochs), float(weight)

    def __call__(self, progress_epochs: float) -> float:
        if self.kind == "constant" or self.warmup_epochs == 0:
            return self.weight
        if self.kind == "linear":
            return self.weight * min(1.0, max(0.0, progress_epochs / self.warmup_epochs))
        epoch_number = math.floor(progress_epochs) + 1
        return self.weight / (1.0 + math.exp(-(10.0 * epoch_number / self.warmup_epochs - 5.0)))
