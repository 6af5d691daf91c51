"""OmegaConf resolvers of the config files."""

from __future__ import annotations

import os

from omegaconf import OmegaConf

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


def register_resolvers() -> None:
    for name, fn in (("vaezoo.ambient_dim", ambient_dim), ("vaezoo.support", latent_support),
                     ("vaezoo.class_name", class_name), ("vaezoo.image_outputs", image_outputs),
                     ("vaezoo.wandb_offline", wandb_offline), ("vaezoo.min", smallest)):
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, fn)
