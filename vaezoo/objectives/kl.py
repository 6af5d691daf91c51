"""KL(q(z|x) || p(z)): closed form where one is registered, otherwise a Monte-Carlo estimate."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import torch
from torch.distributions import Distribution, kl_divergence

from vaezoo.objectives.base import Pass, Term
from vaezoo.objectives.schedules import Schedule

if TYPE_CHECKING:
    from vaezoo.models.base import LatentVariableModel

log = logging.getLogger(__name__)


class KL(Term):
    """KL per example. Chooses, once per (posterior, prior) type pair, between the registered
    closed form and the single-sample estimate log q(z|x) - log p(z) at the z used for
    reconstruction, and logs the choice once; only the estimate reads the sample.

    Args:
        weight: beta, or its annealing schedule.
        divide_by_count: divide each code's KL by the number of codes in the pass: for a graph
            of N nodes whose likelihood is a mean over node pairs, the KL of the whole graph over
            N^2 pairs, the scaling of Kipf & Welling's (2016) VGAE code (Davidson et al. 2018 F.3
            state none).
    """

    sign, bound_sign = 1, -1
    needs_density = True

    def __init__(self, weight: Schedule | float = 1.0, from_pass: str = "data", divide_by_count: bool = False) -> None:
        super().__init__(weight, from_pass)
        self.divide_by_count = divide_by_count
        self._closed_form: dict[tuple[type, type], bool] = {}

    def method(self, q: Distribution, p: Distribution) -> str:
        return "closed_form" if self._has_closed_form(q, p) else "monte_carlo"

    def forward(self, model: LatentVariableModel, data: Pass) -> torch.Tensor:
        kl = self.divergence(data.q, data.prior, data.z)
        return kl / kl.shape[0] if self.divide_by_count else kl

    def reads_sample(self, model: LatentVariableModel, data: Pass) -> bool:
        return self.method(data.q, data.prior) == "monte_carlo"

    def divergence(self, q: Distribution, p: Distribution, z: torch.Tensor) -> torch.Tensor:
        """KL per example, shape q.batch_shape; ``z`` is a sample of q, [*sample, *batch, dim]."""
        if self._has_closed_form(q, p):
            return kl_divergence(q, p)
        return (q.log_prob(z) - p.log_prob(z)).reshape(-1, *q.batch_shape).mean(0)

    def _has_closed_form(self, q: Distribution, p: Distribution) -> bool:
        key = (type(q), type(p))
        if key not in self._closed_form:
            try:
                kl_divergence(q, p)
                self._closed_form[key] = True
            except NotImplementedError:  # torch's answer when no closed form is registered for the pair
                self._closed_form[key] = False
            log.info("KL(%s || %s): %s", key[0].__name__, key[1].__name__,
                     "closed form" if self._closed_form[key] else "Monte-Carlo estimate")
        return self._closed_form[key]
