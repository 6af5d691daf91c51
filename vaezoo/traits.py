"""What a config needs to know of a latent head or a prior before torch is imported.

Config resolvers (``${vaezoo.ambient_dim:...}``) and the first config checks run before the
seconds that importing torch and Lightning takes, so that a bad value is reported at once. They
read the class attributes below by ``_target_``; each class declares the same attributes (a test
checks that both agree), and a ``_target_`` not listed (a user's own class) is imported and asked.
"""

from __future__ import annotations

from typing import Any

from hydra.utils import get_class

EUCLIDEAN = "euclidean"
SPHERE = "sphere"
# The support of a prior built from the model's own posterior (the VampPrior): whatever it is.
MATCHES_POSTERIOR = "posterior"

_LATENT_DEFAULTS = {"manifold_codim": 0, "takes_fixed_kappa": False, "has_density": True}
_PRIOR_DEFAULTS = {"reads_inputs": False}

KNOWN: dict[str, dict[str, Any]] = {
    "vaezoo.latent.GaussianHead": {**_LATENT_DEFAULTS, "support": EUCLIDEAN},
    "vaezoo.latent.DeterministicHead": {**_LATENT_DEFAULTS, "support": EUCLIDEAN, "has_density": False},
    "vaezoo.latent.VMFHead": {**_LATENT_DEFAULTS, "support": SPHERE, "manifold_codim": 1},
    "vaezoo.latent.PowerSphericalHead": {**_LATENT_DEFAULTS, "support": SPHERE, "manifold_codim": 1},
    "vaezoo.latent.FixedKappaVMFHead": {**_LATENT_DEFAULTS, "support": SPHERE, "manifold_codim": 1,
                                        "takes_fixed_kappa": True},
    "vaezoo.priors.StandardNormal": {**_PRIOR_DEFAULTS, "support": EUCLIDEAN},
    "vaezoo.priors.SphereUniform": {**_PRIOR_DEFAULTS, "support": SPHERE},
    "vaezoo.priors.GaussianMixturePrior": {**_PRIOR_DEFAULTS, "support": EUCLIDEAN},
    "vaezoo.priors.VMFMixturePrior": {**_PRIOR_DEFAULTS, "support": SPHERE},
    "vaezoo.priors.VampPrior": {**_PRIOR_DEFAULTS, "support": MATCHES_POSTERIOR, "reads_inputs": True},
}


# Decoder outputs per pixel of an image model, by likelihood (model.likelihood): Bernoulli logits,
# or a logistic location and log-scale.
OUTPUTS_PER_PIXEL = {"bernoulli": 1, "discretized_logistic": 2}


def trait(target: str, name: str) -> Any:
    """Class attribute ``name`` of the class ``target`` names, without importing it when known."""
    known = KNOWN.get(target, {})
    return known[name] if name in known else getattr(get_class(target), name)


def class_name(target: str) -> str:
    """The class's own name, for messages."""
    return target.rsplit(".", 1)[-1]
