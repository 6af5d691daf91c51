"""The SNLI sentence proxy of Bahuleyan et al.'s (2019) Table 1, for a data root without SNLI's
training split.

The authors split all SNLI sentences at random 90/5/5 (``snli_sentences_all.txt``, the ``snli``
corpus). Here only SNLI dev (jsonl, raw text), test (Treebank-tokenised, lowercased, punctuation
removed) and the authors' 5,000-sentence sample are present. The proxy normalises all three alike
(``vaezoo.data.normalise.snli_words``), trains on the distinct dev + sample sentences that are not
test sentences, holds ``valid_size`` of them out at random for validation, and tests on the distinct
test sentences: about 17K training sentences against the paper's ~500K, so runs on it are
``scale: proxy``.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import numpy as np

from vaezoo.data.normalise import snli_words
from vaezoo.data.root import md5sum
from vaezoo.data.splits import held_out_count
from vaezoo.errors import DataFileError

log = logging.getLogger(__name__)

DEV, SAMPLE, TEST = "snli_dev.jsonl", "snli_sentences_1000.txt", "snli_test_lower.tsv"


def _dev_sentences(path: Path) -> list[str]:
    sentences = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            try:
                pair = json.loads(line)
                sentences += [pair["premise"], pair["hypothesis"]]
            except (json.JSONDecodeError, KeyError, TypeError) as err:
                raise DataFileError(f"{path}:{number}: expected a JSON object with premise and hypothesis ({err})"
                                    ) from None
    return sentences


def _test_sentences(path: Path) -> list[str]:
    sentences = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 3:
                raise DataFileError(f"{path}:{number}: expected premise<TAB>hypothesis<TAB>label, "
                                    f"found {len(fields)} fields")
            sentences += fields[:2]
    return sentences


def _distinct(sentences: list[list[str]]) -> list[str]:
    """Space-joined, non-empty, first occurrence kept: a pure function of the files' order."""
    return list(dict.fromkeys(" ".join(words) for words in sentences if words))


def build_snli_proxy(directory: Path, cache_dir: Path, valid_size: float, seed: int) -> dict[str, Path]:
    """Write the proxy's train / valid / test files (one normalised sentence per line) under
    ``cache_dir``, keyed by the sources' md5s, the validation size and the seed; reuse them if
    present. Returns their paths."""
    sources = [directory / name for name in (DEV, SAMPLE, TEST)]
    key = "-".join(md5sum(p)[:8] for p in sources) + f"-{valid_size}-{seed}"
    target = cache_dir / "snli_proxy" / key
    paths = {split: target / f"{split}.txt" for split in ("train", "valid", "test")}
    if all(p.is_file() for p in paths.values()):
        return paths
    test = _distinct([snli_words(s, tokenised=True) for s in _test_sentences(sources[2])])
    raw = _dev_sentences(sources[0]) + sources[1].read_text(encoding="utf-8").splitlines()
    held = set(test)
    pool = [s for s in _distinct([snli_words(s) for s in raw]) if s not in held]
    valid_count = held_out_count(valid_size, len(pool), "data.valid_size", directory)
    order = np.random.default_rng(seed).permutation(len(pool))
    valid = set(order[:valid_count].tolist())
    splits = {"train": [s for i, s in enumerate(pool) if i not in valid],
              "valid": [s for i, s in enumerate(pool) if i in valid], "test": test}
    target.mkdir(parents=True, exist_ok=True)
    for split, sentences in splits.items():
        partial = paths[split].with_suffix(".partial")
        partial.write_text("\n".join(sentences) + "\n", encoding="utf-8")
        os.replace(partial, paths[split])  # a reader never sees half a file
    log.info("SNLI proxy in %s: %s sentences (dev + sample without test sentences; test)", target,
             {s: len(v) for s, v in splits.items()})
    return paths
