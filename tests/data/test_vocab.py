import pytest

from vaezoo.data.vocab import BOS, EOS, PAD, SPECIALS, UNK, Vocabulary


def test_build_orders_by_count_then_first_appearance_and_maps_unknown_markers():
    vocab = Vocabulary.build([["b", "a", "<unk>"], ["a", "c", "_UNK"], ["c", "a"]])
    assert vocab.itos[:4] == SPECIALS and (PAD, UNK, BOS, EOS) == (0, 1, 2, 3)
    assert vocab.words == ("a", "c", "b")  # counts 3, 2, 1
    assert vocab.encode(["a", "<unk>", "_UNK", "zebra"]) == [4, UNK, UNK, UNK]


def test_max_size_and_min_count():
    sentences = [["x"] * 5 + ["y"] * 3 + ["z"]]
    assert Vocabulary.build(sentences, max_size=2).words == ("x", "y")
    assert Vocabulary.build(sentences, min_count=2).words == ("x", "y")
    with pytest.raises(ValueError, match="max_size"):
        Vocabulary.build(sentences, max_size=0)


def test_decode_stops_at_eos_and_drops_padding():
    vocab = Vocabulary(["the", "cat"])
    ids = [BOS, *vocab.encode(["the", "cat"]), EOS, PAD, PAD]
    assert vocab.decode(ids) == ["the", "cat"]
    assert vocab.decode(ids, strip_specials=False)[-3:] == ["<eos>", "<pad>", "<pad>"]


def test_state_round_trip_is_plain_data_and_equal():
    vocab = Vocabulary.build([["a", "b", "b"]])
    state = vocab.state_dict()
    assert state == {"words": ["b", "a"]}
    again = Vocabulary.from_state_dict(state)
    assert again == vocab and again.fingerprint() == vocab.fingerprint()
    assert Vocabulary(["a", "b"]).fingerprint() != vocab.fingerprint()


@pytest.mark.parametrize("state", [{"words": "ab"}, {"words": [1, 2]}, {}, ["a"]])
def test_from_state_rejects_malformed(state):
    with pytest.raises(ValueError, match="words"):
        Vocabulary.from_state_dict(state)


def test_reserved_and_duplicate_words_rejected():
    with pytest.raises(ValueError, match="reserved"):
        Vocabulary(["<eos>"])
    with pytest.raises(ValueError, match="distinct"):
        Vocabulary(["a", "a"])
