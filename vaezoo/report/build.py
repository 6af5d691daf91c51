"""Regenerate every table of ``experiments/`` and its status page from the committed run records.

    python -m vaezoo.report.build experiments            # write (``make report``)
    python -m vaezoo.report.build experiments --check    # exit 1 if a file would change

``experiments/report.yaml`` says what to build. Each table entry has its file (``out``), the run
folders it quotes (``runs``, globs relative to ``experiments/``) and the metrics it shows
(``metrics``), and optionally: measure files beside the records whose numbers it may show
(``measures``, e.g. ``[pseudo_inputs]``), a table a run wrote itself to copy instead (``text``,
relative to ``experiments/``), a line per run folder (``per_run``: variants of one
row, an ablation), whether its runs count on the status page (``status``, default true; false
for ablations and probes) and the runs whose training curves it draws where they are other
folders (``curves``). Then the published tables of the status page with their metric columns,
the records that are another table's row too (``same_model``: the record and the experiment
whose model it is, checked by ``vaezoo.report.same_model``), and the rows not run, with the
reason. Beside each table goes ``<table>_curves.png``
(validation KL and NLL per epoch), and beside each points file that ``latent_figures`` lists
its figure (``vaezoo.report.latent_space``: Davidson et al.'s Fig. 2). A published figure
(``paper_figures``: ``figure``, one of ``vaezoo.report.figures.FIGURES``, its ``runs``, ``out``
PNG, optional ``metric``) is redrawn from its records, with the table of its points beside it
(``<out stem>_points.md``). ``--check`` compares the text files only, since PNG bytes depend on the
matplotlib version.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

import yaml

from vaezoo.report.compare import load_runs, markdown
from vaezoo.report.curves import draw_curves
from vaezoo.report.figures import FIGURES, Panel, draw, table
from vaezoo.report.latent_space import draw_latent_space
from vaezoo.report.same_model import rows_also_filled
from vaezoo.report.status import NotRun, not_run, status_page

MANIFEST = "report.yaml"
STATUS_PAGE = "README.md"


class ManifestError(ValueError):
    """report.yaml names something that is not there."""


def _folders(root: Path, patterns: list[str], where: str) -> list[Path]:
    folders = []
    for pattern in patterns:
        matched = sorted(path for path in root.glob(pattern) if path.is_dir())
        if not matched:
            raise ManifestError(f"{root / MANIFEST}: {where}: no run folder matches {pattern!r}")
        folders.extend(matched)
    return folders


def _run_text(root: Path, relative: str, where: str) -> str:
    path = root / relative
    if not path.is_file():
        raise ManifestError(f"{root / MANIFEST}: {where}: text: {path} is missing")
    return f"<!-- `make report` copies this table from {relative}, written by its run -->\n\n" + path.read_text()


def _manifest(root: Path) -> dict:
    manifest_path = root / MANIFEST
    if not manifest_path.is_file():
        raise ManifestError(f"{manifest_path} is missing: it lists the tables `make report` builds")
    return yaml.safe_load(manifest_path.read_text()) or {}


def latent_figures(root: Path) -> list[Path]:
    """The points files whose latent-space figures ``make report`` redraws."""
    points = [root / relative for relative in _manifest(root).get("latent_figures", [])]
    missing = [str(path) for path in points if not path.is_file()]
    if missing:
        raise ManifestError(f"{root / MANIFEST}: latent_figures: {', '.join(missing)} missing")
    return points


def paper_figures(root: Path) -> dict[Path, list[Panel]]:
    """Each published figure's PNG with the panels of ours and the paper's points it draws."""
    figures = {}
    for entry in _manifest(root).get("paper_figures", []):
        where = f"paper_figures: {entry['out']}"
        if entry["figure"] not in FIGURES:
            raise ManifestError(f"{root / MANIFEST}: {where}: figure {entry['figure']!r} is not one of "
                                f"{', '.join(sorted(FIGURES))}")
        panels = FIGURES[entry["figure"]](load_runs(_folders(root, entry["runs"], where)),
                                          entry.get("metric", "test/ppl"))
        if not any(panel.ours for panel in panels):
            raise ManifestError(f"{root / MANIFEST}: {where}: no record of {entry['figure']} among its runs")
        figures[root / entry["out"]] = panels
    return figures


def render(root: Path) -> tuple[dict[Path, str], dict[Path, Callable[[], object]]]:
    """Every generated text file under ``root`` with its text, and every figure with the call that
    draws it (each reads its records or points once, here, so a bad manifest fails before any write)."""
    manifest_path = root / MANIFEST
    manifest = _manifest(root)
    files: dict[Path, str] = {}
    figures: dict[Path, Callable[[], object]] = {}
    quoted: dict[str, dict] = {}
    for entry in manifest.get("tables", []):
        folders = _folders(root, entry["runs"], f"tables: {entry['out']}")
        runs = load_runs(folders, entry.get("measures", []))
        if not runs:
            raise ManifestError(f"{manifest_path}: tables: {entry['out']}: its folders hold no results.json")
        if "text" in entry:  # a table the run wrote itself, e.g. all 45 cells of Davidson Table 5
            files[root / entry["out"]] = _run_text(root, entry["text"], f"tables: {entry['out']}")
        else:
            files[root / entry["out"]] = markdown(runs, entry.get("metrics"), entry.get("per_run", False))
        if entry.get("status", True):
            quoted.update((run["path"], run) for run in runs)
        figure = (root / entry["out"]).with_name(Path(entry["out"]).stem + "_curves.png")
        curves = (load_runs(_folders(root, entry["curves"], f"tables: {entry['out']}: curves"))
                  if "curves" in entry else runs)
        figures[figure] = partial(draw_curves, curves, figure)
    status = manifest.get("status", {})
    for entry in status.get("same_model", []):
        where = f"status: same_model: {entry['run']}"
        run = next((r for r in quoted.values() if Path(r["path"]) == root / entry["run"]), None)
        if run is None:
            raise ManifestError(f"{manifest_path}: {where}: not a run of any table that counts on the status page")
        try:
            rows = rows_also_filled(root / entry["run"], entry["experiment"])
        except ValueError as error:
            raise ManifestError(f"{manifest_path}: {where}: {error}") from None
        quoted[run["path"]] = {**run, "paper_rows": [*run["paper_rows"], *rows]}
    reasons: list[NotRun] = [not_run(item["rows"], item["why"], item.get("column"))
                             for item in status.get("not_run", [])]
    files[root / STATUS_PAGE] = status_page(status.get("tables", {}), quoted.values(), reasons)
    for out, panels in paper_figures(root).items():
        note = f"<!-- `make report` writes these points with {out.name} from the records report.yaml names -->"
        files[out.with_name(out.stem + "_points.md")] = f"{note}\n\n{table(panels)}"
        figures[out] = partial(draw, panels, out)
    for points in latent_figures(root):
        figures[points.with_suffix(".png")] = partial(draw_latent_space, points, points.with_suffix(".png"))
    return files, figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root", type=Path, nargs="?", default=Path("experiments"))
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file is out of date")
    args = parser.parse_args(argv)
    try:
        files, figures = render(args.root)
    except ManifestError as error:
        sys.exit(f"vaezoo.report.build: {error}")
    stale = [path for path, text in files.items() if not path.is_file() or path.read_text() != text]
    if args.check:
        for path in stale:
            print(f"out of date: {path}")
        sys.exit(1 if stale else 0)
    for path in stale:
        path.write_text(text := files[path])
        print(f"wrote {path} ({len(text.splitlines())} lines)")
    for path, draw_figure in figures.items():
        if draw_figure() is not False:   # draw_curves: False when no run logged curves
            print(f"drew {path}")


if __name__ == "__main__":
    main()
