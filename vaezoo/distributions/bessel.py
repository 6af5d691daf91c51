"""log I_v(x) and the ratio A_v(x) = I_{v+1}(x) / I_v(x), in log space, vectorised, with gradients.

Modified Bessel functions of the first kind for the von Mises-Fisher normaliser and its KL.
Domain: order v >= 0, argument x > 0 (tested for v in [0, 2500], x in [1e-4, 1e5]); outside it
(v < 0, x <= 0, NaN) both functions return NaN.

Branch map (one seam, in the order v only; no switch in x):

* v >= 15: uniform asymptotic (Debye) expansion of I_v(v z), DLMF 10.41.3, with sixteen terms
  U_1..U_16 (recurrence DLMF 10.41.9; U_1..U_3 listed in 10.41.10), and the matching expansion
  of A_v derived from I'_v (DLMF 10.41.5, V_k from 10.41.9), rearranged so that nothing cancels
  as z -> 0 (see ``_debye``).  It is uniform in x, so the large-order corner needs no power
  series and the large-argument corner no Hankel expansion.  From v = 15 on the truncation
  error is below 3e-15 for log I and 2e-15 relative for A (checked against mpmath).
* v < 15: start at m = v + n >= 15 (n = ceil(15 - v) <= 15 steps) with the Debye values, then run
  the three-term recurrence DLMF 10.29.1 downwards, A_{mu-1} = 1 / (2 mu / x + A_mu), and
  log I_{mu-1} = log I_mu - log A_{mu-1}.  Downward recurrence is the stable direction for I
  (Miller's algorithm; the map's derivative is -A_{mu-1}^2, so errors never grow), and it is the
  Gauss continued fraction for A_v with its tail replaced by the exact-to-rounding Debye value,
  so it converges for every x, including x = 1e5 where 1 - A ~ (2v + 1) / (2x) is tiny.

The ratio is never formed as exp(log I_{v+1} - log I_v).  Everything is computed in float64 and
cast back, because in float32 the pieces cancel: log I_0(1e-4) = 2.5e-9 comes out as log I_15
minus 15 log-ratios, each side about -176, so float32 rounding alone (~1e-5 per term) would
use up the whole 1e-4 tolerance; likewise dA/dx at x = 1e5 is O(1/x^2) from three O(1/x)
terms.  Float64 costs little next to the networks that call this.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

import torch

from vaezoo.distributions.precision import full_precision

__all__ = ["bessel_iv_ratio", "log_bessel_iv", "log_bessel_iv_and_ratio"]

_DEBYE_MIN_ORDER = 15
_DEBYE_TERMS = 16


def _debye_coefficients(terms: int) -> tuple[list[list[float]], list[list[float]]]:
    """Coefficients of P_k and Q_k with U_k(p) = p^k P_k(p^2) and X_k(p) = p^k Q_k(p^2), k >= 1.

    U_k comes from the recurrence DLMF 10.41.9, in exact rationals so no typing slip can enter;
    X_k = (V_k - U_k) / (1 - p^2) = -p U_{k-1} / 2 - p^2 U'_{k-1} by the V_k line of 10.41.9.
    Only every other power of p occurs, hence polynomials in p^2 (a third of the Horner work).
    """
    u_polys = [[Fraction(1)]]
    for _ in range(terms):
        prev = u_polys[-1]
        nxt = [Fraction(0)] * (len(prev) + 3)
        for j, c in enumerate(prev):
            # p^2 (1 - p^2) U'(p) / 2 + (1/8) int_0^p (1 - 5 t^2) U(t) dt, term by term.
            nxt[j + 1] += c * j / 2 + c / (8 * (j + 1))
            nxt[j + 3] -= c * j / 2 + 5 * c / (8 * (j + 3))
        u_polys.append(nxt)
    p_coeffs, q_coeffs = [], []
    for k in range(1, terms + 1):
        x_poly = [Fraction(0)] * (len(u_polys[k - 1]) + 1)
        for j, c in enumerate(u_polys[k - 1]):
            x_poly[j + 1] = -(j + Fraction(1, 2)) * c
        p_coeffs.append([float(c) for c in u_polys[k][k::2]])
        q_coeffs.append([float(c) for c in x_poly[k::2]])
    return p_coeffs, q_coeffs


_U_COEFFS, _X_COEFFS = _debye_coefficients(_DEBYE_TERMS)


_COEFF_MATRICES: dict[tuple, torch.Tensor] = {}


def _coefficient_matrix(like: torch.Tensor) -> torch.Tensor:
    """Coefficients of P_1..P_K and Q_1..Q_K as one zero-padded [2K, degree + 1] matrix, cached
    per dtype and device."""
    key = (like.dtype, like.device)
    if key not in _COEFF_MATRICES:
        polys = _U_COEFFS + _X_COEFFS
        width = max(len(poly) for poly in polys)
        rows = [poly + [0.0] * (width - len(poly)) for poly in polys]
        _COEFF_MATRICES[key] = torch.tensor(rows, dtype=like.dtype, device=like.device)
    return _COEFF_MATRICES[key]


def _powers(base: torch.Tensor, count: int, first: int) -> torch.Tensor:
    """[..., count] tensor of base^first, ..., base^(first + count - 1) for first in {0, 1}, by a
    running product (several times cheaper than torch.pow on CPU)."""
    stacked = base.unsqueeze(-1).expand(*base.shape, count).clone()
    if first == 0:
        stacked[..., 0] = 1.0
    return stacked.cumprod(-1)


def _debye_sums(s: torch.Tensor, q: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """S_U = sum_{k>=1} s^k P_k(q) and S_X = sum_{k>=1} s^k Q_k(q), all polynomials at once.

    One matrix product instead of one operation per coefficient: on small batches the cost is
    per operation, not per element. q = p^2 is in (0, 1] and s = p / v is below
    1 / DEBYE_MIN_ORDER, so the power basis loses nothing against Horner's rule here.
    """
    matrix = _coefficient_matrix(q)
    inner = _powers(q, matrix.shape[1], 0) @ matrix.T
    sums = (inner.unflatten(-1, (2, _DEBYE_TERMS)) * _powers(s, _DEBYE_TERMS, 1).unsqueeze(-2)).sum(-1)
    return sums[..., 0], sums[..., 1]


@functools.lru_cache(maxsize=256)
def _fixed_order_coefficients(v: float, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """[2, 3K + 1] coefficients, in powers of p, of S_U = sum_k U_k(p) / v^k (row 0) and S_X.

    For one order v both sums are single polynomials in p: one Vandermonde product evaluates
    them, instead of a matrix product per k-structure and a second power basis in p / v. The
    orders in use are few (one per latent dimension), hence the cache.
    """
    columns = []
    for coeffs in (_U_COEFFS, _X_COEFFS):
        column = [0.0] * (3 * _DEBYE_TERMS + 1)
        for k, poly in enumerate(coeffs, start=1):
            weight = v ** -k
            for i, c in enumerate(poly):  # U_k(p) = p^k P_k(p^2), and likewise X_k
                column[k + 2 * i] += weight * c
        columns.append(column)
    return torch.tensor(columns, dtype=dtype, device=device)


def _debye(v: float | torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(log I_v(x), A_v(x)) from the uniform expansion; float64, v >= 15, x > 0.

    With z = x / v, t = sqrt(1 + z^2), p = 1 / t, eta = t + log(z / (1 + t)) (DLMF 10.41.3-8):
        log I_v = v eta - log(2 pi v) / 2 - log(t) / 2 + log(S_U),  S_U = sum_k U_k(p) / v^k.
    A_v = I'_v / I_v - v / x with I'_v from DLMF 10.41.5 is (t S_V / S_U - 1) / z, which cancels
    as z -> 0.  Writing V_k = U_k + (1 - p^2) X_k (DLMF 10.41.9) gives the cancellation-free
        A_v = z (1 / (1 + t) + p S_X / S_U),  S_X = sum_{k>=1} X_k(p) / v^k.
    """
    z = x / v
    t = torch.hypot(z, torch.ones_like(z))
    p = 1.0 / t
    if isinstance(v, float):
        coeffs = _fixed_order_coefficients(v, p.dtype, p.device)
        su, sx = (coeffs @ torch.linalg.vander(p.reshape(-1), N=coeffs.shape[1]).T).reshape(2, *p.shape)
    else:
        su, sx = _debye_sums(p / v, p * p)
    eta = t + torch.log(z / (1.0 + t))
    log_2pi_v = math.log(2.0 * math.pi * v) if isinstance(v, float) else torch.log(2.0 * math.pi * v)
    log_iv = v * eta - 0.5 * log_2pi_v - 0.5 * torch.log(t) + torch.log1p(su)
    ratio = z * (1.0 / (1.0 + t) + p * sx / (1.0 + su))
    return log_iv, ratio


