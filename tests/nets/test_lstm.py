import pytest
import torch

from vaezoo.data.batching import TextBatch
from vaezoo.data.vocab import BOS, EOS, PAD
from vaezoo.nets.lstm import SentenceDecoder, SentenceEncoder, mean_word_embedding

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


def test_bow_vector_is_the_mean_embedding_of_the_words_only():
    torch.manual_seed(0)
    embedding = torch.nn.Embedding(VOCAB, 3, padding_idx=PAD)
    x = batch([[5, 6, 6], [9]])           # the second row is padded
    bow = mean_word_embedding(x.tokens, embedding).detach()
    weights = embedding.weight.detach()
    torch.testing.assert_close(bow[0], (weights[5] + 2 * weights[6]) / 3)
    torch.testing.assert_close(bow[1], weights[9])
    assert torch.equal(mean_word_embedding(batch([[]]).tokens, embedding), torch.zeros(1, 3))


@pytest.mark.parametrize("setting", ["standard", "inputless"])
def test_bow_decoder_sees_the_whole_sentence_from_the_first_step(setting):
    torch.manual_seed(0)
    decoder = SentenceDecoder(VOCAB, latent_dim=2, embedding_dim=8, hidden_size=16, setting=setting,
                              bow_input=True).eval()
    assert decoder.lstm.input_size == (16 if setting == "standard" else 8) + 2
    assert (decoder.bow_embedding is decoder.embedding) == (setting == "standard")
    z = torch.randn(1, 2)
    # A word changed at the end changes the first step's prediction: only the BoW input carries it.
    first, changed = decoder(batch([[5, 6, 7]]), z)[:, 0], decoder(batch([[5, 6, 9]]), z)[:, 0]
    assert not torch.allclose(first, changed)
    # Word order does not enter the BoW vector (inputless: the decoder sees no words otherwise).
    if setting == "inputless":
        torch.testing.assert_close(decoder(batch([[5, 6, 7]]), z), decoder(batch([[7, 6, 5]]), z))
    # An RNN language model with BoW input only (Table 5, "RNNLM").
    lm = SentenceDecoder(VOCAB, latent_dim=0, embedding_dim=8, hidden_size=16, setting=setting, bow_input=True)
    assert lm.log_likelihood(batch([[5, 6]]), None).shape == (1,)


def test_greedy_generation_agrees_with_teacher_forced_decoding():
    """Feeding the generated words back as a batch reproduces their argmax at every step."""
    torch.manual_seed(0)
    decoder = SentenceDecoder(vocab_size=12, latent_dim=3, embedding_dim=5, hidden_size=7, z_init_state=True).eval()
    z = torch.randn(4, 3)
    tokens = decoder.generate(z, max_words=6)
    assert (tokens[:, 0] == BOS).all() and ((tokens == EOS).sum(1) == 1).all()
    lengths = (tokens != PAD).sum(1)
    logits = decoder(TextBatch(tokens, lengths, torch.full((4,), -1)), z)
    for row in range(4):
        steps = int(lengths[row]) - 1
        predicted = logits[row, :steps].argmax(-1)
        if tokens[row, steps] == EOS and predicted[-1] != EOS:      # cut at max_words: <eos> appended
            steps -= 1
        assert torch.equal(predicted[:steps], tokens[row, 1: steps + 1])


def test_encoder_hidden_state_summary_and_pair_batches():
    from vaezoo.data.batching import PairBatch

    encoder = SentenceEncoder(vocab_size=10, embedding_dim=4, hidden_size=6, final_state="hidden")
    source, target = batch([[5, 6, 6, 6, 6], [7]]), batch([[8], [9, 9, 9]])
    assert encoder.out_features == 6 and encoder(PairBatch(source, target)).shape == (2, 6)
    assert torch.allclose(encoder(PairBatch(source, target)), encoder(source))
    decoder = SentenceDecoder(vocab_size=10, latent_dim=2, embedding_dim=4, hidden_size=6)
    assert decoder(PairBatch(source, target), torch.zeros(2, 2)).shape == (2, 4, 10)   # the target's steps
    with pytest.raises(ValueError, match="final_state"):
        SentenceEncoder(vocab_size=10, final_state="cell")


def test_word_dropout_replaces_words_by_padding_and_keeps_bos():
    from vaezoo.nets.lstm import WordDropout

    torch.manual_seed(0)
    dropout = WordDropout(0.5).train()
    tokens = torch.full((200, 10), 7)
    tokens[:, 0] = BOS
    dropped = dropout(tokens)
    assert (dropped[:, 0] == BOS).all()
    assert set(dropped[:, 1:].unique().tolist()) == {PAD, 7}
    assert abs((dropped[:, 1:] == PAD).float().mean().item() - 0.5) < 0.03
    assert torch.equal(dropout.eval()(tokens), tokens)


def test_word_dropout_schedule_rises_by_its_step_to_its_maximum():
    from vaezoo.callbacks import WordDropoutSchedule

    schedule = WordDropoutSchedule(start=0.0, step=0.05, maximum=0.5)
    assert [schedule.rate(e) for e in (0, 1, 4, 10, 30)] == pytest.approx([0.0, 0.05, 0.2, 0.5, 0.5])
    with pytest.raises(ValueError, match="rates"):
        WordDropoutSchedule(maximum=1.5)


def test_a_tanh_initial_state_is_the_squashed_linear_map_of_z():
    torch.manual_seed(0)
    decoder = SentenceDecoder(VOCAB, 3, 4, 5, init_state_activation="tanh")
    z = 10 * torch.randn(2, 3)
    h0, c0 = decoder._initial_state(z)
    expected_h, expected_c = torch.tanh(decoder.init_state(z)).chunk(2, dim=-1)
    torch.testing.assert_close(h0[0], expected_h)
    torch.testing.assert_close(c0[0], expected_c)
    assert h0.abs().max() <= 1
    with pytest.raises(ValueError, match="init_state_activation"):
        SentenceDecoder(VOCAB, 3, init_state_activation="relu")
