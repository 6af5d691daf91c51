"""Word-order noise for probing sentence codes (Xu & Durrett 2018, §6, Figure 5).

Following Zhao et al. 2017a, adjacent words are swapped at random. Xu & Durrett vary "the
probability of swapping each word pair" without saying how overlapping pairs are treated; here
a left-to-right scan swaps the pair (i, i+1) with that probability and then skips past it, so
a word moves at most one place: probability 0 leaves a sentence as it is, probability 1 swaps
the pairs (1, 2), (3, 4), ... of every sentence.
"""

from __future__ import annotations

import numpy as np
import torch

from vaezoo.data.batching import TextBatch


def swap_adjacent_words(words: list[int], probability: float, rng: np.random.Generator) -> list[int]:
    """A copy of ``words`` with each eligible adjacent pair swapped with ``probability``."""
    if not 0 <= probability <= 1:
        raise ValueError(f"swap probability must be in [0, 1], got {probability}")
    swapped, i = list(words), 0
    while i + 1 < len(swapped):
        if rng.random() < probability:
            swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
            i += 2
        else:
            i += 1
    return swapped


def swap_words_in_batch(batch: TextBatch, probability: float, rng: np.random.Generator) -> TextBatch:
    """The batch with the words between <bos> and <eos> of every sentence swapped as above;
    lengths, labels and padding are unchanged."""
    tokens = batch.tokens.clone()
    for row, length in enumerate(batch.lengths.tolist()):
        words = tokens[row, 1:length - 1].tolist()
        tokens[row, 1:length - 1] = torch.as_tensor(swap_adjacent_words(words, probability, rng), dtype=tokens.dtype)
    return TextBatch(tokens, batch.lengths, batch.labels)
