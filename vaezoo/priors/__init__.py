"""Priors p(z)."""

from vaezoo.priors.base import Prior
from vaezoo.priors.normal import StandardNormal
from vaezoo.priors.sphere import SphereUniform

__all__ = ["Prior", "SphereUniform", "StandardNormal"]
