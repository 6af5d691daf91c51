"""The bag-of-words loss of Zhao et al. (2017): every target word scored by one softmax of z."""

import pytest
import torch

from tests.nets.test_lstm import batch
from vaezoo.latent import GaussianHead
from vaezoo.models import ImageVAE, SentenceVAE
from vaezoo.nets import MLP, SentenceDecoder, SentenceEncoder
from vaezoo.objectives import KL, BagOfWords, Objective, Reconstruction
from vaezoo.priors import StandardNormal

VOCAB = 12


def sentence_vae() -> SentenceVAE:
    torch.manual_seed(0)
    objective = Objective({"re": Reconstruction(), "kl": KL(), "bow": BagOfWords(hidden_size=6)})
    return SentenceVAE(SentenceEncoder(VOCAB, 8, 16), GaussianHead(32, 4), SentenceDecoder(VOCAB, 4, 8, 16),
                       StandardNormal(4), objective)


def test_bag_of_words_sums_the_log_probabilities_of_the_words_and_eos():
    model = sentence_vae()
    term = model.objective.terms["bow"]
    assert term.predictor[-1].out_features == VOCAB and term.predictor[0].in_features == 4
    x = batch([[5, 6, 6], [7]])
    data = model.encode(x)
    log_probs = torch.log_softmax(term.predictor(data.z), dim=-1)
    expected = torch.stack([log_probs[0, [5, 6, 6, 3]].sum(), log_probs[1, [7, 3]].sum()])  # 3 = <eos>
    torch.testing.assert_close(term(model, data), expected)


def test_bag_of_words_is_trained_with_the_model_and_outside_the_bound():
    model = sentence_vae()
    data = model.encode(batch([[5, 6], [7, 8, 9]]))
    values = model.objective.values(model, {"data": data})
    assert set(model.optimizations) == {"main"} and model.objective.terms["bow"].bound_sign == 0
    torch.testing.assert_close(model.objective.bound(values), values["re"] - values["kl"])
    (-values["bow"].mean()).backward()
    assert model.objective.terms["bow"].predictor[0].weight.grad.abs().sum() > 0
    assert model.encoder.lstm.weight_ih_l0.grad.abs().sum() > 0


def test_bag_of_words_needs_a_vocabulary_output():
    with pytest.raises(ValueError, match="vocabulary"):
        ImageVAE(MLP(6, [8]), GaussianHead(8, 2), MLP(2, [8], 6), StandardNormal(2),
                 Objective({"re": Reconstruction(), "bow": BagOfWords()}))
