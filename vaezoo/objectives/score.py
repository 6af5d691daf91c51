"""Score-function corrections of pathwise gradients, added as surrogate terms."""

from __future__ import annotations

import torch


def with_score_correction(value: torch.Tensor, score: torch.Tensor) -> torch.Tensor:
    """``value`` unchanged, with gradient grad(value) + value * grad(score).

    For samples drawn by rejection (the vMF), the pathwise gradient of E[f(z)] misses the term
    E[f(z) grad log(g / r)] of the accepted proposal (Naesseth et al. 2017; Davidson et al.
    2018, appendix D, g_cor); ``score`` is that log-ratio, a function of the parameters with the
    accepted proposal held fixed. Adding value.detach() * (score - score.detach()) contributes
    exactly that gradient and nothing to the value, so logged ELBOs stay what they were.
    """
    return value + value.detach() * (score - score.detach())
