from pathlib import Path

import numpy as np
import pytest
import torch

from vaezoo.data.bow import read_feat_file, read_vocab_file
from vaezoo.errors import DataFileError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "train.feat"
    path.write_text(text)
    return path


def test_reads_documents_and_densifies(tmp_path):
    docs = read_feat_file(write(tmp_path, "3 1:2 4:1\n7 2:5\n"), vocab_size=4)
    assert len(docs) == 2 and docs.labels.tolist() == [3, 7]
    dense = docs.dense([1, 0])
    expected = torch.tensor([[0, 5, 0, 0], [2, 0, 0, 1]], dtype=torch.float32)
    assert torch.equal(dense, expected)


def test_fixture_20ng_matches_its_counts(fixtures_dir):
    vocab = read_vocab_file(fixtures_dir / "20ng" / "vocab.new")
    docs = read_feat_file(fixtures_dir / "20ng" / "train.feat", len(vocab))
    assert len(vocab) == 2000 and vocab[:3] == ["who", "out", "which"]
    first_line = (fixtures_dir / "20ng" / "train.feat").read_text().splitlines()[0].split()
    total = sum(int(field.split(":")[1]) for field in first_line[1:])
    assert docs.dense([0]).sum().item() == total
    assert np.all(np.diff(docs.indptr) > 0)


@pytest.mark.parametrize(("text", "message"), [
    ("1 1:2\n\n2 1:1\n", r"train.feat:2: empty line"),
    ("1 1:2 3-4\n", r"train.feat:1: '3-4' is not 'id:count'"),
    ("1 1:x\n", r"train.feat:1: the count in '1:x' is 'x', not an integer"),
    ("1 9:1\n", r"train.feat:1: word id 9 is outside the vocabulary \(ids 1..4"),
    ("1 0:1\n", r"word id 0 is outside"),
    ("a 1:1\n", r"train.feat:1: the label is 'a'"),
    ("1 2:0\n", r"count 0 of word 2 must be positive"),
])
def test_malformed_lines_name_file_and_line(tmp_path, text, message):
    with pytest.raises(DataFileError, match=message):
        read_feat_file(write(tmp_path, text), vocab_size=4)


def test_vocab_empty_line_is_an_error(tmp_path):
    path = tmp_path / "vocab.new"
    path.write_text("a 3\n\nb 2\n")
    with pytest.raises(DataFileError, match=r"vocab.new:2: empty line"):
        read_vocab_file(path)


def test_datamodule_holds_out_validation_from_train(fixtures_dir):
    from vaezoo.data.bow import BagOfWordsDataModule

    dm = BagOfWordsDataModule(str(fixtures_dir), "20ng", val_size=50, batch_size=16, download=False)
    dm.prepare_data()
    dm.setup()
    assert {s: len(d) for s, d in dm.splits.items()} == {"train": 150, "valid": 50, "test": 60}
    assert set(dm.splits["train"].rows).isdisjoint(dm.splits["valid"].rows)
    counts, labels = next(iter(dm.train_dataloader()))
    assert dm.vocab_size == 2000 and counts.shape == (16, 2000) and labels.dtype == torch.long
    test_total = sum(b[0].sum().item() for b in dm.test_dataloader())
    text = (fixtures_dir / "20ng" / "test.feat").read_text().split()
    assert test_total == sum(int(f.split(":")[1]) for f in text if ":" in f)


def test_train_subset_leaves_validation_and_test_whole(fixtures_dir):
    from vaezoo.data.bow import BagOfWordsDataModule

    dm = BagOfWordsDataModule(str(fixtures_dir), "20ng", val_size=50, train_subset=0.2, download=False)
    dm.setup()
    assert {s: len(d) for s, d in dm.splits.items()} == {"train": 30, "valid": 50, "test": 60}


def test_rcv1_missing_says_how_to_build_it(tmp_path):
    from vaezoo.data.bow import BagOfWordsDataModule

    with pytest.raises(DataFileError, match=r"missing train.feat, test.feat, vocab.new in .*rcv1.*RCV1-v2"):
        BagOfWordsDataModule(str(tmp_path), "rcv1", download=False).prepare_data()
    with pytest.raises(DataFileError, match="no public copy"):
        BagOfWordsDataModule(str(tmp_path), "rcv1", download=True).prepare_data()


def test_download_checks_md5(fixtures_dir, tmp_path, monkeypatch, fixtures_url):
    from vaezoo.data import bow
    from vaezoo.data.root import RemoteFile, md5sum

    local = [fixtures_dir / "20ng" / r.name for r in bow.BOW_CORPORA["20ng"]]
    files = tuple(RemoteFile(path.name, (f"{fixtures_url}/20ng/{path.name}",), md5sum(path)) for path in local)
    monkeypatch.setitem(bow.BOW_CORPORA, "20ng", files)
    dm = bow.BagOfWordsDataModule(str(tmp_path), "20ng", val_size=10)
    dm.prepare_data()
    assert (tmp_path / "20ng" / "train.feat").read_bytes() == (fixtures_dir / "20ng" / "train.feat").read_bytes()
    dm.setup()
    assert dm.vocab_size == 2000
