"""Plain progress lines in the run's log: epoch, batch, rate and time left, every ``every_s`` seconds
of training and at each epoch's end. A progress bar redraws one terminal line, which a log file
(a SLURM job's output, ``nohup``) shows as nothing for minutes or as thousands of fragments;
these lines read the same in a file and in a terminal."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import lightning.pytorch as pl

log = logging.getLogger("vaezoo.progress")


def _clock(seconds: float) -> str:
    return str(timedelta(seconds=round(seconds)))


class ProgressLog(pl.Callback):
    """Logs ``epoch 3/20  batch 1200/4000  17.2 batches/s  elapsed 0:12:31  left ~1:02:10``."""

    def __init__(self, every_s: float = 30.0) -> None:
        self.every_s = every_s
        self._start = self._last = 0.0
        self._batches_done = 0

    def _total_epochs(self, trainer: pl.Trainer) -> int | None:
        return trainer.max_epochs if trainer.max_epochs is not None and trainer.max_epochs >= 0 else None

    def _batches_left(self, trainer: pl.Trainer, batch_idx: int) -> float | None:
        per_epoch = trainer.num_training_batches
        epochs = self._total_epochs(trainer)
        left = None
        if epochs is not None and per_epoch != float("inf"):
            left = (epochs - trainer.current_epoch) * per_epoch - (batch_idx + 1)
        if trainer.max_steps is not None and trainer.max_steps >= 0:
            steps_left = trainer.max_steps - trainer.global_step
            left = steps_left if left is None else min(left, steps_left)
        return left

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._start = self._last = time.monotonic()
        self._batches_done = 0

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs, batch,
                           batch_idx: int) -> None:
        self._batches_done += 1
        now = time.monotonic()
        if now - self._last < self.every_s or not trainer.is_global_zero:
            return
        self._last = now
        elapsed = now - self._start
        rate = self._batches_done / elapsed
        epochs = self._total_epochs(trainer)
        per_epoch = trainer.num_training_batches
        left = self._batches_left(trainer, batch_idx)
        log.info("epoch %d%s  batch %d%s  %.3g batches/s  elapsed %s%s", trainer.current_epoch,
                 f"/{epochs}" if epochs is not None else "", batch_idx + 1,
                 f"/{per_epoch}" if per_epoch != float("inf") else "", rate, _clock(elapsed),
                 f"  left ~{_clock(left / rate)}" if left is not None and rate > 0 else "")

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not trainer.is_global_zero:
            return
        shown = {name: float(value) for name, value in trainer.callback_metrics.items()
                 if name.startswith(("val/elbo", "train/loss", "val/acc", "val/ppl")) and value.numel() == 1}
        epochs = self._total_epochs(trainer)
        log.info("epoch %d%s done  elapsed %s  %s", trainer.current_epoch, f"/{epochs}" if epochs is not None else "",
                 _clock(time.monotonic() - self._start),
                 "  ".join(f"{name} {value:.4g}" for name, value in sorted(shown.items())))
