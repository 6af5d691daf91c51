"""MLP VAE on images: Bernoulli likelihood on binarised images (the N-VAE and S-VAE of Davidson
et al. 2018, §5.2; the VampPrior's MNIST models) or a discretised logistic on 8-bit grey levels
(the VampPrior's Frey faces, Tomczak & Welling 2018). The latent head and the prior decide the rest."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.functional import binary_cross_entropy_with_logits

from vaezoo.distributions.discretized_logistic import discretized_logistic_log_prob
from vaezoo.evaluation import EvalSettings, Evaluator, ImportanceSampling
from vaezoo.latent.base import LatentHead
from vaezoo.models.base import LatentVariableModel
from vaezoo.models.optimization import Optimizations
from vaezoo.objectives import Objective
from vaezoo.priors.base import Prior
from vaezoo.traits import OUTPUTS_PER_PIXEL

# Range of the logistic log-scale, as the VampPrior code's decoder (hardtanh to [-4.5, 0]).
LOG_SCALE_RANGE = (-4.5, 0.0)


def bernoulli_log_likelihood(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """log p(x | logits) of binary pixels, summed over the last axis; x broadcasts to logits."""
    return -binary_cross_entropy_with_logits(logits, x.expand_as(logits), reduction="none").sum(-1)


class ImageVAE(LatentVariableModel):
    """x [batch, pixels] in [0, 1]. The decoder returns, per pixel, Bernoulli logits
    ("bernoulli", x binary) or a location and a log-scale ("discretized_logistic": 2 x pixels
    outputs; location sigmoid(.), log-scale clipped to ``LOG_SCALE_RANGE``).

    Its importance-sampled evaluation reports ``test/nll`` (nats) besides ``test/ll`` and, for
    the discretised logistic, ``test/bpd``: bits per dimension, NLL / (pixels ln 2).
    """

    encodes_flat_inputs = True

    def __init__(self, encoder: nn.Module, latent: LatentHead, decoder: nn.Module, prior: Prior,
                 objective: Objective | None = None, optimizers: Optimizations | None = None,
                 likelihood: str = "bernoulli") -> None:
        super().__init__(encoder, latent, decoder, prior, objective, optimizers)
        if likelihood not in OUTPUTS_PER_PIXEL:
            raise ValueError(f"model.likelihood={likelihood!r} is not one of {sorted(OUTPUTS_PER_PIXEL)}")
        self.likelihood = likelihood

    def default_evaluators(self, settings: EvalSettings) -> list[Evaluator]:
        dims = self.encoder.in_features if self.likelihood == "discretized_logistic" else None
        return [ImportanceSampling(settings.is_samples, settings.is_chunk, settings.val_is_samples,
                                   settings.val_is_examples, negative=True, dims=dims)]

    def inputs(self, batch) -> torch.Tensor:
        return batch[0].flatten(1)

    def decode(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Per-pixel logits (Bernoulli) or location logits, and the logistic log-scale (None for Bernoulli)."""
        output = self.decoder(z)
        if self.likelihood == "bernoulli":
            return output, None
        location, raw_log_scale = output.chunk(2, dim=-1)
        return location, nn.functional.hardtanh(raw_log_scale, *LOG_SCALE_RANGE)

    def log_likelihood(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        logits, log_scale = self.decode(z)
        if log_scale is None:
            return bernoulli_log_likelihood(logits, x)
        return discretized_logistic_log_prob(x, torch.sigmoid(logits), log_scale).sum(-1)

    def mean_image(self, z: torch.Tensor) -> torch.Tensor:
        """E[x|z] for pictures: Bernoulli means, or the logistic locations."""
        return torch.sigmoid(self.decode(z)[0])
