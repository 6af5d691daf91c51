"""Loading third-party pickles without running their code.

The Planetoid citation graphs (Yang et al. 2016) are distributed only as Python 2 pickles, and
torch_geometric's own reader unpickles them with the full ``pickle`` module, which executes
whatever the file names. This unpickler resolves only the classes such data files need (numpy
arrays, scipy sparse matrices, plain containers) and refuses every other global, so a crafted
file fails with an error instead of running code.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse

from vaezoo.errors import DataFileError


def _numpy_reconstruct():
    try:  # numpy >= 2 moved the core modules
        from numpy._core.multiarray import _reconstruct
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core.multiarray import _reconstruct
    return _reconstruct


# (module, name) as written in the pickle -> the object it may resolve to.
ALLOWED_GLOBALS: dict[tuple[str, str], Any] = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _numpy_reconstruct(),
    ("numpy._core.multiarray", "_reconstruct"): _numpy_reconstruct(),
    ("scipy.sparse.csr", "csr_matrix"): scipy.sparse.csr_matrix,
    ("scipy.sparse._csr", "csr_matrix"): scipy.sparse.csr_matrix,
    ("scipy.sparse.csc", "csc_matrix"): scipy.sparse.csc_matrix,
    ("scipy.sparse.lil", "lil_matrix"): scipy.sparse.lil_matrix,
    ("collections", "defaultdict"): __import__("collections").defaultdict,
    ("__builtin__", "list"): list,
    ("builtins", "list"): list,
    ("__builtin__", "dict"): dict,
    ("builtins", "dict"): dict,
    ("__builtin__", "set"): set,
    ("builtins", "set"): set,
}


class ForbiddenGlobal(pickle.UnpicklingError):
    """The pickle names a class or function outside ``ALLOWED_GLOBALS``."""


class RestrictedUnpickler(pickle.Unpickler):
    """``pickle.Unpickler`` whose ``find_class`` knows only ``ALLOWED_GLOBALS``."""

    def find_class(self, module: str, name: str) -> Any:
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise ForbiddenGlobal(f"global {module}.{name} is not allowed") from None


def load_data_pickle(path: Path) -> Any:
    """Unpickle a data file (Python 2 pickles decoded as latin-1) with ``RestrictedUnpickler``."""
    try:
        with open(path, "rb") as handle:
            return RestrictedUnpickler(handle, encoding="latin1").load()
    except ForbiddenGlobal as err:
        raise DataFileError(f"{path}: refused to unpickle ({err}); only numpy arrays, scipy sparse matrices and "
                            f"plain containers are loaded from data files") from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as err:
        raise DataFileError(f"{path}: not a readable data pickle ({type(err).__name__}: {err}): truncated or "
                            "corrupt; delete it and fetch it again") from None
    except (MemoryError, OverflowError):   # a corrupt length field declares a string of exabytes
        raise DataFileError(f"{path}: not a readable data pickle (it declares an object larger than memory; "
                            f"the file is {path.stat().st_size} bytes): truncated or corrupt, fetch it again") from None
