"""What a run does, chosen in the ``task/`` config group: train a model, measure something that
needs no training (the sampler's cost), or read a trained model (evaluation, k-NN on its
latents, probes of its sentence codes). Each task's config names its function with
``_target_`` and holds its settings.

Every task starts the same way: the debug mode's settings merged in, validation before anything
is read, and the composed config written to the run directory."""

from __future__ import annotations

from pathlib import Path

from hydra.errors import InstantiationException
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from vaezoo.errors import ConfigError
from vaezoo.results import override_keys
from vaezoo.validation import instantiation_error, precheck, validate


def apply_debug(cfg: DictConfig) -> None:
    """Merge the ``debug`` group's settings (``debug=smoke``: conf/debug/smoke.yaml, with its data
    and task parts) over the composed config, after every experiment, so none of them survives."""
    if cfg.smoke and not cfg.debug.get("smoke"):
        raise ConfigError("smoke=true: a smoke run is the debug mode debug=smoke (conf/debug/smoke.yaml); "
                          "use debug=smoke instead")
    settings = OmegaConf.to_container(cfg.debug, resolve=True)
    data, task = settings.pop("data", {}), settings.pop("task", {})
    cfg.merge_with(settings, {"data": data, "task": task})


def check_early(cfg: DictConfig, overrides: list[str] | tuple[str, ...] = ()) -> None:
    """The config checks that need neither torch nor data, on a copy with the debug mode merged:
    a bad value is reported before the seconds that importing torch takes. A value the user set
    on the command line that the debug mode would replace is an error, not a silent change; a
    group choice (``data=mnist``) is not such a value: the debug mode shrinks the chosen node."""
    early = cfg.copy()
    apply_debug(early)
    for key in sorted(override_keys(overrides)):
        if key.startswith(("debug", "hydra")) or "/" in key:
            continue
        before, after = OmegaConf.select(cfg, key, default=None), OmegaConf.select(early, key, default=None)
        if before != after and not OmegaConf.is_config(before):
            raise ConfigError(f"{key}={before}: the debug mode (debug=..., conf/debug/) replaces it with {after}; "
                              "drop one of the two")
    precheck(early)


def run_task(cfg: DictConfig, output_dir: Path, overrides: list[str] | tuple[str, ...] = ()) -> dict:
    """Run ``cfg.task`` and return its results record (also written to results.json).

    Raises ConfigError / DataFileError before any training when the config or the data is bad.
    """
    from lightning.fabric.utilities.rank_zero import rank_zero_only  # here: importing it imports torch

    apply_debug(cfg)
    validate(cfg)
    if rank_zero_only.rank == 0:  # under DDP every rank runs this; one writes
        output_dir.mkdir(parents=True, exist_ok=True)
        (output_dir / "config.yaml").write_text(OmegaConf.to_yaml(cfg))
    try:
        return instantiate(cfg.task)(cfg, output_dir, overrides)
    except InstantiationException as err:  # a group built with the data (trainer, data, model)
        raise instantiation_error(err, "config") from None
