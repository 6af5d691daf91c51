"""Lightning callbacks of vaezoo's runs."""

from vaezoo.callbacks.image_grids import ImageGrids
from vaezoo.callbacks.word_dropout import WordDropoutSchedule

__all__ = ["ImageGrids", "WordDropoutSchedule"]
