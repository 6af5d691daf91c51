"""The RNN language model baseline of Xu & Durrett 2018, Table 3 ("RNNLM (Ours)"): the NVRNN's
decoder with no latent code, trained and evaluated like the VAEs so that rows compare directly.

Its objective is the reconstruction term alone and its bound is the exact log-likelihood (KL 0);
in the ``inputless`` setting the decoder sees no words at all, which is why that row's
perplexity is near 600.
"""

from __future__ import annotations

import torch

from vaezoo.data.batching import TextBatch
from vaezoo.evaluation import EvalSettings, Evaluator, SentencePerplexity
from vaezoo.models.base import LatentVariableModel
from vaezoo.models.optimization import Optimizations
from vaezoo.nets.lstm import SentenceDecoder
from vaezoo.objectives import Objective, Reconstruction


class RNNLanguageModel(LatentVariableModel):
    """p(w_1..w_n <eos>) from a ``SentenceDecoder`` built with ``latent_dim=0``."""

    bound_estimator = {"method": "exact", "samples": 0}

    def __init__(self, decoder: SentenceDecoder, objective: Objective | None = None,
                 optimizers: Optimizations | None = None) -> None:
        if decoder.latent_dim != 0:
            raise ValueError(f"RNNLanguageModel: the decoder must have latent_dim=0, got {decoder.latent_dim}")
        super().__init__(None, None, decoder, None, objective or Objective({"re": Reconstruction()}), optimizers)

    def default_evaluators(self, settings: EvalSettings) -> list[Evaluator]:
        return [SentencePerplexity(self.bound_estimate())]

    def inputs(self, batch: TextBatch) -> TextBatch:
        return batch

    def log_likelihood(self, x: TextBatch, z: None) -> torch.Tensor:
        return self.decoder.log_likelihood(x, None)
