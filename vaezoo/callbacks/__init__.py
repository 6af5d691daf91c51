"""Lightning callbacks of vaezoo's runs."""

from vaezoo.callbacks.aggressive_training import EndAggressiveTraining
from vaezoo.callbacks.exact_resume import ExactResume
from vaezoo.callbacks.image_grids import ImageGrids
from vaezoo.callbacks.non_finite import NonFiniteError, NonFiniteGuard
from vaezoo.callbacks.preemption import CheckpointOnSignal
from vaezoo.callbacks.progress_log import ProgressLog
from vaezoo.callbacks.word_dropout import WordDropoutSchedule

__all__ = ["CheckpointOnSignal", "EndAggressiveTraining", "ExactResume", "ImageGrids", "NonFiniteError",
           "NonFiniteGuard", "ProgressLog", "WordDropoutSchedule"]
