"""Word vocabulary of the text models: built from the training split only, then frozen.

Ids 0-3 are the specials ``<pad> <unk> <bos> <eos>`` in that order, so padding is 0 in every
batch; corpus words follow by decreasing training count (ties by first appearance), which makes
the vocabulary a pure function of the training file. A corpus's own out-of-vocabulary marker
(``<unk>`` in PTB and Yelp, ``_UNK`` in Yahoo) maps to ``<unk>`` rather than being a word.

The state saved in a checkpoint is plain data (a list of strings), never a pickled object.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence

PAD, UNK, BOS, EOS = 0, 1, 2, 3
SPECIALS = ("<pad>", "<unk>", "<bos>", "<eos>")
UNKNOWN_MARKERS = frozenset({"<unk>", "_UNK"})


class Vocabulary:
    """Frozen word <-> id map. ``words`` are the corpus words, without the specials."""

    def __init__(self, words: Sequence[str]) -> None:
        clash = [w for w in words if w in SPECIALS or w in UNKNOWN_MARKERS]
        if clash:
            raise ValueError(f"Vocabulary: {clash[:5]} are reserved tokens, not corpus words")
        if len(set(words)) != len(words):
            raise ValueError("Vocabulary: words must be distinct")
        self.itos: tuple[str, ...] = SPECIALS + tuple(words)
        self.stoi: dict[str, int] = {w: i for i, w in enumerate(self.itos)}
        for marker in UNKNOWN_MARKERS:
            self.stoi[marker] = UNK

    @classmethod
    def build(cls, sentences: Iterable[Sequence[str]], max_size: int | None = None, min_count: int = 1) -> Vocabulary:
        """The ``max_size`` most frequent words (all if None) seen at least ``min_count`` times."""
        if max_size is not None and max_size < 1:
            raise ValueError(f"Vocabulary.build: max_size must be positive or None, got {max_size}")
        counts: Counter[str] = Counter()
        for tokens in sentences:
            counts.update(t for t in tokens if t not in UNKNOWN_MARKERS)
        # Counter.most_common keeps first-appearance order among equal counts.
        ranked = [w for w, c in counts.most_common() if c >= min_count]
        return cls(ranked[:max_size] if max_size is not None else ranked)

    def __len__(self) -> int:
        return len(self.itos)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocabulary) and self.itos == other.itos

    @property
    def words(self) -> tuple[str, ...]:
        return self.itos[len(SPECIALS):]

    def encode(self, tokens: Iterable[str]) -> list[int]:
        """Word ids, out-of-vocabulary words as ``<unk>``; no ``<bos>`` / ``<eos>`` added."""
        get = self.stoi.get
        return [get(t, UNK) for t in tokens]

    def decode(self, ids: Iterable[int], strip_specials: bool = True) -> list[str]:
        """Words of ``ids``, stopping at ``<eos>`` and dropping ``<pad>`` / ``<bos>`` if asked."""
        words = []
        for i in ids:
            if strip_specials and i == EOS:
                break
            if strip_specials and i in (PAD, BOS):
                continue
            words.append(self.itos[i])
        return words

    def fingerprint(self) -> str:
        """Short content hash: cache files of token ids are keyed by it."""
        return hashlib.sha1("\n".join(self.itos).encode()).hexdigest()[:16]

    def state_dict(self) -> dict[str, list[str]]:
        return {"words": list(self.words)}

    @classmethod
    def from_state_dict(cls, state: dict) -> Vocabulary:
        words = state.get("words") if isinstance(state, dict) else None
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise ValueError("Vocabulary.from_state_dict: expected {'words': [str, ...]}")
        return cls(words)
