import logging
from dataclasses import replace

import pytest
import torch

from vaezoo.data import text
from vaezoo.data.batching import BucketBatchSampler
from vaezoo.data.root import RemoteFile, md5sum
from vaezoo.data.text import CORPORA, TextDataModule
from vaezoo.data.vocab import BOS, EOS, PAD, UNK
from vaezoo.errors import ConfigError, DataFileError


def module(root, corpus="ptb", cache=None, **kwargs) -> TextDataModule:
    dm = TextDataModule(str(root), corpus, cache_dir=str(cache), download=False, **kwargs)
    dm.prepare_data()
    dm.setup()
    return dm


def test_ptb_batches_are_bos_words_eos_padded(fixtures_dir, tmp_path):
    dm = module(fixtures_dir, cache=tmp_path, batch_size=8)
    lines = (fixtures_dir / "ptb" / "ptb.train.txt").read_text().splitlines()
    train_words = {w for line in lines for w in line.split()}
    assert len(dm.vocab) == 4 + len(train_words - {"<unk>"})
    batch = next(iter(dm.train_dataloader()))
    assert batch.tokens.shape[0] == 8 and batch.labels.tolist() == [-1] * 8
    for row, length in zip(batch.tokens, batch.lengths, strict=True):
        assert row[0] == BOS and row[length - 1] == EOS and (row[length:] == PAD).all()
        assert ((row[1: length - 1] != EOS) & (row[1: length - 1] != PAD)).all()
    assert batch.target_tokens.tolist() == (batch.lengths - 1).tolist()
    # Every training sentence appears exactly once per epoch, decoded back to its words.
    seen = sorted(" ".join(dm.vocab.decode(r.tolist())) for b in dm.train_dataloader() for r in b.tokens)
    assert seen == sorted(" ".join(line.split()) for line in lines)


def test_vocabulary_comes_from_train_only(fixtures_dir, tmp_path):
    dm = module(fixtures_dir, cache=tmp_path)
    train = set((fixtures_dir / "ptb" / "ptb.train.txt").read_text().split())
    unseen = [w for w in (fixtures_dir / "ptb" / "ptb.test.txt").read_text().split() if w not in train]
    assert unseen, "the fixture should have test words that training lacks"
    assert all(i == UNK for i in dm.vocab.encode(unseen))


def test_yelp_keeps_the_rating_as_label(fixtures_dir, tmp_path):
    dm = module(fixtures_dir, "yelp", cache=tmp_path, eval_batch_size=100)
    ratings = [int(line.split()[0]) for line in (fixtures_dir / "yelp" / "valid.txt").read_text().splitlines()]
    labels = torch.cat([b.labels for b in dm.val_dataloader()])
    assert sorted(labels.tolist()) == sorted(ratings) and set(ratings) <= {0, 1, 2, 3, 4}


def test_max_len_truncates_and_logs_the_count(fixtures_dir, tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="vaezoo.data.text"):
        dm = module(fixtures_dir, cache=tmp_path, max_len=10)
    longest = max(int(b.lengths.max()) for b in dm.train_dataloader())
    assert longest == 10 + 2
    lines = (fixtures_dir / "ptb" / "ptb.train.txt").read_text().splitlines()
    cut = sum(len(line.split()) > 10 for line in lines)
    assert f"ptb/train: {cut} of {len(lines)} sentences truncated to data.max_len=10" in caplog.text


def test_token_ids_are_cached_by_vocabulary_and_file(fixtures_dir, tmp_path):
    module(fixtures_dir, cache=tmp_path)
    cached = sorted(p.name for p in (tmp_path / "tokens" / "ptb").glob("*.arrow"))
    assert len(cached) == 3 and all(md5sum(fixtures_dir / "ptb" / "ptb.train.txt")[:12] in n
                                    for n in cached if n.startswith("ptb.train"))
    module(fixtures_dir, cache=tmp_path, max_vocab=50)
    assert len(list((tmp_path / "tokens" / "ptb").glob("*.arrow"))) == 6


def test_subset_keeps_a_fraction_or_count(fixtures_dir, tmp_path):
    assert len(module(fixtures_dir, cache=tmp_path, subset=0.25).splits["train"]) == 75
    assert len(module(fixtures_dir, cache=tmp_path, subset=20).splits["valid"]) == 20


