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
from torch import nn

from vaezoo.evaluation import DocumentPerplexity, EvalSettings, Evaluator, ImportanceSampling
from vaezoo.latent.base import LatentHead
from vaezoo.models.base import LatentVariableModel
from vaezoo.models.optimization import Optimizations
from vaezoo.objectives import Objective
from vaezoo.priors.base import Prior


class DocumentVAE(LatentVariableModel):
    """Batches are (counts [batch, vocab], labels); the decoder returns log-probabilities."""

    def __init__(self, encoder: nn.Module, latent: LatentHead, decoder: nn.Module, prior: Prior,
                 objective: Objective | None = None, optimizers: Optimizations | None = None,
                 alternate_epochs: int = 0) -> None:
        super().__init__(encoder, latent, decoder, prior, objective, optimizers)
        if alternate_epochs < 0:
            raise ValueError(f"model.alternate_epochs={alternate_epochs} must be >= 0 (0: joint updates)")
        self.alternate_epochs = alternate_epochs

    def default_evaluators(self, settings: EvalSettings) -> list[Evaluator]:
        return [DocumentPerplexity(), ImportanceSampling(settings.is_samples, settings.is_chunk,
                                                         settings.val_is_samples, settings.val_is_examples)]

    def on_train_epoch_start(self) -> None:
        super().on_train_epoch_start()
        if self.alternate_epochs:
            decoder_phase = (self.current_epoch // self.alternate_epochs) % 2 == 0
            for module, trained in ((self.decoder, decoder_phase), (self.encoder, not decoder_phase),
                                    (self.latent, not decoder_phase)):
                module.requires_grad_(trained)

    def log_likelihood(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return (x * self.decoder(z)).sum(-1)
