import gzip

import numpy as np
import pytest

from vaezoo.data.idx import read_idx_gz, write_idx_gz
from vaezoo.errors import DataFileError


def test_round_trip(tmp_path):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    write_idx_gz(tmp_path / "a.gz", array)
    assert np.array_equal(read_idx_gz(tmp_path / "a.gz"), array)


def test_fixture_images_have_mnist_shape(fixtures_dir):
    images = read_idx_gz(fixtures_dir / "mnist" / "train-images-idx3-ubyte.gz")
    labels = read_idx_gz(fixtures_dir / "mnist" / "train-labels-idx1-ubyte.gz")
    assert images.shape == (120, 28, 28) and labels.shape == (120,) and labels.max() <= 9


def test_truncated_gzip_is_reported_with_the_file(tmp_path, fixtures_dir):
    data = (fixtures_dir / "mnist" / "train-images-idx3-ubyte.gz").read_bytes()
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataFileError, match=r"train-images-idx3-ubyte\.gz is truncated"):
        read_idx_gz(path)


def test_payload_shorter_than_header_is_reported(tmp_path):
    path = tmp_path / "short.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(bytes([0, 0, 8, 1]) + (10).to_bytes(4, "big") + bytes(5))
    with pytest.raises(DataFileError, match="holds 13 bytes but its header"):
        read_idx_gz(path)


def test_bad_magic_is_reported(tmp_path):
    path = tmp_path / "bad.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(b"PK\x03\x04garbage")
    with pytest.raises(DataFileError, match="bad magic number"):
        read_idx_gz(path)
