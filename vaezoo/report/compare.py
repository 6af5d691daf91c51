"""Our numbers beside the paper's: mean +- std over seeds of every finished run, per paper row.

    python -m vaezoo.report.compare RUN_DIR [RUN_DIR ...] [--out table.md]

Runs are found as results.json files below the given folders and grouped by experiment and
paper row. A row reference reads ``<table>.csv:<column>=<value>,...``; a metric ``test/<name>``
is compared with the row's column ``<name>`` and its spread with ``<name>_std``. A record that
quotes many rows at once names each row's number ``<metric>@<cell>=<value>,...`` (``row_metric``).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

from vaezoo.paper_tables import read_table


def load_runs(folders: list[Path], measures: list[str] = ()) -> list[dict]:
    """Every results.json below ``folders``; the numbers of each measure file ``<name>.json`` beside
    one (written by an analysis tool, e.g. ``pseudo_inputs``) join its metrics as ``<name>/<key>``."""
    runs = []
    for folder in folders:
        for path in sorted(Path(folder).rglob("results.json")):
            record = json.loads(path.read_text())
            record["path"] = str(path.parent)
            for name in measures:
                measure_path = path.with_name(f"{name}.json")
                if measure_path.is_file():
                    values = json.loads(measure_path.read_text())
                    record["metrics"].update({f"{name}/{key}": value for key, value in values.items()
                                              if isinstance(value, (int, float)) and not isinstance(value, bool)})
            runs.append(record)
    return runs


def parse_row_reference(reference: str) -> tuple[str, dict[str, str]]:
    """("davidson2018_table1", {"model": "s-vae", "d": "5"}) from "davidson2018_table1.csv:model=s-vae,d=5"."""
    table, _, selector = reference.partition(":")
    keys = dict(item.split("=", 1) for item in selector.split(",") if item)
    return table.removesuffix(".csv"), keys


def row_metric(metric: str, **cells: object) -> str:
    """The name of a number that one record gives for each of many rows: ``test/proposals@d=5,kappa=1``
    is ``test/proposals`` of the row whose cells read d=5 and kappa=1 (Davidson Table 5: 45 cells
    from one run)."""
    return f"{metric}@" + ",".join(f"{key}={value}" for key, value in cells.items())


def row_matches(row: dict[str, str], keys: dict[str, str]) -> bool:
    """Whether a published row has every cell a row reference names."""
    return all(row.get(k) == v for k, v in keys.items())


def paper_row(reference: str) -> dict[str, str] | None:
    table, keys = parse_row_reference(reference)
    matches = [row for row in read_table(table) if row_matches(row, keys)]
    return matches[0] if len(matches) == 1 else None


# Where a table's column is named otherwise than our metric: table -> {our name: the paper's column}.
PAPER_COLUMNS = {
    "bahuleyan2019_table1": {"bleu4": "bleu", "sample_ppl": "ppl", "unigram_kl": "unikl", "sample_entropy": "entropy",
                             "sample_length": "avglen"},
    "bahuleyan2019_table2": {"response_entropy": "entropy", "distinct1": "dist1", "distinct2": "dist2"},
    "qian_table2": {"sample_ppl": "fppl", "reverse_ppl": "rppl"},
}
# Where the name depends on the row: row reference -> {our name: the paper's column}. Xu & Durrett's
# 20NG perplexities are corpus-level (their code's, experiments/xu2018/README.md), the Gaussian
# NVDM rows they quote are Miao et al.'s per-document ones.
ROW_PAPER_COLUMNS = {
    "xu2018_table4.csv:source=xu2018": {"ppl_corpus": "ppl_20ng"},
    "xu2018_table4.csv:source=miao2016": {"ppl": "ppl_20ng"},
}


def paper_columns(table: str, row: Mapping[str, str]) -> dict[str, str]:
    """Our metric name -> the published column it is compared with, for one row of ``table``."""
    columns = dict(PAPER_COLUMNS.get(table, {}))
    for reference, renamed in ROW_PAPER_COLUMNS.items():
        name, keys = parse_row_reference(reference)
        if name == table and row_matches(row, keys):
            columns.update(renamed)
    return columns


# The split a published row was measured on (its "split" column) -> the prefix of our metric.
_STAGE_OF_SPLIT = {"dev": "val", "valid": "val", "test": "test"}


def split_stage(paper: dict[str, str]) -> str:
    """The prefix of our metrics a published row compares with: rows without a split column are test numbers."""
    return _STAGE_OF_SPLIT.get(paper.get("split") or "test", "test")


def _published_stage(metric: str) -> bool:
    """Whether a metric is one a paper publishes (a split's), not a measure of our own."""
    return metric.split("/", 1)[0] in ("val", "test")


def _same_split(paper: dict[str, str], stage: str) -> bool:
    return split_stage(paper) == stage


# Metrics whose differences that matter are below 0.01: bits per dimension (the VampPrior tables),
# proposals per accepted vMF sample (Davidson Table 5).
DECIMALS = {"bpd": 3, "proposals": 3}


def _number(value: float, decimals: int = 2) -> str:
    """``decimals`` decimals, or three significant digits below 1 (a distinct-n ratio of 0.0002 is not 0)."""
    return f"{value:.{decimals}f}" if value == 0 or abs(value) >= 1 else f"{value:.3g}"


def _mean_std(values: list[float], decimals: int = 2) -> str:
    if len(values) == 1:
        return _number(values[0], decimals)
    return f"{_number(statistics.mean(values), decimals)} +- {_number(statistics.stdev(values), decimals)}"


def natural_order(texts: tuple[str, ...]) -> tuple:
    """Sort key that orders the numbers inside names by value: latent=10, 40, 100 (not 10, 100, 40),
    lr0.001 before lr0.01."""
    return tuple(tuple(float(part) if i % 2 else part for i, part in enumerate(re.split(r"(\d+(?:\.\d+)?)", text)))
                 for text in texts)


def markdown(runs: list[dict], only: list[str] | None = None, per_run: bool = False) -> str:
    """One table per experiment: a line per paper row with ours (n seeds) and the paper's value
    (a record's number for that row where it gives one per row, ``row_metric``); ``only`` keeps
    those metrics, in that order. ``per_run`` gives each run folder its own line,
    named by the folder (variants of one row: an ablation, probes)."""
    groups: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for run in runs:
        label = Path(run["path"]).name if per_run else ""
        for reference in run["paper_rows"] or [""]:
            groups[(run["experiment"], reference, label)].append(run)
    sections = []
    for experiment in sorted({e for e, _, _ in groups}):
        # a number a record gives for each of its rows (``row_metric``) is shown under its base name
        metrics = sorted({m.split("@", 1)[0] for (e, _, _), rs in groups.items() if e == experiment
                          for r in rs for m in r["metrics"]})
        if only:
            metrics = [m for m in only if m in metrics]
        header = ["run"] * per_run + ["paper row", "seeds", "scale", "epochs", "stopped by"]
        # A measure of our own (pseudo_inputs/...) has no published counterpart: one column.
        header += [cell for m in metrics for cell in ((f"{m} ours", f"{m} paper") if _published_stage(m) else (m,))]
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for (e, reference, label), rs in sorted(groups.items(), key=lambda item: natural_order(item[0])):
            if e != experiment:
                continue
            paper = paper_row(reference) if reference else None
            # a probe of a trained model (k-NN) names the model's seed, not its own
            cells = [label] * per_run + [reference or "-", ", ".join(str(r.get("source_seed", r["seed"])) for r in rs),
                     "/".join(sorted({r["scale"] for r in rs})),
                     "/".join(str(r.get("epochs", "-")) for r in rs),
                     "/".join(sorted({r.get("stopped_by", "-") for r in rs}))]
            cells_of_row = parse_row_reference(reference)[1] if reference else {}
            for metric in metrics:
                per_row = row_metric(metric, **cells_of_row)
                ours = [r["metrics"].get(per_row, r["metrics"].get(metric)) for r in rs
                        if per_row in r["metrics"] or metric in r["metrics"]]
                stage, _, column = metric.rpartition("/")
                table = parse_row_reference(reference)[0] if reference else ""
                column = paper_columns(table, paper or {}).get(column, column)
                published = ""
                if paper is not None and paper.get(column) and _same_split(paper, stage):
                    spread = paper.get(f"{column}_std")
                    published = paper[column] + (f" +- {spread}" if spread else "")
                ours_text = _mean_std(ours, DECIMALS.get(column, 2)) if ours else "-"
                cells.append(f"{ours_text} | {published or '-'}" if _published_stage(metric) else ours_text)
            lines.append("| " + " | ".join(cells) + " |")
        sections.append(f"### {experiment}\n\n" + "\n".join(lines))
    return "\n\n".join(sections) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, help="write the markdown here instead of printing it")
    parser.add_argument("--metrics", help="comma-separated metrics to show, e.g. test/nll,test/kl (default: all)")
    args = parser.parse_args(argv)
    text = markdown(load_runs(args.folders), args.metrics.split(",") if args.metrics else None)
    if args.out:
        args.out.write_text(text)
    else:
        print(text, end="")


if __name__ == "__main__":
    main()
