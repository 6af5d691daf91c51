"""Posterior heads on the sphere: learned kappa (vMF of the S-VAE, Power Spherical) and fixed
kappa (vMF of Xu & Durrett 2018)."""

from typing import ClassVar

import torch
from torch import nn
from torch.distributions import Distribution

from vaezoo.distributions.power_spherical import PowerSpherical
from vaezoo.distributions.vmf import VonMisesFisher
from vaezoo.latent.base import SPHERE, LatentHead, at_least_float32
from vaezoo.nets.mlp import glorot_init


def _unit(x: torch.Tensor) -> torch.Tensor:
    return x / x.norm(dim=-1, keepdim=True).clamp_min(torch.finfo(x.dtype).tiny)


class LearnedConcentrationHead(LatentHead):
    """features -> law(mu, kappa) on the sphere, mu = normalised linear map,
    kappa = softplus(linear) + kappa_min, clipped at kappa_max; ``law`` is set by subclasses.

    kappa_min = 1 follows the public S-VAE code (Davidson et al. 2018 leave the parameterisation
    unstated); it keeps the posterior from collapsing to the uniform prior. ``kappa_max`` is the
    clipping Xu & Durrett 2018 (§7) needed when they learned kappa for text ("clip kappa values to
    a certain range"); the range is not given there, so it is configuration.
    """

    support = SPHERE
    manifold_codim = 1
    law: ClassVar[type[Distribution]]

    def __init__(self, in_features: int, dim: int, kappa_min: float = 1.0, kappa_max: float | None = None,
                 samples_averaged: int = 1) -> None:
        super().__init__(in_features, dim, samples_averaged)
        if dim < 2:
            raise ValueError(f"{type(self).__name__}: dim is the ambient dimension of z and must be >= 2, got {dim}")
        if kappa_min < 0 or (kappa_max is not None and kappa_max <= kappa_min):
            raise ValueError(f"{type(self).__name__}: need 0 <= kappa_min < kappa_max, got kappa_min={kappa_min}, "
                             f"kappa_max={kappa_max}")
        self.kappa_min, self.kappa_max = kappa_min, kappa_max
        self.loc = nn.Linear(in_features, dim)
        self.raw_scale = nn.Linear(in_features, 1)
        glorot_init(self)

    def forward(self, features: torch.Tensor) -> Distribution:
        kappa = nn.functional.softplus(at_least_float32(self.raw_scale(features))) + self.kappa_min
        if self.kappa_max is not None:
            kappa = kappa.clamp(max=self.kappa_max)
        # Valid by construction (unit loc, kappa >= kappa_min): skip the per-step argument checks.
        return self.law(_unit(at_least_float32(self.loc(features))), kappa, validate_args=False)


class VMFHead(LearnedConcentrationHead):
    """von Mises-Fisher posterior with learned kappa (S-VAE, Davidson et al. 2018).

    ``grad_correction``: add the correction g_cor of the paper's appendix D (eq. 39) to the
    pathwise kappa gradient, which makes it exact; the public S-VAE code leaves it out, and so
    does the default here.
    """

    law = VonMisesFisher

    def __init__(self, in_features: int, dim: int, kappa_min: float = 1.0, kappa_max: float | None = None,
                 grad_correction: bool = False, samples_averaged: int = 1) -> None:
        super().__init__(in_features, dim, kappa_min, kappa_max, samples_averaged)
        self.grad_correction = grad_correction

    def draw(self, q: VonMisesFisher) -> tuple[torch.Tensor, torch.Tensor | None]:
        return q.rsample_with_score() if self.grad_correction else (q.rsample(), None)


class PowerSphericalHead(LearnedConcentrationHead):
    """Power Spherical posterior with learned kappa (De Cao & Aziz 2020): the S-VAE's head with a
    law that needs neither Bessel functions nor rejection sampling."""

    law = PowerSpherical


class FixedKappaVMFHead(LatentHead):
    """features -> vMF(mu, kappa) with a constant kappa (Xu & Durrett 2018, §3): the KL to the
    uniform prior is then a constant, so it cannot collapse."""

    support = SPHERE
    manifold_codim = 1
    takes_fixed_kappa = True

    def __init__(self, in_features: int, dim: int, kappa: float, samples_averaged: int = 1) -> None:
        super().__init__(in_features, dim, samples_averaged)
        if dim < 2:
            raise ValueError(f"FixedKappaVMFHead: dim must be >= 2, got {dim}")
        if kappa is None or kappa <= 0:
            raise ValueError(f"FixedKappaVMFHead: kappa must be a positive number, got {kappa!r}")
        self.loc = nn.Linear(in_features, dim)
        self.register_buffer("kappa", torch.tensor([float(kappa)]))
        glorot_init(self)

    def forward(self, features: torch.Tensor) -> VonMisesFisher:
        loc = _unit(at_least_float32(self.loc(features)))
        return VonMisesFisher(loc, self.kappa.to(loc.dtype).expand(loc.shape[:-1] + (1,)), validate_args=False)
