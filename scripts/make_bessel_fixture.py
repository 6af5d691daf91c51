"""Reference log I_v(x) and A_v(x) = I_{v+1}(x) / I_v(x), computed with mpmath at 40 digits.

    python scripts/make_bessel_fixture.py   # writes tests/fixtures/bessel_reference.csv (minutes)

Read by tests/distributions/test_bessel.py for vaezoo.distributions.bessel.  Each x is rounded to
float32 first, so one table serves the float32 and the float64 tests.  Besides the listed and a
few random orders, the grid holds the orders around the one branch switch of the module (v = 25,
where the downward recurrence hands over to the Debye expansion) and, for every order, the
arguments x = v/2, v, 2v around the turning point of the uniform expansion.  mpmath sums the
power series, which is slow for large v and x (about 10 s at v = 2500, x = 1e5).
"""

from __future__ import annotations

import csv
from pathlib import Path

import mpmath as mp
import numpy as np

mp.mp.dps = 40
LISTED_ORDERS = (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 4.0, 9.5, 24.5, 49.0, 149.0, 499.0, 999.0, 2499.0,
                 2500.0)
SEAM_ORDERS = (23.999, 24.0, 24.999, 25.0, 25.001)
_RNG = np.random.default_rng(20240607)
RANDOM_ORDERS = tuple(round(float(v), 6) for v in
                      np.concatenate([_RNG.uniform(0.0, 40.0, 3), _RNG.uniform(40.0, 2500.0, 2)]))
ORDERS = tuple(sorted(set(LISTED_ORDERS + SEAM_ORDERS + RANDOM_ORDERS)))
LOG_GRID = tuple(np.logspace(-4.0, 5.0, 31))
TARGET = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "bessel_reference.csv"


def arguments(v: float) -> list[float]:
    """Float32-representable x in [1e-4, 1e5]: the log grid plus v/2, v, 2v."""
    extra = tuple(x for x in (0.5 * v, v, 2.0 * v) if 1e-4 <= x <= 1e5)
    return sorted({float(np.float32(x)) for x in LOG_GRID + extra})


def reference(v: float, x: float) -> tuple[float, float]:
    """(log I_v(x), I_{v+1}(x) / I_v(x)) from mpmath's power series at mp.dps digits."""
    order, arg = mp.mpf(v), mp.mpf(x)
    iv = mp.besseli(order, arg, maxterms=10**7)
    iv1 = mp.besseli(order + 1, arg, maxterms=10**7)
    return float(mp.log(iv)), float(iv1 / iv)


def main() -> None:
    with open(TARGET, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["v", "x", "log_iv", "ratio"])
        for v in ORDERS:
            for x in arguments(v):
                log_iv, ratio = reference(v, x)
                writer.writerow([repr(v), repr(x), repr(log_iv), repr(ratio)])


if __name__ == "__main__":
    main()
