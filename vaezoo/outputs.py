"""Files of a run directory that must survive a resumed run.

Lightning's CSVLogger starts metrics.csv afresh in a directory that already has one, which
would drop the curves of the epochs before a resume. ``keep_earlier_metrics`` sets the earlier
file aside before training and puts its rows back in front of the new ones afterwards; if the
run dies in between, the earlier rows are still on disk under their set-aside name.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def merge_metrics(earlier: Path, current: Path) -> None:
    """Write ``current`` as the rows of ``earlier`` followed by its own, over the union of columns."""
    with open(earlier, newline="") as handle:
        old = list(csv.DictReader(handle))
    new: list[dict] = []
    if current.is_file():
        with open(current, newline="") as handle:
            new = list(csv.DictReader(handle))
    columns = list(dict.fromkeys(k for row in old + new for k in row))
    tmp = current.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(old + new)
    tmp.replace(current)


@contextmanager
def keep_earlier_metrics(output_dir: Path) -> Iterator[None]:
    """Around a run that may resume into ``output_dir``: keep the rows of an earlier metrics.csv."""
    current = output_dir / "metrics.csv"
    if not current.is_file():
        yield
        return
    earlier = output_dir / "metrics.before-resume.csv"
    index = 1
    while earlier.exists():
        earlier = output_dir / f"metrics.before-resume-{index}.csv"
        index += 1
    current.replace(earlier)
    try:
        yield
    finally:   # a resume that fails puts the earlier rows back too: the same file if it logged nothing
        if current.is_file():
            merge_metrics(earlier, current)
            earlier.unlink()
        else:
            earlier.replace(current)
