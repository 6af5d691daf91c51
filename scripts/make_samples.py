"""Build the MNIST sample shipped in the package and the test fixtures from a full copy.

    python scripts/make_samples.py /path/to/data_root

The package sample (first 1,000 training and 200 test images) lets the default command run
with no data root and no network; the fixtures (one per file format) feed the smoke tests.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from vaezoo.data.idx import read_idx_gz, write_idx_gz

REPO = Path(__file__).resolve().parent.parent


def write_idx_subset(source: Path, target: Path, n_train: int, n_test: int) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name, count in (("train-images-idx3-ubyte.gz", n_train), ("train-labels-idx1-ubyte.gz", n_train),
                        ("t10k-images-idx3-ubyte.gz", n_test), ("t10k-labels-idx1-ubyte.gz", n_test)):
        write_idx_gz(target / name, read_idx_gz(source / name)[:count])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_root", type=Path)
    source = parser.parse_args().data_root / "mnist"
    write_idx_subset(source, REPO / "vaezoo" / "data" / "sample" / "mnist", 1000, 200)
    fixture = REPO / "tests" / "fixtures" / "mnist"
    write_idx_subset(source, fixture, 120, 40)
    with np.load(source / "binarized_mnist.npz", allow_pickle=False) as npz:
        np.savez_compressed(fixture / "binarized_mnist.npz", train=npz["train"][:100],
                            valid=npz["valid"][:40], test=npz["test"][:40])


if __name__ == "__main__":
    main()
