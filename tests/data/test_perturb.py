import numpy as np
import pytest
import torch

from vaezoo.data.batching import TextBatch
from vaezoo.data.perturb import swap_adjacent_words, swap_words_in_batch
from vaezoo.data.vocab import BOS, EOS, PAD


def test_probability_zero_changes_nothing_and_one_swaps_every_eligible_pair():
    rng = np.random.default_rng(0)
    words = [10, 11, 12, 13, 14]
    assert swap_adjacent_words(words, 0.0, rng) == words
    assert swap_adjacent_words(words, 1.0, rng) == [11, 10, 13, 12, 14]   # the odd last word has no partner
    assert swap_adjacent_words([7], 1.0, rng) == [7] and swap_adjacent_words([], 1.0, rng) == []


def test_words_move_at_most_one_place_and_swap_rate_grows_with_probability():
    rng = np.random.default_rng(1)
    words = list(range(40))
    moved = {}
    for p in (0.2, 0.6):
        displaced = []
        for _ in range(200):
            out = swap_adjacent_words(words, p, rng)
            assert sorted(out) == words
            assert max(abs(out.index(w) - w) for w in words) <= 1
            displaced.append(sum(o != w for o, w in zip(out, words, strict=True)))
        moved[p] = np.mean(displaced)
    # A scan swaps a pair with probability p and then skips it: the swap rate per position is
    # p / (1 + p) (renewal argument), two words move per swap.
    for p, mean in moved.items():
        assert mean == pytest.approx(2 * 39 * p / (1 + p), rel=0.08)


def test_batch_swaps_words_only_not_specials_or_padding():
    tokens = torch.tensor([[BOS, 5, 6, 7, 8, EOS], [BOS, 9, 10, EOS, PAD, PAD]])
    batch = TextBatch(tokens, torch.tensor([6, 4]), torch.tensor([-1, 3]))
    swapped = swap_words_in_batch(batch, 1.0, np.random.default_rng(0))
    assert swapped.tokens.tolist() == [[BOS, 6, 5, 8, 7, EOS], [BOS, 10, 9, EOS, PAD, PAD]]
    assert torch.equal(batch.tokens, tokens)   # the input batch is left as it was
    assert torch.equal(swapped.lengths, batch.lengths) and torch.equal(swapped.labels, batch.labels)
    with pytest.raises(ValueError, match=r"swap probability must be in \[0, 1\]"):
        swap_words_in_batch(batch, 1.5, np.random.default_rng(0))
