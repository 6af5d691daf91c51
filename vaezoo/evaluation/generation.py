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
from torchmetrics.utilities import dim_zero_cat

from vaezoo.data.vocab import BOS, PAD, UNK, Vocabulary
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


def sentences_of_rows(rows, vocab: Vocabulary) -> list[str]:
    """Space-joined words of token sequences (<bos> .. <eos>, padding anywhere)."""
    rendered = []
    for row in rows:
        words = vocab.decode(row.tolist() if isinstance(row, torch.Tensor) else row)
        rendered.append(" ".join(UNKNOWN_WORD if w == vocab.itos[UNK] else w for w in words))
    return rendered


def sentences(tokens: torch.Tensor, vocab: Vocabulary) -> list[str]:
    """Space-joined words of token rows [rows, time] (<bos> .. <eos> <pad>..)."""
    return sentences_of_rows(list(tokens), vocab)


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


class ReversePerplexity(Metric):
    """The reverse perplexity of Zhao et al. (2018) and Qian & Cheung (§5.3): an n-gram model of
    the generated sentences scores the real test sentences (low when the samples cover the data).
    Both are kept as token streams (<bos> w .. <eos> ..., padding dropped), concatenated across
    DDP ranks; the model is built at ``compute``."""

    full_state_update = False

    def __init__(self, vocab: Vocabulary, lm_order: int, cache_dir: str) -> None:
        super().__init__()
        self.vocab, self.lm_order, self.cache_dir = vocab, lm_order, cache_dir
        self.add_state("generated", default=[], dist_reduce_fx="cat")
        self.add_state("references", default=[], dist_reduce_fx="cat")

    def update(self, generated: torch.Tensor, references: torch.Tensor) -> None:
        self.generated.append(generated[generated != PAD])
        self.references.append(references[references != PAD])

    def _sentences(self, stream: torch.Tensor) -> list[str]:
        starts = (stream == BOS).nonzero().flatten().tolist() + [len(stream)]
        return sentences_of_rows([stream[a:b] for a, b in zip(starts[:-1], starts[1:], strict=True)], self.vocab)

    def compute(self) -> torch.Tensor:
        generated = self._sentences(dim_zero_cat(self.generated))
        references = self._sentences(dim_zero_cat(self.references))
        model = NgramLanguageModel(build_arpa(generated, self.lm_order, self.cache_dir))
        return torch.tensor(model.perplexity(references), dtype=torch.float64)


class PriorSamples(GenerationEvaluator):
    """``samples_per_input`` sentences from z ~ p(z) per test input (Qian & Cheung: 100K in all),
    decoded greedily or by sampling each word: ``sample_ppl`` under the ``lm_order``-gram model of
    the training sentences (Qian's forward PPL), ``unigram_kl`` (generated || training),
    ``sample_entropy`` (nats), ``sample_length`` (words), and with ``reverse`` the
    ``reverse_ppl`` of the test sentences under an ``lm_order``-gram model of the samples."""

    def __init__(self, lm_order: int = 5, cache_dir: str = "~/.cache/vaezoo", max_words: int = 20,
                 stages: Sequence[str] = ("test",), samples_per_input: int = 1, greedy: bool = True,
                 reverse: bool = False) -> None:
        super().__init__(max_words, stages)
        if samples_per_input < 1:
            raise ValueError(f"PriorSamples: samples_per_input={samples_per_input} must be positive")
        self.lm_order, self.cache_dir = lm_order, cache_dir
        self.samples_per_input, self.greedy, self.reverse = samples_per_input, greedy, reverse
        self.vocab: Vocabulary | None = None
        self.language_model: NgramLanguageModel | None = None

    def names(self) -> tuple[str, ...]:
        return ("sample_ppl", "unigram_kl", "sample_entropy", "sample_length") + (("reverse_ppl",) if self.reverse
                                                                                  else ())

    def build(self, datamodule: SentenceDataModule) -> dict[str, Metric]:
        self.vocab = datamodule.vocab
        training = datamodule.training_sentences()
        # <unk> counts as a word on both sides: the decoder generates it like any other
        reference = unigram_counts(torch.cat([torch.as_tensor(ids) for ids in training]), len(self.vocab))
        self.language_model = NgramLanguageModel(build_arpa(sentences_of_rows(training, self.vocab), self.lm_order,
                                                            self.cache_dir))
        return {"sample_ppl": CorpusPerplexity(),
                "unigram_kl": UnigramStatistic(len(self.vocab), "kl", reference),
                "sample_entropy": UnigramStatistic(len(self.vocab), "entropy"), "sample_length": MeanMetric(),
                **({"reverse_ppl": ReversePerplexity(self.vocab, self.lm_order, self.cache_dir)} if self.reverse
                   else {})}

    def measure(self, model: LatentVariableModel, step: EvalStep) -> dict[str, tuple]:
        data, count = step.passes["data"], len(step.batch) * self.samples_per_input
        # a language model without a code samples from its decoder alone (an empty z)
        z = data.prior.sample((count,)) if data.q is not None else torch.zeros(count, 0, device=model.device)
        tokens = model.decoder.generate(z, self.max_words, greedy=self.greedy)
        text = sentences(tokens, self.vocab)
        nll = -math.log(10) * torch.as_tensor(self.language_model.sentence_log10_probs(text))
        lengths = word_mask(tokens).sum(-1)
        # KenLM's token count: the words and one </s> per sentence
        measured = {"sample_ppl": (nll, lengths + 1), "unigram_kl": (tokens,), "sample_entropy": (tokens,),
                    "sample_length": (lengths.double(),)}
        if self.reverse:
            measured["reverse_ppl"] = (tokens, model.inputs(step.batch).target.tokens)
        return measured

    def estimators(self) -> dict[str, dict]:
        kinds = super().estimators()
        for key in kinds:
            kinds[key] |= {"decoding": "greedy" if self.greedy else "sampled words",
                           "samples_per_input": self.samples_per_input}
        kinds["test/sample_ppl"] |= {"language_model": f"KenLM modified Kneser-Ney {self.lm_order}-gram of the "
                                                        "training sentences"}
        if self.reverse:
            kinds["test/reverse_ppl"] |= {"language_model": f"KenLM modified Kneser-Ney {self.lm_order}-gram of the "
                                                             "generated sentences, scoring the test sentences"}
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
