"""DailyDialog context -> reply pairs as Bahuleyan et al. (2019, §3.2) use them.

Their training pair file is not published with the data; it is rebuilt from the original
release (``original/dialogues_train.txt.gz``: every utterance paired with the next one in its
dialogue), normalised as their pair files are (``vaezoo.data.normalise.dialogue_words``).
Validation and test come from their pair CSVs; the test pairs are their de-duplicated file
(footnote 2: DailyDialog's train and test overlap), and any pair also in the rebuilt training
pairs is removed as well, since their training file differs from the original release.
"""

from __future__ import annotations

import csv
import gzip
import logging
from pathlib import Path

from torch.utils.data import DataLoader

from vaezoo.data.batching import BucketBatchSampler, collate_pairs
from vaezoo.data.corpus import SentenceDataModule
from vaezoo.data.normalise import dialogue_words
from vaezoo.data.order import evaluation_loader
from vaezoo.data.root import RemoteFile, ensure_files, resolve_root
from vaezoo.data.splits import kept_count
from vaezoo.data.vocab import BOS, EOS, Vocabulary
from vaezoo.errors import ConfigError, DataFileError

log = logging.getLogger(__name__)

Pair = tuple[tuple[str, ...], tuple[str, ...]]
_BAHULEYAN = "https://raw.githubusercontent.com/HareeshBahuleyan/probabilistic_nlg/" \
             "4a7b70f9ba2fb9a658d11c4d754e6b38972264e2/dialog/data/DailyDial/"
TRAIN = RemoteFile("original/dialogues_train.txt.gz", (), None)  # inside DailyDialog's train.zip
VALID = RemoteFile("original/df_daily_valid.csv", (_BAHULEYAN + "df_daily_valid.csv",), None)
TEST_FILES = {
    "de_duplicated": RemoteFile("de_duplicated/df_daily_test_without_duplicates.csv",
                                (_BAHULEYAN + "de_duplicated/df_daily_test_without_duplicates.csv",), None),
    "original": RemoteFile("original/df_daily_test.csv", (_BAHULEYAN + "df_daily_test.csv",), None),
}
HOW_TO_GET = ("put DailyDialog's dialogues_train.txt (gzipped, from the train.zip of "
              "http://yanran.li/dailydialog) in dailydialog/original/ and allow data.download=true for the pair CSVs")


def dialogue_pairs(path: Path) -> list[Pair]:
    """Consecutive utterances of each dialogue (one per line, utterances ended by ``__eou__``)."""
    pairs = []
    try:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                turns = [tuple(dialogue_words(u)) for u in line.split("__eou__")]
                turns = [t for t in turns if t]
                pairs += list(zip(turns, turns[1:], strict=False))
    except (OSError, UnicodeDecodeError, EOFError) as err:
        raise DataFileError(f"cannot read {path} as gzipped UTF-8 dialogues: {err}") from None
    return pairs


def csv_pairs(path: Path) -> list[Pair]:
    """Rows ``line,reply`` of a pair CSV, already normalised; rows with an empty side are skipped."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or not {"line", "reply"} <= set(reader.fieldnames):
                raise DataFileError(f"{path}: expected a header with columns line,reply, found {reader.fieldnames}")
            pairs = [(tuple((row["line"] or "").split()), tuple((row["reply"] or "").split())) for row in reader]
    except (UnicodeDecodeError, csv.Error) as err:
        raise DataFileError(f"{path}: not a UTF-8 CSV of line,reply pairs ({err}); replace it with a good copy "
                            "(data.download=true fetches it)") from None
    return [p for p in pairs if p[0] and p[1]]


class DialogueDataModule(SentenceDataModule):
    """DailyDialog pairs as ``PairBatch`` batches; the vocabulary comes from the training pairs.

    Args:
        root: data root holding ``dailydialog/``.
        max_vocab: most frequent training words kept (Table 3: 20,000).
        max_len: words kept per utterance (Table 3: 20).
        test_file: ``de_duplicated`` (the paper's) or ``original``.
        subset / train_subset: as ``TextDataModule`` (smoke and reduced-scale runs).
    """

    def __init__(self, root: str, max_vocab: int | None = 20000, max_len: int = 20, batch_size: int = 128,
                 eval_batch_size: int = 256, test_file: str = "de_duplicated", subset: float | None = None,
                 train_subset: float | None = None, num_workers: int = 0, download: bool = True,
                 seed: int = 0) -> None:
        super().__init__()
        if test_file not in TEST_FILES:
            raise ConfigError(f"data.test_file={test_file!r} is not one of {sorted(TEST_FILES)}")
        if max_len < 1:
            raise ConfigError(f"data.max_len={max_len} must be a positive number of words")
        self.directory = resolve_root(root) / "dailydialog"
        self.files = {"train": TRAIN, "valid": VALID, "test": TEST_FILES[test_file]}
        self.max_vocab, self.max_len = max_vocab, max_len
        self.batch_size, self.eval_batch_size = batch_size, eval_batch_size
        self.subset, self.train_subset = subset, train_subset
        self.num_workers, self.download, self.seed = num_workers, download, seed
        self.is_proxy = False
        self.vocab: Vocabulary | None = None
        self.pairs: dict[str, list[Pair]] = {}
        self.splits: dict[str, list[dict]] = {}

    def prepare_data(self) -> None:
        ensure_files(self.directory, list(self.files.values()), self.download, HOW_TO_GET)

    def setup(self, stage: str | None = None) -> None:
        if self.splits:
            return
        self.prepare_data()
        train = dialogue_pairs(self.directory / TRAIN.name)
        seen = set(train)
        test = csv_pairs(self.directory / self.files["test"].name)
        kept_test = [p for p in test if p not in seen]
        log.info("dailydialog: %d training pairs; %d of %d test pairs also in training, removed", len(train),
                 len(test) - len(kept_test), len(test))
        pairs = {"train": train, "valid": csv_pairs(self.directory / VALID.name), "test": kept_test}
        if self.vocab is None:
            self.vocab = Vocabulary.build((words for pair in train for words in pair), self.max_vocab)
        for split, split_pairs in pairs.items():
            kept = split_pairs[:kept_count(split, len(split_pairs), self.subset, self.train_subset)]
            self.pairs[split] = kept
            self.splits[split] = [{"source": self._ids(s), "target": self._ids(t)} for s, t in kept]
        log.info("dailydialog: vocabulary %d (with 4 specials); pairs %s", len(self.vocab),
                 {s: len(d) for s, d in self.splits.items()})

    def _ids(self, words: tuple[str, ...]) -> list[int]:
        return [BOS, *self.vocab.encode(words[: self.max_len]), EOS]

    @property
    def vocab_size(self) -> int:
        if self.vocab is None:
            raise RuntimeError("DialogueDataModule.vocab_size: call setup() first")
        return len(self.vocab)

    def training_sentences(self) -> list[list[int]]:
        """Token ids of the training replies (what the decoder learns to generate)."""
        return [e["target"] for e in self.splits["train"]]

    def loader(self, split: str, shuffle: bool = False) -> DataLoader:
        data = self.splits[split]
        lengths = [len(e["target"]) for e in data]
        sampler = BucketBatchSampler(lengths, self.batch_size if shuffle else self.eval_batch_size, shuffle,
                                     seed=self.seed)
        if shuffle:
            return DataLoader(data, batch_sampler=sampler, collate_fn=collate_pairs, num_workers=self.num_workers)
        return evaluation_loader(data, batches=sampler, collate_fn=collate_pairs, num_workers=self.num_workers)

    def vocabulary_source(self) -> str:
        return str(self.directory / TRAIN.name)
