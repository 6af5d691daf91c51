"""The discretised logistic likelihood of 8-bit pixels (Kingma et al. 2016; the Frey-faces decoder
of Tomczak & Welling 2018): the probability of a pixel's bin of width 1/256 under a logistic
law, with the edge bins stretched to -inf and +inf so the 256 probabilities sum to one (the
original code leaves the edges out, so its probabilities sum to less)."""

from __future__ import annotations

import torch
from torch.nn.functional import logsigmoid

BINS = 256


def discretized_logistic_log_prob(x: torch.Tensor, mean: torch.Tensor, log_scale: torch.Tensor,
                                  bins: int = BINS) -> torch.Tensor:
    """log P(pixel) per element for x in [0, 1] on the grid (k + 1/2) / bins (any point of a bin
    selects it), logistic location ``mean`` and log scale ``log_scale``.

    P = sigma(a) - sigma(b) with a, b the standardised upper and lower bin edges; computed as
    log sigma(a) + log sigma(-b) + log(1 - exp(b - a)), which stays finite and accurate when
    both CDFs are close to 0 or 1 (sigma(a) - sigma(b) = sigma(a) sigma(-b) (1 - e^{b - a})).
    """
    index = (x * bins).floor().clamp(0, bins - 1)
    inverse_scale = torch.exp(-log_scale)
    lower = (index / bins - mean) * inverse_scale
    upper = ((index + 1) / bins - mean) * inverse_scale
    interior = logsigmoid(upper) + logsigmoid(-lower) + torch.log(-torch.expm1(lower - upper))
    first, last = index == 0, index == bins - 1
    return torch.where(first, logsigmoid(upper), torch.where(last, logsigmoid(-lower), interior))
