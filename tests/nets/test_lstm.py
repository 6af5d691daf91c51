import pytest
import torch

from vaezoo.data.batching import TextBatch
from vaezoo.data.vocab import BOS, EOS, PAD
from vaezoo.nets.lstm import SentenceDecoder, SentenceEncoder

VOCAB = 12


def batch(rows: list[list[int]], labels: list[int] | None = None) -> TextBatch:
    """<bos> words <eos> padded."""
    seqs = [[BOS, *r, EOS] for r in rows]
    tokens = torch.full((len(seqs), max(map(len, seqs))), PAD)
    for i, s in enumerate(seqs):
        tokens[i, : len(s)] = torch.tensor(s)
    return TextBatch(tokens, torch.tensor([len(s) for s in seqs]), torch.tensor(labels or [-1] * len(seqs)))


def test_encoder_ignores_padding_and_has_the_declared_width():
    torch.manual_seed(0)
    encoder = SentenceEncoder(VOCAB, 8, 16, bidirectional=True).eval()
    short, long = batch([[5, 6]]), batch([[5, 6], [7, 8, 9, 10, 11]])
    assert encoder(long).shape == (2, encoder.out_features) == (2, 64)
    torch.testing.assert_close(encoder(short)[0], encoder(long)[0])


@pytest.mark.parametrize("setting", ["standard", "inputless"])
def test_decoder_uses_previous_words_only_in_the_standard_setting(setting):
    torch.manual_seed(0)
    decoder = SentenceDecoder(VOCAB, latent_dim=4, embedding_dim=8, hidden_size=16, setting=setting).eval()
    z = torch.randn(1, 4)
    a, b = decoder(batch([[5, 6, 7]]), z), decoder(batch([[5, 9, 7]]), z)
    assert a.shape == (1, 4, VOCAB)
    torch.testing.assert_close(a[:, :2], b[:, :2])  # steps before the changed word
    assert torch.allclose(a[:, 2:], b[:, 2:]) == (setting == "inputless")
    assert not torch.allclose(decoder(batch([[5, 6, 7]]), z + 1.0), a)


def test_log_likelihood_is_the_masked_sum_of_token_log_probabilities():
    torch.manual_seed(0)
    decoder = SentenceDecoder(VOCAB, latent_dim=3, embedding_dim=8, hidden_size=16).eval()
    x, z = batch([[5, 6, 7], [8]]), torch.randn(2, 3)
    logp = decoder(x, z).log_softmax(-1)
    expected = [sum(logp[i, t, x.tokens[i, t + 1]] for t in range(int(x.lengths[i]) - 1)) for i in range(2)]
    torch.testing.assert_close(decoder.log_likelihood(x, z), torch.stack(expected))
    # Several codes per sentence: rows repeat the batch, sample-major.
    zs = torch.randn(3 * 2, 3)
    many = decoder.log_likelihood(x, zs)
    torch.testing.assert_close(many[4:], decoder.log_likelihood(x, zs[4:]))


def test_rating_embedding_changes_the_prediction_and_bad_setting_is_rejected():
    torch.manual_seed(0)
    decoder = SentenceDecoder(VOCAB, latent_dim=2, embedding_dim=8, hidden_size=16, label_classes=5).eval()
    z = torch.randn(1, 2)
    assert not torch.allclose(decoder(batch([[5]], [0]), z), decoder(batch([[5]], [4]), z))
    with pytest.raises(ValueError, match="setting='none' is not one of"):
        SentenceDecoder(VOCAB, 2, setting="none")
