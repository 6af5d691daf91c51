"""Resume a run from any checkpoint and end with the numbers an uninterrupted run ends with.

Lightning restores the model, the optimisers, the schedulers and the loops, but not the random
state, and it restarts a resumed epoch's loader from its first batch. Two things close the gap:

- Random numbers are keyed by position: before every training batch, torch's (CPU and CUDA),
  NumPy's and Python's generators are seeded from (seed, rank, epoch, batch). A batch therefore
  draws the same noise (reparameterised samples, word dropout) however the run got there: straight,
  or resumed after a kill, and whatever ran in between (prefetching, a sanity check). Evaluation
  batches are keyed by (seed, stage, epoch, batch) without the rank, the batch's index being the
  one a single process gives it (``vaezoo.data.order.EvaluationShard``): a checkpoint's validation
  and test numbers depend on nothing but its weights and the seed, however many DDP processes
  share the evaluation.
- The data order is keyed the same way (``vaezoo.data.order``), and the epoch and the number of
  batches already trained in it are saved with every checkpoint; on resume every training
  sampler is placed after them.
- With gradient accumulation, a checkpoint written between two optimiser steps holds the
  gradients accumulated since the last one, and they are put back on resume. Under DDP each
  process holds its own until the step averages them, so the checkpoint gathers every process's
  (rank order) and each takes its own back.
- Plateau schedulers step after an epoch's last checkpoint is written (Lightning steps them after
  its epoch-end hooks; a model that optimises manually steps all its schedulers there). The
  epoch's metrics are saved with such a checkpoint and the step is replayed on resume. Lightning
  also skips the plateau step at the end of an epoch resumed in its middle ("restarting"); it is
  taken here instead.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping

import lightning.pytorch as pl
import numpy as np
import torch

from vaezoo.data.order import evaluation_batch_index, mix_seed

log = logging.getLogger(__name__)

TRAIN, VALIDATION, TEST = 0, 1, 2   # the stage in every key: no two batches share a stream


def seed_all(seed: int) -> None:
    """torch's (CPU, and every GPU once CUDA is in use), NumPy's and Python's global generators, from
    one 63-bit seed. Not ``torch.manual_seed``: it visits every backend and costs ~150-300 us, a
    tenth of a small model's step; the CPU generator alone takes 2 us."""
    torch.default_generator.manual_seed(seed)
    if torch.cuda.is_initialized():
        torch.cuda.manual_seed_all(seed)
    np.random.seed(seed % 2**32)
    random.seed(seed)


def training_loaders(trainer: pl.Trainer) -> list:
    """The DataLoaders of the training loader (one, or those a ``CombinedLoader`` combines)."""
    loaders = trainer.train_dataloader
    if isinstance(loaders, dict):
        return list(loaders.values())
    return list(loaders) if isinstance(loaders, (list, tuple)) else [loaders]


def place(loader, epoch: int, batches: int) -> bool:
    """Put ``loader``'s sampler after ``batches`` batches of ``epoch``; False if it cannot resume."""
    batch_sampler, sampler = getattr(loader, "batch_sampler", None), getattr(loader, "sampler", None)
    if hasattr(batch_sampler, "resume"):
        batch_sampler.resume(epoch, batches)
    elif hasattr(sampler, "resume"):
        sampler.resume(epoch, batches, loader.batch_size)
    else:
        return False
    return True


def pending_gradients(trainer: pl.Trainer) -> list[dict[str, torch.Tensor]]:
    """Every process's gradients accumulated since the last optimiser step, in rank order (one
    collective under DDP, so every process must call it, as every process writes a checkpoint).
    Each process sends its gradients flattened, zeros where a parameter has none, followed by one
    flag a parameter saying whether it has one."""
    named = [(name, p) for name, p in trainer.lightning_module.named_parameters() if p.requires_grad]
    has_gradient = torch.tensor([float(p.grad is not None) for _, p in named], device=trainer.strategy.root_device)
    flat = torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).detach().flatten() for _, p in named]
                     + [has_gradient])
    flat = trainer.strategy.all_gather(flat) if trainer.world_size > 1 else flat[None]
    by_rank = []
    for rank_flat in flat.cpu():
        gradients, offset = {}, 0
        for (name, parameter), has_gradient in zip(named, rank_flat[-len(named):].tolist(), strict=True):
            if has_gradient:
                gradients[name] = rank_flat[offset:offset + parameter.numel()].view_as(parameter).clone()
            offset += parameter.numel()
        by_rank.append(gradients)
    return by_rank


