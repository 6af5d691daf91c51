"""KL(q(z|x) || p(z)): closed form where one is registered, otherwise a Monte-Carlo estimate."""

from __future__ import annotations

import logging

import torch
from torch.distributions import Distribution, kl_divergence

log = logging.getLogger(__name__)


class KLTerm:
    """Chooses, once per (posterior, prior) type pair, between the registered closed form and
    the single-sample estimate log q(z|x) - log p(z) at the z used for reconstruction, and logs
    the choice once."""

    def __init__(self) -> None:
        self._closed_form: dict[tuple[type, type], bool] = {}

    def method(self, q: Distribution, p: Distribution) -> str:
        return "closed_form" if self._has_closed_form(q, p) else "monte_carlo"

    def __call__(self, q: Distribution, p: Distribution, z: torch.Tensor) -> torch.Tensor:
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
            except NotImplementedError:
                self._closed_form[key] = False
            log.info("KL(%s || %s): %s", key[0].__name__, key[1].__name__,
                     "closed form" if self._closed_form[key] else "Monte-Carlo estimate")
        return self._closed_form[key]