def test_train_subset_leaves_valid_and_test_whole(fixtures_dir, tmp_path):
    whole = module(fixtures_dir, cache=tmp_path)
    part = module(fixtures_dir, cache=tmp_path, train_subset=0.25)
    assert len(part.splits["train"]) == 75
    assert part.splits["train"]["ids"] == whole.splits["train"]["ids"][:75]
    assert {s: len(part.splits[s]) for s in ("valid", "test")} == {s: len(whole.splits[s]) for s in ("valid", "test")}
    assert part.vocab.state_dict() == whole.vocab.state_dict()


def test_snli_holds_out_valid_and_test_from_its_one_file(fixtures_dir, tmp_path):
    dm = module(fixtures_dir, "snli", cache=tmp_path, valid_size=50, test_size=60)
    assert {s: len(d) for s, d in dm.splits.items()} == {"train": 290, "valid": 50, "test": 60}
    assert len(module(fixtures_dir, "snli", cache=tmp_path, valid_size=0.1, test_size=0.1).splits["test"]) == 36
    with pytest.raises(ConfigError, match="data.valid_size=0 leaves no examples"):
        module(fixtures_dir, "snli", cache=tmp_path / "x")


def test_missing_split_names_file_directory_and_remedy(fixtures_dir, tmp_path):
    root = tmp_path / "root"
    (root / "yelp").mkdir(parents=True)
    for name in ("valid.txt", "test.txt"):
        (root / "yelp" / name).write_bytes((fixtures_dir / "yelp" / name).read_bytes())
    dm = TextDataModule(str(root), "yelp", cache_dir=str(tmp_path / "cache"), download=False)
    with pytest.raises(DataFileError, match=r"missing train.txt in .*yelp.*vmf_vae_nlp"):
        dm.prepare_data()


@pytest.mark.parametrize(("line", "message"), [
    ("", r"train.txt:3: empty line"),
    ("great food", r"train.txt:3: the line must start with an integer rating, found 'great'"),
])
def test_malformed_text_lines_name_file_and_line(fixtures_dir, tmp_path, line, message):
    root = tmp_path / "root"
    (root / "yelp").mkdir(parents=True)
    good = (fixtures_dir / "yelp" / "valid.txt").read_text().splitlines()
    (root / "yelp" / "train.txt").write_text("\n".join([good[0], good[1], line, good[2]]) + "\n")
    for name in ("valid.txt", "test.txt"):
        (root / "yelp" / name).write_text(good[0] + "\n")
    with pytest.raises(DataFileError, match=message):
        module(root, "yelp", cache=tmp_path / "cache")


def test_download_checks_md5(fixtures_dir, tmp_path, monkeypatch, fixtures_url):
    files = {split: RemoteFile(r.name, (f"{fixtures_url}/ptb/{r.name}",),
                               md5sum(fixtures_dir / "ptb" / r.name))
             for split, r in CORPORA["ptb"].files.items()}
    monkeypatch.setitem(text.CORPORA, "ptb", replace(CORPORA["ptb"], files=files))
    dm = TextDataModule(str(tmp_path / "root"), "ptb", cache_dir=str(tmp_path / "cache"), download=True)
    dm.prepare_data()
    assert (tmp_path / "root" / "ptb" / "ptb.test.txt").read_bytes() == \
        (fixtures_dir / "ptb" / "ptb.test.txt").read_bytes()
    bad = {**files, "valid": replace(files["valid"], name="other.txt", md5="0" * 32)}
    monkeypatch.setitem(text.CORPORA, "ptb", replace(CORPORA["ptb"], files=bad))
    with pytest.raises(DataFileError, match="md5 mismatch"):
        TextDataModule(str(tmp_path / "root"), "ptb", cache_dir=str(tmp_path / "cache")).prepare_data()
    assert not (tmp_path / "root" / "ptb" / "other.txt").exists()


