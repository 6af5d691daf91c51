"""Classification accuracy of a semi-supervised model (Davidson et al. 2018, Table 3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from torch import nn
from torchmetrics import MeanMetric

from vaezoo.evaluation.base import STAGES, EvalStep, Evaluator, log_metric

if TYPE_CHECKING:
    from vaezoo.models.base import LatentVariableModel


class LabelAccuracy(Evaluator):
    """Accuracy (%) of argmax q(y|z) at the mode of the pass's posterior, against the pass's labels."""

    def __init__(self, from_pass: str = "data") -> None:
        super().__init__()
        self.from_pass = from_pass
        self.metrics = nn.ModuleDict({stage: MeanMetric(nan_strategy="disable") for stage in STAGES})

    def update(self, model: LatentVariableModel, stage: str, step: EvalStep) -> None:
        data = step.passes[self.from_pass]
        correct = (model.classifier(data.q.mode).argmax(-1) == data.extras["y"]).float() * 100.0
        self.metrics[stage].update(correct)
        log_metric(model, f"{stage}/acc", self.metrics[stage], len(correct))

    def estimators(self) -> dict[str, dict]:
        return {"test/acc": {"method": "argmax_q(y|z1)_at_posterior_mode", "samples": 1}}
