"""Latent laws: von Mises-Fisher, Power Spherical, uniform on the sphere, Bessel functions and
registered KLs."""

from vaezoo.distributions.bessel import bessel_iv_ratio, log_bessel_iv
from vaezoo.distributions.kl import kl_divergence
from vaezoo.distributions.point_mass import PointMass
from vaezoo.distributions.power_spherical import PowerSpherical
from vaezoo.distributions.sphere_uniform import HypersphericalUniform, log_sphere_surface_area
from vaezoo.distributions.vmf import VonMisesFisher

__all__ = [
    "HypersphericalUniform",
    "PointMass",
    "PowerSpherical",
    "VonMisesFisher",
    "bessel_iv_ratio",
    "kl_divergence",
    "log_bessel_iv",
    "log_sphere_surface_area",
]
