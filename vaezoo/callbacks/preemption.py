"""Save a resumable checkpoint when the run is told to stop: SIGTERM (``kill``, a scheduler's
cancellation) or a scheduler's warning signal (SIGUSR1, or SIGUSR2, submitit's).

The save waits for the end of the current training batch, so the checkpoint never holds a
half-applied optimiser step, and it is ``last.ckpt`` in the run's checkpoint folder, which
``ckpt_path`` resumes (exactly, with ``ExactResume``). Then:

- SIGTERM: the run stops at that batch's end; results.json says ``stopped_by: interrupted`` and
  names the checkpoint. During training this callback owns SIGTERM: Lightning's own handler
  broadcasts from inside the signal handler, and a DDP process that gets the signal twice (from
  the scheduler, and forwarded by rank 0) broadcasts twice and hangs its group. Here a handler
  only notes the signal, and the processes agree at the batch's end, in step.
- a warning signal another handler was registered for (submitit's requeue handler, installed before
  the run started): that handler runs after the save. It requeues the job; the requeued job
  resumes from the saved checkpoint. This keeps submitit the one owner of requeueing.
- a warning signal nobody else handles: the run stops as for SIGTERM.
"""

from __future__ import annotations

import logging
import signal
from pathlib import Path
from types import FrameType

import lightning.pytorch as pl
from lightning.pytorch.utilities.exceptions import SIGTERMException

log = logging.getLogger(__name__)

WARNING_SIGNALS = ("SIGUSR1", "SIGUSR2")


def last_checkpoint_path(trainer: pl.Trainer) -> Path:
    """Where ModelCheckpoint keeps the last checkpoint (``<run>/checkpoints/last.ckpt`` in vaezoo)."""
    callback = trainer.checkpoint_callback
    if callback is not None and callback.dirpath:
        return Path(callback.dirpath) / f"{callback.CHECKPOINT_NAME_LAST}{callback.FILE_EXTENSION}"
    return Path(trainer.default_root_dir) / "checkpoints" / "last.ckpt"


class CheckpointOnSignal(pl.Callback):
    """Writes last.ckpt at the end of the batch during which a stop signal arrived (see the module)."""

    def __init__(self, warning_signals: tuple[str, ...] | list[str] = WARNING_SIGNALS) -> None:
        self.warning_signals = [getattr(signal, name) for name in warning_signals]
        self._received: int | None = None
        self._previous: dict[int, object] = {}

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        log.info("received %s: saving a checkpoint at the end of this batch", signal.Signals(signum).name)
        self._received = signum

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        # Not at on_fit_start: Lightning records the process's handlers after it, and puts those back
        # when it tears down; recorded there, ours would outlive the run.
        for signum in (signal.SIGTERM, *self.warning_signals):
            self._previous[signum] = signal.signal(signum, self._on_signal)

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._restore_handlers()

    def on_exception(self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException) -> None:
        self._restore_handlers()

    def _restore_handlers(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous = {}

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs, batch,
                           batch_idx: int) -> None:
        asked = self._received is not None or trainer.received_sigterm
        if not trainer.strategy.reduce_boolean_decision(asked, all=False):   # any rank: all save together
            return
        path = last_checkpoint_path(trainer)
        trainer.save_checkpoint(path)
        if trainer.checkpoint_callback is not None:
            trainer.checkpoint_callback.last_model_path = str(path)
        log.info("saved %s (epoch %d, batch %d)", path, trainer.current_epoch, batch_idx)
        signum, self._received = self._received, None
        previous = self._previous.get(signum) if signum in self.warning_signals else None
        self._restore_handlers()
        if callable(previous):
            previous(signum, None)   # e.g. submitit: requeue this job, then exit
        raise SIGTERMException()     # every process, together
