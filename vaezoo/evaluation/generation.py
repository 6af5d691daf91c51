"""What a text model generates, measured (Bahuleyan et al. 2019, Tables 1-2): any sentence model
with a ``SentenceDecoder`` can request these in ``eval.evaluators`` (``eval/generation.yaml``).

* ``DecodingBLEU``: decode each test input's target from its code (the sentence itself for an
  autoencoder, the reply for a dialogue pair) and score it against the reference: corpus BLEU x 100
  as the authors computed it with NLTK (uniform weights up to n, no smoothing; TorchMetrics'
  ``BLEUScore`` is the same estimator and exact under DDP) and sacreBLEU's figure beside it.
* ``PriorSamples``: sentences decoded from codes drawn from the prior, one per test input: their
  perplexity under a modified Kneser-Ney n-gram model of the training sentences (KenLM; the paper's
  Wikipedia model is not available), the unigram KL to the training words, the entropy of their
  word distribution and their mean length.
* ``ResponseDiversity``: ``samples`` codes from q(z|x) per test input (10 in the authors' code),
  each decoded: the entropy of the word distribution and distinct-1/2 (Li et al. 2016).

Decoding is greedy (the most probable word at each step, our choice: the paper does not say) and
stops at <eos> or after ``max_words`` words. The metrics are built at the first test batch, when the
vocabulary and training corpus are known; by default they run on the test split only.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch
from torch import nn
from torchmetrics import MeanMetric, Metric
from torchmetrics.text import BLEUScore, SacreBLEUScore

from vaezoo.data.vocab import UNK, Vocabulary
from vaezoo.evaluation.base import STAGES, EvalStep, Evaluator, log_metric
from vaezoo.evaluation.ngram_lm import NgramLanguageModel, build_arpa
from vaezoo.evaluation.perplexity import CorpusPerplexity
from vaezoo.evaluation.text_metrics import DistinctNgrams, UnigramStatistic, unigram_counts, word_mask

if TYPE_CHECKING:
    from vaezoo.data.corpus import SentenceDataModule
    from vaezoo.models.base import LatentVariableModel

CODES = ("sample", "mean")
# KenLM reserves <unk>; an unknown word is the plain token UNK in the model's text and in the samples.
UNKNOWN_WORD = "UNK"


def sentences(tokens: torch.Tensor, vocab: Vocabulary) -> list[str]:
    """Space-joined words of token rows (<bos> .. <eos> <pad>..)."""
    rendered = []
    for row in tokens.tolist():
        words = vocab.decode(row)
        rendered.append(" ".join(UNKNOWN_WORD if w == vocab.itos[UNK] else w for w in words))
    return rendered


class GenerationEvaluator(Evaluator):
    """Shared set-up: the stages it runs on, lazily built metrics logged under ``<stage>/<name>``."""

    def __init__(self, max_words: int = 20, stages: Sequence[str] = ("test",)) -> None:
        super().__init__()
        unknown = set(stages) - set(STAGES)
        if unknown or max_words < 1:
            raise ValueError(f"{type(self).__name__}: stages {sorted(unknown)} are not in {list(STAGES)} or "
                             f"max_words={max_words} is not positive")
        self.max_words, self.stages = max_words, tuple(stages)
        self.metrics = nn.ModuleDict()

    @abstractmethod
    def names(self) -> tuple[str, ...]:
        """The metric names it logs."""

    @abstractmethod
    def build(self, datamodule: SentenceDataModule) -> dict[str, Metric]:
        """The metrics by name, once the data is set up."""

    def update(self, model: LatentVariableModel, stage: str, step: EvalStep) -> None:
        if stage not in self.stages:
            return
        if f"{stage}_{self.names()[0]}" not in self.metrics:
            datamodule = model.trainer.datamodule
            for name, metric in self.build(datamodule).items():
                self.metrics[f"{stage}_{name}"] = metric.to(model.device)
        values = self.measure(model, step)
        for name, args in values.items():
            metric = self.metrics[f"{stage}_{name}"]
            metric.update(*args)
            log_metric(model, f"{stage}/{name}", metric, len(step.batch))

    @abstractmethod
    def measure(self, model: LatentVariableModel, step: EvalStep) -> dict[str, tuple]:
        """The update arguments of each metric from one batch."""

    def estimators(self) -> dict[str, dict]:
        return {f"test/{name}": {"method": type(self).__name__, "decoding": "greedy", "max_words": self.max_words}
                for name in self.names() if "test" in self.stages}


class PercentBLEU(BLEUScore):
    """TorchMetrics' corpus BLEU x 100, the scale of the paper's tables."""

    def compute(self) -> torch.Tensor:
        return 100 * super().compute()


class PercentSacreBLEU(SacreBLEUScore):
    """sacreBLEU's corpus BLEU x 100 (TorchMetrics returns it as a fraction)."""

    def compute(self) -> torch.Tensor:
        return 100 * super().compute()


