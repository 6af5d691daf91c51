"""`python -m vaezoo`: the Hydra application (single runs, -m sweeps, SLURM via submitit)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from vaezoo.config import register_resolvers
from vaezoo.errors import VaezooError

# Inside the package so that a non-editable install finds it; the checkout's top-level conf/
# is a link to it.
CONFIG_DIR = str(Path(__file__).resolve().parent / "conf")
log = logging.getLogger("vaezoo")

register_resolvers()


@hydra.main(config_path=CONFIG_DIR, config_name="config", version_base="1.3")
def _app(cfg: DictConfig) -> float | None:
    from vaezoo.tasks import check_early, run_task

    hydra_cfg = HydraConfig.get()
    try:
        check_early(cfg)
        record = run_task(cfg, Path(hydra_cfg.runtime.output_dir), list(hydra_cfg.overrides.task))
    except VaezooError as err:
        log.error("%s", err)
        print(f"vaezoo: error: {err}", file=sys.stderr)
        sys.exit(2)
    return record["metrics"].get("test/elbo")


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


def main() -> None:
    sys.argv[1:] = flags_before_overrides(sys.argv[1:])
    _app()
