"""A test oracle: interpolated modified Kneser-Ney written out from its definition, to check the
figures KenLM's lmplz produces.

Chen & Goodman (1998), eq. 26 for the discounts, in the form of Heafield et al. (2013), "Scalable
modified Kneser-Ney language model estimation", section 3, which lmplz implements:

- adjusted counts: raw counts at the highest order and for n-grams that start with <s>,
  otherwise the number of distinct words seen to the left;
- three discounts per order, D(k) = k - (k + 1) Y t_{k+1} / t_k with Y = t_1 / (t_1 + 2 t_2) and
  t_k the number of n-grams whose adjusted count is k; when an estimate is undefined or outside
  [0, k], the order takes lmplz's ``--discount_fallback`` values (0.5, 1, 1.5);
- p(w | h) = (a(hw) - D(a(hw))) / sum_x a(hx) + b(h) p(w | h'), with the backoff mass b(h) the
  discounts taken from h's continuations; the unigrams interpolate with the uniform distribution
  over the vocabulary plus <unk>.

Slow and plain on purpose: it is only run on a few hundred sentences.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

FALLBACK = (0.5, 1.0, 1.5)


class ModifiedKneserNey:
    def __init__(self, sentences: Sequence[str], order: int) -> None:
        self.order = order
        raw = [Counter() for _ in range(order + 1)]
        for sentence in sentences:
            words = ["<s>", *sentence.split(), "</s>"]
            for n in range(1, order + 1):
                for i in range(len(words) - n + 1):
                    raw[n][tuple(words[i:i + n])] += 1
        self.adjusted = [Counter() for _ in range(order + 1)]
        self.adjusted[order] = Counter(raw[order])
        for n in range(1, order):
            left_extensions = Counter(gram[1:] for gram in raw[n + 1])
            self.adjusted[n] = Counter({gram: count if gram[0] == "<s>" else left_extensions[gram]
                                        for gram, count in raw[n].items()})
        del self.adjusted[1][("<s>",)]  # never predicted
        self.discounts = [None] + [self.estimate_discounts(self.adjusted[n]) for n in range(1, order + 1)]
        self.context_total = [defaultdict(float) for _ in range(order + 1)]
        self.context_kinds = [defaultdict(lambda: [0, 0, 0, 0]) for _ in range(order + 1)]
        for n in range(1, order + 1):
            for gram, count in self.adjusted[n].items():
                self.context_total[n][gram[:-1]] += count
                self.context_kinds[n][gram[:-1]][min(count, 3)] += 1
        self.vocabulary_size = len(self.adjusted[1]) + 1  # the words, </s> and <unk>

    @staticmethod
    def estimate_discounts(adjusted: Counter) -> tuple[float, ...]:
        t = Counter(count for count in adjusted.values() if count <= 4)
        try:
            y = t[1] / (t[1] + 2 * t[2])
            discounts = tuple(k - (k + 1) * y * t[k + 1] / t[k] for k in (1, 2, 3))
        except ZeroDivisionError:
            return FALLBACK
        if any(not 0 <= d <= k for k, d in zip((1, 2, 3), discounts, strict=True)):
            return FALLBACK
        return discounts

    def probability(self, word: str, context: tuple[str, ...]) -> float:
        n = len(context) + 1
        lower = 1.0 / self.vocabulary_size if n == 1 else self.probability(word, context[1:])
        total = self.context_total[n].get(context, 0.0)
        if total == 0:
            return lower
        discount = (0.0, *self.discounts[n])
        count = self.adjusted[n].get((*context, word), 0)
        kept = (count - discount[min(count, 3)]) / total
        backoff = sum(discount[k] * self.context_kinds[n][context][k] for k in (1, 2, 3)) / total
        return kept + backoff * lower

    def sentence_log10_prob(self, sentence: str) -> float:
        """log10 p(words, </s> | <s>), each word given the longest context seen in training."""
        words = ["<s>", *sentence.split(), "</s>"]
        total = 0.0
        for i in range(1, len(words)):
            context = tuple(words[max(0, i - self.order + 1):i])
            while context and not self.context_total[len(context) + 1].get(context):
                context = context[1:]
            total += math.log10(self.probability(words[i], context))
        return total