class DecodingBLEU(GenerationEvaluator):
    """Corpus BLEU x 100 of the decoded targets (``bleu<n>`` for each n of ``orders``) and sacreBLEU's
    (13a tokenisation, exp smoothing: its defaults) as ``sacrebleu``. ``code``: decode from a sample
    of q(z|x), as in training (``sample``), or from its mean."""

    def __init__(self, orders: Sequence[int] = (4,), code: str = "sample", max_words: int = 20,
                 stages: Sequence[str] = ("test",)) -> None:
        super().__init__(max_words, stages)
        if code not in CODES or not orders or min(orders) < 1:
            raise ValueError(f"DecodingBLEU: code={code!r} must be one of {list(CODES)} and orders={list(orders)} "
                             "positive")
        self.orders, self.code = tuple(orders), code
        self.vocab: Vocabulary | None = None

    def names(self) -> tuple[str, ...]:
        return (*(f"bleu{n}" for n in self.orders), "sacrebleu")

    def build(self, datamodule: SentenceDataModule) -> dict[str, Metric]:
        self.vocab = datamodule.vocab
        return {**{f"bleu{n}": PercentBLEU(n_gram=n) for n in self.orders}, "sacrebleu": PercentSacreBLEU()}

    def measure(self, model: LatentVariableModel, step: EvalStep) -> dict[str, tuple]:
        data = step.passes["data"]
        z = data.z if self.code == "sample" else data.q.mean
        hypotheses = sentences(model.decoder.generate(z, self.max_words), self.vocab)
        references = [[r] for r in sentences(model.inputs(step.batch).target.tokens, self.vocab)]
        return {name: (hypotheses, references) for name in self.names()}

    def estimators(self) -> dict[str, dict]:
        return {key: value | {"code": self.code, "implementation": "sacrebleu 13a" if "sacrebleu" in key
                              else "corpus BLEU, uniform weights, no smoothing (= NLTK corpus_bleu)"}
                for key, value in super().estimators().items()}


class PriorSamples(GenerationEvaluator):
    """Sentences from z ~ p(z), as many as test inputs: ``sample_ppl`` under the ``lm_order``-gram
    model of the training sentences, ``unigram_kl`` (generated || training), ``sample_entropy``
    (nats) and ``sample_length`` (words)."""

    def __init__(self, lm_order: int = 5, cache_dir: str = "~/.cache/vaezoo", max_words: int = 20,
                 stages: Sequence[str] = ("test",)) -> None:
        super().__init__(max_words, stages)
        self.lm_order, self.cache_dir = lm_order, cache_dir
        self.vocab: Vocabulary | None = None
        self.language_model: NgramLanguageModel | None = None

    def names(self) -> tuple[str, ...]:
        return ("sample_ppl", "unigram_kl", "sample_entropy", "sample_length")

    def build(self, datamodule: SentenceDataModule) -> dict[str, Metric]:
        self.vocab = datamodule.vocab
        training = datamodule.training_sentences()
        # <unk> counts as a word on both sides: the decoder generates it like any other
        reference = unigram_counts(torch.cat([torch.as_tensor(ids) for ids in training]), len(self.vocab))
        text = [" ".join(UNKNOWN_WORD if i == UNK else self.vocab.itos[i] for i in ids[1:-1]) for ids in training]
        self.language_model = NgramLanguageModel(build_arpa(text, self.lm_order, self.cache_dir))
        return {"sample_ppl": CorpusPerplexity(),
                "unigram_kl": UnigramStatistic(len(self.vocab), "kl", reference),
                "sample_entropy": UnigramStatistic(len(self.vocab), "entropy"), "sample_length": MeanMetric()}

    def measure(self, model: LatentVariableModel, step: EvalStep) -> dict[str, tuple]:
        prior = step.passes["data"].prior
        tokens = model.decoder.generate(prior.sample((len(step.batch),)), self.max_words)
        text = sentences(tokens, self.vocab)
        nll = -math.log(10) * torch.as_tensor(self.language_model.sentence_log10_probs(text))
        lengths = word_mask(tokens).sum(-1)
        # KenLM's token count: the words and one </s> per sentence
        return {"sample_ppl": (nll, lengths + 1), "unigram_kl": (tokens,), "sample_entropy": (tokens,),
                "sample_length": (lengths.double(),)}

    def estimators(self) -> dict[str, dict]:
        kinds = super().estimators()
        kinds["test/sample_ppl"] |= {"language_model": f"KenLM modified Kneser-Ney {self.lm_order}-gram of the "
                                                        "training sentences"}
        return kinds


class ResponseDiversity(GenerationEvaluator):
    """``samples`` codes z ~ q(z|x) per test input, each decoded: ``response_entropy`` (nats) of the
    word distribution, ``distinct1`` and ``distinct2``."""

    def __init__(self, samples: int = 10, max_words: int = 20, stages: Sequence[str] = ("test",)) -> None:
        super().__init__(max_words, stages)
        if samples < 1:
            raise ValueError(f"ResponseDiversity: samples={samples} must be positive")
        self.samples = samples

    def names(self) -> tuple[str, ...]:
        return ("response_entropy", "distinct1", "distinct2")

    def build(self, datamodule: SentenceDataModule) -> dict[str, Metric]:
        size = len(datamodule.vocab)
        return {"response_entropy": UnigramStatistic(size, "entropy"), "distinct1": DistinctNgrams(1, size),
                "distinct2": DistinctNgrams(2, size)}

    def measure(self, model: LatentVariableModel, step: EvalStep) -> dict[str, tuple]:
        q = step.passes["data"].q
        z = q.sample((self.samples,))
        tokens = model.decoder.generate(z.reshape(-1, z.shape[-1]), self.max_words)
        return {name: (tokens,) for name in self.names()}

    def estimators(self) -> dict[str, dict]:
        return {key: value | {"samples_per_input": self.samples} for key, value in super().estimators().items()}
