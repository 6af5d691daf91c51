"""Copy a finished run's small files into ``experiments/`` so a table can quote it.

    python -m vaezoo.report.collect RUN_DIR experiments/<paper>/runs/<name>

Copies config.yaml, results.json, metrics.csv (a run that trains logs one, a measuring task such
as the sampler's Table 5 does not; a run killed and resumed gets its whole history back from the
files it set aside), the measures other tools wrote beside them (``*.json``, e.g.
``pseudo_inputs.json``), the tables a task wrote itself (``*.md``, e.g. ``table5.md``) and the
command line's overrides (Hydra's ``.hydra/overrides.yaml``, less its own ``hydra.*`` settings
such as the output folder) as overrides.yaml, and the image grids of the tested model
(``images/*.png``, tens of kB each); never checkpoints. Paths into the run folder (the checkpoint
of results.json, the one a resume started from) become relative to it, so a record names no
folder outside the repository. An existing record is never overwritten: remove it first to
replace it.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

import yaml

from vaezoo.outputs import stitched_metrics, write_metrics

RECORD_FILES = ("config.yaml", "results.json")
CURVES = "metrics.csv"


class CollectError(ValueError):
    """The run folder is not a finished run, or the record is already there."""


def relative_to_run(value: str | None, run: Path) -> str | None:
    """A path inside ``run`` relative to it; anything else as it was."""
    if not value:
        return value
    try:
        return str(Path(value).resolve().relative_to(run.resolve()))
    except ValueError:
        return value


def _relative_override(item: str, run: Path) -> str:
    """``ckpt_path=<run>/checkpoints/last.ckpt`` -> ``ckpt_path=checkpoints/last.ckpt``."""
    key, sep, value = item.partition("=")
    return f"{key}={relative_to_run(value, run)}" if sep and key.lstrip("+~") == "ckpt_path" else item


def _record_config(run: Path) -> str:
    """The run's config.yaml with the checkpoint a resume started from made relative to the run."""
    text = (run / "config.yaml").read_text()
    resumed_from = (yaml.safe_load(text) or {}).get("ckpt_path")
    if not isinstance(resumed_from, str) or relative_to_run(resumed_from, run) == resumed_from:
        return text
    relative = yaml.safe_dump({"ckpt_path": relative_to_run(resumed_from, run)}, width=10_000).strip()
    text, replaced = re.subn(r"^ckpt_path:.*$", lambda _: relative, text, count=1, flags=re.M)
    if not replaced:
        raise CollectError(f"{run / 'config.yaml'}: ckpt_path {resumed_from} is not one top-level line; "
                           "cannot make it relative to the run")
    return text


def collect(run: Path, record: Path) -> list[Path]:
    """Copy ``run``'s record files into ``record`` (created); the files written."""
    missing = [name for name in RECORD_FILES if not (run / name).is_file()]
    if missing:
        raise CollectError(f"{run} lacks {', '.join(missing)}: collect a run that finished (results.json is "
                           "written after its test)")
    if record.exists():
        raise CollectError(f"{record} exists; remove it first to replace that record")
    if not (run / CURVES).is_file() and (run / "checkpoints").is_dir():
        raise CollectError(f"{run} lacks {CURVES}, though it trained: collect a run that finished")
    extras = sorted(p.name for p in run.glob("*.json") if p.name != "results.json")
    extras += [name for name in (CURVES, *sorted(p.name for p in run.glob("*.md"))) if (run / name).is_file()]
    config_text = _record_config(run)
    record.mkdir(parents=True)
    written = []
    for name in (*RECORD_FILES, *extras):
        target = record / name
        if name == CURVES:   # with a killed run's set-aside rows, each step a resume repeated once
            write_metrics(target, stitched_metrics(run))
        elif name == "config.yaml":
            target.write_text(config_text)
        elif name == "results.json":
            results = json.loads((run / name).read_text())
            results["checkpoint"] = relative_to_run(results.get("checkpoint"), run)
            target.write_text(json.dumps(results, indent=2) + "\n")
        else:
            shutil.copyfile(run / name, target)
        written.append(target)
    for image in sorted((run / "images").glob("*.png")):
        (record / "images").mkdir(exist_ok=True)
        shutil.copyfile(image, record / "images" / image.name)
        written.append(record / "images" / image.name)
    overrides = run / ".hydra" / "overrides.yaml"
    if overrides.is_file():
        kept = [_relative_override(item, run) for item in yaml.safe_load(overrides.read_text()) or []
                if not item.startswith("hydra.")]
        (record / "overrides.yaml").write_text(yaml.safe_dump(kept, default_flow_style=False))
        written.append(record / "overrides.yaml")
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", type=Path, help="the run's output folder")
    parser.add_argument("record", type=Path, help="where its record goes, e.g. experiments/vampprior/runs/<name>")
    args = parser.parse_args(argv)
    try:
        written = collect(args.run, args.record)
    except CollectError as error:
        sys.exit(f"vaezoo.report.collect: {error}")
    for path in written:
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
