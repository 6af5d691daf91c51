"""results.json: the one record of a finished run (training or any task), which the reproduction
report reads. Every task builds a ``RunRecorder`` when it starts and writes through it.

Schema (README, "Run outputs"):
    {"experiment", "paper_rows", "scale", "seed", "git_sha", "git_dirty", "wall_time_s", ...,
     "metrics": {"test/ll": ..., ...}, "estimators": {"test/ll": {"method", "samples"}}}
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from omegaconf import DictConfig

SCHEMA_KEYS = ("experiment", "paper_rows", "scale", "seed", "git_sha", "git_dirty", "wall_time_s", "metrics",
               "estimators")
PACKAGE_DIR = Path(__file__).resolve().parent

# Overrides that leave a paper's protocol as it was: where files are, how they are shown, which
# seed draws the run (seeds are part of every protocol), what the run is called, where it runs.
NOT_PROTOCOL = ("experiment", "seed", "name", "scale", "smoke", "data_root", "ckpt_path", "logger",
                "callbacks.progress", "callbacks.image_grids", "data.root", "data.download", "data.num_workers",
                "data.eval_batch_size", "eval.is_chunk", "trainer.accelerator", "trainer.enable_progress_bar",
                "flush_denormal")
SCALES = ("full", "reduced", "proxy", "smoke")   # from the published protocol to a run that only checks


def _git(directory: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], capture_output=True, text=True, timeout=10, cwd=directory)
    except OSError:
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def code_version(directory: Path = PACKAGE_DIR) -> dict[str, object]:
    """The commit of the checkout holding ``directory`` (by default the running vaezoo code, read
    where the package lives, so a run started from another directory records it too) and whether
    its tracked files differ from that commit; both None outside a git checkout."""
    sha = _git(directory, "rev-parse", "HEAD")
    status = _git(directory, "status", "--porcelain", "--untracked-files=no") if sha else None
    return {"git_sha": sha, "git_dirty": None if status is None else bool(status)}


def override_keys(overrides: list[str] | tuple[str, ...]) -> set[str]:
    """The config keys that command-line overrides set (``+``, ``++`` and ``~`` prefixes dropped)."""
    return {o.lstrip("+~").split("=", 1)[0] for o in overrides}


def _leaves_protocol(key: str) -> bool:
    """A key of ``NOT_PROTOCOL`` (or below one), or Hydra's own (``hydra.*``, ``hydra/launcher``)."""
    return key.split("/")[0].split(".")[0] == "hydra" or any(key == p or key.startswith(p + ".")
                                                             for p in NOT_PROTOCOL)


def worst_scale(*scales: str) -> str:
    """The least of several scales: a task on a trained run is no more than that run."""
    return max(scales, key=SCALES.index)


def run_scale(cfg: DictConfig, overrides: list[str] | tuple[str, ...], is_proxy_data: bool,
              time_limit_reached: bool = False) -> str:
    """The honest scale of a run: smoke runs and proxy data (a packaged sample, missing node
    features) say so; a "full" protocol becomes "reduced" when any override changes it (a group
    choice or a key of any group, latent and prior included, or a top-level value), except for the
    keys the experiment lists in ``axes`` (its table's rows and columns: the group choice, not the
    group's keys) and ``NOT_PROTOCOL``. A
    wall-clock guard (``trainer.max_time``) reduces the protocol only if it is what ended training."""
    if cfg.smoke:
        return "smoke"
    if is_proxy_data:
        return "proxy"
    axes = set(cfg.get("axes") or ())
    keys = override_keys(overrides) - (set() if time_limit_reached else {"trainer.max_time"})
    touched = [k for k in keys if not _leaves_protocol(k) and k not in axes]
    return "reduced" if cfg.scale == "full" and touched else cfg.scale


class RunRecorder:
    """Started with the run: the clock and the code version (of the code that runs, not of what the
    checkout holds when the run ends); ``write`` puts the record in results.json."""

    def __init__(self, cfg: DictConfig, output_dir: Path) -> None:
        self.cfg, self.path = cfg, Path(output_dir) / "results.json"
        self.started, self.code = time.perf_counter(), code_version()

    def record(self, scale: str, metrics: dict[str, float], estimators: dict[str, dict], **extra) -> dict:
        """The record; ``extra`` adds fields (epochs, checkpoint, ...) or replaces ``paper_rows``."""
        record = {"experiment": self.cfg.name, "paper_rows": list(self.cfg.paper_rows), "scale": scale,
                  "seed": self.cfg.seed, **self.code, "wall_time_s": round(time.perf_counter() - self.started, 2)}
        return record | extra | {"metrics": metrics, "estimators": estimators}

    def write(self, scale: str, metrics: dict[str, float], estimators: dict[str, dict], **extra) -> dict:
        record = self.record(scale, metrics, estimators, **extra)
        write_results(self.path, record)
        return record


def write_results(path: Path, record: dict) -> None:
    """Write atomically (temporary file, then rename) so a crash never leaves half a record."""
    missing = [k for k in SCHEMA_KEYS if k not in record]
    if missing:
        raise ValueError(f"results record lacks {missing}")
    tmp = path.with_suffix(".json.tmp")
    try:
        tmp.write_text(json.dumps(record, indent=2, sort_keys=False) + "\n")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)   # after a failed write (disk full); gone already after the rename