def test_vocabulary_travels_in_the_checkpoint_state(fixtures_dir, tmp_path):
    dm = module(fixtures_dir, cache=tmp_path)
    state = dm.state_dict()
    fresh = TextDataModule(str(fixtures_dir), "ptb", cache_dir=str(tmp_path), download=False)
    fresh.load_state_dict(state)
    assert fresh.vocab == dm.vocab
    other = module(fixtures_dir, cache=tmp_path, max_vocab=30)
    with pytest.raises(DataFileError, match="vocabulary .* differs"):
        other.load_state_dict(state)


def test_unknown_corpus_is_a_config_error():
    with pytest.raises(ConfigError, match="data.corpus='wiki' is not one of"):
        TextDataModule("/tmp", "wiki")


def test_bucket_sampler_covers_every_example_and_splits_across_ranks(monkeypatch):
    lengths = torch.randint(2, 60, (1003,), generator=torch.Generator().manual_seed(0)).tolist()
    sampler = BucketBatchSampler(lengths, batch_size=16, shuffle=True, seed=1, pool_batches=10)
    batches = list(sampler)
    assert len(batches) == len(sampler)
    assert sorted(i for b in batches for i in b) == list(range(1003))
    def mean_spread(batches: list[list[int]]) -> float:
        return sum(max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in batches) / len(batches)

    random_batches = [list(range(i, min(i + 16, 1003))) for i in range(0, 1003, 16)]
    assert mean_spread(batches) < 0.2 * mean_spread(random_batches)  # near-uniform lengths per batch
    assert [b for b in sampler] != batches  # a new order next epoch
    per_rank = []
    for rank in (0, 1):
        monkeypatch.setattr("vaezoo.data.batching.world", lambda rank=rank: (2, rank))
        s = BucketBatchSampler(lengths, batch_size=16, shuffle=True, seed=1)
        per_rank.append(list(s))
    assert len(per_rank[0]) == len(per_rank[1]) == len(s)
    assert {i for b in per_rank[0] + per_rank[1] for i in b} == set(range(1003))


def test_bucket_sampler_resumes_after_the_batches_of_an_epoch_already_trained():
    lengths = torch.randint(2, 60, (500,), generator=torch.Generator().manual_seed(0)).tolist()
    straight = BucketBatchSampler(lengths, batch_size=16, shuffle=True, seed=1)
    epochs = [list(straight), list(straight)]
    resumed = BucketBatchSampler(lengths, batch_size=16, shuffle=True, seed=1)
    resumed.resume(1, 5)
    assert list(resumed) == epochs[1][5:]
    assert list(resumed) != epochs[1]   # and the next epoch starts at its first batch


def test_trainer_leaves_sharding_to_the_samplers(tmp_path):
    """Lightning cannot inject a distributed sampler into a batch sampler, and its own would pad the
    evaluation splits: vaezoo's samplers shard training data themselves, for every DataModule."""
    from tests.cli.conftest import compose_config
    from vaezoo.tasks.train import build_trainer

    cfg = compose_config(["+experiment=table3", "trainer.enable_progress_bar=false", "callbacks.progress=null"])
    text_module = TextDataModule(str(tmp_path), "ptb")
    assert build_trainer(cfg, tmp_path, text_module)._accelerator_connector.use_distributed_sampler is False
    assert build_trainer(cfg, tmp_path)._accelerator_connector.use_distributed_sampler is False


@pytest.mark.parametrize("size", [161, 177, 170, 1])
def test_no_training_batch_holds_a_single_sentence(size):
    """The MMD of a batch needs two codes: a last batch of one joins another."""
    sampler = BucketBatchSampler(list(range(size)), batch_size=16, shuffle=True, seed=0, pool_batches=10)
    batches = list(sampler)
    assert len(batches) == len(sampler) and sorted(i for b in batches for i in b) == list(range(size))
    assert size == 1 or min(map(len, batches)) >= 2


def test_the_bucket_sampler_leaves_evaluation_batches_whole_for_the_evaluation_shard(monkeypatch):
    monkeypatch.setattr("vaezoo.data.batching.world", lambda: (2, 1))
    sampler = BucketBatchSampler(list(range(2, 50)), batch_size=8, shuffle=False)
    assert len(sampler) == 6 and sorted(i for b in sampler for i in b) == list(range(48))
