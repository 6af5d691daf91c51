"""LightningModules, one per paper's model, all on the latent-variable base in ``base``."""

from vaezoo.models.base import LatentVariableModel
from vaezoo.models.image_vae import ImageVAE
from vaezoo.models.m1m2 import StackedM1M2
from vaezoo.models.nvdm import DocumentVAE
from vaezoo.models.nvrnn import SentenceVAE
from vaezoo.models.rnnlm import RNNLanguageModel
from vaezoo.models.sentence_ae import SentenceAutoencoder

__all__ = ["DocumentVAE", "ImageVAE", "LatentVariableModel", "RNNLanguageModel", "SentenceAutoencoder", "SentenceVAE",
           "StackedM1M2"]
