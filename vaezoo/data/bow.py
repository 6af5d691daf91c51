"""Bag-of-words documents in the NVDM format (Miao et al. 2016; 20 Newsgroups and RCV1-v2).

``<split>.feat``: one document per line, ``LABEL id:count id:count ...`` with 1-based word ids
into ``vocab.new``, whose line i is ``word corpus_count`` for id i. Documents are kept as one
compressed sparse row matrix (a few MB for 20NG) and densified a batch at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from vaezoo.data.corpus import CorpusDataModule
from vaezoo.data.order import evaluation_loader, shuffled_loader
from vaezoo.data.root import RemoteFile, ensure_files, resolve_root
from vaezoo.data.splits import held_out_count, kept_count
from vaezoo.errors import ConfigError, DataFileError


@dataclass(frozen=True)
class BagOfWords:
    """Documents as CSR arrays: row d holds word ids ``indices[indptr[d]:indptr[d+1]]`` (0-based)
    with their ``counts``; ``labels`` are the documents' class labels."""

    indptr: np.ndarray
    indices: np.ndarray
    counts: np.ndarray
    labels: np.ndarray
    vocab_size: int

    def __len__(self) -> int:
        return len(self.labels)

    def dense(self, rows: torch.Tensor | np.ndarray | list[int]) -> torch.Tensor:
        """Count vectors [len(rows), vocab_size] (float32) of the given documents."""
        rows = np.asarray(rows, dtype=np.int64)
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        lengths = ends - starts
        row_of_entry = np.repeat(np.arange(len(rows)), lengths)
        # Position of each entry inside its row, plus the row's start: all CSR entries of `rows`.
        offset_in_row = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        entries = np.repeat(starts, lengths) + offset_in_row
        out = torch.zeros(len(rows), self.vocab_size)
        out[torch.from_numpy(row_of_entry), torch.from_numpy(self.indices[entries])] = \
            torch.from_numpy(self.counts[entries])
        return out


