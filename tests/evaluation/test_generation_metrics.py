"""Generation metrics against NLTK and by their definitions; the KenLM model against its own
normalisation, a modified Kneser-Ney oracle written from the definition, and NLTK's Kneser-Ney."""

import math
import os
import random
from pathlib import Path

import pytest
import torch
from nltk.translate.bleu_score import corpus_bleu

from tests.evaluation.modified_kneser_ney import ModifiedKneserNey
from vaezoo.data.normalise import snli_words
from vaezoo.data.vocab import BOS, EOS, PAD
from vaezoo.evaluation.generation import PercentBLEU, PercentSacreBLEU
from vaezoo.evaluation.ngram_lm import LMPLZ_ENV, NgramLanguageModel, build_arpa, find_lmplz
from vaezoo.evaluation.text_metrics import DistinctNgrams, UnigramStatistic, unigram_kl


def rows(*sentences):
    """Token rows <bos> ids <eos> padded with <pad>."""
    width = max(len(s) for s in sentences) + 2
    return torch.tensor([[BOS, *s, EOS] + [PAD] * (width - len(s) - 2) for s in sentences])


def random_corpus(seed, count=200, words=40):
    rng = random.Random(seed)
    return [" ".join(f"w{rng.randrange(words)}" for _ in range(rng.randint(4, 12))) for _ in range(count)]


def test_bleu_of_identical_corpora_is_100_and_of_disjoint_ones_0():
    corpus = random_corpus(0, 50)
    disjoint = [s.replace("w", "v") for s in corpus]
    for metric in (PercentBLEU(n_gram=4), PercentSacreBLEU()):
        assert float(metric(corpus, [[s] for s in corpus])) == pytest.approx(100.0)
    assert float(PercentBLEU(n_gram=4)(disjoint, [[s] for s in corpus])) == 0.0


@pytest.mark.parametrize("order", [2, 4])
def test_bleu_equals_nltk_corpus_bleu_without_smoothing(order):
    """The authors' NLTK corpus_bleu with uniform weights, accumulated over batches."""
    references, hypotheses = random_corpus(1, 120, 12), random_corpus(2, 120, 12)
    metric = PercentBLEU(n_gram=order)
    for start in range(0, 120, 50):
        metric.update(hypotheses[start:start + 50], [[r] for r in references[start:start + 50]])
    expected = corpus_bleu([[r.split()] for r in references], [h.split() for h in hypotheses],
                           weights=(1 / order,) * order)
    assert float(metric.compute()) == pytest.approx(100 * expected, rel=1e-6)
    assert expected > 0


def test_unigram_kl_is_zero_for_identical_corpora_and_matches_its_definition():
    counts = torch.tensor([0, 0, 0, 0, 5, 3, 2, 0], dtype=torch.float64)
    assert float(unigram_kl(counts, counts)) == 0.0
    generated, reference = torch.tensor([0., 4, 4, 2]), torch.tensor([1., 1, 2, 0])
    p, q = generated[:3] / 10, reference[:3] / 4            # the word unseen in the reference is skipped
    expected = float((p[1:] * (p[1:] / q[1:]).log()).sum())
    assert float(unigram_kl(generated, reference)) == pytest.approx(expected)


def test_unigram_statistics_count_words_only():
    tokens = rows([4, 4, 5], [6])
    entropy = UnigramStatistic(8, "entropy")
    entropy.update(tokens)
    p = torch.tensor([0.5, 0.25, 0.25])
    assert float(entropy.compute()) == pytest.approx(float(-(p * p.log()).sum()))
    kl = UnigramStatistic(8, "kl", reference=torch.tensor([0., 0, 0, 0, 2, 1, 1, 0]))
    kl.update(tokens)
    assert float(kl.compute()) == pytest.approx(0.0, abs=1e-12)


def test_distinct_ngrams_by_hand():
    tokens = rows([4, 5, 4, 5], [4, 6])
    one, two = DistinctNgrams(1, 8), DistinctNgrams(2, 8)
    one.update(tokens[:1])
    one.update(tokens[1:])
    two.update(tokens)
    assert float(one.compute()) == pytest.approx(3 / 6)      # {4, 5, 6} of 6 words
    assert float(two.compute()) == pytest.approx(3 / 4)      # {45, 54, 46} of 4 bigrams (none across <eos>)


@pytest.fixture
def lmplz():
    try:
        return find_lmplz(os.environ.get("VAEZOO_CACHE", "~/.cache/vaezoo"))
    except FileNotFoundError as err:
        pytest.fail(f"{err} (CI builds it with `make kenlm`)")


