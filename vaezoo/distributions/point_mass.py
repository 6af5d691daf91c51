"""A code without noise, z = loc: the deterministic encoders of Bahuleyan et al. 2019's DAE and
WAE-D, in the interface of the other posteriors. torch.distributions has no point mass (Pyro's
``Delta`` would bring all of Pyro for one class)."""

from __future__ import annotations

import torch
from torch.distributions import Distribution, constraints

from vaezoo.errors import ConfigError


class PointMass(Distribution):
    """All mass at ``loc`` [..., dim]: samples are ``loc`` (with its gradient), the mode and mean
    too. It has no density, so a KL to a prior or an importance-sampled likelihood is undefined:
    objectives with such codes use terms on the samples (reconstruction, MMD)."""

    arg_constraints = {"loc": constraints.real_vector}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc: torch.Tensor, validate_args: bool | None = None) -> None:
        self.loc = loc
        super().__init__(loc.shape[:-1], loc.shape[-1:], validate_args=validate_args)

    @property
    def mean(self) -> torch.Tensor:
        return self.loc

    @property
    def mode(self) -> torch.Tensor:
        return self.loc

    def rsample(self, sample_shape: tuple[int, ...] = ()) -> torch.Tensor:
        return self.loc.expand(torch.Size(sample_shape) + self.loc.shape)

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        # A config error, not a missing feature: the run pairs a deterministic code with a density term.
        raise ConfigError("a point mass has no density: use an objective without KL and eval.is_samples=0")
