"""OmegaConf resolvers of the config files."""

from __future__ import annotations

import os
import secrets

from omegaconf import ListConfig, OmegaConf

from vaezoo.traits import OUTPUTS_PER_PIXEL, trait


def ambient_dim(manifold_dim: int, latent_target: str) -> int:
    """Length of z for a latent whose manifold has dimension ``manifold_dim`` (S^d lives in R^{d+1})."""
    return int(manifold_dim) + trait(latent_target, "manifold_codim")


def latent_support(latent_target: str) -> str:
    return trait(latent_target, "support")


def class_name(target: str) -> str:
    """The class name of a ``_target_``, as a key for a lookup by interpolation (a dotted path cannot
    be one): ``vamp_prior_class: ${vaezoo.class_name:${prior._target_}}``, then
    ``${vamp_prior_names.${vamp_prior_class}}``."""
    return target.rsplit(".", 1)[-1]


def image_outputs(likelihood: str, pixels: int) -> int:
    """Decoder outputs of an image model: one per pixel (Bernoulli) or two (discretised logistic)."""
    if likelihood not in OUTPUTS_PER_PIXEL:
        raise KeyError(f"model.likelihood={likelihood!r} is not one of {sorted(OUTPUTS_PER_PIXEL)}")
    return OUTPUTS_PER_PIXEL[likelihood] * int(pixels)


def smallest(*values: float) -> float:
    """The least of the values: ``${vaezoo.min:${eval.is_samples},4}`` caps a setting (debug=smoke)."""
    return min(values)


def wandb_offline() -> bool:
    """W&B runs offline (synced later) unless an API key is configured."""
    return not os.environ.get("WANDB_API_KEY")


def wandb_group() -> str | None:
    """The W&B group of a run: its -m sweep's folder (all jobs of one sweep together, whichever
    launcher ran them), or the run's own folder; None outside a Hydra run."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    if not HydraConfig.initialized():
        return None
    hydra = HydraConfig.get()
    folder = hydra.sweep.dir if hydra.mode == RunMode.MULTIRUN else hydra.run.dir
    return str(folder).removeprefix("multirun/").removeprefix("outputs/")


def name_tags(name: str) -> ListConfig:
    """W&B tags of an experiment name: its paper and table ("xu2018/table3" -> ["xu2018", "table3"]).
    A ListConfig: a plain list cannot be resolved in place (OmegaConf.resolve)."""
    return ListConfig([part for part in str(name).split("/") if part])


def run_suffix() -> str:
    """Six random hex digits after the start time in output folder names: two runs started in the
    same second (a grid of jobs, two terminals) get folders of their own. Registered with a cache,
    as Hydra's ``now``: one value per config, carried with it to launched jobs."""
    return secrets.token_hex(3)


def register_resolvers() -> None:
    for name, fn in (("vaezoo.ambient_dim", ambient_dim), ("vaezoo.support", latent_support),
                     ("vaezoo.class_name", class_name), ("vaezoo.image_outputs", image_outputs),
                     ("vaezoo.wandb_offline", wandb_offline), ("vaezoo.min", smallest),
                     ("vaezoo.wandb_group", wandb_group), ("vaezoo.name_tags", name_tags)):
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, fn)
    if not OmegaConf.has_resolver("vaezoo.run_suffix"):
        OmegaConf.register_new_resolver("vaezoo.run_suffix", run_suffix, use_cache=True)
