"""The published tables of the reproduced papers, as CSV (numbers as printed in the papers).

Columns are named in each file's first line; an empty cell means the paper gives no number.
"""

from __future__ import annotations

import csv
from importlib import resources


def read_table(name: str) -> list[dict[str, str]]:
    """Rows of ``<name>.csv`` (e.g. "davidson2018_table5") as dictionaries of strings."""
    path = resources.files(__name__) / f"{name}.csv"
    if not path.is_file():
        available = sorted(p.name[:-4] for p in resources.files(__name__).iterdir() if p.name.endswith(".csv"))
        raise KeyError(f"no published table {name!r}; available: {available}")
    with path.open() as handle:
        return list(csv.DictReader(handle))
