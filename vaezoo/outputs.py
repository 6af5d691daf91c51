"""Files of a run directory that must survive a resumed run.

Lightning's CSVLogger starts metrics.csv afresh in a directory that already has one, which
would drop the curves of the epochs before a resume. ``keep_earlier_metrics`` sets the earlier
file aside before training and puts its rows back in front of the new ones afterwards; if the
run dies in between, the earlier rows are still on disk under their set-aside name, and
``stitched_metrics`` puts such a run's whole history back together. A resume from a checkpoint
older than the last logged row repeats steps: ``without_repeats`` keeps the later attempt's rows.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _rows(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def write_metrics(path: Path, rows: list[dict]) -> None:
    """``rows`` as a metrics file over the union of their columns, written atomically."""
    tmp = path.with_suffix(".csv.tmp")
    try:
        with open(tmp, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(dict.fromkeys(k for row in rows for k in row)))
            writer.writeheader()
            writer.writerows(rows)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def _step(row: dict) -> int | None:
    return int(row["step"]) if row.get("step") not in (None, "") else None


def without_repeats(rows: list[dict]) -> list[dict]:
    """``rows`` in logging order with the steps a resumed attempt ran again kept once, the later
    attempt's. An attempt begins where the step goes back, or where a row logs a metric that an
    earlier row of the same step logged (a resume from the checkpoint just before the last logged
    rows); the earlier attempt's rows from that step on are dropped."""
    kept: list[dict] = []
    logged: dict[int, set[str]] = {}   # step -> the metrics logged at it so far
    last = None
    for row in rows:
        step = _step(row)
        if step is not None:
            names = {k for k, v in row.items() if v not in (None, "") and k not in ("epoch", "step")}
            if last is not None and (step < last or names & logged.get(step, set())):
                kept = [r for r in kept if _step(r) is None or _step(r) < step]
                logged = {s: n for s, n in logged.items() if s < step}
            logged.setdefault(step, set()).update(names)
            last = step
        kept.append(row)
    return kept


def merge_metrics(earlier: Path, current: Path) -> None:
    """Write ``current`` as the rows of ``earlier`` followed by its own, over the union of columns,
    with repeated steps kept once (``without_repeats``)."""
    write_metrics(current, without_repeats(_rows(earlier) + (_rows(current) if current.is_file() else [])))


def _set_aside_index(path: Path) -> int:
    """metrics.before-resume.csv -> 0, metrics.before-resume-3.csv -> 3."""
    suffix = path.stem.removeprefix("metrics.before-resume")
    return int(suffix.removeprefix("-")) if suffix else 0


def stitched_metrics(output_dir: Path) -> list[dict]:
    """The rows of a run's whole history: the files a killed run left set aside, oldest
    first, then metrics.csv, with the steps a resume repeated kept once (``without_repeats``)."""
    parts = sorted(output_dir.glob("metrics.before-resume*.csv"), key=_set_aside_index)
    parts += [output_dir / "metrics.csv"] if (output_dir / "metrics.csv").is_file() else []
    return without_repeats([row for part in parts for row in _rows(part)])


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
