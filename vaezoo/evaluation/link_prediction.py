"""Link prediction scores of a graph VAE (Kipf & Welling 2016; Davidson et al. 2018, Table 4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from torchmetrics.functional.classification import binary_auroc, binary_average_precision

from vaezoo.evaluation.base import EvalStep, Evaluator

if TYPE_CHECKING:
    from vaezoo.models.base import LatentVariableModel


class LinkPrediction(Evaluator):
    """ROC-AUC and average precision (%) of held-out edges against as many non-edges, scored at
    the posterior modes. A full-graph stage is one batch, so the scores are computed over all its
    pairs here and logged as they are."""

    def __init__(self, from_pass: str = "data") -> None:
        super().__init__()
        self.from_pass = from_pass

    def update(self, model: LatentVariableModel, stage: str, step: EvalStep) -> None:
        data = step.passes[self.from_pass]
        probabilities = model.edge_probabilities(data.q.mode, data.x.pairs)
        labels = data.x.labels.long()
        model.log_dict({f"{stage}/auc": 100.0 * binary_auroc(probabilities, labels),
                        f"{stage}/ap": 100.0 * binary_average_precision(probabilities, labels)}, batch_size=1)

    def estimators(self) -> dict[str, dict]:
        return {"test/auc": {"method": "posterior_mode_edge_scores", "samples": 1},
                "test/ap": {"method": "posterior_mode_edge_scores", "samples": 1}}
