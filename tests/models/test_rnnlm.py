import pytest
import torch

from tests.nets.test_lstm import batch
from vaezoo.models import RNNLanguageModel
from vaezoo.models.optimization import adam
from vaezoo.nets import SentenceDecoder


def test_inputless_language_model_reads_a_constant_and_learns_position_statistics():
    torch.manual_seed(0)
    decoder = SentenceDecoder(12, latent_dim=0, embedding_dim=8, hidden_size=16, setting="inputless")
    model = RNNLanguageModel(decoder, optimizers=adam(0.05))
    x = batch([[5, 6, 7]] * 4)
    optimizer = model.configure_optimizers()["optimizer"]
    for _ in range(60):
        optimizer.zero_grad()
        model.training_step(x, 0).backward()
        optimizer.step()
    logits = decoder(x, None)
    assert logits.argmax(-1)[0].tolist() == [5, 6, 7, 3]  # w1 w2 w3 <eos>, from position alone
    torch.testing.assert_close(decoder(batch([[9, 9, 9]]), None), logits[:1])  # the words are never read


def test_language_model_rejects_a_latent_decoder():
    with pytest.raises(ValueError, match="latent_dim=0"):
        RNNLanguageModel(SentenceDecoder(12, latent_dim=4))
