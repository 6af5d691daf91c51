"""Maximum mean discrepancy between the codes q(z) and the prior p(z), as an objective term: the
penalty of the Wasserstein autoencoder (Tolstikhin et al. 2018, Algorithm 1), of its stochastic
variant (Bahuleyan et al. 2019, eq. 3) and of InfoVAE (Zhao et al. 2019). Written by hand: no
maintained library ships a differentiable multi-scale MMD estimator for PyTorch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch

from vaezoo.objectives.base import Pass, Term
from vaezoo.objectives.schedules import Schedule

if TYPE_CHECKING:
    from vaezoo.models.base import LatentVariableModel

# Bahuleyan et al.'s code sums the kernel over these multiples of its base scale.
SCALES = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


def imq_kernel(x: torch.Tensor, y: torch.Tensor, base_scale: float, scales: Sequence[float] = SCALES) -> torch.Tensor:
    """sum_s C_s / (C_s + ||x_i - y_j||^2) with C_s = base_scale * s: [n, m] for x [n, d], y [m, d]
    (the inverse multiquadratic kernel, whose heavy tails keep gradients alive far from the prior)."""
    squared = torch.cdist(x, y).pow(2)
    return sum(base_scale * s / (base_scale * s + squared) for s in scales)


def mmd(x: torch.Tensor, y: torch.Tensor, base_scale: float, scales: Sequence[float] = SCALES) -> torch.Tensor:
    """Unbiased MMD^2 of samples x [n, d] and y [n, d] (Gretton et al. 2012, eq. 3): the within-sample
    terms over pairs i != j, and the cross term with weight 2 / n^2. Bahuleyan et al.'s eq. 3 prints
    1 / n^2 for the cross term; the standard estimator and the authors' code use 2 / n^2."""
    n = len(x)
    if n < 2 or len(y) != n:
        raise ValueError(f"mmd needs two samples of the same size >= 2, got {n} and {len(y)}")
    off_diagonal = ~torch.eye(n, dtype=torch.bool, device=x.device)
    within = (imq_kernel(x, x, base_scale, scales)[off_diagonal].sum()
              + imq_kernel(y, y, base_scale, scales)[off_diagonal].sum()) / (n * (n - 1))
    return within - 2.0 * imq_kernel(x, y, base_scale, scales).sum() / (n * n)


class MMD(Term):
    """MMD^2 between the pass's codes and as many prior samples: one value for the batch.

    Args:
        weight: lambda (Bahuleyan et al.: lambda_WAE = 10 against a per-token reconstruction).
        base_scale: C of the kernel; None: 4 * dim, Bahuleyan et al.'s code (the paper omits C).
        scales: multiples of C the kernel is summed over.
    """

    sign, bound_sign = 1, 0

    def __init__(self, weight: Schedule | float = 1.0, from_pass: str = "data", base_scale: float | None = None,
                 scales: Sequence[float] = SCALES) -> None:
        super().__init__(weight, from_pass)
        if base_scale is not None and base_scale <= 0:
            raise ValueError(f"MMD: base_scale={base_scale} must be positive (or null: 4 * dim)")
        self.base_scale, self.scales = base_scale, tuple(float(s) for s in scales)

    def forward(self, model: LatentVariableModel, data: Pass) -> torch.Tensor:
        z = data.z
        prior_samples = data.prior.sample((len(z),)).to(z)
        base = self.base_scale if self.base_scale is not None else 4.0 * z.shape[-1]
        return mmd(z, prior_samples, base, self.scales)
