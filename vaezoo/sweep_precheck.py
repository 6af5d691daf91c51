"""Every job of a ``-m`` sweep checked before the first one starts.

Hydra composes a job's config only when it launches it, so a bad value in a grid
(``latent.dim=4,0``) would surface after the good jobs before it had trained. This Hydra
callback composes each job of the basic sweeper's grid (the one the basic and submitit
launchers run) at the start of the multirun and applies the same early checks a single run
makes (``vaezoo.tasks.check_early``); a bad job stops the sweep with its number and overrides
before anything is launched.
"""

from __future__ import annotations

import sys
from typing import Any

from hydra import compose
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from vaezoo.errors import VaezooError

BASIC_SWEEPER = "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"


def sweep_jobs(task_overrides: list[str]) -> list[list[str]]:
    """The override list of every job of the grid, in launch order (the basic sweeper's split)."""
    parsed = OverridesParser.create().parse_overrides(task_overrides)
    return [job for batch in BasicSweeper.split_arguments(parsed, None) for job in batch]


def check_jobs(config_name: str, jobs: list[list[str]]) -> None:
    """Compose and check each job; the first bad one raises, naming it."""
    from vaezoo.tasks import check_early

    for number, overrides in enumerate(jobs):
        try:
            check_early(compose(config_name=config_name, overrides=overrides), overrides)
        except VaezooError as error:
            raise type(error)(f"sweep job #{number} ({' '.join(overrides)}): {error}; no job was launched") from None


class SweepPrecheck(Callback):
    """Hydra callback: ``check_jobs`` over the whole grid when a basic-sweeper multirun starts."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        if config.hydra.sweeper.get("_target_") != BASIC_SWEEPER:
            return   # another sweeper draws its jobs as it goes
        try:
            check_jobs(config.hydra.job.config_name, sweep_jobs(list(config.hydra.overrides.task)))
        except VaezooError as error:
            print(f"vaezoo: error: {error}", file=sys.stderr)
            sys.exit(2)
