"""The end of He et al.'s (2019, §4.2) aggressive training: the inference network gets many
updates per decoder update (the objective's ``InnerLoop``) until the mutual information on the
validation set stops rising, checked once per epoch; from then on every optimiser steps once per
batch. Their code compares each epoch's MI with the previous epoch's, as here."""

from __future__ import annotations

import logging

import lightning.pytorch as pl

log = logging.getLogger(__name__)


class EndAggressiveTraining(pl.Callback):
    """Switches the inner loop off after the first validation epoch whose ``monitor`` is not above
    the previous one's; the switch and the last value are saved in checkpoints."""

    def __init__(self, monitor: str = "val/mi") -> None:
        self.monitor = monitor
        self.previous: float | None = None
        self.active = True

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        loop = getattr(pl_module.objective, "inner_loop", None)
        if loop is None:
            raise ValueError("callbacks.aggressive_training ends an objective's inner loop; this objective has none "
                             "(objective.inner_loop: an InnerLoop, or remove the callback)")
        loop.active = self.active  # a resumed run continues in the mode it was in

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.sanity_checking or not self.active:
            return
        if self.monitor not in trainer.callback_metrics:
            raise ValueError(f"callbacks.aggressive_training reads {self.monitor}, which the run does not log: add "
                             "the PosteriorUsage evaluator on the val stage (eval=posterior_usage)")
        value = float(trainer.callback_metrics[self.monitor])
        if self.previous is not None and value <= self.previous:
            self.active = pl_module.objective.inner_loop.active = False
            log.info("aggressive training ends at epoch %d, step %d: %s %.4f <= %.4f", trainer.current_epoch,
                     trainer.global_step, self.monitor, value, self.previous)
        self.previous = value

    def state_dict(self) -> dict:
        return {"previous": self.previous, "active": self.active}

    def load_state_dict(self, state_dict: dict) -> None:
        self.previous, self.active = state_dict["previous"], state_dict["active"]
