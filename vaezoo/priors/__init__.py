"""Priors p(z)."""

from vaezoo.priors.base import Prior
from vaezoo.priors.mixture import GaussianMixturePrior, VMFMixturePrior
from vaezoo.priors.normal import StandardNormal
from vaezoo.priors.sphere import SphereUniform
from vaezoo.priors.vampprior import VampPrior

__all__ = ["GaussianMixturePrior", "Prior", "SphereUniform", "StandardNormal", "VMFMixturePrior", "VampPrior"]
