"""An n-gram language model of a training text, to score generated sentences (Bahuleyan et al.
2019, Table 1 "PPL": theirs is a third-party model trained on Wikipedia, which is not available;
this one is a modified Kneser-Ney model of the run's own training sentences).

KenLM builds it (``lmplz``, a C++ binary the pip package lacks: ``make kenlm`` builds it from
KenLM's source distribution into ``<cache dir>/bin``) and queries it (the ``kenlm`` Python module).
Both are maintained, fast and the reference implementation of modified Kneser-Ney; nothing here
re-implements the smoothing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from vaezoo.data.root import resolve_root

LMPLZ_ENV = "VAEZOO_LMPLZ"
INSTALLED = Path("~/.cache/vaezoo/bin/lmplz")  # where `make kenlm` installs it


def find_lmplz(cache_dir: str | os.PathLike) -> Path:
    """``$VAEZOO_LMPLZ``, else ``<cache_dir>/bin/lmplz``, else ``~/.cache/vaezoo/bin/lmplz`` (where
    ``make kenlm`` puts it), else PATH."""
    candidates = [os.environ.get(LMPLZ_ENV), resolve_root(cache_dir) / "bin" / "lmplz", INSTALLED.expanduser(),
                  shutil.which("lmplz")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    raise FileNotFoundError(f"KenLM's lmplz is not in ${LMPLZ_ENV}, {resolve_root(cache_dir) / 'bin'}, "
                            f"{INSTALLED.parent} or PATH: run "
                            "`make kenlm` (builds it from KenLM's source with cmake and Boost) or point "
                            f"${LMPLZ_ENV} at an lmplz binary")


def build_arpa(sentences: Sequence[str], order: int, cache_dir: str | os.PathLike, lmplz: Path | None = None) -> Path:
    """The ARPA file of a modified Kneser-Ney ``order``-gram model of ``sentences`` (space-separated
    words), built once and cached under ``<cache_dir>/ngram_lm`` by the text's hash.

    ``--discount_fallback``: on a small corpus the count-of-counts can make a discount estimate
    invalid; lmplz then uses (0.5, 1, 1.5) for that order instead of stopping. ``lmplz``: the
    binary (default: ``find_lmplz``).
    """
    if order < 1:
        raise ValueError(f"build_arpa: order={order} must be positive")
    text = "\n".join(sentences) + "\n"
    digest = hashlib.sha1(f"{order}\n{text}".encode()).hexdigest()[:16]
    target = resolve_root(cache_dir) / "ngram_lm" / f"{digest}.{order}gram.arpa"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    lmplz = lmplz or find_lmplz(cache_dir)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        partial = Path(scratch) / "model.arpa"
        with partial.open("wb") as arpa:
            done = subprocess.run([str(lmplz), "-o", str(order), "--discount_fallback", "-S", "1G", "-T", scratch],
                                  input=text.encode(), stdout=arpa, stderr=subprocess.PIPE, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"lmplz failed (exit {done.returncode}) on {len(sentences)} sentences: "
                               f"{done.stderr.decode(errors='replace')[-2000:]}")
        os.replace(partial, target)  # whole or absent: never a half-written model in the cache
    return target


class NgramLanguageModel:
    """A KenLM model: log10 probabilities of whole sentences (with <s> and </s>)."""

    def __init__(self, arpa: Path) -> None:
        import kenlm  # here: only runs that score samples need the extension module

        self.model = kenlm.Model(str(arpa))
        self.order = self.model.order

    def sentence_log10_probs(self, sentences: Sequence[str]) -> np.ndarray:
        return np.array([self.model.score(s, bos=True, eos=True) for s in sentences], dtype=np.float64)

    def perplexity(self, sentences: Sequence[str]) -> float:
        """10 ** (-sum log10 p / tokens), tokens = words + one </s> per sentence (KenLM's convention)."""
        tokens = sum(len(s.split()) + 1 for s in sentences)
        return float(10 ** (-self.sentence_log10_probs(sentences).sum() / tokens))
