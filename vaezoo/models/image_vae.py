"""MLP VAE with a Bernoulli likelihood on binarised images: the N-VAE and S-VAE of
Davidson et al. 2018 (§5.2, appendix F.1). The latent head decides which one it is."""

from __future__ import annotations

import torch
from torch.nn.functional import binary_cross_entropy_with_logits

from vaezoo.models.base import VAE


class ImageVAE(VAE):
    """x [batch, pixels] in {0, 1}; the decoder returns Bernoulli logits [*, pixels]."""

    def inputs(self, batch) -> torch.Tensor:
        return batch[0].flatten(1)

    def log_likelihood(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        logits = self.decoder(z)
        target = x.expand_as(logits)
        return -binary_cross_entropy_with_logits(logits, target, reduction="none").sum(-1)
