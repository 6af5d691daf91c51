"""Float32 and bf16 autocast against float64 over the whole parameter range: every latent's
posterior quantities (entropy, KL to its prior, log-density of its samples) finite and within
1e-3 of float64, fuzzed over dimension and concentration."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from vaezoo.distributions import HypersphericalUniform, PowerSpherical, VonMisesFisher, kl_divergence
from vaezoo.latent import FixedKappaVMFHead, GaussianHead, PowerSphericalHead, VMFHead
from vaezoo.priors import SphereUniform, StandardNormal

TOLERANCE = 1e-3   # relative, or absolute below 1


def close(ours: torch.Tensor, reference: torch.Tensor) -> bool:
    ours, reference = ours.double(), reference.double()
    return bool(torch.isfinite(ours).all()) and bool(
        ((ours - reference).abs() <= TOLERANCE * reference.abs().clamp(min=1.0)).all())


def quantities(q, prior, z):
    return q.entropy(), kl_divergence(q, prior), q.log_prob(z)


@settings(max_examples=40, deadline=None)
@given(dim=st.integers(2, 1000), log10_kappa=st.floats(-2.0, 5.0), seed=st.integers(0, 2**16),
       family=st.sampled_from([VonMisesFisher, PowerSpherical]))
def test_spherical_posteriors_in_float32_match_float64(dim, log10_kappa, seed, family):
    g = torch.Generator().manual_seed(seed)
    loc = torch.nn.functional.normalize(torch.randn(4, dim, generator=g), dim=-1)
    kappa = torch.full((4, 1), 10.0 ** log10_kappa)
    # The same float32 parameters in both: what differs is the arithmetic, not the rounding of kappa.
    q64, q32 = family(loc.double(), kappa.double(), validate_args=False), family(loc, kappa)
    z = q64.sample().float()   # one point, as float32 holds it, for both
    reference = quantities(q64, HypersphericalUniform(dim, dtype=torch.float64), z.double())
    ours = quantities(q32, HypersphericalUniform(dim), z)
    for name, a, b in zip(("entropy", "kl", "log_prob"), ours, reference, strict=True):
        assert close(a, b), (name, dim, 10.0 ** log10_kappa, a, b)


HEADS = [(GaussianHead, {}, StandardNormal), (VMFHead, {"kappa_max": 1e5}, SphereUniform),
         (PowerSphericalHead, {"kappa_max": 1e5}, SphereUniform), (FixedKappaVMFHead, {"kappa": 1e5}, SphereUniform)]


@pytest.mark.parametrize("head_class,settings_,prior_class", HEADS)
@pytest.mark.parametrize("dim", [3, 100, 1000])
@pytest.mark.parametrize("feature_scale", [1.0, 100.0])   # large features push kappa and scales to their ends
def test_every_latent_under_bf16_autocast_is_finite_and_its_math_stays_precise(head_class, settings_, prior_class,
                                                                               dim, feature_scale):
    torch.manual_seed(0)
    head = head_class(in_features=16, dim=dim, **settings_)
    prior = prior_class(dim)
    features = feature_scale * torch.randn(8, 16)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        q = head(features)
        z = q.rsample()
        ours = quantities(q, prior(), z)
    for value in (z, *ours):
        assert torch.isfinite(value).all() and value.dtype in (torch.float32, torch.float64)
    # The same distribution rebuilt in float64 from the parameters autocast produced.
    params = {name: getattr(q.base_dist if hasattr(q, "base_dist") else q, name).double()
              for name in ("loc", "scale")}
    if isinstance(q, torch.distributions.Independent):
        q64 = torch.distributions.Independent(torch.distributions.Normal(params["loc"], params["scale"]), 1)
        prior64 = torch.distributions.Independent(torch.distributions.Normal(torch.zeros(dim, dtype=torch.float64),
                                                                             torch.ones(dim, dtype=torch.float64)), 1)
    else:
        q64 = type(q)(params["loc"], params["scale"])
        prior64 = HypersphericalUniform(dim, dtype=torch.float64)
    reference = quantities(q64, prior64, z.double())
    for name, a, b in zip(("entropy", "kl", "log_prob"), ours, reference, strict=True):
        assert close(a, b), (name, a, b)
    assert math.isfinite(float(ours[1].mean()))
