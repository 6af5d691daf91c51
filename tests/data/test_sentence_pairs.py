"""The SNLI proxy, the DailyDialog pairs and their normalisers."""

from pathlib import Path

import pytest

from vaezoo.data.dialogue import DialogueDataModule, csv_pairs, dialogue_pairs
from vaezoo.data.normalise import dialogue_words, snli_words
from vaezoo.data.snli import build_snli_proxy
from vaezoo.data.text import TextDataModule
from vaezoo.errors import DataFileError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_snli_normaliser_matches_the_tokenised_test_file():
    raw = 'A woman\'s job isn\'t sewing, "hi-pointe" e.s.e. electronics.'
    assert snli_words(raw) == ["a", "woman", "'s", "job", "is", "n't", "sewing", "``", "hi-pointe", "''",
                               "e.s.e.", "electronics"]
    tokenised = "a man 's sign says `` hi-pointe '' ."
    assert snli_words(tokenised, tokenised=True) == tokenised.split()[:-1]


def test_dialogue_normaliser_matches_the_pair_files():
    assert dialogue_words("I don't know ! It's 14th , 5 blocks away ?") == \
        ["i", "dont", "know", "its", "NUM", "h", ",", "NUM", "blocks", "away", "?"]


def test_snli_proxy_splits_are_disjoint_and_normalised(tmp_path):
    paths = build_snli_proxy(FIXTURES / "snli", tmp_path, valid_size=10, seed=0)
    splits = {s: p.read_text().splitlines() for s, p in paths.items()}
    assert len(splits["valid"]) == 10 and len(splits["train"]) > 100
    assert not set(splits["train"]) & set(splits["test"]) and not set(splits["valid"]) & set(splits["test"])
    assert not set(splits["train"]) & set(splits["valid"])
    assert all(line == line.lower() and not line.endswith(".") for lines in splits.values() for line in lines)
    assert build_snli_proxy(FIXTURES / "snli", tmp_path, valid_size=10, seed=0) == paths   # cached


def test_snli_proxy_datamodule_is_a_proxy(tmp_path):
    data = TextDataModule(str(FIXTURES), "snli_proxy", max_len=20, valid_size=10, cache_dir=str(tmp_path),
                          download=False)
    data.setup()
    assert data.is_proxy and {s: len(d) for s, d in data.splits.items()}["valid"] == 10


def test_dialogue_pairs_follow_the_dialogues_and_drop_test_pairs_seen_in_training(tmp_path):
    pairs = dialogue_pairs(FIXTURES / "dailydialog" / "original" / "dialogues_train.txt.gz")
    assert pairs[0] == (tuple("say , jim , how about going for a few beers after dinner ?".split()),
                        tuple("you know that is tempting but is really not good for our fitness .".split()))
    assert pairs[1][0] == pairs[0][1]
    root = tmp_path / "dailydialog"
    (root / "original").mkdir(parents=True)
    (root / "de_duplicated").mkdir()
    for name in ("original/dialogues_train.txt.gz", "original/df_daily_valid.csv"):
        (root / name).write_bytes((FIXTURES / "dailydialog" / name).read_bytes())
    seen = " ".join(pairs[0][0]), " ".join(pairs[0][1])
    (root / "de_duplicated/df_daily_test_without_duplicates.csv").write_text(
        f"line,reply\n{seen[0].replace(',', '')},x\n\"{seen[0]}\",\"{seen[1]}\"\nhello there,hi .\n")
    data = DialogueDataModule(str(tmp_path), download=False)
    data.setup()
    assert data.pairs["test"] == [(tuple(seen[0].replace(",", "").split()), ("x",)), (("hello", "there"), ("hi", "."))]
    batch = next(iter(data.loader("train", shuffle=True)))
    assert len(batch.source) == len(batch.target) == len(batch)


def test_a_pair_file_without_its_columns_is_refused(tmp_path):
    bad = tmp_path / "pairs.csv"
    bad.write_text("context,answer\na,b\n")
    with pytest.raises(DataFileError, match="line,reply"):
        csv_pairs(bad)
