"""OmegaConf resolvers and the config transformations applied before a run is validated."""

from __future__ import annotations

import os

from hydra.utils import get_class
from omegaconf import DictConfig, OmegaConf, open_dict


def ambient_dim(manifold_dim: int, latent_target: str) -> int:
    """Length of z for a latent whose manifold has dimension ``manifold_dim`` (S^d lives in R^{d+1})."""
    return int(manifold_dim) + get_class(latent_target).manifold_codim


def latent_support(latent_target: str) -> str:
    return get_class(latent_target).support


def pick(mapping: DictConfig, key: object) -> object:
    """mapping[key] with the key compared as a string: ``${vaezoo.pick:${table},${latent.dim}}``
    looks a per-dimension setting up by an integer, which OmegaConf's own key interpolation refuses."""
    if str(key) not in mapping:
        raise KeyError(f"no entry {key!r} in {OmegaConf.to_container(mapping)}; add one or set the value directly")
    return mapping[str(key)]


def image_outputs(likelihood: str, pixels: int) -> int:
    """Decoder outputs of an image model: one per pixel (Bernoulli) or two (discretised logistic)."""
    from vaezoo.models.image_vae import OUTPUTS_PER_PIXEL

    if likelihood not in OUTPUTS_PER_PIXEL:
        raise KeyError(f"model.likelihood={likelihood!r} is not one of {sorted(OUTPUTS_PER_PIXEL)}")
    return OUTPUTS_PER_PIXEL[likelihood] * int(pixels)


def wandb_offline() -> bool:
    """W&B runs offline (synced later) unless an API key is configured."""
    return not os.environ.get("WANDB_API_KEY")


def register_resolvers() -> None:
    for name, fn in (("vaezoo.ambient_dim", ambient_dim), ("vaezoo.support", latent_support),
                     ("vaezoo.pick", pick), ("vaezoo.image_outputs", image_outputs),
                     ("vaezoo.wandb_offline", wandb_offline)):
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, fn)


def apply_smoke(cfg: DictConfig) -> None:
    """smoke=true: two batches of each stage, one epoch, a tiny subset and few IS samples (CI)."""
    if not cfg.smoke:
        return
    with open_dict(cfg):
        if "sampler_cost" in cfg:
            cfg.sampler_cost.samples = 200
        if "latent_knn" in cfg:
            cfg.latent_knn.labelled = [10]
            cfg.latent_knn.draws = 2
        cfg.trainer.max_epochs = 1
        cfg.trainer.limit_train_batches = 2
        cfg.trainer.limit_val_batches = 2
        cfg.trainer.limit_test_batches = 2
        cfg.trainer.enable_progress_bar = False
        cfg.callbacks.progress = None
        cfg.eval.is_samples = min(cfg.eval.is_samples, 4)
        cfg.eval.is_chunk = 4
        cfg.eval.val_is_samples = min(cfg.eval.val_is_samples, 4)
        for key, value in (("subset", 32), ("batch_size", 16), ("eval_batch_size", 16)):
            if key in cfg.data:  # a full-batch graph has none of them
                cfg.data[key] = value
        if "labelled" in cfg.data:
            cfg.data.labelled = 10
        if "val_size" in cfg.data:
            cfg.data.val_size = 0.2
        for key in ("valid_size", "test_size"):
            if cfg.data.get(key):
                cfg.data[key] = 0.1
