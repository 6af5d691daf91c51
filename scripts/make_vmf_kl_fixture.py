"""Reference values of KL(vMF(mu, kappa) || U(S^{m-1})) computed with mpmath at 50 digits.

    python scripts/make_vmf_kl_fixture.py   # writes tests/fixtures/vmf_kl_reference.csv

KL = kappa A_m(kappa) + log C_m(kappa) + log Area(S^{m-1}) (Davidson et al. 2018, eq. 5), with
A_m = I_{m/2}/I_{m/2-1}. kappa values are float32-representable so one table serves both dtypes.
"""

from __future__ import annotations

import csv
from pathlib import Path

import mpmath as mp
import numpy as np

mp.mp.dps = 50
DIMS = (2, 3, 5, 6, 11, 21, 51, 101, 301, 1001, 5002)
KAPPAS = tuple(float(np.float32(k)) for k in (1e-3, 1e-2, 0.1, 0.5, 1, 2, 5, 10, 20, 50, 100, 300,
                                             1e3, 3e3, 1e4, 3e4, 1e5))
TARGET = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "vmf_kl_reference.csv"


def kl_reference(m: int, kappa: float) -> mp.mpf:
    k = mp.mpf(kappa)
    v = mp.mpf(m) / 2 - 1
    iv = mp.besseli(v, k, maxterms=10**7)
    log_iv = mp.log(iv)
    ratio = mp.besseli(v + 1, k, maxterms=10**7) / iv
    log_c = v * mp.log(k) - mp.mpf(m) / 2 * mp.log(2 * mp.pi) - log_iv
    log_area = mp.log(2) + mp.mpf(m) / 2 * mp.log(mp.pi) - mp.loggamma(mp.mpf(m) / 2)
    return k * ratio + log_c + log_area


def main() -> None:
    with open(TARGET, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["m", "kappa", "kl"])
        for m in DIMS:
            for kappa in KAPPAS:
                writer.writerow([m, repr(kappa), mp.nstr(kl_reference(m, kappa), 17)])


if __name__ == "__main__":
    main()
