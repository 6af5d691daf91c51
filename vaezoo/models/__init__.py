"""LightningModules, one per paper's model, all sharing the ELBO core in ``base``."""

from vaezoo.models.base import VAE
from vaezoo.models.image_vae import ImageVAE
from vaezoo.models.nvrnn import SentenceVAE

__all__ = ["VAE", "ImageVAE", "SentenceVAE"]
