"""A callback that signals its own process at a chosen training batch: kills and stops that land at
a known point of a run, for the resume tests (``+callbacks.signal_at._target_=tests.helpers.signal_at.SignalAt``)."""

import os
import signal

import lightning.pytorch as pl


class SignalAt(pl.Callback):
    def __init__(self, epoch: int, batch: int, signum: str = "SIGTERM") -> None:
        self.epoch, self.batch, self.signum = epoch, batch, getattr(signal, signum)

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx: int) -> None:
        if (trainer.current_epoch, batch_idx) == (self.epoch, self.batch):
            os.kill(os.getpid(), self.signum)
