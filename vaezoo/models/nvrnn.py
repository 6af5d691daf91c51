"""NVRNN: the sentence VAE language model of Xu & Durrett 2018 (§4), Gaussian or fixed-kappa vMF.

An LSTM encodes the sentence; the latent head gives q(z|x); an LSTM decoder fed z at every step
(and the previous word in the ``standard`` setting, not in ``inputless``) predicts the words and
<eos>. The reported NLL is -ELBO per sentence with z sampled (§4, footnote 5: no importance
sampling), so it bounds the true NLL from above; perplexity is exp(total NLL / total tokens).
"""

from __future__ import annotations

import lightning.pytorch as pl
import torch
from torchmetrics import MeanMetric

from vaezoo.data.batching import TextBatch
from vaezoo.metrics.perplexity import BoundPerplexity
from vaezoo.models.base import VAE


def sentence_metrics() -> torch.nn.ModuleDict:
    """Per-stage NLL per sentence and the two perplexities of ``log_sentence_metrics``."""
    return torch.nn.ModuleDict({
        f"{stage}_{name}": MeanMetric(nan_strategy="disable") if name == "nll" else BoundPerplexity()
        for stage in ("val", "test") for name in ("nll", "ppl", "ppl_words")})


def log_sentence_metrics(module: pl.LightningModule, metrics: torch.nn.ModuleDict, stage: str, x: TextBatch,
                         nll: torch.Tensor) -> None:
    """NLL per sentence, ``ppl`` over words and <eos> (the tokens predicted) and ``ppl_words`` over
    words only, the convention Xu & Durrett's tables imply (about 21.0 tokens per PTB test
    sentence, READING_NOTES §0.3)."""
    updates = {"nll": (nll,), "ppl": (nll, x.target_tokens), "ppl_words": (nll, x.target_tokens - 1)}
    for name, args in updates.items():
        metric = metrics[f"{stage}_{name}"]
        metric.update(*args)
        module.log(f"{stage}/{name}", metric, on_step=False, on_epoch=True, batch_size=len(x))


class SentenceVAE(VAE):
    """Batches are ``TextBatch``; the decoder is a ``vaezoo.nets.SentenceDecoder``."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.text_metrics = sentence_metrics()

    def inputs(self, batch: TextBatch) -> TextBatch:
        return batch

    def log_likelihood(self, x: TextBatch, z: torch.Tensor) -> torch.Tensor:
        """log p(x|z) for z [*sample, batch, dim] -> [*sample, batch]."""
        lead = z.shape[:-2]
        return self.decoder.log_likelihood(x, z.reshape(-1, z.shape[-1])).reshape(*lead, len(x))

    def log_extra_metrics(self, stage: str, x: TextBatch, re: torch.Tensor, kl: torch.Tensor) -> None:
        log_sentence_metrics(self, self.text_metrics, stage, x, kl - re)