def _recur_down(
    v: torch.Tensor, x: torch.Tensor, steps: torch.Tensor | int, max_steps: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """(log I_v(x), A_v(x)): Debye at order v + steps, then that many steps of DLMF 10.29.1 down.

    `steps` is either one integer for every lane (the usual case: a vMF has a single order),
    or a per-element integer-valued tensor <= max_steps, in which case lanes with fewer steps
    stop updating, so one fixed-length vectorised loop serves every lane.  Orders stay >= 1 in
    idle lanes because v + steps >= max_steps, so no lane divides by zero.
    """
    top = v + steps
    log_iv, ratio = _debye(top, x)
    two_over_x = 2.0 / x
    if isinstance(steps, int):
        return _recur_down_uniform(log_iv, ratio, top, two_over_x, steps)
    for j in range(max_steps):
        active = steps > j
        lower = torch.reciprocal(torch.addcmul(ratio, two_over_x, top - j))
        ratio = torch.where(active, lower, ratio)
        log_iv = log_iv - torch.where(active, torch.log(lower), 0.0)
    return log_iv, ratio


def _recur_down_uniform(
    log_iv: torch.Tensor, ratio: torch.Tensor, top: float | torch.Tensor, two_over_x: torch.Tensor, steps: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """`steps` steps of DLMF 10.29.1 down from order `top`, the same count for every lane.

    With A_mu = p / q, A_{mu-1} = 1 / (2 mu / x + A_mu) = q / (2 mu q / x + p): the pair
    (p, q) -> (q, 2 mu q / x + p) costs one fused multiply-add per step, and the product of the
    ratios telescopes to q_0 / q_n, so log I_v = log I_top + log q_n. Every term is positive, so
    nothing cancels. (p, q) is rescaled every 8 steps, which keeps q far from overflow.
    """
    p, q = ratio, torch.ones_like(ratio)
    top = float(top)
    for j in range(steps):
        p, q = q, torch.addcmul(p, q, two_over_x, value=top - j)
        if j % 8 == 7:
            log_iv = log_iv + torch.log(q)
            p, q = p / q, torch.ones_like(q)
    return log_iv + torch.log(q), p / q


def _log_iv_and_ratio(v: float | torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(log I_v(x), A_v(x)) in float64 for float64 x and an order v that is one Python number
    (the fast path, with no device synchronisation) or a float64 tensor broadcast with x;
    NaN outside v >= 0, x > 0."""
    if isinstance(v, float) and v >= 0:
        x_safe = torch.where(x > 0, x, 1.0)
        steps = max(0, math.ceil(_DEBYE_MIN_ORDER - v))
        log_iv, ratio = _recur_down(v, x_safe, steps, steps)
        valid = x > 0
    else:
        v = torch.as_tensor(v, dtype=torch.float64, device=x.device)
        v, x = torch.broadcast_tensors(v, x)
        valid = (v >= 0) & (x > 0)
        v_safe = torch.where(valid, v, float(_DEBYE_MIN_ORDER))
        x_safe = torch.where(valid, x, 1.0)
        steps_tensor = torch.clamp(torch.ceil(_DEBYE_MIN_ORDER - v_safe), min=0.0)
        log_iv, ratio = _recur_down(v_safe, x_safe, steps_tensor, _DEBYE_MIN_ORDER)
    return torch.where(valid, log_iv, math.nan), torch.where(valid, ratio, math.nan)


def _save_for_backward(ctx, v: float | torch.Tensor, x: torch.Tensor, ratio: torch.Tensor) -> None:
    """Tensors through save_for_backward; a Python order on ctx (it is no tensor)."""
    if isinstance(v, torch.Tensor):
        ctx.save_for_backward(x, ratio, v)
    else:
        ctx.save_for_backward(x, ratio)
        ctx.order = v


def _ratio_for_backward(ctx) -> tuple[float | torch.Tensor, torch.Tensor, torch.Tensor]:
    """(v, x in float64, A_v(x)) saved by a forward pass. When a double backward is being
    recorded, A is recomputed through _BesselIvRatio so that its own gradient is tracked."""
    x, ratio, *order = ctx.saved_tensors
    v = order[0] if order else ctx.order
    x64 = x.to(torch.float64)
    if torch.is_grad_enabled():
        ratio = _BesselIvRatio.apply(v, x64)
    return v, x64, ratio


class _LogBesselIv(torch.autograd.Function):
    """log I_v(x); d/dx = A_v(x) + v / x (from I'_v = I_{v+1} + (v / x) I_v, DLMF 10.29.2)."""

    @staticmethod
    def forward(ctx, v: float | torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        log_iv, ratio = _log_iv_and_ratio(v, x.to(torch.float64))
        _save_for_backward(ctx, v, x, ratio)
        return log_iv.to(x.dtype)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[None, torch.Tensor | None]:
        if not ctx.needs_input_grad[1]:
            return None, None
        v, x64, ratio = _ratio_for_backward(ctx)
        return None, (grad.to(torch.float64) * (ratio + v / x64)).to(grad.dtype)


class _BesselIvRatio(torch.autograd.Function):
    """A_v(x); dA/dx = 1 - A^2 - (2v + 1) A / x (from DLMF 10.29.2 for I_v and I_{v+1})."""

    @staticmethod
    def forward(ctx, v: float | torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        ratio = _log_iv_and_ratio(v, x.to(torch.float64))[1]
        _save_for_backward(ctx, v, x, ratio)
        return ratio.to(x.dtype)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[None, torch.Tensor | None]:
        if not ctx.needs_input_grad[1]:
            return None, None
        v, x64, ratio = _ratio_for_backward(ctx)
        # A is kept in float64 rather than taken from a float32 output: at large x the three
        # terms are O(1/x) and cancel to O(1/x^2).
        slope = 1.0 - ratio * ratio - (2.0 * v + 1.0) * ratio / x64
        return None, (grad.to(torch.float64) * slope).to(grad.dtype)


def _prepare(
    v: float | torch.Tensor, x: torch.Tensor, name: str
) -> tuple[float | torch.Tensor, torch.Tensor]:
    """v as a Python float when it is one number (the fast path, no device round trip; a
    0-dimensional tensor is read once here), else as a float64 tensor broadcast with x; and x
    as a floating tensor (autograd through x kept)."""
    if isinstance(v, torch.Tensor) and v.requires_grad:
        raise ValueError(
            f"{name}: gradients with respect to the order v are not implemented; pass v.detach()"
        )
    x = torch.as_tensor(x)
    if not x.is_floating_point():
        x = x.to(torch.get_default_dtype())
    if not isinstance(v, torch.Tensor) or v.dim() == 0:
        return float(v), x
    v64, x = torch.broadcast_tensors(v.to(device=x.device, dtype=torch.float64), x)
    return v64, x


@full_precision
def log_bessel_iv(v: float | torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """log I_v(x), differentiable in x (not in v, which must not require grad).

    Args:
        v: order >= 0, a number or a tensor broadcastable with x.
        x: argument > 0.
    Returns:
        Tensor of the broadcast shape in x's dtype (the default dtype if x is not floating).
        Error ~1e-13 of max(1, |log I|) in float64; float32 results are float64 ones rounded.
    """
    v64, x = _prepare(v, x, "log_bessel_iv")
    return _LogBesselIv.apply(v64, x)


@full_precision
def bessel_iv_ratio(v: float | torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """A_v(x) = I_{v+1}(x) / I_v(x) in (0, 1), differentiable in x (not in v).

    Computed from its own recurrence / uniform expansion, never from two large logs, so it keeps
    its relative accuracy (~1e-12 in float64) for every x, including when 1 - A is tiny.
    Same arguments and dtype rule as `log_bessel_iv`.
    """
    v64, x = _prepare(v, x, "bessel_iv_ratio")
    return _BesselIvRatio.apply(v64, x)


@torch.no_grad()
@full_precision
def log_bessel_iv_and_ratio(v: float, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(log I_v(x), A_v(x)) in float64 from one evaluation, without autograd.

    For fused autograd functions (the vMF entropy) that need both values and supply their own
    analytic backward; everyone else should call `log_bessel_iv` / `bessel_iv_ratio`.
    """
    return _log_iv_and_ratio(float(v), x.to(torch.float64))

