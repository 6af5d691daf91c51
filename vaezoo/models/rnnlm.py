"""The RNN language model baseline of Xu & Durrett 2018, Table 3 ("RNNLM (Ours)"): the NVRNN's
decoder with no latent code, trained and evaluated like the VAEs so that rows compare directly.

Its NLL is exact (no bound), its KL is 0; in the ``inputless`` setting the decoder sees no words
at all, which is why that row's perplexity is near 600.
"""

from __future__ import annotations

import lightning.pytorch as pl
import torch
from torchmetrics import MeanMetric

from vaezoo.data.batching import TextBatch
from vaezoo.models.nvrnn import log_sentence_metrics, sentence_metrics
from vaezoo.models.optimization import ConfiguredOptimization, check_optimization
from vaezoo.nets.lstm import SentenceDecoder


class RNNLanguageModel(ConfiguredOptimization, pl.LightningModule):
    """p(w_1..w_n <eos>) from a ``SentenceDecoder`` built with ``latent_dim=0``.

    Args:
        decoder: the decoder (its latent_dim must be 0).
        optimizer, lr, lr_decay, gradient_clip_norm: as for ``vaezoo.models.VAE``.
    """

    def __init__(self, decoder: SentenceDecoder, optimizer: str = "sgd", lr: float = 10.0, lr_decay: float = 1.0,
                 gradient_clip_norm: float | None = None) -> None:
        super().__init__()
        self.save_hyperparameters(ignore=["decoder"])
        if decoder.latent_dim != 0:
            raise ValueError(f"RNNLanguageModel: the decoder must have latent_dim=0, got {decoder.latent_dim}")
        check_optimization(optimizer, lr_decay)
        self.decoder = decoder
        self.text_metrics = sentence_metrics()
        self.elbo = torch.nn.ModuleDict({stage: MeanMetric(nan_strategy="disable") for stage in ("val", "test")})

    def training_step(self, batch: TextBatch, batch_idx: int) -> torch.Tensor:
        loss = -self.decoder.log_likelihood(batch, None).mean()
        self.log("train/loss", loss, on_step=False, on_epoch=True, batch_size=len(batch))
        return loss

    def _evaluate(self, x: TextBatch, stage: str) -> None:
        nll = -self.decoder.log_likelihood(x, None)
        log_sentence_metrics(self, self.text_metrics, stage, x, nll)
        self.elbo[stage].update(-nll)  # log-likelihood itself: what checkpointing and the decay monitor
        self.log(f"{stage}/elbo", self.elbo[stage], on_step=False, on_epoch=True, batch_size=len(x))

    def validation_step(self, batch: TextBatch, batch_idx: int) -> None:
        self._evaluate(batch, "val")

    def test_step(self, batch: TextBatch, batch_idx: int) -> None:
        self._evaluate(batch, "test")

    def estimators(self) -> dict[str, dict]:
        return {"test/nll": {"method": "exact", "samples": 0}}
