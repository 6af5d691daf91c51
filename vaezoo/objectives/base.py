"""What an objective term reads (a ``Pass``: one encoding of a batch) and what a term is."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

import torch
from torch import nn
from torch.distributions import Distribution

from vaezoo.objectives.schedules import Schedule, as_schedule

if TYPE_CHECKING:
    from vaezoo.models.base import LatentVariableModel
    from vaezoo.models.optimization import Optimization


class Pass:
    """One encoding of a batch: the inputs x, the posterior q(z|x), one sample z per example, the
    sampler's score (None when the pathwise gradient is exact, see ``vaezoo.objectives.score``),
    the prior p(z) (built on first use: a VampPrior encodes its pseudo-inputs), the encoder's
    ``features`` that q was built from (a critic of (x, z) reads them; the MI evaluator rebuilds
    posteriors from them) and any extras a term needs (``y``: the labels of a labelled batch). A
    model without a code has q = z = None."""

    def __init__(self, x: Any, q: Distribution | None = None, z: torch.Tensor | None = None,
                 score: torch.Tensor | None = None, prior: Callable[[], Distribution] | None = None,
                 features: torch.Tensor | None = None, **extras: Any) -> None:
        self.x, self.q, self.z, self.score, self._prior, self.features = x, q, z, score, prior, features
        self.extras = extras

    @cached_property
    def prior(self) -> Distribution:
        if self._prior is None:
            raise ValueError("this pass has no prior: the model has no latent code")
        return self._prior()


class Passes(Mapping[str, Pass]):
    """Named passes of a step, each built on first use, so that encoders run and samples are drawn
    in the order the terms read them (M1+M2: the labelled batch's bound before the unlabelled
    batch is encoded)."""

    def __init__(self, **factories: Callable[[], Pass]) -> None:
        self._factories, self._built = factories, {}

    def __getitem__(self, name: str) -> Pass:
        if name not in self._built:
            if name not in self._factories:
                raise KeyError(f"no pass {name!r}; this step has {sorted(self._factories)}")
            self._built[name] = self._factories[name]()
        return self._built[name]

    def __contains__(self, name: object) -> bool:
        return name in self._factories

    def built(self) -> dict[str, Pass]:
        """The passes built so far, in the order they were built."""
        return dict(self._built)

    def __iter__(self) -> Iterator[str]:
        return iter(self._factories)

    def __len__(self) -> int:
        return len(self._factories)


class Term(nn.Module, ABC):
    """One named piece of a loss, computed from a pass of the model.

    ``forward`` returns one value per example ([batch]) or one value for the whole pass (a scalar:
    a graph's likelihood over node pairs, a batch-level MMD). The loss adds ``sign * weight *
    mean(value)``: ``sign`` is -1 for a log-likelihood the model maximises and +1 for a penalty.
    ``bound_sign`` is the value's sign in the evidence bound the run reports (``elbo``), 0 for a
    term outside it.

    A term with parameters of its own is a ``CriticTerm``.

    Args:
        weight: a ``Schedule`` or a constant.
        from_pass: the pass it reads (most models have one, ``data``).
    """

    sign: ClassVar[int] = -1
    bound_sign: ClassVar[int] = 0
    # Whether the term evaluates the posterior's density (a KL does; a point-mass code has none).
    needs_density: ClassVar[bool] = False
    def __init__(self, weight: Schedule | float = 1.0, from_pass: str = "data") -> None:
        super().__init__()
        self.weight, self.from_pass = as_schedule(weight), from_pass

    @abstractmethod
    def forward(self, model: LatentVariableModel, data: Pass) -> torch.Tensor:
        """The term's values: [batch], or a scalar for the whole pass."""

    def attach(self, model: LatentVariableModel) -> None:  # noqa: B027 (most terms need nothing)
        """Build the term's own networks from the model's sizes (vocabulary, code, encoder
        features); called once when the model is built, before any optimiser exists."""

    def reads_sample(self, model: LatentVariableModel, data: Pass) -> bool:
        """Whether the value depends on the sampled z (and so needs the sampler's score correction)."""
        return True

    def loss_scale(self, model: LatentVariableModel, data: Pass) -> torch.Tensor | float:
        """A factor on the term's contribution to the loss only (not to its logged value or the
        bound): per-token normalisation of a reconstruction."""
        return 1.0


class CriticTerm(Term):
    """A term with parameters of its own (a critic): it brings the ``Optimization`` that trains
    them (``vaezoo.models.optimization``) and the loss that optimiser minimises; the model then
    optimises manually, the critic's optimiser under the term's name. ``updates_first``: the
    critic steps before the model in each training step (and the model's loss sees the updated
    critic); otherwise after it."""

    updates_first: ClassVar[bool] = False

    def __init__(self, optimization: Optimization, weight: Schedule | float = 1.0, from_pass: str = "data") -> None:
        super().__init__(weight, from_pass)
        self.optimization = optimization

    @abstractmethod
    def own_loss(self, model: LatentVariableModel, data: Pass) -> torch.Tensor:
        """The loss of the critic's own optimiser, from the pass with its codes held fixed."""


def mean_value(value: torch.Tensor) -> torch.Tensor:
    """The batch mean of a term's values (a scalar term is its own mean)."""
    return value if value.dim() == 0 else value.mean()
