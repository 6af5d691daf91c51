"""LightningModules, one per paper's model, all sharing the ELBO core in ``base``."""

from vaezoo.models.base import VAE
from vaezoo.models.image_vae import ImageVAE

__all__ = ["VAE", "ImageVAE"]
