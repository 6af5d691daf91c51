"""Perplexity from a per-example bound: exp(sum of NLL / sum of tokens), as a TorchMetric.

Hand-written because torchmetrics' Perplexity scores token logits, while a VAE's perplexity comes
from -ELBO per sentence or document, KL included (Xu & Durrett 2018, §4; Miao et al. 2016).
"""

from __future__ import annotations

import torch
from torchmetrics import Metric


class BoundPerplexity(Metric):
    """exp(sum_i nll_i / sum_i tokens_i); sums are reduced across DDP ranks, so it is exact."""

    full_state_update = False

    def __init__(self) -> None:
        super().__init__()
        self.add_state("nll", default=torch.tensor(0.0, dtype=torch.float64), dist_reduce_fx="sum")
        self.add_state("tokens", default=torch.tensor(0.0, dtype=torch.float64), dist_reduce_fx="sum")

    def update(self, nll: torch.Tensor, tokens: torch.Tensor) -> None:
        """nll: [batch] negative log-likelihood bounds in nats; tokens: [batch] counts."""
        self.nll += nll.detach().double().sum()
        self.tokens += tokens.double().sum()

    def compute(self) -> torch.Tensor:
        return torch.exp(self.nll / self.tokens)


class PerDocumentPerplexity(Metric):
    """exp(mean_d nll_d / tokens_d): the document-averaged perplexity of Miao et al. 2016 (NVDM)."""

    full_state_update = False

    def __init__(self) -> None:
        super().__init__()
        self.add_state("nll_per_token", default=torch.tensor(0.0, dtype=torch.float64), dist_reduce_fx="sum")
        self.add_state("documents", default=torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")

    def update(self, nll: torch.Tensor, tokens: torch.Tensor) -> None:
        self.nll_per_token += (nll.detach().double() / tokens.double()).sum()
        self.documents += nll.numel()

    def compute(self) -> torch.Tensor:
        return torch.exp(self.nll_per_token / self.documents)
