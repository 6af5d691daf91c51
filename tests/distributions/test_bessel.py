"""log_bessel_iv and bessel_iv_ratio against the mpmath table, with gradients and branch seams.

The table is tests/fixtures/bessel_reference.csv (scripts/make_bessel_fixture.py); its x values
are float32-representable, so the float32 rows compare at exactly the value the function sees.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import torch

from vaezoo.distributions import bessel
from vaezoo.distributions.bessel import bessel_iv_ratio, log_bessel_iv

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "bessel_reference.csv"
F64 = torch.float64
SEAM = float(bessel._DEBYE_MIN_ORDER)


@pytest.fixture(scope="module")
def table() -> dict[str, torch.Tensor]:
    with open(FIXTURE, newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {key: torch.tensor([float(r[key]) for r in rows], dtype=F64)
            for key in ("v", "x", "log_iv", "ratio")}


def scaled_error(value: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """|value - ref| / max(1, |ref|), the error measure of log I."""
    return (value.double() - ref).abs() / ref.abs().clamp_min(1.0)


def relative_error(value: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    return ((value.double() - ref) / ref).abs()


@pytest.mark.parametrize(("dtype", "tol"), [(torch.float64, 1e-6), (torch.float32, 1e-4)])
def test_log_iv_matches_reference(table, dtype, tol):
    out = log_bessel_iv(table["v"], table["x"].to(dtype))
    assert out.dtype == dtype
    assert torch.isfinite(out).all()
    assert scaled_error(out, table["log_iv"]).max().item() <= tol


@pytest.mark.parametrize(("dtype", "tol"), [(torch.float64, 1e-6), (torch.float32, 1e-5)])
def test_ratio_matches_reference(table, dtype, tol):
    out = bessel_iv_ratio(table["v"], table["x"].to(dtype))
    assert out.dtype == dtype
    assert ((out > 0) & (out < 1)).all()
    assert relative_error(out, table["ratio"]).max().item() <= tol


def test_one_minus_ratio_keeps_relative_precision(table):
    """Where 1 - A ~ (2v + 1) / (2x) is tiny, 1 - A itself is still right to 1e-6 (float64)."""
    rows = (table["x"] >= 1e3) & (table["v"] <= 4.0)
    out = bessel_iv_ratio(table["v"][rows], table["x"][rows])
    ref = 1.0 - table["ratio"][rows]
    assert ref.min().item() < 1e-4
    assert relative_error(1.0 - out, ref).max().item() <= 1e-6


def test_orders_zero_and_one_match_torch_i0e_i1e():
    """Independent of the table: log I_v(x) = log(i_ve(x)) + x for v = 0, 1 (Cephes)."""
    x = torch.logspace(-4, 4, 33, dtype=F64)
    for v, scaled in ((0.0, torch.special.i0e), (1.0, torch.special.i1e)):
        assert scaled_error(log_bessel_iv(v, x), scaled(x).log() + x).max().item() <= 1e-12


GRAD_POINTS = [(0.0, 1e-3), (0.5, 2.0), (3.7, 50.0), (SEAM - 1e-3, 10.0), (SEAM, 10.0), (149.0, 1e-2),
               (499.0, 600.0), (2500.0, 3000.0), (0.0, 1e4), (9.5, 1e5)]


@pytest.mark.parametrize("fn", [log_bessel_iv, bessel_iv_ratio])
@pytest.mark.parametrize(("v", "x"), GRAD_POINTS)
def test_gradcheck_float64(fn, v, x):
    t = torch.tensor([x], dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a: fn(v, a), (t,), eps=1e-6 * max(1.0, x))


@pytest.mark.parametrize("fn", [log_bessel_iv, bessel_iv_ratio])
def test_gradgradcheck_float64(fn):
    t = torch.tensor([0.3, 7.0, 80.0], dtype=F64, requires_grad=True)
    assert torch.autograd.gradgradcheck(lambda a: fn(torch.tensor([0.0, 12.5, 60.0], dtype=F64), a),
                                        (t,))


@pytest.mark.parametrize(("dtype", "tol"), [(torch.float64, 1e-6), (torch.float32, 1e-4)])
def test_log_iv_gradient_is_ratio_plus_v_over_x(table, dtype, tol):
    x = table["x"].to(dtype, copy=True).requires_grad_(True)
    log_bessel_iv(table["v"], x).sum().backward()
    ref = table["ratio"] + table["v"] / table["x"]
    assert x.grad.dtype == dtype
    assert relative_error(x.grad, ref).max().item() <= tol


def test_ratio_gradient_formula(table):
    """dA/dx = 1 - A^2 - (2v + 1) A / x against the tabulated A where it does not cancel."""
    rows = table["x"] <= 10.0 * (table["v"] + 1.0)
    v, a = table["v"][rows], table["ratio"][rows]
    x = table["x"][rows].clone().requires_grad_(True)
    bessel_iv_ratio(v, x).sum().backward()
    ref = 1.0 - a * a - (2.0 * v + 1.0) * a / x.detach()
    assert relative_error(x.grad, ref).max().item() <= 1e-6


XS = torch.logspace(-4, 5, 46, dtype=F64)


@pytest.mark.parametrize("steps", [1, 2, 15])
def test_seam_debye_agrees_with_recurrence(steps):
    """At the switch v = SEAM, Debye there and the recurrence from SEAM + steps give the same values."""
    v = torch.full_like(XS, SEAM)
    direct_log, direct_ratio = bessel._debye(v, XS)
    rec_log, rec_ratio = bessel._recur_down(v, XS, torch.full_like(XS, float(steps)), steps)
    assert scaled_error(rec_log, direct_log).max().item() <= 1e-12
    assert relative_error(rec_ratio, direct_ratio).max().item() <= 1e-12


@pytest.mark.parametrize("order", [SEAM, SEAM + 0.5, 40.0, 2500.0])
def test_one_order_path_matches_per_element_orders(order):
    """One Python order (a single polynomial in p) and a tensor of orders (a polynomial per
    Debye term) are two evaluations of the same sums and must agree to rounding."""
    log_scalar, ratio_scalar = bessel._debye(order, XS)
    log_tensor, ratio_tensor = bessel._debye(torch.full_like(XS, order), XS)
    assert scaled_error(log_scalar, log_tensor).max().item() <= 1e-15
    assert relative_error(ratio_scalar, ratio_tensor).max().item() <= 1e-15


@pytest.mark.parametrize("order", [SEAM, SEAM - 1.0, 1.0])
@pytest.mark.parametrize("fn", [log_bessel_iv, bessel_iv_ratio])
def test_smooth_where_the_step_count_changes(order, fn):
    """The number of recurrence steps jumps at v = SEAM, SEAM - 1, ..., 1; the values must not.

    Second difference in v over +-1e-6 around the jump: O(1e-12) if smooth, the size of any
    jump otherwise.
    """
    below, at, above = (fn(torch.full_like(XS, order + d), XS) for d in (-1e-6, 0.0, 1e-6))
    second = (below - 2.0 * at + above).abs() / at.abs().clamp_min(1.0)
    if fn is bessel_iv_ratio:
        second = second / at
    assert second.max().item() <= 1e-10


def test_debye_polynomials_match_dlmf():
    """U_1..U_3 of DLMF 10.41.10 and V_1..V_3 of DLMF 10.41.11 from the generated coefficients."""
    p = torch.linspace(0.0, 1.0, 11, dtype=F64)

    def poly(coeffs: list[float], k: int) -> torch.Tensor:
        return p**k * sum(c * p ** (2 * i) for i, c in enumerate(coeffs))

    u = [poly(bessel._U_COEFFS[k - 1], k) for k in (1, 2, 3)]
    x = [poly(bessel._X_COEFFS[k - 1], k) for k in (1, 2, 3)]
    expected_u = [(3 * p - 5 * p**3) / 24,
                  (81 * p**2 - 462 * p**4 + 385 * p**6) / 1152,
                  (30375 * p**3 - 369603 * p**5 + 765765 * p**7 - 425425 * p**9) / 414720]
    expected_v = [(-9 * p + 7 * p**3) / 24,
                  (-135 * p**2 + 594 * p**4 - 455 * p**6) / 1152,
                  (-42525 * p**3 + 451737 * p**5 - 883575 * p**7 + 475475 * p**9) / 414720]
    for got, want in zip(u, expected_u, strict=True):
        torch.testing.assert_close(got, want, rtol=0, atol=1e-15)
    for k, want in enumerate(expected_v):
        torch.testing.assert_close(u[k] + (1 - p**2) * x[k], want, rtol=0, atol=1e-15)


@pytest.mark.parametrize(("v", "x"), [(2500.0, 1e-4), (0.0, 1e5), (2500.0, 1e5), (0.0, 1e-4)])
def test_float32_extreme_corners_finite(v, x):
    for fn in (log_bessel_iv, bessel_iv_ratio):
        t = torch.tensor([x], dtype=torch.float32, requires_grad=True)
        out = fn(v, t)
        out.sum().backward()
        assert out.dtype == torch.float32
        assert torch.isfinite(out).all() and torch.isfinite(t.grad).all()


def test_broadcasting():
    v = torch.tensor([[0.0], [3.5], [300.0]], dtype=F64)
    x = torch.tensor([[1e-3, 1.0, 40.0, 5e4]], dtype=F64, requires_grad=True)
    out = log_bessel_iv(v, x)
    assert out.shape == (3, 4)
    assert bessel_iv_ratio(v, x).shape == (3, 4)
    for i in range(3):
        for j in range(4):
            single = log_bessel_iv(v[i, 0].item(), x[0, j : j + 1].detach())
            assert abs(out[i, j].item() - single.item()) <= 1e-12 * max(1.0, abs(single.item()))
    out.sum().backward()
    assert x.grad.shape == (1, 4)


def test_order_requiring_grad_is_refused():
    v = torch.tensor(1.5, dtype=F64, requires_grad=True)
    with pytest.raises(ValueError, match="order v"):
        log_bessel_iv(v, torch.tensor([1.0], dtype=F64))


def test_outside_domain_is_nan():
    v = torch.tensor([-1.0, 2.0, 0.0, 30.0], dtype=F64)
    x = torch.tensor([1.0, 0.0, -1.0, 0.0], dtype=F64)
    assert torch.isnan(log_bessel_iv(v, x)).all()
    assert torch.isnan(bessel_iv_ratio(v, x)).all()
