"""`python -m vaezoo`: the Hydra application (single runs, -m sweeps, SLURM via submitit)."""

from __future__ import annotations

import difflib
import logging
import shutil
import sys
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
    except VaezooError as err:
        report(err)
        remove_if_only_hydra_wrote(output_dir)
        sys.exit(2)
    try:
        record = run_task(cfg, output_dir, list(hydra_cfg.overrides.task))
    except VaezooError as err:
        report(err)
        sys.exit(2)
    return record["metrics"].get("test/elbo")


def report(err: VaezooError) -> None:
    log.error("%s", err)
    print(f"vaezoo: error: {err}", file=sys.stderr)


# What Hydra writes into a run folder before the task starts.
_HYDRA_FILES = frozenset({".hydra", "cli.log"})


def remove_if_only_hydra_wrote(output_dir: Path) -> None:
    """A command rejected before it ran leaves no run folder behind: remove the folder when it holds
    nothing but Hydra's own files (the error is on stderr). A folder with anything else in it (a
    run being resumed, files of the user's) is left as it is."""
    if not output_dir.is_dir() or {path.name for path in output_dir.iterdir()} - _HYDRA_FILES:
        return
    logging.shutdown()  # closes cli.log's handler before the file goes
    shutil.rmtree(output_dir, ignore_errors=True)


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
