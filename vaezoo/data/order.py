"""The order of training examples as a function of (seed, epoch, pass) alone, so that a resumed run
reads exactly the batches an uninterrupted one reads.

PyTorch's ``RandomSampler`` draws its permutation from the global random state at the moment the
loader is iterated, which a restart changes; ``DistributedSampler`` is keyed by (seed, epoch) but
Lightning iterates a resumed run's loader before it sets the epoch, and neither can start in the
middle of an epoch. torchdata's ``StatefulDataLoader`` can, but counts the batch Lightning's
fetcher has prefetched as consumed, so a run resumed mid-epoch skips one. Hence this sampler:
``resume`` (called by ``vaezoo.callbacks.ExactResume``) places it at a batch within an epoch.

Evaluation keeps one fixed order; under DDP ``EvaluationShard`` shares its batches out among the
processes. Tensor datasets are read a batch at a time (``BatchedTensorDataset``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch
import torch.distributed as dist
from torch.utils.data import BatchSampler, DataLoader, Dataset, Sampler, SequentialSampler, TensorDataset


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


class BatchedTensorDataset(TensorDataset):
    """A ``TensorDataset`` the DataLoader reads a batch at a time (``__getitems__``): one gather per
    tensor instead of a Python call per example and a stack, which took 13% of an MNIST S-VAE
    training step. The batches are the same tensors."""

    def __getitems__(self, indices: list[int]) -> list[torch.Tensor]:
        index = torch.as_tensor(indices, dtype=torch.long)
        return [tensor[index] for tensor in self.tensors]


def batched(batch: list[torch.Tensor]) -> list[torch.Tensor]:
    """The collate function of ``BatchedTensorDataset``: its batch is already whole."""
    return batch


def _batch_reading(dataset: Dataset, kwargs: dict) -> tuple[Dataset, dict]:
    """``dataset`` read a batch at a time when it is a plain ``TensorDataset``."""
    if isinstance(dataset, TensorDataset) and "collate_fn" not in kwargs:
        return BatchedTensorDataset(*dataset.tensors), {**kwargs, "collate_fn": batched}
    return dataset, kwargs


def shuffled_loader(dataset: Dataset, batch_size: int, seed: int, **kwargs) -> DataLoader:
    """A training loader over ``dataset`` in ``SeededShuffle`` order."""
    dataset, kwargs = _batch_reading(dataset, kwargs)
    return DataLoader(dataset, batch_size=batch_size, sampler=SeededShuffle(len(dataset), seed), **kwargs)


class EvaluationShard(Sampler[list[int]]):
    """This process's share of an evaluation loader's batches: under DDP, rank r evaluates batches r,
    r + world, ... of the one sequence a single process evaluates, with nothing repeated (Lightning's
    ``DistributedSampler`` pads the ranks with duplicates, which a mean over the split would count
    twice: PTB's test split has 3,761 sentences). The batches are the single process's, so
    ``global_index`` keys a batch's random numbers as a single process keys them.

    A last batch of one example joins the one before it: estimates made per batch (the MMD of
    Bahuleyan et al.) need two. A split of fewer batches than processes is cut into one batch per
    process instead (a rank without a batch would leave the others waiting when the metrics
    synchronise); its random numbers then differ from a single process's. One of fewer examples
    than processes is evaluated whole by every process, and counted once per process.
    """

    def __init__(self, batches: Sampler[list[int]]) -> None:
        self.batches = batches
        self._cache: tuple[tuple[int, int], tuple[list[list[int]], int, int]] | None = None

    def _sequence(self) -> tuple[list[list[int]], int, int]:
        """(this process's batches in the order of the single-process sequence, processes, rank),
        worked out once per DDP group: an evaluation order does not change, and ``global_index``
        asks for it at every batch."""
        key = world()
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, self._share_out(*key))
        return self._cache[1]

    def _share_out(self, processes: int, rank: int) -> tuple[list[list[int]], int, int]:
        batches = [list(batch) for batch in self.batches]
        if len(batches) > 1 and len(batches[-1]) == 1:
            batches[-2:] = [batches[-2] + batches[-1]]
        if processes == 1:
            return batches, 1, 0
        if len(batches) >= processes:
            return batches[rank::processes], processes, rank
        indices = torch.tensor([index for batch in batches for index in batch], dtype=torch.long)
        if len(indices) < processes:
            return [indices.tolist()], 1, 0
        return [indices.tensor_split(processes)[rank].tolist()], 1, rank

    def global_index(self, local: int) -> int:
        """The index in the single-process sequence of this process's ``local``-th batch (of the
        re-cut sequence for a split of fewer batches than processes)."""
        _, processes, rank = self._sequence()
        return local * processes + rank

    def __iter__(self) -> Iterator[list[int]]:
        yield from self._sequence()[0]

    def __len__(self) -> int:
        return len(self._sequence()[0])


def evaluation_loader(dataset: Dataset, batch_size: int | None = None, batches: Sampler[list[int]] | None = None,
                      **kwargs) -> DataLoader:
    """An evaluation loader over ``dataset``: ``batches`` (default: consecutive ones of
    ``batch_size``), this process's ``EvaluationShard`` of them."""
    if batches is None:
        batches = BatchSampler(SequentialSampler(dataset), batch_size, drop_last=False)
    dataset, kwargs = _batch_reading(dataset, kwargs)
    return DataLoader(dataset, batch_sampler=EvaluationShard(batches), **kwargs)


def evaluation_batch_index(trainer, batch_idx: int, dataloader_idx: int = 0) -> int:
    """The single-process index of the evaluation batch this process is at (``EvaluationShard``);
    ``batch_idx`` itself outside a trainer."""
    if trainer is None:
        return batch_idx
    stage_loaders = trainer.test_dataloaders if trainer.testing else trainer.val_dataloaders
    loader = stage_loaders[dataloader_idx] if isinstance(stage_loaders, (list, tuple)) else stage_loaders
    shard = getattr(loader, "batch_sampler", None)
    return shard.global_index(batch_idx) if isinstance(shard, EvaluationShard) else batch_idx
