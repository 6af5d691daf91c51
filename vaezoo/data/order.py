"""The order of training examples as a function of (seed, epoch, pass) alone, so that a resumed run
reads exactly the batches an uninterrupted one reads.

PyTorch's ``RandomSampler`` draws its permutation from the global random state at the moment the
loader is iterated, which a restart changes; ``DistributedSampler`` is keyed by (seed, epoch) but
Lightning iterates a resumed run's loader before it sets the epoch, and neither can start in the
middle of an epoch. torchdata's ``StatefulDataLoader`` can, but counts the batch Lightning's
fetcher has prefetched as consumed, so a run resumed mid-epoch skips one. Hence this sampler:
``resume`` (called by ``vaezoo.callbacks.ExactResume``) places it at a batch within an epoch.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, Dataset, Sampler


def world() -> tuple[int, int]:
    """(processes, this process's rank) of the DDP group; (1, 0) outside one."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size(), dist.get_rank()
    return 1, 0


def mix_seed(*key: int) -> int:
    """A 63-bit seed for a key such as (seed, epoch, pass): distinct keys give unrelated streams,
    which seed + epoch would not (seed 0 at epoch 1 would replay seed 1 at epoch 0). SplitMix64's
    finaliser over the key's integers."""
    state = 0x9E3779B97F4A7C15
    for part in key:
        state = (state ^ (int(part) & 0xFFFFFFFFFFFFFFFF)) * 0xBF58476D1CE4E5B9 & 0xFFFFFFFFFFFFFFFF
        state = (state ^ (state >> 31)) * 0x94D049BB133111EB & 0xFFFFFFFFFFFFFFFF
    return state >> 1


def batch_position(trainer) -> tuple[int, int]:
    """(epoch, index within it) of the training batch Lightning is about to train: in the batch
    transfer hooks and ``on_train_batch_start``, before the loop counts the batch as ready."""
    return trainer.current_epoch, trainer.fit_loop.epoch_loop.batch_progress.current.ready


class SeededShuffle(Sampler[int]):
    """A fresh permutation per (seed, epoch, pass); a "pass" is one iteration of the loader within an
    epoch (a small loader cycled by Lightning's ``CombinedLoader`` makes several).

    Under DDP every rank takes every ``world``-th index of the same permutation, padded with its first
    indices so that ranks take the same number of steps (as ``DistributedSampler``).
    """

    def __init__(self, size: int, seed: int) -> None:
        self.size, self.seed = size, seed
        self.epoch, self.passes, self.skip = 0, 0, 0

    def set_epoch(self, epoch: int) -> None:
        """Lightning calls this before every epoch (a resumed one included); a new epoch starts at its
        first pass, the epoch ``resume`` placed the sampler in keeps its place."""
        if epoch != self.epoch:
            self.epoch, self.passes, self.skip = epoch, 0, 0

    def resume(self, epoch: int, batches: int, batch_size: int) -> None:
        """Continue after ``batches`` batches of ``batch_size`` of ``epoch`` (this rank's batches)."""
        per_pass = math.ceil(len(self) / batch_size)
        self.epoch, self.passes = epoch, batches // per_pass
        self.skip = (batches % per_pass) * batch_size

    def __iter__(self) -> Iterator[int]:
        # A generator: the order is drawn at the first index, after Lightning has set the epoch and
        # ExactResume the position (Lightning creates a resumed run's iterator before either).
        generator = torch.Generator().manual_seed(mix_seed(self.seed, self.epoch, self.passes))
        order = torch.randperm(self.size, generator=generator)
        self.passes += 1
        processes, rank = world()
        if processes > 1:
            padded = math.ceil(self.size / processes) * processes
            order = torch.cat([order, order[: padded - self.size]])[rank::processes]
        skip, self.skip = self.skip, 0
        yield from order[skip:].tolist()

    def __len__(self) -> int:
        return math.ceil(self.size / world()[0])


def shuffled_loader(dataset: Dataset, batch_size: int, seed: int, **kwargs) -> DataLoader:
    """A training loader over ``dataset`` in ``SeededShuffle`` order."""
    return DataLoader(dataset, batch_size=batch_size, sampler=SeededShuffle(len(dataset), seed), **kwargs)
