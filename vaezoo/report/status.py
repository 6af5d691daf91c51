"""The status page: every published number of the reproduced tables beside ours, with a verdict.

A published cell is *within the error bar* when |ours - paper| is at most the paper's standard
deviation (its ``<column>_std``), *within tolerance* when the difference is inside the tolerance
fixed for that kind of metric below (before any run was compared), *outside* otherwise, and
*not run* when no committed record quotes the row, with the reason where one is known.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from vaezoo.paper_tables import read_table
from vaezoo.report.compare import (
    DECIMALS,
    _mean_std,
    _number,
    paper_columns,
    parse_row_reference,
    row_matches,
    row_metric,
    split_stage,
)


@dataclass(frozen=True)
class Tolerance:
    """How far ours may be from the paper and still count as reproduced: an absolute amount or a
    fraction of the published value."""

    amount: float
    relative: bool = False

    def admits(self, ours: float, paper: float) -> bool:
        return abs(ours - paper) <= (self.amount * abs(paper) if self.relative else self.amount)

    def __str__(self) -> str:
        return f"{self.amount:.0%}" if self.relative else f"{self.amount:g}"


NATS, PERPLEXITY, POINTS = Tolerance(1.0), Tolerance(0.02, relative=True), Tolerance(1.0)

# Fixed in advance per kind of metric: 1 nat for log-likelihoods, bounds and their terms, 2% for
# perplexities, 1 point for percentages (accuracy, AUC, AP, BLEU), and for the vMF sampler's
# proposals per sample (Davidson Table 5) 0.03, the standard error of the paper's 1,000-sample
# means at its costliest cell (sqrt(E (E - 1) / 1000) with E = 1.46). Other columns (active units,
# entropy, distinct-n, lengths) have none and count only within the paper's error bar.
TOLERANCES: dict[str, Tolerance] = {
    "nll": NATS, "ll": NATS, "elbo": NATS, "re": NATS, "kl": NATS, "mi": NATS,
    "ppl": PERPLEXITY, "fppl": PERPLEXITY, "rppl": PERPLEXITY, "ppl_20ng": PERPLEXITY, "ppl_rcv1": PERPLEXITY,
    "acc": POINTS, "auc": POINTS, "ap": POINTS, "bleu": POINTS, "bleu2": POINTS, "bleu4": POINTS,
    "proposals": Tolerance(0.03),
}


@dataclass(frozen=True)
class NotRun:
    """Cells of a published table (every row whose cells match ``keys``; one column or all) that are
    not run, and why."""

    table: str
    keys: Mapping[str, str]
    why: str
    column: str | None = None

    def covers(self, table: str, row: Mapping[str, str], column: str) -> bool:
        return table == self.table and self.column in (None, column) and row_matches(row, self.keys)


def not_run(reference: str, why: str, column: str | None = None) -> NotRun:
    table, keys = parse_row_reference(reference)
    return NotRun(table, keys, why, column)


def _our_metric(table: str, row: Mapping[str, str], column: str) -> str:
    """Our metric name of a published cell (the inverse of compare.paper_columns)."""
    renamed = {paper: ours for ours, paper in paper_columns(table, row).items()}
    return renamed.get(column, column)


def _quotes(run: Mapping, table: str, row: Mapping[str, str]) -> bool:
    for reference in run.get("paper_rows") or []:
        name, keys = parse_row_reference(reference)
        if name == table and row_matches(row, keys):
            return True
    return False


def verdict(ours: Sequence[float], paper: float, spread: float | None, tolerance: Tolerance | None) -> str:
    mean = statistics.mean(ours)
    if spread is not None and abs(mean - paper) <= spread:
        return "within the error bar"
    if tolerance is not None and tolerance.admits(mean, paper):
        return f"within tolerance ({tolerance})"
    return "outside"


def _number_or_none(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


def status_lines(table: str, columns: Sequence[str], runs: Iterable[Mapping], reasons: Sequence[NotRun]) -> list[str]:
    """One markdown line per published cell of ``table`` in ``columns``."""
    runs = list(runs)
    lines = ["| row | metric | ours | paper | ours - paper | scale | runs | status |", "|" + "---|" * 8]
    skipped = set(columns) | {f"{c}_std" for c in columns} | {"note"}
    for row in read_table(table):
        label = ", ".join(f"{k}={v}" for k, v in row.items() if k not in skipped and v)
        quoting = [run for run in runs if _quotes(run, table, row)]
        for column in columns:
            paper = _number_or_none(row.get(column))
            if paper is None:
                continue
            spread = _number_or_none(row.get(f"{column}_std"))
            decimals = DECIMALS.get(column, 2)
            published = _number(paper, decimals) + (f" +- {_number(spread, decimals)}" if spread is not None else "")
            name = f"{split_stage(row)}/{_our_metric(table, row, column)}"
            per_row = row_metric(name, **{key: value for key, value in row.items() if key not in skipped and value})
            measured = [run for run in quoting if per_row in run["metrics"] or name in run["metrics"]]
            if not measured:
                reason = next((r.why for r in reasons if r.covers(table, row, column)), "no committed record yet")
                lines.append(f"| {label} | {column} | - | {published} | - | - | 0 | not run: {reason} |")
                continue
            ours = [float(run["metrics"].get(per_row, run["metrics"].get(name))) for run in measured]
            mean = statistics.mean(ours)
            scale = "/".join(sorted({str(run.get("scale", "?")) for run in measured}))
            status = verdict(ours, paper, spread, TOLERANCES.get(column))
            lines.append(f"| {label} | {column} | {_mean_std(ours, decimals)} | {published} | "
                         f"{_number(mean - paper, decimals)} | "
                         f"{scale} | {len(ours)} | {status} |")
    return lines


def status_page(tables: Mapping[str, Sequence[str]], runs: Iterable[Mapping], reasons: Sequence[NotRun]) -> str:
    """The whole page: a section per published table, in the order given."""
    runs = list(runs)
    header = [
        "# Reproduction status", "",
        "Generated by `make report` from the records under `experiments/*/runs/`; do not edit by hand.",
        "Ours is the mean +- std over seeds. Status: within the paper's error bar (its std), within the",
        "tolerance fixed per metric (1 nat for log-likelihoods and KL/MI, 2% for perplexities, 1 point",
        "for accuracy, AUC and BLEU), outside, or not run with the reason. A status at a scale other",
        "than full compares a reduced run with the paper's full one.",
    ]
    sections = [f"## {table}\n\n" + "\n".join(status_lines(table, columns, runs, reasons))
                for table, columns in tables.items()]
    return "\n".join(header) + "\n\n" + "\n\n".join(sections) + "\n"
