"""Training objectives: KL schedules and KL estimators."""

from vaezoo.objectives.annealing import LinearWarmup
from vaezoo.objectives.kl import KLTerm

__all__ = ["KLTerm", "LinearWarmup"]
