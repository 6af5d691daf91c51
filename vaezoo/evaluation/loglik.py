"""Importance-sampled marginal log-likelihood (Burda et al. 2016): the metric and its evaluator."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch
from torch import nn
from torchmetrics import Metric

from vaezoo.evaluation.base import EvalStep, Evaluator, log_metric

if TYPE_CHECKING:
    from vaezoo.models.base import LatentVariableModel


class ImportanceSampledLogLik(Metric):
    """Mean over examples of log (1/K) sum_k w_k, from log weights
    log w_k = log p(x|z_k) + log p(z_k) - log q(z_k|x), z_k ~ q(z|x), times ``scale``
    (-1: the negative log-likelihood; -1 / (D ln 2): bits per dimension of D-dimensional data).

    States are sums reduced with "sum", so the value is exact under DDP whatever the split.
    """

    full_state_update = False

    def __init__(self, scale: float = 1.0) -> None:
        super().__init__()
        self.scale = scale
        self.add_state("total", default=torch.tensor(0.0, dtype=torch.float64), dist_reduce_fx="sum")
        self.add_state("count", default=torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")

    def update(self, log_weights: torch.Tensor) -> None:
        """log_weights: [K, batch]."""
        k = log_weights.shape[0]
        per_example = torch.logsumexp(log_weights.double(), dim=0) - math.log(k)
        self.total += per_example.sum()
        self.count += per_example.numel()

    def compute(self) -> torch.Tensor:
        return self.scale * self.total / self.count


@torch.no_grad()
def importance_log_weights(model: LatentVariableModel, x, samples: int, chunk: int) -> torch.Tensor:
    """log p(x|z_k) + log p(z_k) - log q(z_k|x), z_k ~ q(z|x): [samples, batch], decoded ``chunk`` at a time."""
    q, p = model.posterior(x), model.prior_distribution()
    weights = []
    for start in range(0, samples, chunk):
        z = q.rsample((min(chunk, samples - start),))
        weights.append(model.log_likelihood(x, z) + p.log_prob(z) - q.log_prob(z))
    return torch.cat(weights)


class ImportanceSampling(Evaluator):
    """``test/ll`` from ``samples`` importance samples per test example, and a per-epoch ``val/ll``
    curve from ``val_samples`` on the first ``val_examples`` validation examples.

    Args:
        negative: also report ``test/nll`` (nats).
        dims: also report ``test/bpd``, bits per dimension -ll / (dims ln 2), for data of ``dims`` values.
    """

    def __init__(self, samples: int, chunk: int = 100, val_samples: int = 0, val_examples: int = 1000,
                 negative: bool = False, dims: int | None = None) -> None:
        super().__init__()
        self.samples, self.chunk, self.val_samples, self.val_examples = samples, chunk, val_samples, val_examples
        scales = {"ll": 1.0} | ({"nll": -1.0} if negative else {}) | (
            {"bpd": -1.0 / (dims * math.log(2.0))} if dims else {})
        self.test_metrics = nn.ModuleDict({name: ImportanceSampledLogLik(scale) for name, scale in scales.items()})
        self.val_ll = ImportanceSampledLogLik()

    def update(self, model: LatentVariableModel, stage: str, step: EvalStep) -> None:
        x = model.inputs(step.batch)
        if stage == "test" and self.samples > 0:
            log_weights = importance_log_weights(model, x, self.samples, self.chunk)
            for name, metric in self.test_metrics.items():
                metric.update(log_weights)
                log_metric(model, f"test/{name}", metric, len(x))
        elif stage == "val" and self.val_samples > 0:
            seen = step.batch_idx * len(x)
            if seen < self.val_examples:
                x = x[: self.val_examples - seen]
                self.val_ll.update(importance_log_weights(model, x, self.val_samples, self.chunk))
            # logged by every DDP process, also one whose batches are all past val_examples: the
            # metric's states are summed over the processes that log it
            log_metric(model, "val/ll", self.val_ll, len(x))

    def estimators(self) -> dict[str, dict]:
        if self.samples == 0:
            return {}
        return {f"test/{name}": {"method": "importance_sampling", "samples": self.samples}
                for name in self.test_metrics}
