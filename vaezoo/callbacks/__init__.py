"""Lightning callbacks of vaezoo's runs."""

from vaezoo.callbacks.aggressive_training import EndAggressiveTraining
from vaezoo.callbacks.image_grids import ImageGrids
from vaezoo.callbacks.non_finite import NonFiniteError, NonFiniteGuard
from vaezoo.callbacks.word_dropout import WordDropoutSchedule

__all__ = ["EndAggressiveTraining", "ImageGrids", "NonFiniteError", "NonFiniteGuard", "WordDropoutSchedule"]
