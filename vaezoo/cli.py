"""`python -m vaezoo`: the Hydra application (single runs, -m sweeps, SLURM via submitit)."""

from __future__ import annotations

import contextlib
import difflib
import logging
import sys
import time
from pathlib import Path

import hydra
import yaml
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from vaezoo.config import register_resolvers
from vaezoo.errors import VaezooError

# Inside the package so that a non-editable install finds it; the checkout's top-level conf/
# is a link to it.
CONFIG_DIR = str(Path(__file__).resolve().parent / "conf")
log = logging.getLogger("vaezoo")

register_resolvers()


# Set once Hydra has composed a config: an exit before it is Hydra rejecting the command line.
_composed = False


@hydra.main(config_path=CONFIG_DIR, config_name="config", version_base="1.3")
def _app(cfg: DictConfig) -> float | None:
    global _composed
    _composed = True
    from vaezoo.tasks import check_early, run_task

    hydra_cfg = HydraConfig.get()
    output_dir = Path(hydra_cfg.runtime.output_dir)
    try:
        check_early(cfg, list(hydra_cfg.overrides.task))
        record = run_task(cfg, output_dir, list(hydra_cfg.overrides.task))
    except VaezooError as err:
        log.error("%s", err)
        print(f"vaezoo: error: {err}", file=sys.stderr)
        remove_rejected_run_folder(output_dir, hydra_cfg.job.name, hydra_cfg.output_subdir)
        sys.exit(2)
    return record["metrics"].get("test/elbo")


_STARTED = time.time()  # at import, before Hydra writes anything for this process
_HYDRA_CONFIG_COPIES = ("config.yaml", "hydra.yaml", "overrides.yaml")


def remove_rejected_run_folder(output_dir: Path, job_name: str, output_subdir: str | None) -> None:
    """A command rejected before it ran leaves no run folder behind. Only a folder holding nothing
    but what Hydra wrote for this process (its config copies and the job's log, all newer than
    the process) is removed; one with anything else in it (config.yaml of a run that started, a
    run being resumed, a user's or another process's files) is left exactly as it is."""
    log_file = output_dir / f"{job_name}.log"
    written = [log_file] + [output_dir / output_subdir / name for name in _HYDRA_CONFIG_COPIES if output_subdir]
    present = [path for path in output_dir.rglob("*") if path.is_file()] if output_dir.is_dir() else []
    if not present or any(path not in written or path.stat().st_mtime < _STARTED for path in present):
        return
    root = logging.getLogger()
    for handler in list(root.handlers):  # the job log's handler closes before its file goes
        if isinstance(handler, logging.FileHandler) and Path(handler.baseFilename) == log_file.resolve():
            root.removeHandler(handler)
            handler.close()
    for path in present:
        path.unlink(missing_ok=True)
    for folder in [output_dir / output_subdir] * bool(output_subdir) + [output_dir]:
        with contextlib.suppress(OSError):  # not empty: something arrived meanwhile, and stays
            folder.rmdir()


# Hydra flags that take a value, and the values that --info accepts.
_VALUE_FLAGS = frozenset({"--cfg", "-c", "--package", "-p", "--config-path", "-cp", "--config-name", "-cn",
                          "--config-dir", "-cd", "--experimental-rerun"})
_INFO_VALUES = frozenset({"all", "config", "defaults", "defaults-tree", "plugins", "searchpath"})


def flags_before_overrides(argv: list[str]) -> list[str]:
    """Move Hydra's flags ahead of the overrides.

    Hydra parses its command line with argparse, which cannot take positional overrides on both
    sides of a flag: `+experiment=table3 -m kappa=20,40,80` would be rejected. Overrides never
    start with "-", so they can be told apart from flags and their values.
    """
    flags: list[str] = []
    overrides: list[str] = []
    i = 0
    while i < len(argv):
        token = argv[i]
        if not token.startswith("-"):
            overrides.append(token)
        else:
            flags.append(token)
            takes_value = token in _VALUE_FLAGS or (
                token in ("--info", "-i") and i + 1 < len(argv) and argv[i + 1] in _INFO_VALUES)
            if takes_value and i + 1 < len(argv):
                i += 1
                flags.append(argv[i])
        i += 1
    return flags + overrides


def experiments() -> list[str]:
    """Every experiment a user can append: experiment/<name>.yaml and experiment/<paper>/<name>.yaml
    (deeper folders are groups the experiments choose from)."""
    root = Path(CONFIG_DIR) / "experiment"
    return sorted(str(path.relative_to(root).with_suffix("")) for path in root.rglob("*.yaml")
                  if len(path.relative_to(root).parts) <= 2)


def unknown_experiment(argv: list[str]) -> str | None:
    """The error for an ``experiment=`` override (or sweep) naming no experiment. Hydra's own
    lists only the top folder of the group, not the papers' folders."""
    root = Path(CONFIG_DIR) / "experiment"
    for token in argv:
        key, _, value = token.partition("=")
        if key.lstrip("+~") != "experiment" or not value:
            continue
        for name in value.split(","):
            if not (root / f"{name}.yaml").is_file():
                return (f"+experiment={name}: no such experiment; choose one of: {', '.join(experiments())}")
    return None


def output_folder_is_a_file(argv: list[str]) -> str | None:
    """The error for a run or sweep folder that names an existing file (Hydra would fail creating it)."""
    for token in argv:
        key, _, value = token.partition("=")
        if key.lstrip("+~") in ("hydra.run.dir", "hydra.sweep.dir") and value and Path(value).expanduser().is_file():
            return f"{key}={value} is an existing file, not a folder; choose another {key}"
    return None


def top_level_keys() -> set[str]:
    """Every key a command line may start with: config.yaml's, the config groups, and the keys the
    experiments add (``paper_d``, ``table3_setting``, ...)."""
    root = Path(CONFIG_DIR)
    keys = {path.name for path in root.iterdir() if path.is_dir()} | {"hydra", "experiment"}
    for path in [root / "config.yaml", *(root / "experiment").rglob("*.yaml")]:
        loaded = yaml.safe_load(path.read_text()) or {}
        keys |= set(loaded) if isinstance(loaded, dict) else set()
    return keys - {"defaults"}


def unknown_key_hint(argv: list[str]) -> str | None:
    """A did-you-mean for an override whose first key no config has, e.g. ``latnet.dim=3``."""
    known = top_level_keys()
    for token in argv:
        key = token.partition("=")[0].lstrip("+~")
        first = key.split(".", 1)[0].split("/", 1)[0]
        if "=" not in token or token.startswith("-") or first in known:
            continue
        close = difflib.get_close_matches(first, sorted(known), n=1)
        if close:
            return f"{key}: no config has the key {first!r}; did you mean {close[0]}{key[len(first):]}?"
    return None


def main() -> None:
    """Exit status 2 for every error of the command line or the config (Hydra's own exit with 1)."""
    sys.argv[1:] = flags_before_overrides(sys.argv[1:])
    message = unknown_experiment(sys.argv[1:]) or output_folder_is_a_file(sys.argv[1:])
    if message:
        print(f"vaezoo: error: {message}", file=sys.stderr)
        sys.exit(2)
    try:
        _app()
    except SystemExit as exit_:
        if exit_.code == 1 and not _composed:
            hint = unknown_key_hint(sys.argv[1:])
            if hint:
                print(f"vaezoo: error: {hint}", file=sys.stderr)
            sys.exit(2)
        raise
    except ValueError as error:  # Hydra's check of its own flags (e.g. both -m and --cfg)
        if _composed:
            raise
        print(f"vaezoo: error: {error}", file=sys.stderr)
        sys.exit(2)
