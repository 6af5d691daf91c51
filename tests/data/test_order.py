"""The training order is a function of (seed, epoch, pass): a resumed run can be placed at any batch."""

import pytest
import torch
from torch.utils.data import TensorDataset

from vaezoo.data.batching import BucketBatchSampler
from vaezoo.data.order import SeededShuffle, evaluation_loader, mix_seed, shuffled_loader


def epoch_order(sampler, epoch):
    sampler.set_epoch(epoch)
    return list(sampler)


def test_the_order_depends_on_seed_epoch_and_pass_only():
    a, b = SeededShuffle(100, seed=3), SeededShuffle(100, seed=3)
    first = epoch_order(a, 0)
    assert sorted(first) == list(range(100))
    assert first == epoch_order(b, 0)                     # a new sampler, the same epoch: the same order
    torch.manual_seed(123)                                # the global random state plays no part
    assert epoch_order(a, 2) == epoch_order(b, 2)
    assert epoch_order(a, 1) != epoch_order(a, 2)
    assert epoch_order(SeededShuffle(100, seed=4), 1) != epoch_order(a, 1)
    a.set_epoch(5)
    first, second = list(a), list(a)                      # a loader cycled within one epoch: new passes
    assert first != second and sorted(second) == list(range(100))


def test_resume_places_the_sampler_after_the_batches_trained():
    straight = SeededShuffle(100, seed=0)
    straight.set_epoch(2)
    passes = [list(straight), list(straight), list(straight)]
    resumed = SeededShuffle(100, seed=0)
    resumed.resume(2, batches=3, batch_size=32)          # 4 batches per pass: pass 0, after 96 indices
    resumed.set_epoch(2)                                  # Lightning sets the same epoch: the place is kept
    assert list(resumed) == passes[0][96:]
    assert list(resumed) == passes[1]
    resumed.resume(2, batches=9, batch_size=32)           # pass 2, after 1 batch
    assert list(resumed) == passes[2][32:]
    resumed.resume(2, batches=3, batch_size=32)
    resumed.set_epoch(3)                                  # another epoch: a fresh start
    assert list(resumed) == epoch_order(SeededShuffle(100, seed=0), 3)


@pytest.mark.parametrize("size", [10, 11])
def test_ranks_take_disjoint_equal_shares_covering_every_index(monkeypatch, size):
    shares = []
    for rank in (0, 1, 2):
        monkeypatch.setattr("vaezoo.data.order.world", lambda rank=rank: (3, rank))
        sampler = SeededShuffle(size, seed=0)
        shares.append(epoch_order(sampler, 1))
        assert len(shares[-1]) == len(sampler) == -(-size // 3)
    assert set().union(*map(set, shares)) == set(range(size))
    assert sum(map(len, shares)) - size < 3               # padded with at most ranks - 1 repeats


def test_mixed_seeds_are_deterministic_distinct_and_63_bit():
    assert mix_seed(0, 1) == mix_seed(0, 1)
    keys = [(s, e) for s in range(20) for e in range(20)]
    seeds = {mix_seed(*key) for key in keys}
    assert len(seeds) == len(keys) and all(0 <= s < 2**63 for s in seeds)
    assert mix_seed(0, 1) != mix_seed(1, 0)


def test_shuffled_loader_batches_in_the_sampler_order():
    data = TensorDataset(torch.arange(10))
    loader = shuffled_loader(data, batch_size=4, seed=1)
    batches = [b[0].tolist() for b in loader]
    assert [len(b) for b in batches] == [4, 4, 2] and sorted(sum(batches, [])) == list(range(10))


@pytest.mark.parametrize("processes", [1, 2, 3])
def test_evaluation_batches_are_shared_out_unpadded_and_keep_their_single_process_index(monkeypatch, processes):
    data = TensorDataset(torch.arange(23))
    single = [b[0].tolist() for b in evaluation_loader(data, 4)]            # 6 batches, the last of 3
    seen = {}
    for rank in range(processes):
        monkeypatch.setattr("vaezoo.data.order.world", lambda rank=rank: (processes, rank))
        loader = evaluation_loader(data, 4)
        batches = [b[0].tolist() for b in loader]
        assert len(batches) == len(loader)
        for local, batch in enumerate(batches):
            seen[loader.batch_sampler.global_index(local)] = batch
    assert [seen[i] for i in range(len(single))] == single and len(seen) == len(single)
    assert sum(len(b) for b in seen.values()) == 23                       # every example exactly once


def test_bucketed_evaluation_is_shared_out_in_its_length_order(monkeypatch):
    lengths = [5, 1, 4, 2, 3, 9, 7, 8]
    single = list(BucketBatchSampler(lengths, batch_size=2, shuffle=False))
    shares = []
    for rank in (0, 1):
        monkeypatch.setattr("vaezoo.data.order.world", lambda rank=rank: (2, rank))
        loader = evaluation_loader(list(range(8)), batches=BucketBatchSampler(lengths, 2, shuffle=False))
        shares.append(list(loader.batch_sampler))
    assert shares == [single[0::2], single[1::2]]


@pytest.mark.parametrize("size, expected, indices", [
    (7, [[0, 1], [2, 3], [4, 5], [6]], [0, 1, 2, 3]),     # 2 batches of 4 for 4 processes: one batch each
    (3, [[0, 1, 2]] * 4, [0] * 4),                        # fewer examples than processes: whole, everywhere
])
def test_a_split_of_fewer_batches_than_processes_is_cut_into_one_batch_each(monkeypatch, size, expected, indices):
    shares, keys = [], []
    for rank in range(4):
        monkeypatch.setattr("vaezoo.data.order.world", lambda rank=rank: (4, rank))
        loader = evaluation_loader(TensorDataset(torch.arange(size)), 4)
        shares += [b[0].tolist() for b in loader]
        keys.append(loader.batch_sampler.global_index(0))
        assert len(loader) == 1
    assert shares == expected and keys == indices


def test_a_last_batch_of_one_example_joins_the_one_before():
    """Per-batch estimators such as the MMD need two examples."""
    batches = [b[0].tolist() for b in evaluation_loader(TensorDataset(torch.arange(9)), 4)]
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7, 8]]


def test_tensor_datasets_are_read_a_batch_at_a_time_into_the_same_batches():
    x, y = torch.randn(10, 3), torch.arange(10)
    data = TensorDataset(x, y)
    fast = [b for b in shuffled_loader(data, batch_size=4, seed=1)]
    slow = [b for b in torch.utils.data.DataLoader(data, batch_size=4, sampler=SeededShuffle(10, seed=1))]
    assert len(fast) == len(slow) == 3 and type(fast[0]) is type(slow[0]) is list
    assert all(torch.equal(f, s) for fb, sb in zip(fast, slow, strict=True) for f, s in zip(fb, sb, strict=True))
    evaluation = [b for b in evaluation_loader(data, 4)]
    assert torch.equal(torch.cat([b[0] for b in evaluation]), x) and evaluation[0][1].dtype == torch.long
