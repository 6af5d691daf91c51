"""Evaluators: test-time measurements that any model can request, apart from its objective.

After the objective's bound on an evaluation batch, the model hands every evaluator an
``EvalStep``; the evaluator updates its TorchMetrics (exact under DDP: their states are sums)
and logs them through the model under ``<stage>/<name>``. Models list the evaluators their family
always reports (``default_evaluators``); ``eval.evaluators`` adds more by config.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from vaezoo.objectives.base import Passes

if TYPE_CHECKING:
    from vaezoo.models.base import LatentVariableModel

STAGES = ("val", "test")


@dataclass
class EvalStep:
    """One evaluation batch: the batch, its index in the split (as one process numbers the batches,
    also under DDP), the model's passes and the bound per example."""

    batch: Any
    batch_idx: int
    passes: Passes
    bound: torch.Tensor


@dataclass
class EvalSettings:
    """The ``eval/`` config group: read at test time, never stored in a model's hyperparameters.

    Args:
        is_samples: importance samples K of the test log-likelihood (0: not estimated).
        is_chunk: samples decoded at once while estimating it (memory bound only).
        val_is_samples: K of a per-epoch validation log-likelihood curve (``val/ll``; 0 = off).
        val_is_examples: validation examples that curve is estimated on.
        evaluators: further evaluators by name, for any model; a null entry is dropped.
    """

    is_samples: int = 500
    is_chunk: int = 100
    val_is_samples: int = 0
    val_is_examples: int = 1000
    evaluators: dict[str, Evaluator | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # null switches off an evaluator another config added (a model without a code has no MI)
        self.evaluators = {name: e for name, e in self.evaluators.items() if e is not None}


class Evaluator(nn.Module, ABC):
    """Base class: ``update`` once per evaluation batch, ``estimators`` for results.json."""

    @abstractmethod
    def update(self, model: LatentVariableModel, stage: str, step: EvalStep) -> None:
        """Update the metrics of ``stage`` from one evaluation batch and log them through ``model``."""

    def estimators(self) -> dict[str, dict]:
        """How each test number it reports is estimated: {"test/x": {"method", "samples"}}."""
        return {}


def log_metric(model: LatentVariableModel, name: str, metric, batch_size: int) -> None:
    """Log a TorchMetric as an epoch value (Lightning computes and resets it at the epoch's end).
    Its attribute path is given explicitly: Lightning's own lookup misses metrics that an evaluator
    creates once the data is known."""
    attribute = next(path for path, module in model.named_modules() if module is metric)
    model.log(name, metric, on_step=False, on_epoch=True, batch_size=batch_size, metric_attribute=attribute)