def read_vocab_file(path: Path) -> list[str]:
    """Words of an NVDM ``vocab.new`` (``word count`` per line, line i = id i)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise DataFileError(f"cannot read the vocabulary {path}: {err}") from None
    words = []
    for number, line in enumerate(lines, start=1):
        fields = line.split()
        if not fields:
            raise DataFileError(f"{path}:{number}: empty line; each line must be 'word count'")
        words.append(fields[0])
    return words


def read_feat_file(path: Path, vocab_size: int) -> BagOfWords:
    """Parse an NVDM ``.feat`` file, checking every entry; errors name the file and line."""
    indptr, indices, counts, labels = [0], [], [], []
    try:
        handle = open(path, "rb")
    except OSError as err:
        raise DataFileError(f"cannot read {path}: {err}") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            try:
                fields = raw.decode("utf-8").split()
            except UnicodeDecodeError:
                raise DataFileError(f"{path}:{number}: not UTF-8 text; is this an NVDM .feat file?") from None
            if not fields:
                raise DataFileError(f"{path}:{number}: empty line; expected 'LABEL id:count id:count ...'")
            labels.append(_parse_int(fields[0], path, number, "the label"))
            for field in fields[1:]:
                word, sep, count = field.partition(":")
                if not sep:
                    raise DataFileError(f"{path}:{number}: {field!r} is not 'id:count'")
                word_id = _parse_int(word, path, number, f"the word id in {field!r}")
                n = _parse_int(count, path, number, f"the count in {field!r}")
                if not 1 <= word_id <= vocab_size:
                    raise DataFileError(f"{path}:{number}: word id {word_id} is outside the vocabulary "
                                        f"(ids 1..{vocab_size} in vocab.new)")
                if n <= 0:
                    raise DataFileError(f"{path}:{number}: count {n} of word {word_id} must be positive")
                indices.append(word_id - 1)
                counts.append(n)
            indptr.append(len(indices))
    if len(labels) == 0:
        raise DataFileError(f"{path} holds no documents")
    return BagOfWords(np.asarray(indptr, dtype=np.int64), np.asarray(indices, dtype=np.int64),
                      np.asarray(counts, dtype=np.float32), np.asarray(labels, dtype=np.int64), vocab_size)


def _parse_int(text: str, path: Path, number: int, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise DataFileError(f"{path}:{number}: {what} is {text!r}, not an integer") from None


_NVDM = "https://raw.githubusercontent.com/ysmiao/nvdm/19bc3d630bc0bace13555e2515de082771827a76/data/20news/"
BOW_CORPORA: dict[str, tuple[RemoteFile, ...]] = {
    # The 20 Newsgroups files of Miao et al. 2016 (github.com/ysmiao/nvdm), as used by Xu & Durrett 2018.
    "20ng": (RemoteFile("train.feat", (_NVDM + "train.feat",), "0b1c3c2f78564029bad750d592e67300"),
             RemoteFile("test.feat", (_NVDM + "test.feat",), "ef2a6090ee05a1f64da8b3c1da918be3"),
             RemoteFile("vocab.new", (_NVDM + "vocab.new",), "a66cbb7fa9ff781d3c3fc9ee43bda365")),
    # RCV1-v2 in the same format (794,414 / 10,000 documents, 10K words) has no public download.
    "rcv1": (RemoteFile("train.feat", (), None), RemoteFile("test.feat", (), None),
             RemoteFile("vocab.new", (), None)),
}
_HOW_TO_GET = {
    "20ng": "allow data.download=true with network access (data/20news of ysmiao/nvdm)",
    "rcv1": "build train.feat / test.feat / vocab.new in the NVDM format from RCV1-v2 (Lewis et al. 2004; "
            "10K most frequent words) and place them there; no public copy exists to download",
}


class _Documents(Dataset):
    """Document indices of one split; the collate function densifies a whole batch at once."""

    def __init__(self, docs: BagOfWords, rows: np.ndarray) -> None:
        self.docs, self.rows = docs, rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> int:
        return int(self.rows[index])

    def collate(self, rows: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        return self.docs.dense(rows), torch.from_numpy(self.docs.labels[rows])


class BagOfWordsDataModule(CorpusDataModule):
    """NVDM-format documents as (counts [batch, vocab] float32, labels [batch]) batches.

    Neither corpus has a validation split (Xu & Durrett 2018, Table 2); ``val_size`` documents
    (a count, or a fraction if < 1) are held out of the training file with ``split_seed``, so
    model selection never sees the test set.

    Args:
        root: data root holding ``<corpus>/``.
        corpus: "20ng" or "rcv1".
        batch_size / eval_batch_size: documents per training / evaluation batch.
        subset: keep the first ``subset`` documents of each split (a count, or a fraction if < 1).
        train_subset: the same for the training documents only; validation and test stay whole.
        shuffle_seed: seed of the training order (the run's seed).
    """

    def __init__(self, root: str, corpus: str = "20ng", val_size: float = 1000, split_seed: int = 0,
                 batch_size: int = 64, eval_batch_size: int = 500, subset: float | None = None,
                 train_subset: float | None = None, num_workers: int = 0, download: bool = True,
                 shuffle_seed: int = 0) -> None:
        super().__init__()
        self.shuffle_seed = shuffle_seed
        if corpus not in BOW_CORPORA:
            raise ConfigError(f"data.corpus={corpus!r} is not one of {sorted(BOW_CORPORA)}")
        self.corpus = corpus
        self.directory = resolve_root(root) / corpus
        self.val_size, self.split_seed = val_size, split_seed
        self.batch_size, self.eval_batch_size = batch_size, eval_batch_size
        self.subset, self.train_subset = subset, train_subset
        self.num_workers, self.download = num_workers, download
        self.is_proxy = False
        self.vocab: list[str] = []
        self.splits: dict[str, _Documents] = {}

    def prepare_data(self) -> None:
        ensure_files(self.directory, BOW_CORPORA[self.corpus], self.download, _HOW_TO_GET[self.corpus])

    def setup(self, stage: str | None = None) -> None:
        if self.splits:
            return
        self.vocab = read_vocab_file(self.directory / "vocab.new")
        train = read_feat_file(self.directory / "train.feat", len(self.vocab))
        test = read_feat_file(self.directory / "test.feat", len(self.vocab))
        held = len(train) - held_out_count(self.val_size, len(train), "data.val_size", self.directory / "train.feat")
        order = np.random.default_rng(self.split_seed).permutation(len(train))
        rows = {"train": np.sort(order[:held]), "valid": np.sort(order[held:]), "test": np.arange(len(test))}
        self.splits = {split: _Documents(test if split == "test" else train,
                                         r[: kept_count(split, len(r), self.subset, self.train_subset)])
                       for split, r in rows.items()}

    @property
    def vocab_size(self) -> int:
        if not self.vocab:
            raise RuntimeError("BagOfWordsDataModule.vocab_size: call setup() first")
        return len(self.vocab)

    def loader(self, split: str, shuffle: bool = False) -> DataLoader:
        data = self.splits[split]
        if shuffle:
            return shuffled_loader(data, self.batch_size, self.shuffle_seed, collate_fn=data.collate,
                                   num_workers=self.num_workers)
        return evaluation_loader(data, self.eval_batch_size, collate_fn=data.collate, num_workers=self.num_workers)

