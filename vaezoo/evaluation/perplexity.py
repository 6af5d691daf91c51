"""Perplexity from a per-example bound: exp(sum of NLL / sum of tokens), as TorchMetrics and
the evaluators of sentence and document models.

Hand-written because torchmetrics' Perplexity scores token logits, while a VAE's perplexity comes
from -ELBO per sentence or document, KL included (Xu & Durrett 2018, §4; Miao et al. 2016).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn
from torchmetrics import MeanMetric, Metric

from vaezoo.evaluation.base import STAGES, EvalStep, Evaluator, log_metric

if TYPE_CHECKING:
    from vaezoo.models.base import LatentVariableModel


class CorpusPerplexity(Metric):
    """exp(sum_i nll_i / sum_i tokens_i), the corpus-level perplexity of a model's bounds or of an
    n-gram model's scores; sums are reduced across DDP ranks, so it is exact."""

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


class SentencePerplexity(Evaluator):
    """NLL per sentence (-bound), ``ppl`` over words and <eos> (the tokens predicted) and
    ``ppl_words`` over words only, the convention Xu & Durrett's tables imply (about 21.0 tokens
    per PTB test sentence, READING_NOTES §0.3). §4, footnote 5: the NLL is -ELBO with z sampled."""

    def __init__(self, bound_estimator: dict | None = None) -> None:
        super().__init__()
        self.bound_estimator = bound_estimator or {"method": "single_sample_monte_carlo", "samples": 1}
        self.metrics = nn.ModuleDict({
            f"{stage}_{name}": MeanMetric(nan_strategy="disable") if name == "nll" else CorpusPerplexity()
            for stage in STAGES for name in ("nll", "ppl", "ppl_words")})

    def update(self, model: LatentVariableModel, stage: str, step: EvalStep) -> None:
        x, nll = model.inputs(step.batch), -step.bound
        updates = {"nll": (nll,), "ppl": (nll, x.target_tokens), "ppl_words": (nll, x.target_tokens - 1)}
        for name, args in updates.items():
            metric = self.metrics[f"{stage}_{name}"]
            metric.update(*args)
            log_metric(model, f"{stage}/{name}", metric, len(x))

    def estimators(self) -> dict[str, dict]:
        return {"test/nll": dict(self.bound_estimator)}


class DocumentPerplexity(Evaluator):
    """Miao et al.'s (2016) per-document ``ppl`` and the corpus-level ``ppl_corpus`` that Xu &
    Durrett's code prints, both from -bound per document and its word count."""

    def __init__(self) -> None:
        super().__init__()
        self.metrics = nn.ModuleDict({
            f"{stage}_{name}": metric() for stage in STAGES
            for name, metric in (("ppl", PerDocumentPerplexity), ("ppl_corpus", CorpusPerplexity))})

    def update(self, model: LatentVariableModel, stage: str, step: EvalStep) -> None:
        x = model.inputs(step.batch)
        nll, tokens = -step.bound, x.sum(-1)
        for name in ("ppl", "ppl_corpus"):
            metric = self.metrics[f"{stage}_{name}"]
            metric.update(nll, tokens)
            log_metric(model, f"{stage}/{name}", metric, len(x))
