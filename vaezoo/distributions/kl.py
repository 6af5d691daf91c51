"""Closed-form KL divergences registered with torch.distributions.kl_divergence."""

from torch.distributions import kl_divergence, register_kl

from vaezoo.distributions.power_spherical import PowerSpherical
from vaezoo.distributions.precision import full_precision
from vaezoo.distributions.sphere_uniform import HypersphericalUniform, log_sphere_surface_area
from vaezoo.distributions.vmf import VonMisesFisher


@register_kl(VonMisesFisher, HypersphericalUniform)
@full_precision
def kl_vmf_sphere_uniform(q: VonMisesFisher, p: HypersphericalUniform):
    """KL(vMF(mu, kappa) || U(S^{m-1})) = -H(q) + log Area(S^{m-1}) (Davidson et al. 2018, eq. 5).

    The entropy is formed as kappa (1 - A_m) - (log C_m + kappa) and subtracted from the log area
    in float64, which avoids the catastrophic cancellation of kappa A_m - log I_{m/2-1}(kappa) at
    large kappa and the rounding of two large terms before their difference at large m.
    """
    if q.dim != p.dim:
        raise ValueError(f"KL(vMF || uniform): dimensions differ ({q.dim} vs {p.dim})")
    return q.constant_minus_entropy(log_sphere_surface_area(q.dim))


@register_kl(PowerSpherical, HypersphericalUniform)
@full_precision
def kl_power_spherical_sphere_uniform(q: PowerSpherical, p: HypersphericalUniform):
    """KL(PS(mu, kappa) || U(S^{m-1})) = -H(q) + log Area(S^{m-1}) (De Cao & Aziz 2020, §3), in float64."""
    if q.dim != p.dim:
        raise ValueError(f"KL(PowerSpherical || uniform): dimensions differ ({q.dim} vs {p.dim})")
    return q.constant_minus_entropy(log_sphere_surface_area(q.dim))


__all__ = ["kl_divergence", "kl_power_spherical_sphere_uniform", "kl_vmf_sphere_uniform"]
