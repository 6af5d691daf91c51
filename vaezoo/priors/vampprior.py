"""The VampPrior of Tomczak & Welling (2018): p(z) = (1/K) sum_k q(z | u_k), the model's own
posterior at K learned pseudo-inputs u_k, so the prior follows the aggregate posterior."""

from __future__ import annotations

import torch
from torch import nn

from vaezoo.distributions.mixture import UniformMixture
from vaezoo.errors import ConfigError
from vaezoo.priors.base import MATCHES_POSTERIOR, Encode, Prior

INITS = ("random", "data")


class VampPrior(Prior):
    """Mixture of the posterior at ``num_pseudo_inputs`` learned inputs; any posterior family
    (Gaussian components for the N-VAE, vMF components, a mixture of vMFs, for a sphere latent).

    Args:
        dim: length of z.
        num_pseudo_inputs: K.
        input_dim: length of a (flattened) input x, and so of a pseudo-input.
        init: "random": N(init_mean, init_std) entries; the original code's values are per
            dataset, N(0.05, 0.01) for MNIST and N(0.5, 0.02) for Frey faces (some versions of its
            command line default to a mean of -0.05, which the clipping below would pin
            at 0 with no gradient); "data": K training inputs plus N(0, data_noise_std) noise
            (its ``--use_training_data_init``; the model calls ``initialise_from``), moved inside
            the data range by data_noise_std so that binary pixels do not start where the
            clipping has no gradient (the original code leaves about half of them there).
        data_noise_std: the noise of init="data"; 0.01 for every dataset in the original code.
        data_min, data_max: the data range; pseudo-inputs are clipped into it (hardtanh, as the
            original code), so they stay inputs the encoder was trained on.

    log p(z) is a logsumexp over the K components minus log K (``UniformMixture``); the KL
    to it has no closed form, so ``vaezoo.objectives.KL`` estimates it by Monte Carlo.
    """

    support = MATCHES_POSTERIOR
    reads_inputs = True

    def __init__(self, dim: int, num_pseudo_inputs: int, input_dim: int, init: str = "random",
                 init_mean: float = 0.05, init_std: float = 0.01, data_noise_std: float = 0.01,
                 data_min: float = 0.0, data_max: float = 1.0) -> None:
        super().__init__(dim)
        if num_pseudo_inputs <= 0 or input_dim <= 0:
            raise ConfigError(f"prior.num_pseudo_inputs={num_pseudo_inputs} and prior.input_dim={input_dim} "
                              "must be positive")
        if init not in INITS:
            raise ConfigError(f"prior.init={init!r} is not one of {list(INITS)}")
        if not data_min < data_max:
            raise ConfigError(f"prior.data_min={data_min} must be below prior.data_max={data_max}")
        self.init, self.data_noise_std = init, data_noise_std
        self.data_min, self.data_max = data_min, data_max
        self.raw_inputs = nn.Parameter(torch.empty(num_pseudo_inputs, input_dim).normal_(init_mean, init_std))
        # where the pseudo-inputs started, kept in checkpoints to measure how far they moved
        self.register_buffer("initial_inputs", self.pseudo_inputs().detach().clone())

    @property
    def num_pseudo_inputs(self) -> int:
        return self.raw_inputs.shape[0]

    def pseudo_inputs(self) -> torch.Tensor:
        """u_k, [K, input_dim], inside the data range."""
        return nn.functional.hardtanh(self.raw_inputs, self.data_min, self.data_max)

    @torch.no_grad()
    def initialise_from(self, inputs: torch.Tensor) -> None:
        """Set u_k to the first K of ``inputs`` [n, input_dim] plus N(0, data_noise_std) noise, inside the range."""
        if len(inputs) < self.num_pseudo_inputs:
            raise ConfigError(f"prior.init=data needs {self.num_pseudo_inputs} training inputs, the training "
                              f"split has {len(inputs)}; lower prior.num_pseudo_inputs or use prior.init=random")
        chosen = inputs[: self.num_pseudo_inputs].reshape(self.raw_inputs.shape).to(self.raw_inputs)
        margin = self.data_noise_std
        noisy = chosen + margin * torch.randn_like(chosen)
        self.raw_inputs.copy_(noisy.clamp(self.data_min + margin, self.data_max - margin))
        self.initial_inputs.copy_(self.pseudo_inputs())

    def forward(self, encode: Encode | None = None) -> UniformMixture:
        if encode is None:
            raise ValueError("VampPrior is built from the model's posterior: call it with encode=<x -> q(z|x)>")
        return UniformMixture(encode(self.pseudo_inputs()))
