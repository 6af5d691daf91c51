"""Text normalisers: one per corpus family, so that sentences from different sources of one corpus
are tokenised alike (Bahuleyan et al. 2019's SNLI and DailyDialog files).

SNLI: the test file here is Stanford-tokenised, lowercased, with punctuation tokens removed
(``a man 's hat``, ``are n't``, quotes as ```` `` ''``); ``snli_words`` brings raw SNLI text to the
same form with NLTK's Treebank tokenizer (the same conventions, no model data to download).
DailyDialog: Bahuleyan et al.'s pair files are lowercased with apostrophes and all punctuation but
``. , ?`` deleted (``i dont know .``); ``dialogue_words`` does the same to the original release.
"""

from __future__ import annotations

import re
from functools import lru_cache

_SNLI_DROPPED = re.compile(r"^[.,!?;:()\[\]{}…-]+$")
_DIALOGUE_DELETED = re.compile(r"[^a-z0-9.,? ]")
# A number and the letter after it (``14th`` -> ``NUM h``), as the pair files have them.
_DIALOGUE_NUMBER = re.compile(r"[0-9]+(?:[.,][0-9]+)*[a-z]?")


@lru_cache(maxsize=1)
def _treebank():
    from nltk.tokenize import TreebankWordTokenizer  # here: only SNLI pays for importing NLTK

    return TreebankWordTokenizer()


def snli_words(text: str, tokenised: bool = False) -> list[str]:
    """Lowercased Treebank tokens without punctuation tokens. ``tokenised``: the text is already
    Treebank-tokenised (the test file), so it is split on spaces, not tokenised again (which would
    read its closing quotes as opening ones)."""
    tokens = text.lower().split() if tokenised else _treebank().tokenize(text.lower())
    return [t for t in tokens if not _SNLI_DROPPED.match(t)]


def dialogue_words(text: str) -> list[str]:
    """Lowercased words; apostrophes and punctuation other than ``. , ?`` deleted and numbers as
    ``NUM``, as in Bahuleyan et al.'s DailyDialog pair files (``I don't need 5 .`` -> ``i dont
    need NUM .``); 99.3% of their validation pairs are rebuilt exactly from the original release."""
    text = _DIALOGUE_DELETED.sub("", text.lower().replace("\t", " "))
    return _DIALOGUE_NUMBER.sub(" NUM ", text).split()
