"""Training objectives: the KL term and its weight schedules."""

from vaezoo.objectives.annealing import KLSchedule
from vaezoo.objectives.kl import KLTerm

__all__ = ["KLSchedule", "KLTerm"]
