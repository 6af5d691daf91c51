"""Word dropout that grows over training: Bahuleyan et al. (2019, §3) train their VAE with a
keep rate falling from 1.0 by 0.05 per epoch to 0.5 (their code; the paper: "increased by 0.05
per epoch from 0 to 0.5"). A Callback, not an objective term: it changes the decoder's inputs,
not the loss."""

from __future__ import annotations

import lightning.pytorch as pl

from vaezoo.nets.lstm import WordDropout


class WordDropoutSchedule(pl.Callback):
    """At each training epoch e, rate = min(maximum, start + step * e) on every ``WordDropout``
    of the model (logged as ``train/word_dropout``)."""

    def __init__(self, start: float = 0.0, step: float = 0.05, maximum: float = 0.5) -> None:
        if not 0 <= start <= 1 or not 0 <= maximum <= 1 or step < 0:
            raise ValueError(f"WordDropoutSchedule: start={start} and maximum={maximum} must be rates in [0, 1] "
                             f"and step={step} non-negative")
        self.start, self.step, self.maximum = start, step, maximum

    def rate(self, epoch: int) -> float:
        return min(self.maximum, self.start + self.step * epoch)

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        modules = [m for m in pl_module.modules() if isinstance(m, WordDropout)]
        if not modules:
            raise ValueError("callbacks.word_dropout: the model has no WordDropout (a SentenceDecoder's); "
                             "remove the callback for this model")
        rate = self.rate(trainer.current_epoch)
        for module in modules:
            module.rate = rate
        pl_module.log("train/word_dropout", rate, on_step=False, on_epoch=True)
