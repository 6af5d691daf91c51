"""The loss as a sum of named, weighted terms (``vaezoo.objectives.base.Term``).

The split follows Pyro's ELBO classes: the objective is an object apart from the model, so one
model trains under several objectives (ELBO, beta-VAE, semi-supervised bounds, MMD or critic
terms) chosen in the ``objective/`` config group.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import lightning.pytorch as pl
import torch
from torch import nn

from vaezoo.objectives.base import CriticTerm, Passes, Term, mean_value
from vaezoo.objectives.inner_loop import InnerLoop
from vaezoo.objectives.kl import KL
from vaezoo.objectives.reconstruction import Reconstruction
from vaezoo.objectives.schedules import Progress
from vaezoo.objectives.score import with_score_correction

if TYPE_CHECKING:
    from vaezoo.models.base import LatentVariableModel

# Names the step logs beside the terms' (train/elbo, train/loss, train/kappa, train/inner_steps).
RESERVED_NAMES = frozenset({"elbo", "loss", "kappa", "inner_steps", "weight"})


@dataclass
class StepResult:
    """The loss of one training step and what to log: every term's batch mean under its name,
    its weight under ``weight/<name>``, the evidence bound under ``elbo``."""

    loss: torch.Tensor
    stats: dict[str, torch.Tensor | float] = field(default_factory=dict)


class Objective(nn.Module):
    """loss = sum_i sign_i * weight_i(progress) * scale_i * mean(value_i), over the terms in their
    order (``scale_i``: the term's ``loss_scale``, 1 but for a per-token reconstruction).

    The score-function correction of a sampler whose pathwise gradient is biased (the vMF's
    rejection sampler) is applied here, once, to every term whose value depends on the sample:
    per example for per-example values, with the batch's summed score for a whole-pass value.
    An ``InnerLoop`` makes the model update one of its optimisers repeatedly per step.
    """

    def __init__(self, terms: Mapping[str, Term], inner_loop: InnerLoop | None = None) -> None:
        super().__init__()
        if not terms:
            raise ValueError("an objective needs at least one term")
        clashes = [name for name in terms if name in RESERVED_NAMES or "/" in name]
        if clashes:
            raise ValueError(f"objective.terms: {clashes} would clash with the logged {sorted(RESERVED_NAMES)}; "
                             "rename the terms")
        self.terms = nn.ModuleDict(terms)
        self.inner_loop = inner_loop

    def bind(self, datamodule: pl.LightningDataModule | None) -> None:
        for term in self.terms.values():
            term.weight.bind(datamodule)

    def optimizations(self) -> dict:
        """The optimisers that terms bring for parameters of their own, by term name."""
        return {name: term.optimization for name, term in self.terms.items() if isinstance(term, CriticTerm)}

    def parameter_groups(self) -> dict[str, list[nn.Parameter]]:
        """The parameters each of those optimisers trains (and ``main`` does not)."""
        return {name: list(self.terms[name].parameters()) for name in self.optimizations()}

    def values(self, model: LatentVariableModel, passes: Passes, only_present: bool = False
               ) -> dict[str, torch.Tensor]:
        """Each term's values with the score correction applied; ``only_present`` (evaluation)
        skips the terms whose pass the step does not have (M1+M2's labelled terms)."""
        values = {}
        for name, term in self.terms.items():
            if only_present and term.from_pass not in passes:
                continue
            data = passes[term.from_pass]
            value = term(model, data)
            if data.score is not None and term.reads_sample(model, data):
                value = with_score_correction(value, data.score.sum() if value.dim() == 0 else data.score)
            values[name] = value
        return values

    def bound(self, values: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """The evidence bound from the terms' values (per example, or a scalar for a whole pass, or
        their batch means)."""
        parts = [self.terms[name].bound_sign * value for name, value in values.items()
                 if self.terms[name].bound_sign != 0]
        if not parts:
            raise ValueError(f"none of the terms {list(values)} is part of an evidence bound")
        return sum(parts[1:], parts[0])

    def forward(self, model: LatentVariableModel, passes: Passes, progress: Progress) -> StepResult:
        loss, stats = None, {}
        for name, value in self.values(model, passes).items():
            term, mean = self.terms[name], mean_value(value)
            weight = term.weight(progress)
            contribution = mean * (term.sign * weight) * term.loss_scale(model, passes[term.from_pass])
            loss = contribution if loss is None else loss + contribution
            stats[name], stats[f"weight/{name}"] = mean.detach(), weight
        # The bound's batch mean from the terms' detached means: no graph, few operations.
        stats["elbo"] = self.bound({name: stats[name] for name in self.terms})
        stats["loss"] = loss.detach()
        return StepResult(loss, stats)

    def own_losses(self, model: LatentVariableModel, passes: Passes, first: bool) -> dict[str, torch.Tensor]:
        """The losses of the terms that train parameters of their own and update ``first`` (before
        the model) or not, by term name."""
        return {name: self.terms[name].own_loss(model, passes[self.terms[name].from_pass])
                for name in self.optimizations() if self.terms[name].updates_first == first}


def elbo(beta: float = 1.0) -> Objective:
    """The ELBO E_q[log p(x|z)] - beta KL(q || p) (Kingma & Welling 2014; Higgins et al. 2017)."""
    return Objective({"re": Reconstruction(), "kl": KL(beta)})
