"""Reader of the gzip-compressed IDX files of MNIST (LeCun et al. 1998), with checks."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from vaezoo.errors import DataFileError

# IDX magic numbers: unsigned byte data with 1 (labels) or 3 (images) dimensions.
_MAGIC_UBYTE = 0x08


def read_idx_gz(path: Path) -> np.ndarray:
    """Array stored in a gzip'd IDX file; raises DataFileError if truncated or malformed."""
    try:
        with gzip.open(path, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError, zlib.error) as err:
        raise DataFileError(f"{path} is truncated or not a gzip file ({err}); delete it and "
                            f"download it again") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != _MAGIC_UBYTE:
        raise DataFileError(f"{path} is not an unsigned-byte IDX file (bad magic number)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(shape))
    if len(raw) != expected:
        raise DataFileError(f"{path} holds {len(raw)} bytes but its header {shape} needs {expected}; "
                            f"the file is truncated or corrupt: delete it and download it again")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def write_idx_gz(path: Path, array: np.ndarray) -> None:
    """Write an unsigned-byte array as a gzip'd IDX file (used to build samples and fixtures)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, _MAGIC_UBYTE, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as handle:
        handle.write(header + array.tobytes())
