"""NVRNN: the sentence VAE language model of Xu & Durrett 2018 (§4), Gaussian or fixed-kappa vMF.

An LSTM encodes the sentence; the latent head gives q(z|x); an LSTM decoder fed z at every step
(and the previous word in the ``standard`` setting, not in ``inputless``) predicts the words and
<eos>. The reported NLL is -ELBO per sentence with z sampled (§4, footnote 5: no importance
sampling), so it bounds the true NLL from above; perplexity is exp(total NLL / total tokens).
"""

from __future__ import annotations

import torch
from torch import nn

from vaezoo.data.batching import TextBatch
from vaezoo.evaluation import EvalSettings, Evaluator, ImportanceSampling, SentencePerplexity
from vaezoo.latent.base import LatentHead
from vaezoo.models.base import LatentVariableModel
from vaezoo.models.optimization import Optimizations
from vaezoo.objectives import Objective
from vaezoo.priors.base import Prior


class SentenceVAE(LatentVariableModel):
    """Batches are ``TextBatch``; the decoder is a ``vaezoo.nets.SentenceDecoder``."""

    def __init__(self, encoder: nn.Module, latent: LatentHead, decoder: nn.Module, prior: Prior,
                 objective: Objective | None = None, optimizers: Optimizations | None = None) -> None:
        super().__init__(encoder, latent, decoder, prior, objective, optimizers)

    def default_evaluators(self, settings: EvalSettings) -> list[Evaluator]:
        return [SentencePerplexity(self.bound_estimate()),
                ImportanceSampling(settings.is_samples, settings.is_chunk, settings.val_is_samples,
                                   settings.val_is_examples)]

    def inputs(self, batch: TextBatch) -> TextBatch:
        return batch

    def log_likelihood(self, x: TextBatch, z: torch.Tensor) -> torch.Tensor:
        """log p(x|z) for z [*sample, batch, dim] -> [*sample, batch]."""
        lead = z.shape[:-2]
        return self.decoder.log_likelihood(x, z.reshape(-1, z.shape[-1])).reshape(*lead, len(x))
