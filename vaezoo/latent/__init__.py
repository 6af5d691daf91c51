"""Posterior heads mapping encoder features to a distribution over z."""

from vaezoo.latent.base import EUCLIDEAN, SPHERE, LatentHead
from vaezoo.latent.deterministic import DeterministicHead
from vaezoo.latent.gaussian import GaussianHead
from vaezoo.latent.vmf import FixedKappaVMFHead, PowerSphericalHead, VMFHead

__all__ = ["EUCLIDEAN", "SPHERE", "DeterministicHead", "FixedKappaVMFHead", "GaussianHead", "LatentHead",
           "PowerSphericalHead", "VMFHead"]
