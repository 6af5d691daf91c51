"""Padded sentence batches and length-bucketed batch order for the text models."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import Sampler

from vaezoo.data.order import world
from vaezoo.data.vocab import PAD


@dataclass
class TextBatch:
    """Sentences as ``<bos> w_1 .. w_n <eos>`` padded with ``<pad>`` (id 0) to the longest one.

    tokens: [batch, time] int64; lengths: [batch] tokens per sentence including <bos> and <eos>;
    labels: [batch] int64 (a rating, a class), -1 where the corpus has none.
    Lightning moves dataclasses between devices field by field.
    """

    tokens: torch.Tensor
    lengths: torch.Tensor
    labels: torch.Tensor

    def __len__(self) -> int:
        return self.tokens.shape[0]

    def __getitem__(self, rows: slice) -> TextBatch:
        lengths = self.lengths[rows]
        width = int(lengths.max()) if len(lengths) else 0
        return TextBatch(self.tokens[rows, :width], lengths, self.labels[rows])

    @property
    def target_tokens(self) -> torch.Tensor:
        """Tokens the decoder predicts per sentence: the words and <eos> (not <bos>)."""
        return self.lengths - 1

    @property
    def source(self) -> TextBatch:
        """What the encoder reads: an autoencoder reads the sentences it reconstructs."""
        return self

    @property
    def target(self) -> TextBatch:
        """What the decoder predicts."""
        return self


@dataclass
class PairBatch:
    """Sentence pairs (a dialogue context and its reply): the encoder reads ``source``, the decoder
    predicts ``target`` (Bahuleyan et al. 2019, §3.2). Rows are pairs."""

    source: TextBatch
    target: TextBatch

    def __len__(self) -> int:
        return len(self.target)

    def __getitem__(self, rows: slice) -> PairBatch:
        return PairBatch(self.source[rows], self.target[rows])

    @property
    def target_tokens(self) -> torch.Tensor:
        return self.target.target_tokens

    @property
    def labels(self) -> torch.Tensor:
        return self.target.labels


def collate_sentences(examples: Sequence[dict]) -> TextBatch:
    """Examples with ``ids`` (list of int, <bos>/<eos> included) and ``label`` -> a TextBatch."""
    lengths = torch.tensor([len(e["ids"]) for e in examples], dtype=torch.long)
    tokens = pad_sequence([torch.as_tensor(e["ids"], dtype=torch.long) for e in examples], batch_first=True,
                          padding_value=PAD)
    labels = torch.tensor([e["label"] for e in examples], dtype=torch.long)
    return TextBatch(tokens, lengths, labels)


def collate_pairs(examples: Sequence[dict]) -> PairBatch:
    """Examples with ``source`` and ``target`` ids (<bos>/<eos> included) -> a PairBatch."""
    return PairBatch(collate_sentences([{"ids": e["source"], "label": -1} for e in examples]),
                     collate_sentences([{"ids": e["target"], "label": -1} for e in examples]))


class BucketBatchSampler(Sampler[list[int]]):
    """Batches of sentences of similar length, so that padding stays a few percent of a batch.

    Training order (``shuffle=True``): each epoch permutes the examples, cuts the permutation into
    pools of ``pool_batches`` batches, sorts each pool by length, cuts it into batches and shuffles
    the batches: random batches, each of near-uniform length. Evaluation order: sorted by length.
    Under DDP every rank trains on every ``world_size``-th batch of the same order (the batch count
    is padded by repeating batches so that ranks stay in step), since Lightning's distributed
    sampler cannot split a batch sampler; evaluation batches are split by
    ``vaezoo.data.order.EvaluationShard``, unpadded. Written here because neither torch nor Lightning ships
    a length-bucketing batch sampler.
    """

    def __init__(self, lengths: Sequence[int] | np.ndarray, batch_size: int, shuffle: bool, seed: int = 0,
                 pool_batches: int = 50) -> None:
        if batch_size < 1:
            raise ValueError(f"BucketBatchSampler: batch_size must be positive, got {batch_size}")
        self.lengths = np.asarray(lengths)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.pool = batch_size * pool_batches
        self.epoch, self.skip = 0, 0

    def set_epoch(self, epoch: int) -> None:
        """Lightning calls this before every epoch; the epoch ``resume`` placed the sampler in keeps its place."""
        if epoch != self.epoch:
            self.epoch, self.skip = epoch, 0

    def resume(self, epoch: int, batches: int) -> None:
        """Continue after this rank's first ``batches`` batches of ``epoch`` (``vaezoo.callbacks.ExactResume``)."""
        self.epoch, self.skip = epoch, batches

    def _batches(self) -> list[np.ndarray]:
        n = len(self.lengths)
        if not self.shuffle:
            order = np.argsort(self.lengths, kind="stable")
            return [order[i: i + self.batch_size] for i in range(0, n, self.batch_size)]
        rng = np.random.default_rng([self.seed, self.epoch])
        order = rng.permutation(n)
        batches = []
        for start in range(0, n, self.pool):
            pool = order[start: start + self.pool]
            pool = pool[np.argsort(self.lengths[pool], kind="stable")]
            batches += [pool[i: i + self.batch_size] for i in range(0, len(pool), self.batch_size)]
        if len(batches) > 1 and len(batches[-1]) == 1:   # per-batch estimators (the MMD) need two examples
            batches[-2:] = [np.concatenate(batches[-2:])]
        return [batches[i] for i in rng.permutation(len(batches))]

    def __iter__(self) -> Iterator[list[int]]:
        # A generator: the order is drawn at the first batch, after Lightning has set the epoch and
        # ExactResume the position (Lightning creates a resumed run's iterator before either).
        batches = self._batches()
        processes, rank = world()
        if processes > 1 and self.shuffle:
            per_rank = math.ceil(len(batches) / processes)
            batches = (batches * processes)[: per_rank * processes][rank::processes]
        batches, self.skip = batches[self.skip:], 0
        if self.shuffle:
            self.epoch += 1  # a new order next epoch even if no one calls set_epoch
        for batch in batches:
            yield batch.tolist()

    def __len__(self) -> int:
        n = len(self.lengths)
        if not self.shuffle:
            batches = math.ceil(n / self.batch_size)
        else:
            batches = sum(math.ceil(min(self.pool, n - s) / self.batch_size) for s in range(0, n, self.pool))
            batches -= batches > 1 and (n - 1) % self.pool % self.batch_size == 0   # a last batch of one, merged
        processes = world()[0] if self.shuffle else 1
        return math.ceil(batches / processes)
