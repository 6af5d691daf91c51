"""The von Mises-Fisher law on S^{m-1} in R^m (Davidson et al. 2018, §3.1; Xu & Durrett 2018, §3).

Density f(z; mu, kappa) = C_m(kappa) exp(kappa mu^T z) with
C_m(kappa) = kappa^{m/2-1} / ((2 pi)^{m/2} I_{m/2-1}(kappa)).

Sampling is Wood's (1994) rejection sampler for the component w = mu^T z, followed by a
Householder reflection that maps e_1 onto mu (Davidson et al. 2018, Algorithms 1-3).
Gradients are pathwise, as in the public S-VAE code: through the Householder reflection for
mu and through w = h(eps, kappa) for kappa with the accepted eps held fixed. The correction
term g_cor of Davidson et al. (appendix D, eq. 39) is available through ``rsample_with_score``.

Every quantity that involves kappa*(1 - something) or log I - kappa is evaluated in float64
and written without cancellation, so float32 callers stay accurate up to kappa = 1e5.
"""

from __future__ import annotations

import math

import torch
from torch.autograd.function import once_differentiable

from vaezoo.distributions.bessel import bessel_iv_ratio, log_bessel_iv, log_bessel_iv_and_ratio
from vaezoo.distributions.directional import DirectionalDistribution
from vaezoo.distributions.precision import full_precision


