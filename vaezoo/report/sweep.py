"""The results of a -m sweep, grouped: one line per setting of its overrides, mean +- std over the
seeds of that setting. Written as ``summary.md`` and ``summary.json`` in the sweep folder when the
sweep ends (the Hydra callback ``SweepSummary``, in vaezoo's config), whatever launched the jobs
(the basic launcher, submitit_local, SLURM); by hand for a sweep still running or cut short:

    python -m vaezoo.report.sweep multirun/xu2018/table3/2026-12-06_10-00-00_3fa2c1
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml
from hydra.experimental.callback import Callback
from omegaconf import DictConfig


def job_runs(sweep_dir: Path) -> list[dict]:
    """Each finished job below ``sweep_dir``: its results.json, with its overrides (.hydra/overrides.yaml)."""
    runs = []
    for path in sorted(sweep_dir.rglob("results.json"), key=lambda p: str(p)):
        overrides_file = path.parent / ".hydra" / "overrides.yaml"
        overrides = yaml.safe_load(overrides_file.read_text()) if overrides_file.is_file() else []
        runs.append({**json.loads(path.read_text()), "overrides": overrides or [], "folder": str(path.parent)})
    return runs


def _is_seed(override: str) -> bool:
    return override.split("=", 1)[0].lstrip("+~") == "seed"


def common_overrides(runs: list[dict]) -> list[str]:
    """The overrides every job of the sweep shares (the sweep's fixed settings)."""
    shared = [set(run["overrides"]) for run in runs]
    return sorted(set.intersection(*shared)) if shared else []


def setting(overrides: list[str], common: list[str] = ()) -> str:
    """What sets a job apart in its sweep: its overrides but the seed and those all jobs share."""
    return " ".join(sorted(o for o in overrides if not _is_seed(o) and o not in common)) or "(one setting)"


def group(runs: list[dict]) -> list[dict[str, Any]]:
    """One entry per setting: its seeds, jobs, scales, stop reasons and per-metric mean and std."""
    common = common_overrides(runs)
    settings: dict[str, list[dict]] = defaultdict(list)
    for run in runs:
        settings[setting(run["overrides"], common)].append(run)
    groups = []
    for name, members in sorted(settings.items()):
        metrics = sorted({m for run in members for m in run["metrics"]})
        summary = {}
        for metric in metrics:
            values = [run["metrics"][metric] for run in members if metric in run["metrics"]]
            summary[metric] = {"mean": statistics.mean(values), "n": len(values),
                               "std": statistics.stdev(values) if len(values) > 1 else None}
        groups.append({"setting": name, "seeds": [run.get("seed") for run in members],
                       "folders": [run["folder"] for run in members],
                       "scale": sorted({run.get("scale", "-") for run in members}),
                       "stopped_by": sorted({str(run.get("stopped_by", "-")) for run in members}),
                       "metrics": summary})
    return groups


def _cell(entry: dict | None) -> str:
    if entry is None:
        return "-"
    text = f"{entry['mean']:.4g}"
    return text + (f" +- {entry['std']:.2g}" if entry["std"] is not None else "")


def markdown(groups: list[dict[str, Any]]) -> str:
    metrics = sorted({m for g in groups for m in g["metrics"] if m.startswith(("test/", "val/"))})
    header = ["setting", "seeds", "scale", "stopped by", *metrics]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for g in groups:
        cells = [g["setting"], ", ".join(map(str, g["seeds"])), "/".join(g["scale"]), "/".join(g["stopped_by"])]
        lines.append("| " + " | ".join(cells + [_cell(g["metrics"].get(m)) for m in metrics]) + " |")
    return "\n".join(lines) + "\n"


def write_summary(sweep_dir: Path) -> list[dict[str, Any]]:
    """summary.md and summary.json of the finished jobs below ``sweep_dir``."""
    runs = job_runs(sweep_dir)
    groups, common = group(runs), common_overrides(runs)
    (sweep_dir / "summary.json").write_text(json.dumps({"common": common, "groups": groups}, indent=2) + "\n")
    shared = " ".join(o for o in common if not _is_seed(o)) or "none"
    (sweep_dir / "summary.md").write_text(f"# {sweep_dir}\n\n{len(runs)} jobs; overrides of all: {shared}\n\n"
                                          + markdown(groups))
    return groups


class SweepSummary(Callback):
    """Hydra callback: the grouped summary once every job of a -m sweep has ended."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        if sweep_dir.is_dir():
            write_summary(sweep_dir)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sweep_dir", type=Path)
    args = parser.parse_args(argv)
    write_summary(args.sweep_dir)
    print((args.sweep_dir / "summary.md").read_text(), end="")


if __name__ == "__main__":
    main()
