"""Build the MNIST sample shipped in the package and the test fixtures from a full copy.

    python scripts/make_samples.py /path/to/data_root

The package sample (first 1,000 training and 200 test images) lets the default command run
with no data root and no network; the fixtures (one per file format) feed the smoke tests.
Text fixtures are the first lines of each file; where a training file is not distributed with
the data (Yelp, Yahoo, SNLI sentences), the fixture's training file is cut from another split
of the same corpus, which is enough to exercise the format. The Planetoid fixture is the Cora
subgraph around node 0 found by breadth-first search, written in the GCN file layout; the Frey
fixture is the first 120 faces.
"""

from __future__ import annotations

import argparse
import gzip
import pickle
from collections import defaultdict, deque
from pathlib import Path

import numpy as np
import scipy.sparse

from vaezoo.data.frey import read_frey
from vaezoo.data.idx import read_idx_gz, write_idx_gz
from vaezoo.data.planetoid import read_edges, read_features
from vaezoo.data.safe_pickle import load_data_pickle

REPO = Path(__file__).resolve().parent.parent


def write_idx_subset(source: Path, target: Path, n_train: int, n_test: int) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name, count in (("train-images-idx3-ubyte.gz", n_train), ("train-labels-idx1-ubyte.gz", n_train),
                        ("t10k-images-idx3-ubyte.gz", n_test), ("t10k-labels-idx1-ubyte.gz", n_test)):
        write_idx_gz(target / name, read_idx_gz(source / name)[:count])


def head_lines(source: Path, target: Path, count: int, skip: int = 0) -> None:
    """Lines skip .. skip + count of ``source`` into ``target``, byte for byte."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(source, "rb") as handle:
        lines = handle.readlines()[skip: skip + count]
    target.write_bytes(b"".join(lines).rstrip(b"\n") + b"\n")


TEXT_FIXTURES = [  # (source under the data root, fixture under tests/fixtures, lines, lines skipped)
    ("ptb/ptb.train.txt", "ptb/ptb.train.txt", 300, 0),
    ("ptb/ptb.valid.txt", "ptb/ptb.valid.txt", 60, 0),
    ("ptb/ptb.test.txt", "ptb/ptb.test.txt", 60, 0),
    ("yelp/valid.txt", "yelp/train.txt", 200, 100),
    ("yelp/valid.txt", "yelp/valid.txt", 50, 0),
    ("yelp/test.txt", "yelp/test.txt", 50, 0),
    ("yahoo/yahoo.valid.txt", "yahoo/yahoo.train.txt", 150, 100),
    ("yahoo/yahoo.valid.txt", "yahoo/yahoo.valid.txt", 40, 0),
    ("yahoo/yahoo.test.txt", "yahoo/yahoo.test.txt", 40, 0),
    ("snli/snli_sentences_1000.txt", "snli/snli_sentences_all.txt", 400, 0),
    ("snli/snli_dev.jsonl", "snli/snli_dev.jsonl", 60, 0),
    ("snli/snli_sentences_1000.txt", "snli/snli_sentences_1000.txt", 60, 0),
    ("snli/snli_test_lower.tsv", "snli/snli_test_lower.tsv", 60, 0),
    ("dailydialog/original/df_daily_valid.csv", "dailydialog/original/df_daily_valid.csv", 41, 0),
    ("dailydialog/de_duplicated/df_daily_test_without_duplicates.csv",
     "dailydialog/de_duplicated/df_daily_test_without_duplicates.csv", 41, 0),
    ("20ng/train.feat", "20ng/train.feat", 200, 0),
    ("20ng/test.feat", "20ng/test.feat", 60, 0),
    ("20ng/vocab.new", "20ng/vocab.new", 2000, 0),
]


def write_planetoid_subgraph(source: Path, target: Path, nodes: int, test_nodes: int) -> None:
    """The first ``nodes`` Cora nodes reached from node 0, the last ``test_nodes`` of them as test nodes."""
    edges, num_nodes = read_edges(source / "ind.cora.graph")
    features = read_features(source, "cora", num_nodes).numpy()
    neighbours = defaultdict(list)
    for a, b in edges.T.tolist():
        neighbours[a].append(b)
    order, seen, queue = [], {0}, deque([0])
    while queue and len(order) < nodes:
        node = queue.popleft()
        order.append(node)
        for other in neighbours[node]:
            if other not in seen:
                seen.add(other)
                queue.append(other)
    new_id = {old: new for new, old in enumerate(order)}
    graph = defaultdict(list, {new_id[a]: [new_id[b] for b in neighbours[a] if b in new_id] for a in order})
    test_ids = list(range(nodes - test_nodes, nodes))
    shuffled = np.random.default_rng(0).permutation(test_ids)
    rows = features[order]
    target.mkdir(parents=True, exist_ok=True)
    parts = {"allx": scipy.sparse.csr_matrix(rows[: nodes - test_nodes]), "tx": scipy.sparse.csr_matrix(rows[shuffled]),
             "x": scipy.sparse.csr_matrix(rows[:10]), "graph": graph}
    for part, value in parts.items():
        with open(target / f"ind.cora.{part}", "wb") as handle:
            pickle.dump(value, handle, protocol=4)
    (target / "ind.cora.test.index").write_text("".join(f"{i}\n" for i in shuffled))
    assert load_data_pickle(target / "ind.cora.graph") == graph


def write_frey_subset(source: Path, target: Path, count: int) -> None:
    """The first ``count`` faces, pickled like the original file (a list holding one uint8 array; a
    Python 3 pickle, which the restricted unpickler reads alike)."""
    faces = read_frey(source / "freyfaces.pkl")[:count]
    target.mkdir(parents=True, exist_ok=True)
    with open(target / "freyfaces.pkl", "wb") as handle:
        pickle.dump([faces], handle, protocol=4)
    assert np.array_equal(read_frey(target / "freyfaces.pkl"), faces)


def write_gzip_head(source: Path, target: Path, count: int) -> None:
    """The first ``count`` lines of a gzipped text file, gzipped again (no timestamp: reproducible)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(source, "rb") as handle:
        lines = [handle.readline() for _ in range(count)]
    target.write_bytes(gzip.compress(b"".join(lines), mtime=0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_root", type=Path)
    data_root = parser.parse_args().data_root
    source = data_root / "mnist"
    write_idx_subset(source, REPO / "vaezoo" / "data" / "sample" / "mnist", 1000, 200)
    fixture = REPO / "tests" / "fixtures" / "mnist"
    write_idx_subset(source, fixture, 120, 40)
    with np.load(source / "binarized_mnist.npz", allow_pickle=False) as npz:
        np.savez_compressed(fixture / "binarized_mnist.npz", train=npz["train"][:100],
                            valid=npz["valid"][:40], test=npz["test"][:40])
    for source_name, target_name, count, skip in TEXT_FIXTURES:
        head_lines(data_root / source_name, REPO / "tests" / "fixtures" / target_name, count, skip)
    write_planetoid_subgraph(data_root / "planetoid", REPO / "tests" / "fixtures" / "planetoid", 160, 40)
    write_frey_subset(data_root / "frey", REPO / "tests" / "fixtures" / "frey", 120)
    train = "dailydialog/original/dialogues_train.txt.gz"
    write_gzip_head(data_root / train, REPO / "tests" / "fixtures" / train, 30)


if __name__ == "__main__":
    main()