def test_missing_lmplz_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv(LMPLZ_ENV, str(tmp_path / "absent"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="make kenlm"):
        find_lmplz(tmp_path)


@pytest.mark.parametrize("order", [2, 5])
def test_kenlm_probabilities_sum_to_one_over_the_vocabulary(lmplz, tmp_path, order):
    """A proper model: for a context, p(w | context) over every word and </s> sums to 1."""
    import kenlm

    corpus = random_corpus(3, 200, 15)
    model = NgramLanguageModel(build_arpa(corpus, order, tmp_path, lmplz))
    assert model.order == order
    vocabulary = sorted({w for s in corpus for w in s.split()}) + ["</s>"]
    for context in (["w1"], ["w3", "w7", "w2"], ["never-seen"]):
        state, scratch = kenlm.State(), kenlm.State()
        model.model.BeginSentenceWrite(state)
        for word in context:
            model.model.BaseScore(state, word, scratch)
            state, scratch = scratch, state
        total = sum(10 ** model.model.BaseScore(state, w, kenlm.State()) for w in vocabulary)
        # what is left is <unk>'s mass
        unknown = 10 ** model.model.BaseScore(state, "<unk>", kenlm.State())
        assert total + unknown == pytest.approx(1.0, abs=1e-4)


def test_kenlm_model_is_cached_by_text(lmplz, tmp_path):
    corpus = random_corpus(4, 50)
    first = build_arpa(corpus, 3, tmp_path, lmplz)
    assert build_arpa(corpus, 3, tmp_path, lmplz) == first
    assert build_arpa(corpus[1:], 3, tmp_path, lmplz) != first


SNLI_SENTENCES = Path(__file__).parents[1] / "fixtures" / "snli" / "snli_sentences_all.txt"


@pytest.mark.parametrize("order", [2, 3, 5])
def test_kenlm_perplexity_equals_modified_kneser_ney_by_definition(lmplz, tmp_path, order):
    """200 SNLI sentences: lmplz's model and the oracle give the same sentence probabilities, on the
    training sentences and on 200 held-out ones (unseen words and contexts), at every order
    (order 5 on so little text also exercises the discount fallback)."""
    sentences = [" ".join(snli_words(line)) for line in SNLI_SENTENCES.read_text().splitlines()]
    train, held_out = sentences[:200], sentences[200:400]
    model = NgramLanguageModel(build_arpa(train, order, tmp_path, lmplz))
    oracle = ModifiedKneserNey(train, order)
    for corpus in (train, held_out):
        expected = [oracle.sentence_log10_prob(s) for s in corpus]
        assert model.sentence_log10_probs(corpus) == pytest.approx(expected, abs=1e-4)
        tokens = sum(len(s.split()) + 1 for s in corpus)
        assert model.perplexity(corpus) == pytest.approx(10 ** (-sum(expected) / tokens), rel=1e-4)


def test_kenlm_perplexity_against_nltk_kneser_ney(lmplz, tmp_path):
    """Both interpolated Kneser-Ney on 200 sentences: KenLM's modified KN (three discounts per order,
    estimated) and NLTK's KneserNeyInterpolated (one fixed discount, 0.1 by default, and a unigram
    level that is not interpolated with the uniform distribution) score the training sentences.
    They are different estimators, so only agreement in size is asserted; the exact check of
    KenLM's figure is the oracle test above."""
    from nltk.lm import KneserNeyInterpolated
    from nltk.lm.preprocessing import padded_everygram_pipeline

    corpus = random_corpus(5, 200, 40)
    ours = NgramLanguageModel(build_arpa(corpus, 2, tmp_path, lmplz)).perplexity(corpus)
    train, vocab = padded_everygram_pipeline(2, [s.split() for s in corpus])
    nltk_model = KneserNeyInterpolated(2)
    nltk_model.fit(train, vocab)
    log2 = [nltk_model.logscore(w, [c]) for s in corpus for c, w in zip(["<s>", *s.split()], [*s.split(), "</s>"],
                                                                         strict=True)]
    theirs = 2 ** (-sum(log2) / len(log2))
    assert math.isfinite(ours) and 0.5 < ours / theirs < 2.0


def test_prior_samples_report_the_language_model_and_unigram_figures_of_the_decoded_text(lmplz, tmp_path):
    """PriorSamples on fixed decoder output: sample_ppl is KenLM's perplexity of the rendered
    sentences (an unknown word as UNK), unigram_kl (<unk> a word on both sides) and the length are
    those of the same words; reverse_ppl is the test sentences' perplexity under a model of them."""
    from types import SimpleNamespace

    from vaezoo.data.vocab import UNK, Vocabulary
    from vaezoo.evaluation.generation import PriorSamples

    corpus = random_corpus(6, 100, 12)
    vocab = Vocabulary.build(s.split() for s in corpus)
    text = ["w1 w2 w3", "w4 w5", "w1", "UNK w2"]
    tokens = rows(*([vocab.stoi.get(w, UNK) for w in s.split()] for s in text))
    datamodule = SimpleNamespace(vocab=vocab,
                                 training_sentences=lambda: [[BOS, *vocab.encode(s.split()), EOS] for s in corpus])
    evaluator = PriorSamples(lm_order=3, cache_dir=str(tmp_path), greedy=False, reverse=True)
    metrics = evaluator.build(datamodule)
    references = corpus[:3]
    reference_tokens = rows(*(vocab.encode(s.split()) for s in references))
    model = SimpleNamespace(decoder=SimpleNamespace(generate=lambda z, max_words, greedy: tokens),
                            inputs=lambda batch: SimpleNamespace(target=SimpleNamespace(tokens=reference_tokens)))
    data = SimpleNamespace(prior=torch.distributions.Normal(0.0, 1.0), q=True)
    step = SimpleNamespace(batch=text, passes={"data": data})
    for name, args in evaluator.measure(model, step).items():
        metrics[name].update(*args)

    expected_ppl = NgramLanguageModel(build_arpa(corpus, 3, tmp_path, lmplz)).perplexity(text)
    assert float(metrics["sample_ppl"].compute()) == pytest.approx(expected_ppl, rel=1e-6)
    assert float(metrics["sample_length"].compute()) == pytest.approx(8 / 4)
    expected_reverse = NgramLanguageModel(build_arpa(text, 3, tmp_path, lmplz)).perplexity(references)
    assert float(metrics["reverse_ppl"].compute()) == pytest.approx(expected_reverse, rel=1e-6)
    assert evaluator.estimators()["test/reverse_ppl"]["decoding"] == "sampled words"
    words = lambda sentences: torch.bincount(torch.tensor([vocab.stoi.get(w, UNK) for s in sentences  # noqa: E731
                                                           for w in s.split()]), minlength=len(vocab)).double()
    expected_kl = unigram_kl(words(text), words(corpus))
    assert float(metrics["unigram_kl"].compute()) == pytest.approx(float(expected_kl), rel=1e-6)
