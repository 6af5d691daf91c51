"""NVDM: the bag-of-words document VAE (Miao et al. 2016) with a Gaussian or fixed-kappa vMF code
(Xu & Durrett 2018, §5, Table 4).

log p(x|z) = sum_w count_w log softmax(decoder(z))_w: the probability of a document is the product
of the probabilities of its words (no multinomial coefficient, as in Miao et al.). Perplexity is
Miao et al.'s per-document average exp(mean_d (-ELBO_d / N_d)); the corpus-level
exp(sum -ELBO / sum N) that the authors' code prints is logged beside it as ``ppl_corpus``.

``alternate_epochs`` > 0 trains as Miao et al.'s code: ``alternate_epochs`` passes that update
only the decoder, then as many that update only the encoder (and posterior head), and so on;
0 updates both at every step.
"""

from __future__ import annotations

import torch
from torchmetrics import Metric

from vaezoo.metrics.perplexity import BoundPerplexity, PerDocumentPerplexity
from vaezoo.models.base import VAE


class DocumentVAE(VAE):
    """Batches are (counts [batch, vocab], labels); the decoder returns log-probabilities."""

    def __init__(self, *args, alternate_epochs: int = 0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if alternate_epochs < 0:
            raise ValueError(f"model.alternate_epochs={alternate_epochs} must be >= 0 (0: joint updates)")
        self.alternate_epochs = alternate_epochs
        self.perplexities = torch.nn.ModuleDict({
            f"{stage}_{name}": metric() for stage in ("val", "test")
            for name, metric in (("ppl", PerDocumentPerplexity), ("ppl_corpus", BoundPerplexity))})

    def on_train_epoch_start(self) -> None:
        super().on_train_epoch_start()
        if self.alternate_epochs:
            decoder_phase = (self.current_epoch // self.alternate_epochs) % 2 == 0
            for module, trained in ((self.decoder, decoder_phase), (self.encoder, not decoder_phase),
                                    (self.latent, not decoder_phase)):
                module.requires_grad_(trained)

    def log_likelihood(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return (x * self.decoder(z)).sum(-1)

    def log_extra_metrics(self, stage: str, x: torch.Tensor, re: torch.Tensor, kl: torch.Tensor) -> None:
        nll, tokens = kl - re, x.sum(-1)
        for name in ("ppl", "ppl_corpus"):
            metric: Metric = self.perplexities[f"{stage}_{name}"]
            metric.update(nll, tokens)
            self.log(f"{stage}/{name}", metric, on_step=False, on_epoch=True, batch_size=len(x))
