"""Weights of objective terms as functions of training progress.

* ``Constant``: the same weight throughout ("permanent" annealing with weight alpha < 1, Xu &
  Durrett 2018 §4; the classification weight alpha of Kingma et al. 2014 eq. 9).
* ``Linear``: ``start`` -> ``weight`` over ``epochs`` (Bowman et al. 2016; Davidson et al. 2018, F.1;
  Qian & Cheung's VAE-0.5: 0.1 -> 1 over 10 epochs).
* ``Sigmoid``: weight * sigmoid(10 e / epochs - 5) with e = 1, 2, ... the epoch number, so it
  rises from ~0 to ~1 over ``epochs`` and changes once per epoch. Xu & Durrett 2018 (§2.2) say
  only "from 0 to 1 over the first 20 epochs"; with 20 this is sigmoid(e / 2 - 5), the schedule of
  their public code.
* ``Cyclical``: Fu et al. 2019: ``cycles`` cycles over ``epochs``; each rises linearly from 0 over
  the first ``ratio`` of the cycle and stays at ``weight`` for the rest.
* ``Peaking``: (tanh((t - center) / width) + 1) / 2 in training steps t, frozen from
  ``freeze_step`` on: the "peaking" KL annealing of Bahuleyan et al. 2019 (their code: center
  4,500 and width 1,000; frozen where the weighted KL peaked: step 3,000 on SNLI, 2,300 on dialogue).
* ``TrainingShare``: N_part / N, the fraction of the training set a pass's examples stand for
  (Kingma et al. 2014, eq. 9 divided by N), read from the DataModule when fitting starts.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import lightning.pytorch as pl


@dataclass(frozen=True)
class Progress:
    """Where training is: fractional epochs (epoch + batch / batches per epoch) and optimiser steps."""

    epoch: float = 0.0
    step: int = 0


class Schedule(ABC):
    """A term's weight as a function of ``Progress``; ``warms_up`` marks schedules that rise once
    over their ``epochs`` and then stay (a run shorter than that never reaches the weight)."""

    warms_up: ClassVar[bool] = False

    @abstractmethod
    def __call__(self, progress: Progress) -> float:
        """The weight at ``progress``."""

    def bind(self, datamodule: pl.LightningDataModule | None) -> None:  # noqa: B027 (most need nothing)
        """Read what the weight needs from the data before fitting."""


def _check_nonnegative(owner: str, **values: float) -> None:
    bad = {k: v for k, v in values.items() if v < 0}
    if bad:
        raise ValueError(f"{owner}: {', '.join(f'{k}={v}' for k, v in bad.items())} must be >= 0")


class Constant(Schedule):
    def __init__(self, weight: float = 1.0) -> None:
        _check_nonnegative("Constant", weight=weight)
        self.weight = float(weight)

    def __call__(self, progress: Progress) -> float:
        return self.weight


class Linear(Schedule):
    warms_up = True

    def __init__(self, epochs: float = 0.0, weight: float = 1.0, start: float = 0.0) -> None:
        _check_nonnegative("Linear", epochs=epochs, weight=weight, start=start)
        self.epochs, self.weight, self.start = float(epochs), float(weight), float(start)

    def __call__(self, progress: Progress) -> float:
        if self.epochs == 0:
            return self.weight
        return self.start + (self.weight - self.start) * min(1.0, max(0.0, progress.epoch / self.epochs))


class Sigmoid(Schedule):
    warms_up = True

    def __init__(self, epochs: float = 0.0, weight: float = 1.0) -> None:
        _check_nonnegative("Sigmoid", epochs=epochs, weight=weight)
        self.epochs, self.weight = float(epochs), float(weight)

    def __call__(self, progress: Progress) -> float:
        if self.epochs == 0:
            return self.weight
        epoch_number = math.floor(progress.epoch) + 1
        return self.weight / (1.0 + math.exp(-(10.0 * epoch_number / self.epochs - 5.0)))


class Cyclical(Schedule):
    def __init__(self, epochs: float, cycles: int = 4, ratio: float = 0.5, weight: float = 1.0) -> None:
        if epochs <= 0 or cycles < 1 or not 0 < ratio <= 1:
            raise ValueError(f"Cyclical: need epochs > 0, cycles >= 1 and ratio in (0, 1]; got epochs={epochs}, "
                             f"cycles={cycles}, ratio={ratio}")
        _check_nonnegative("Cyclical", weight=weight)
        self.period, self.ratio, self.weight = float(epochs) / cycles, float(ratio), float(weight)

    def __call__(self, progress: Progress) -> float:
        tau = (progress.epoch % self.period) / self.period
        return self.weight * min(1.0, tau / self.ratio)


class Peaking(Schedule):
    warms_up = False

    def __init__(self, center: float = 4500.0, width: float = 1000.0, freeze_step: int | None = None,
                 weight: float = 1.0) -> None:
        if width <= 0:
            raise ValueError(f"Peaking: width={width} must be positive")
        _check_nonnegative("Peaking", weight=weight)
        self.center, self.width, self.freeze_step, self.weight = float(center), float(width), freeze_step, float(weight)

    def __call__(self, progress: Progress) -> float:
        step = progress.step if self.freeze_step is None else min(progress.step, self.freeze_step)
        return self.weight * (math.tanh((step - self.center) / self.width) + 1.0) / 2.0


class TrainingShare(Schedule):
    """N_part / N for the DataModule's ``part_sizes`` (e.g. {"labelled": 100, "unlabelled": 49900})."""

    def __init__(self, part: str) -> None:
        self.part, self.share = part, None

    def bind(self, datamodule: pl.LightningDataModule | None) -> None:
        sizes = getattr(datamodule, "part_sizes", None)
        if not sizes or self.part not in sizes:
            raise ValueError(f"TrainingShare(part={self.part!r}) weighs a part of a split training set: use a "
                             f"DataModule with that part, such as data=mnist_semi_supervised")
        self.share = sizes[self.part] / sum(sizes.values())

    def __call__(self, progress: Progress) -> float:
        if self.share is None:
            raise RuntimeError(f"TrainingShare(part={self.part!r}) is read before bind(datamodule)")
        return self.share


def as_schedule(weight: Schedule | float) -> Schedule:
    """A plain number in a config is a constant weight."""
    return weight if isinstance(weight, Schedule) else Constant(weight)
