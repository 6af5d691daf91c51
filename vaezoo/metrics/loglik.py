"""Importance-sampled marginal log-likelihood (Burda et al. 2016) as a TorchMetric."""

from __future__ import annotations

import math

import torch
from torchmetrics import Metric


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