def restore_gradients(trainer: pl.Trainer, pl_module: pl.LightningModule,
                      by_rank: list[dict[str, torch.Tensor]] | dict[str, torch.Tensor]) -> None:
    """This process's pending gradients from ``pending_gradients``'s list (or the one process's
    dict that checkpoints held before DDP runs saved every process's). Saved by another number
    of processes, each takes their mean, a process without a gradient counting as zero, like
    DDP's average: the run goes on within noise, not exactly."""
    if isinstance(by_rank, Mapping):
        by_rank = [dict(by_rank)]
    if len(by_rank) == trainer.world_size:
        gradients = by_rank[trainer.global_rank]
    else:
        log.warning("the checkpoint holds the pending gradients of %d processes and %d resume: each takes their "
                    "mean, so this run goes on within noise, not exactly", len(by_rank),
                    trainer.world_size)
        names = dict.fromkeys(name for rank in by_rank for name in rank)
        gradients = {name: sum(rank[name] for rank in by_rank if name in rank) / len(by_rank) for name in names}
    parameters = dict(pl_module.named_parameters())
    for name, gradient in gradients.items():
        parameters[name].grad = gradient.to(parameters[name].device, parameters[name].dtype)


def epoch_trained(trainer: pl.Trainer) -> bool:
    """Whether every training batch of the current epoch has been trained."""
    return trainer.fit_loop.epoch_loop.batch_progress.current.processed >= trainer.num_training_batches


def replay_epoch_end_schedulers(trainer: pl.Trainer, pl_module: pl.LightningModule, epoch: int,
                                metrics: dict[str, float]) -> None:
    """The scheduler steps at the end of ``epoch`` that its last checkpoint precedes (module docstring)."""
    if not pl_module.automatic_optimization:
        if hasattr(pl_module, "step_epoch_schedulers"):
            pl_module.step_epoch_schedulers(metrics)
        return
    step_plateau_schedulers(trainer, epoch, metrics)


def step_plateau_schedulers(trainer: pl.Trainer, epoch: int, metrics) -> None:
    """The plateau scheduler steps Lightning takes at the end of ``epoch`` (automatic optimisation)."""
    for config in trainer.lr_scheduler_configs:
        if config.interval != "epoch" or not config.reduce_on_plateau or (epoch + 1) % config.frequency:
            continue
        if config.monitor in metrics:
            config.scheduler.step(float(metrics[config.monitor]))
        else:
            log.warning("epoch %d: its ReduceLROnPlateau reads %s, which was not logged when its checkpoint was "
                        "written; that one step is skipped", epoch, config.monitor)


class ExactResume(pl.Callback):
    """Per-batch seeds and the data position in the checkpoint (see the module docstring)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._trainer: pl.Trainer | None = None
        self._position: dict | None = None
        self._stepped_epoch: int | None = None

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        self._trainer = trainer

    def state_dict(self) -> dict:
        """The epoch and the batches of it trained when the checkpoint is written (all of them at an
        epoch's end, then the next epoch starts afresh)."""
        if self._trainer is None:
            return {}
        trainer = self._trainer
        progress = trainer.fit_loop.epoch_loop.batch_progress.current
        state = {"epoch": trainer.current_epoch, "batches": progress.processed, "complete": epoch_trained(trainer)}
        if not state["complete"] and progress.processed % trainer.accumulate_grad_batches:
            # between two optimiser steps: the gradients accumulated since the last one
            state["gradients"] = pending_gradients(trainer)
        if state["complete"] and self._stepped_epoch != trainer.current_epoch:   # its scheduler step is to come
            state["epoch_metrics"] = {name: float(value) for name, value in trainer.callback_metrics.items()
                                      if value.numel() == 1}
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        self._position = state_dict or None

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        position, self._position = self._position, None
        if not position:
            return
        epoch, batches = position["epoch"], position["batches"]
        if "gradients" in position:
            restore_gradients(trainer, pl_module, position["gradients"])
        if position.get("complete", "epoch_metrics" in position):   # saved at an epoch's end: the next starts afresh
            if "epoch_metrics" in position:
                replay_epoch_end_schedulers(trainer, pl_module, epoch, position["epoch_metrics"])
            epoch, batches = epoch + 1, 0
        unplaced = [loader for loader in training_loaders(trainer) if not place(loader, epoch, batches)]
        if unplaced and batches:
            log.warning("resuming in the middle of epoch %d: a training loader's sampler (%s) cannot start at batch "
                        "%d, so this epoch's data order differs from an uninterrupted run's",
                        epoch, type(unplaced[0].sampler).__name__, batches)

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if pl_module.automatic_optimization and trainer.fit_loop.restarting and epoch_trained(trainer):
            step_plateau_schedulers(trainer, trainer.current_epoch, trainer.callback_metrics)
            self._stepped_epoch = trainer.current_epoch

    def on_train_batch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule, batch, batch_idx: int) -> None:
        seed_all(mix_seed(self.seed, TRAIN, trainer.global_rank, trainer.current_epoch, batch_idx))

    def on_validation_batch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule, batch, batch_idx: int,
                                  dataloader_idx: int = 0) -> None:
        index = evaluation_batch_index(trainer, batch_idx, dataloader_idx)
        seed_all(mix_seed(self.seed, VALIDATION, trainer.current_epoch, index, dataloader_idx))

    def on_test_batch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule, batch, batch_idx: int,
                            dataloader_idx: int = 0) -> None:
        seed_all(mix_seed(self.seed, TEST, evaluation_batch_index(trainer, batch_idx, dataloader_idx), dataloader_idx))