def wood_coefficients(kappa: torch.Tensor, dim: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(a, b, d) of Wood (1994) / Davidson et al. 2018, Algorithm 2, step 1.

    b is written as (m-1) / (2 kappa + sqrt(4 kappa^2 + (m-1)^2)), the cancellation-free form of
    (-2 kappa + sqrt(4 kappa^2 + (m-1)^2)) / (m-1), so it stays exact at large kappa.
    """
    m1 = dim - 1.0
    root = torch.sqrt(4.0 * kappa * kappa + m1 * m1)
    b = m1 / (2.0 * kappa + root)
    a = (m1 + 2.0 * kappa + root) / 4.0
    d = 4.0 * a * b / (1.0 + b) - m1 * math.log(m1)
    return a, b, d


# Proposals drawn at once per sample in the first round and in any later one. The acceptance
# rate is >= 0.68 everywhere (Davidson et al. 2018, Table 5), so after 8 candidates about 1
# sample in 10^4 is still pending: one round for a batch of 512 nineteen times in twenty, where
# one proposal per round needs about a dozen. On CPU the cost is per tensor operation.
WOOD_CANDIDATES = (8, 16)


def centred_symmetric_beta(dim: int, shape: tuple[int, ...], dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """Draws of 2 eps - 1 for eps ~ Beta((m-1)/2, (m-1)/2), the proposal law of Wood's sampler.

    Ulrich (1984), §3: sqrt(1 - U^{2/(m-2)}) cos(2 pi V) for m >= 3, and -cos(pi V) (the arcsine
    law) for m = 2. A handful of elementwise operations instead of two Gamma draws;
    1 - U^{2/(m-2)} is taken as -expm1(.) so it keeps its precision for large m. Centred, because
    the sampler needs 1 -+ eps only in the combinations (1 + b) -+ (1 - b) (2 eps - 1).
    """
    v = torch.rand(shape, dtype=dtype, device=device)
    if dim == 2:
        return -torch.cos(math.pi * v)
    u = torch.rand(shape, dtype=dtype, device=device)
    radius = torch.sqrt(-torch.expm1(torch.log(u) * (2.0 / (dim - 2))))
    return radius * torch.cos((2.0 * math.pi) * v)


# Rounds after which the sampler gives up: with acceptance >= 0.68 per proposal, 16 more
# candidates per round leave a sample pending with probability below 1e-8 per round.
WOOD_MAX_ROUNDS = 64


@torch.no_grad()
def accepted_wood_eps(a: torch.Tensor, b: torch.Tensor, d: torch.Tensor, dim: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Accepted draws of Wood's sampler, as 2 eps - 1, and the number of proposals each needed.

    Davidson et al. 2018, Algorithm 2, step 2, vectorised: each round draws several i.i.d.
    proposals (WOOD_CANDIDATES) for every sample and keeps, for samples not yet done, the first
    accepted one; that has the law of the sequential loop, and the proposal count is that
    candidate's position. Rounds run on the whole batch with masks rather than on gathered
    subsets: fewer, larger tensor operations. With c = 2 eps - 1 the proposal's
    t = 2ab / (1 - (1 - b) eps) is 4ab / ((1 + b) - (1 - b) c).

    Args:
        a, b, d: Wood's coefficients (``wood_coefficients``), shape [n, 1].
        dim: ambient dimension m >= 2.
    Returns:
        c = 2 eps - 1 [n, 1] and proposals [n, 1] (int64, >= 1).
    """
    four_ab, one_plus_b, one_minus_b = 4.0 * a * b, 1.0 + b, 1.0 - b
    accepted = proposals = done = None
    drawn = 0
    for _ in range(WOOD_MAX_ROUNDS):
        candidates = WOOD_CANDIDATES[drawn > 0]
        c = centred_symmetric_beta(dim, (b.shape[0], candidates), b.dtype, b.device)
        t = four_ab / torch.addcmul(one_plus_b, one_minus_b, c, value=-1.0)
        # Accept when (m - 1) log t - t + d >= log U (Algorithm 2).
        accept = torch.xlogy(dim - 1.0, t) - t >= torch.log(torch.rand_like(c)) - d
        first = accept.to(torch.uint8).argmax(1, keepdim=True)
        hit = accept.any(1, keepdim=True)
        if done is None:  # first round: every sample is pending
            accepted, proposals, done = c.gather(1, first), first + 1, hit
        else:
            hit &= ~done
            accepted = torch.where(hit, c.gather(1, first), accepted)
            proposals = torch.where(hit, first + (drawn + 1), proposals)
            done |= hit
        drawn += candidates
        if bool(done.all()):
            return accepted, proposals
    # A NaN or infinite kappa makes d NaN, which no proposal passes; checked only here, so the
    # normal path pays no extra device synchronisation for it.
    if not bool(torch.isfinite(d).all()):
        raise ValueError("VonMisesFisher.rsample: the concentration kappa must be finite and positive; "
                         "got NaN or inf (has the encoder diverged?)")
    raise RuntimeError(f"VonMisesFisher.rsample: Wood's sampler accepted no proposal in {WOOD_MAX_ROUNDS} rounds "
                       f"for some samples (m={dim}); this has probability below 1e-100 for valid parameters")


def householder_to(first: torch.Tensor, rest: torch.Tensor, loc: torch.Tensor) -> torch.Tensor:
    """Reflect z' = first * e_1 + rest (rest[..., 0] = 0), drawn around e_1, onto ``loc``.

    Davidson et al. 2018, Algorithm 3: H = I - 2 u u^T / (u^T u) with u = e_1 - loc maps e_1 to
    loc; applied as H z' = z' - c u with one scalar c = 2 (u.z') / (u.u) per sample: O(m), no
    m x m matrix. u_0 = 1 - loc_0 is taken as |loc_1:|^2 / (1 + loc_0) when loc_0 > 0, so that it
    keeps its relative precision when loc is close to e_1 (the float32 case that matters at large
    kappa). When loc is e_1 (u = 0), z' is returned unchanged.

    Args:
        first: [..., 1]; rest: [..., m] with a zero first column; loc: [..., m] unit vectors.
    """
    loc0, tail = loc[..., :1], loc[..., 1:]
    # vecdot rather than batched [1, m] @ [m, 1] products: several times faster on CPU.
    tail_sq = torch.linalg.vecdot(tail, tail).unsqueeze(-1)
    u0 = torch.where(loc0 > 0, tail_sq / (1.0 + loc0.clamp_min(0.0)), 1.0 - loc0)
    u_dot_u = u0 * u0 + tail_sq
    # u = (u0, -tail): u.z' = u0 first - tail . rest[1:], and rest[0] = 0.
    u_dot_z = u0 * first - torch.linalg.vecdot(rest, loc).unsqueeze(-1)
    at_e1 = u_dot_u <= torch.finfo(loc.dtype).tiny ** 0.5
    c = torch.where(at_e1, 0.0, 2.0 * u_dot_z / torch.where(at_e1, 1.0, u_dot_u))
    out = torch.addcmul(rest, c, loc)  # rest + c tail in columns 1:, c loc_0 in column 0
    out[..., :1] = first - c * u0
    return out


def tangent_directions(shape: torch.Size, scale: torch.Tensor) -> torch.Tensor:
    """scale * v for v uniform on the unit sphere orthogonal to e_1: shape [..., m], column 0 zero.

    v is a normalised Gaussian vector. The Gaussians are drawn in float32 whatever the dtype of
    ``scale``: the CPU float64 normal sampler is several times slower, and 24 random bits per
    coordinate are far below any statistical resolution; the norm and the product are formed
    in ``scale``'s dtype, so the geometry is exact to that precision.
    """
    gauss = torch.randn(shape, dtype=torch.float32, device=scale.device)
    gauss[..., 0] = 0.0
    norm = torch.linalg.vector_norm(gauss, dim=-1, keepdim=True, dtype=scale.dtype)
    return gauss * (scale / norm)


def log_normalizer_plus_kappa(kappa: torch.Tensor, dim: int, log_iv: torch.Tensor | None = None) -> torch.Tensor:
    """log C_m(kappa) + kappa in float64: log I - kappa is formed before it can cancel.

    ``log_iv``: log I_{m/2-1}(kappa) when the caller has it already (the entropy does)."""
    k = kappa.double()
    v = 0.5 * dim - 1.0
    log_iv = log_bessel_iv(v, k) if log_iv is None else log_iv
    return v * torch.log(k) - 0.5 * dim * math.log(2.0 * math.pi) - (log_iv - k)


def mean_resultant_length(kappa: torch.Tensor, dim: int) -> torch.Tensor:
    """A_m(kappa) = E[mu^T z] = I_{m/2}(kappa) / I_{m/2-1}(kappa), in kappa's dtype."""
    return bessel_iv_ratio(0.5 * dim - 1.0, kappa.double()).to(kappa.dtype)


class VonMisesFisher(DirectionalDistribution):
    """von Mises-Fisher distribution on S^{m-1} in R^m (arguments: ``DirectionalDistribution``)."""

    @property
    @full_precision
    def mean(self) -> torch.Tensor:
        return mean_resultant_length(self.scale, self.dim) * self.loc

    @full_precision
    def _rsample_parts(self, sample_shape: torch.Size | tuple[int, ...]) -> tuple[torch.Tensor, ...]:
        """z, the accepted c = 2 eps - 1 (no gradient), Wood's b and 1 - w (functions of kappa for
        that fixed eps), and the proposals per sample."""
        shape = self._extended_shape(torch.Size(sample_shape))
        kappa = self.scale.expand(shape[:-1] + (1,))
        a, b, d = wood_coefficients(kappa, self.dim)
        centred, proposals = accepted_wood_eps(a.reshape(-1, 1), b.reshape(-1, 1), d.reshape(-1, 1), self.dim)
        centred, proposals = centred.reshape(kappa.shape), proposals.reshape(kappa.shape)
        # 1 - w = 2 b eps / (1 - (1 - b) eps) = 2 b (1 + c) / ((1 + b) - (1 - b) c) with c = 2 eps - 1:
        # Algorithm 2's w = (1-(1+b)eps)/(1-(1-b)eps) rewritten so that 1 - w keeps its relative
        # precision when w is close to 1.
        one_minus_w = 2.0 * b * (1.0 + centred) / torch.addcmul(1.0 + b, 1.0 - b, centred, value=-1.0)
        radius = torch.sqrt((one_minus_w * (2.0 - one_minus_w)).clamp_min(torch.finfo(kappa.dtype).tiny))
        rest = tangent_directions(shape, radius)
        return householder_to(1.0 - one_minus_w, rest, self.loc), centred, b, one_minus_w, proposals

    def rsample_with_proposals(
        self, sample_shape: torch.Size | tuple[int, ...] = ()
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Reparameterised samples [*sample_shape, *batch_shape, m] and proposals per sample."""
        z, _, _, _, proposals = self._rsample_parts(sample_shape)
        return z, proposals.squeeze(-1)

    def rsample(self, sample_shape: torch.Size | tuple[int, ...] = ()) -> torch.Tensor:
        return self._rsample_parts(sample_shape)[0]

    @full_precision
    def rsample_with_score(
        self, sample_shape: torch.Size | tuple[int, ...] = ()
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Samples and, per sample, log g(w | kappa) + log |dh/d eps| with the accepted eps held
        fixed: the score whose gradient in kappa, times f(z), is the correction g_cor of Davidson
        et al. 2018, appendix D (eqs. 31 and 39; Naesseth et al. 2017). g(w | kappa) is the
        marginal density of w = mu^T z up to a constant: C_m(kappa) e^{kappa w} (1 - w^2)^{(m-3)/2}.
        The score has shape [*sample_shape, *batch_shape]; mu gets no correction (eq. 36 ff.)."""
        z, centred, b, one_minus_w, _ = self._rsample_parts(sample_shape)
        kappa = self.scale.expand(b.shape)
        # log C_m(kappa) + kappa w, as (log C_m + kappa) - kappa (1 - w): no cancellation at large kappa.
        log_g = (log_normalizer_plus_kappa(kappa, self.dim).to(kappa.dtype) - kappa * one_minus_w
                 + 0.5 * (self.dim - 3) * torch.log(one_minus_w * (2.0 - one_minus_w)))
        # dh/d eps = -2b / (1 - (1 - b) eps)^2 and 1 - (1 - b) eps = ((1 + b) - (1 - b) c) / 2.
        log_dh = torch.log(2.0 * b) - 2.0 * torch.log(0.5 * torch.addcmul(1.0 + b, 1.0 - b, centred, value=-1.0))
        return z, (log_g + log_dh).squeeze(-1)

    @full_precision
    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        """log C_m(kappa) + kappa mu^T z, written as (log C_m + kappa) - kappa |z - mu|^2 / 2.

        For unit z and mu, 1 - mu^T z = |z - mu|^2 / 2; that form does not cancel near z = mu.
        """
        if self._validate_args:
            self._validate_sample(value)
        half_sq_dist = 0.5 * ((value - self.loc) ** 2).sum(-1)
        kappa = self.scale.squeeze(-1)
        return log_normalizer_plus_kappa(kappa, self.dim).to(value.dtype) - kappa * half_sq_dist

    @full_precision
    def entropy(self) -> torch.Tensor:
        """H = -kappa A_m(kappa) - log C_m(kappa) = kappa (1 - A_m) - (log C_m + kappa)."""
        return _VMFEntropy.apply(self.scale.squeeze(-1), self.dim, 1.0, 0.0)

    def constant_minus_entropy(self, constant: float) -> torch.Tensor:
        """constant - H, formed in float64 before rounding to the dtype of kappa: for large m both
        terms are far larger than their difference (the KL to the uniform law)."""
        return _VMFEntropy.apply(self.scale.squeeze(-1), self.dim, -1.0, constant)


class _VMFEntropy(torch.autograd.Function):
    """sign * H(kappa) + shift for the vMF entropy H, from one Bessel evaluation, in float64.

    dH/dkappa = -kappa A'(kappa) with A' = 1 - A^2 - (2v + 1) A / kappa, v = m/2 - 1
    (Davidson et al. 2018, eq. 21 with the sign of the KL flipped). Fusing the forward and
    backward passes evaluates the Bessel functions once instead of four times per step.
    """

    @staticmethod
    def forward(ctx, kappa: torch.Tensor, dim: int, sign: float, shift: float) -> torch.Tensor:
        k = kappa.double()
        v = 0.5 * dim - 1.0
        log_iv, ratio = log_bessel_iv_and_ratio(v, k)
        log_c_plus_k = log_normalizer_plus_kappa(k, dim, log_iv)
        ctx.save_for_backward(kappa, ratio)
        ctx.order, ctx.sign = v, sign
        return (sign * (k * (1.0 - ratio) - log_c_plus_k) + shift).to(kappa.dtype)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None, None, None]:
        kappa, ratio = ctx.saved_tensors
        k = kappa.double()
        slope = -ctx.sign * (k * (1.0 - ratio * ratio) - (2.0 * ctx.order + 1.0) * ratio)
        return (grad.double() * slope).to(kappa.dtype), None, None, None
