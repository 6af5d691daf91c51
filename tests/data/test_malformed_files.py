"""Every reader of a data file, fed malformed bytes (hypothesis), either reads it or raises
DataFileError naming the file: never another exception, never a hang."""

import gzip
import pickle

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaezoo.data.bow import read_feat_file, read_vocab_file
from vaezoo.data.dialogue import csv_pairs, dialogue_pairs
from vaezoo.data.frey import read_frey
from vaezoo.data.idx import read_idx_gz
from vaezoo.data.planetoid import read_edges
from vaezoo.data.safe_pickle import load_data_pickle
from vaezoo.errors import DataFileError

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Bytes that look like each format's start, mutated: plain noise rarely gets past the first check.
PREFIXES = [b"", b"\x1f\x8b", gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x05abc"), pickle.dumps([1, 2]),
            pickle.dumps({0: [1, 2]}, protocol=2), b"line,reply\n", b"1 3:2 4:1\n", b"word\n"]
payloads = st.builds(lambda prefix, noise, cut: (prefix + noise)[:cut] if cut else prefix + noise,
                     st.sampled_from(PREFIXES), st.binary(max_size=200), st.integers(0, 300))


def reads_or_says_which_file(reader, path):
    try:
        reader(path)
    except DataFileError as error:
        assert str(path) in str(error)


@FUZZ
@given(data=payloads)
@pytest.mark.parametrize("reader", [
    read_idx_gz, read_vocab_file, lambda p: read_feat_file(p, 5), read_frey, load_data_pickle, read_edges,
    dialogue_pairs, csv_pairs,
], ids=["idx", "vocab", "feat", "frey", "pickle", "edges", "dialogues", "pair_csv"])
def test_a_malformed_file_is_read_or_named(tmp_path, reader, data):
    path = tmp_path / "file"
    path.write_bytes(data)
    reads_or_says_which_file(reader, path)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=300), st.text(max_size=200).map(str.encode)))
@pytest.mark.parametrize("line_format", ["plain", "rated"])
def test_a_malformed_text_corpus_is_read_or_named(tmp_path, line_format, data):
    from vaezoo.data.text import parse_lines, read_lines
    path = tmp_path / "ptb.train.txt"
    path.write_bytes(data)
    try:
        lines = read_lines(path, tmp_path / "cache")
        parse_lines(lines, path, line_format)
    except DataFileError as error:
        assert str(path) in str(error)
