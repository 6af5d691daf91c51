"""Corpus statistics of generated sentences as TorchMetrics (states are sums or concatenations,
so they are exact under DDP): unigram KL to a reference corpus, unigram entropy and distinct
n-grams (Bahuleyan et al. 2019, Tables 1-2). The n-gram model's perplexity is the corpus-level
``CorpusPerplexity`` of ``perplexity.py``.

Hand-written because TorchMetrics has none of them; BLEU comes from TorchMetrics itself
(``BLEUScore``, ``SacreBLEUScore``). Sentences are token ids; the specials are not words.
"""

from __future__ import annotations

import torch
from torchmetrics import Metric

from vaezoo.data.vocab import BOS, EOS, PAD


def word_mask(tokens: torch.Tensor) -> torch.Tensor:
    """Where ``tokens`` [rows, time] are words (not <pad>, <bos>, <eos>)."""
    return (tokens != PAD) & (tokens != BOS) & (tokens != EOS)


def unigram_counts(tokens: torch.Tensor, vocab_size: int) -> torch.Tensor:
    """Word counts [vocab_size] (float64) of sentences [rows, time]."""
    return torch.bincount(tokens[word_mask(tokens)], minlength=vocab_size).double()


def unigram_kl(generated: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """KL(p_generated || p_reference) of two count vectors, over the words both contain: words
    the reference never has are skipped, as in Bahuleyan et al.'s code (the KL would be infinite)."""
    p, q = generated / generated.sum(), reference / reference.sum()
    both = (p > 0) & (q > 0)
    return (p[both] * (p[both].log() - q[both].log())).sum()


def entropy(counts: torch.Tensor) -> torch.Tensor:
    """-sum p log p (nats) of a count vector."""
    p = counts[counts > 0] / counts.sum()
    return -(p * p.log()).sum()


class UnigramStatistic(Metric):
    """Word counts of the generated sentences, summed; ``compute`` gives ``kind``: ``entropy`` or
    ``kl`` (to ``reference``, the training corpus's counts)."""

    full_state_update = False

    def __init__(self, vocab_size: int, kind: str, reference: torch.Tensor | None = None) -> None:
        super().__init__()
        if kind not in ("entropy", "kl") or (kind == "kl") != (reference is not None):
            raise ValueError(f"UnigramStatistic: kind={kind!r} needs a reference exactly when it is 'kl'")
        self.kind = kind
        self.add_state("counts", default=torch.zeros(vocab_size, dtype=torch.float64), dist_reduce_fx="sum")
        self.reference = None if reference is None else reference.double()

    def update(self, tokens: torch.Tensor) -> None:
        self.counts += unigram_counts(tokens, self.counts.numel()).to(self.counts.device)

    def compute(self) -> torch.Tensor:
        if self.kind == "entropy":
            return entropy(self.counts)
        return unigram_kl(self.counts, self.reference.to(self.counts.device))


class DistinctNgrams(Metric):
    """Distinct-n (Li et al. 2016): distinct n-grams / all n-grams of the generated sentences,
    n-grams within a sentence's words. Each n-gram is kept as one int64 code (base vocab_size)."""

    full_state_update = False

    def __init__(self, n: int, vocab_size: int) -> None:
        super().__init__()
        if n < 1 or vocab_size ** n >= 2 ** 63:
            raise ValueError(f"DistinctNgrams: n={n} with vocab_size={vocab_size} does not fit an int64 code")
        self.n, self.vocab_size = n, vocab_size
        self.add_state("codes", default=[], dist_reduce_fx="cat")

    def update(self, tokens: torch.Tensor) -> None:
        words = word_mask(tokens)
        codes = torch.zeros(tokens.shape[0], tokens.shape[1] - self.n + 1, dtype=torch.long, device=tokens.device)
        valid = torch.ones_like(codes, dtype=torch.bool)
        for k in range(self.n):
            window = slice(k, tokens.shape[1] - self.n + 1 + k)
            codes = codes * self.vocab_size + tokens[:, window]
            valid &= words[:, window]
        self.codes.append(codes[valid])

    def compute(self) -> torch.Tensor:
        codes = self.codes if isinstance(self.codes, torch.Tensor) else torch.cat(self.codes) if self.codes \
            else torch.zeros(0, dtype=torch.long)
        return torch.tensor(codes.unique().numel() / max(codes.numel(), 1), dtype=torch.float64)
