"""How much a model uses its code: the mutual information I_q(x; z) under the encoder's joint
distribution and the number of active units (Qian & Cheung, §5.3, eqs. 19-20; He et al. 2019;
Burda et al. 2016).

MI = E_x E_{z ~ q(z|x)} [log q(z|x) - log q(z)], where the aggregate posterior q(z) is the mixture
of the posteriors of *every* example of the split. A minibatch mixture (He et al.'s code) cannot
exceed log(batch size), which the models of Qian's Table 2 approach; over the whole split the
ceiling is log N, reported beside the estimate. Hand-written: no library estimates either.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import torch
from torch import nn
from torch.distributions import Distribution
from torchmetrics import Metric
from torchmetrics.utilities import dim_zero_cat

from vaezoo.evaluation.base import STAGES, EvalStep, Evaluator, log_metric

if TYPE_CHECKING:
    from vaezoo.models.base import LatentVariableModel

Posterior = Callable[[torch.Tensor], Distribution]


def aggregate_posterior_mi(posterior: Posterior, features: torch.Tensor, samples: int = 1,
                           chunk: int = 256) -> torch.Tensor:
    """The Monte-Carlo MI of the posteriors ``posterior(features)`` of N examples: ``samples``
    draws z ~ q(z|x_i) per example, each scored by its own posterior and by the mixture of all N
    (memory [samples, chunk, N])."""
    n = len(features)
    components = [posterior(features[start:start + chunk]) for start in range(0, n, chunk)]
    total = torch.zeros((), dtype=torch.float64, device=features.device)
    for q in components:
        z = q.sample((samples,))                                                      # [S, c, d]
        log_components = torch.cat([q_j.log_prob(z.unsqueeze(-2)) for q_j in components], dim=-1)  # [S, c, N]
        log_aggregate = torch.logsumexp(log_components, dim=-1) - math.log(n)
        total += (q.log_prob(z) - log_aggregate).double().sum()
    return total / (n * samples)


class AggregatePosteriorMI(Metric):
    """Collects the encoder features of a split; ``compute`` gives ``aggregate_posterior_mi``.
    The features are concatenated across DDP ranks, so the mixture covers the whole split;
    ``examples`` is its size at the last ``compute``."""

    full_state_update = False

    def __init__(self, samples: int = 1, chunk: int = 256) -> None:
        super().__init__()
        self.samples, self.chunk = samples, chunk
        self.posterior: Posterior | None = None
        self.examples = 0
        self.add_state("features", default=[], dist_reduce_fx="cat")

    def update(self, features: torch.Tensor, posterior: Posterior) -> None:
        """``posterior``: features -> q(z|x), a plain function (a module here would be saved twice)."""
        if isinstance(posterior, nn.Module):
            raise TypeError("AggregatePosteriorMI.update: pass the head's __call__, not the module")
        self.posterior = posterior
        self.features.append(features.detach())

    def compute(self) -> torch.Tensor:
        features = dim_zero_cat(self.features)
        self.examples = len(features)
        with torch.no_grad():
            return aggregate_posterior_mi(self.posterior, features, self.samples, self.chunk)


class ActiveUnitCount(Metric):
    """AU = #{d : Var_x(E_q(z|x)[z_d]) >= threshold} (Burda et al. 2016; Qian eq. 20, which writes
    Cov for the variance), the variance over the split's examples with the N - 1 denominator of
    He et al.'s code. States are sums, exact under DDP."""

    full_state_update = False

    def __init__(self, dim: int, threshold: float = 0.01) -> None:
        super().__init__()
        self.threshold = threshold
        for name in ("total", "total_squares"):
            self.add_state(name, default=torch.zeros(dim, dtype=torch.float64), dist_reduce_fx="sum")
        self.add_state("count", default=torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")

    def update(self, means: torch.Tensor) -> None:
        means = means.detach().double()
        self.total += means.sum(0)
        self.total_squares += means.pow(2).sum(0)
        self.count += len(means)

    def variances(self) -> torch.Tensor:
        n = self.count.double()
        return (self.total_squares - self.total.pow(2) / n) / (n - 1)

    def compute(self) -> torch.Tensor:
        return (self.variances() >= self.threshold).sum()


class PosteriorUsage(Evaluator):
    """``mi`` (nats) and ``au`` on the evaluation splits; on validation they let a callback end He
    et al.'s aggressive training when the MI stops rising.

    Args:
        samples: codes drawn per example for the MI.
        threshold: the AU variance threshold (Qian, Burda et al.: 0.01).
        stages: the splits it runs on.
    """

    def __init__(self, samples: int = 1, threshold: float = 0.01, stages: tuple[str, ...] = STAGES) -> None:
        super().__init__()
        unknown = set(stages) - set(STAGES)
        if unknown or samples < 1 or threshold <= 0:
            raise ValueError(f"PosteriorUsage: stages {sorted(unknown)} are not in {list(STAGES)}, or samples="
                             f"{samples} / threshold={threshold} is not positive")
        self.samples, self.threshold, self.stages = samples, threshold, tuple(stages)
        self.metrics = nn.ModuleDict()

    def update(self, model: LatentVariableModel, stage: str, step: EvalStep) -> None:
        if stage not in self.stages:
            return
        data = step.passes["data"]
        if data.features is None:
            raise ValueError(f"PosteriorUsage needs a model with a stochastic code; {type(model).__name__} has none")
        if f"{stage}_mi" not in self.metrics:
            self.metrics[f"{stage}_mi"] = AggregatePosteriorMI(self.samples).to(model.device)
            self.metrics[f"{stage}_au"] = ActiveUnitCount(data.z.shape[-1], self.threshold).to(model.device)
        mi, au = self.metrics[f"{stage}_mi"], self.metrics[f"{stage}_au"]
        mi.update(data.features, model.latent.__call__)
        au.update(data.q.mean)
        for name, metric in (("mi", mi), ("au", au)):
            log_metric(model, f"{stage}/{name}", metric, len(data.z))

    def estimators(self) -> dict[str, dict]:
        if "test" not in self.stages:
            return {}
        examples = self.metrics["test_mi"].examples if "test_mi" in self.metrics else 0
        ceiling = {"ceiling_log_n": math.log(examples)} if examples else {}
        return {"test/mi": {"method": "monte_carlo_aggregate_posterior_over_the_split", "samples": self.samples,
                            **ceiling},
                "test/au": {"method": "variance_of_posterior_means", "threshold": self.threshold}}
