"""NVDM: the bag-of-words document VAE (Miao et al. 2016) with a Gaussian or fixed-kappa vMF code
(Xu & Durrett 2018, §5, Table 4).

log p(x|z) = sum_w count_w log softmax(decoder(z))_w: the probability of a document is the product
of the probabilities of its words (no multinomial coefficient, as in Miao et al.). Perplexity is
Miao et al.'s per-document average exp(mean_d (-ELBO_d / N_d)); the corpus-level
exp(sum -ELBO / sum N) that the authors' code prints is logged beside it as ``ppl_corpus``.
"""

from __future__ import annotations

import torch
from torchmetrics import Metric

from vaezoo.metrics.perplexity import BoundPerplexity, PerDocumentPerplexity
from vaezoo.models.base import VAE


class DocumentVAE(VAE):
    """Batches are (counts [batch, vocab], labels); the decoder returns log-probabilities."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.perplexities = torch.nn.ModuleDict({
            f"{stage}_{name}": metric() for stage in ("val", "test")
            for name, metric in (("ppl", PerDocumentPerplexity), ("ppl_corpus", BoundPerplexity))})

    def log_likelihood(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return (x * self.decoder(z)).sum(-1)

    def log_extra_metrics(self, stage: str, x: torch.Tensor, re: torch.Tensor, kl: torch.Tensor) -> None:
        nll, tokens = kl - re, x.sum(-1)
        for name in ("ppl", "ppl_corpus"):
            metric: Metric = self.perplexities[f"{stage}_{name}"]
            metric.update(nll, tokens)
            self.log(f"{stage}/{name}", metric, on_step=False, on_epoch=True, batch_size=len(x))
