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

CONFIG_DIR = str(Path(__file__).resolve().parent.parent / "conf")
log = logging.getLogger("vaezoo")

register_resolvers()


@hydra.main(config_path=CONFIG_DIR, config_name="config", version_base="1.3")
def _app(cfg: DictConfig) -> float | None:
    from vaezoo.train import run

    hydra_cfg = HydraConfig.get()
    try:
        record = run(cfg, Path(hydra_cfg.runtime.output_dir), list(hydra_cfg.overrides.task))
    except VaezooError as err:
        log.error("%s", err)
        print(f"vaezoo: error: {err}", file=sys.stderr)
        sys.exit(2)
    return record["metrics"].get("test/elbo")


def main() -> None:
    _app()
