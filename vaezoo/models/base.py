"""One base for every latent-variable model: encode, posterior, sample, decode, likelihood.

A paper's model supplies ``log_likelihood`` (and, if needed, ``inputs`` and its passes); the loss
comes from an ``Objective`` (``vaezoo.objectives``), the optimisers from the ``optimizer/`` group,
the test-time estimators from the ``eval/`` group (``vaezoo.evaluation``). Optimisation is
automatic with one optimiser; with several (a critic term's own, or entries of the optimizer
group that train named modules) or an inner loop it is manual: each step updates the critics
that go first on their terms' own losses, then the model's optimisers on the objective's loss
(an ``InnerLoop``'s optimiser first, repeatedly), then the other critics, with the same gradient
clipping and epoch-wise LR scheduling as the automatic mode.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import ClassVar

import lightning.pytorch as pl
import torch
from torch import nn
from torch.distributions import Distribution
from torchmetrics import MeanMetric

from vaezoo.data.order import evaluation_batch_index
from vaezoo.distributions.directional import DirectionalDistribution
from vaezoo.evaluation.base import STAGES, EvalSettings, EvalStep, Evaluator
from vaezoo.latent.base import LatentHead
from vaezoo.models.optimization import Optimization, adam, merge_optimizations
from vaezoo.objectives.base import Pass, Passes
from vaezoo.objectives.objective import Objective, elbo
from vaezoo.objectives.schedules import Progress
from vaezoo.priors.base import Prior


class LatentVariableModel(pl.LightningModule, ABC):
    """The run's composed config.yaml records every setting, so no hyperparameters are saved in
    checkpoints (they keep tensors and plain containers: ``torch.load(weights_only=True)``).

    Args:
        encoder: x -> features (``out_features`` wide); None for a model without a code.
        latent: features -> q(z|x); None without a code.
        decoder: the likelihood's network.
        prior: p(z); None without a code.
        objective: the loss (default: the ELBO).
        optimizers: {"main": ``Optimization``} (default: Adam 1e-3); objective terms with
            parameters of their own add theirs.
    """

    # How the reported bound (``test/elbo``) is estimated.
    bound_estimator: ClassVar[dict] = {"method": "single_sample_monte_carlo", "samples": 1}
    # Whether the encoder reads flat input vectors, so that a prior of pseudo-inputs can use it.
    encodes_flat_inputs: ClassVar[bool] = False
    # The passes of a training step (``training_passes``), which objective terms read.
    pass_names: ClassVar[tuple[str, ...]] = ("data",)

    def __init__(self, encoder: nn.Module | None, latent: LatentHead | None, decoder: nn.Module | None,
                 prior: Prior | None, objective: Objective | None = None,
                 optimizers: Mapping[str, Optimization] | None = None) -> None:
        super().__init__()
        if latent is not None and prior is not None and latent.dim != prior.dim:
            raise ValueError(f"latent.dim={latent.dim} differs from prior.dim={prior.dim}")
        self.encoder, self.latent, self.decoder, self.prior = encoder, latent, decoder, prior
        self.objective = objective if objective is not None else elbo()
        for term in self.objective.terms.values():
            term.attach(self)
        for name, term in self.objective.terms.items():
            if term.from_pass not in self.pass_names:
                raise ValueError(f"objective.terms.{name} reads the pass {term.from_pass!r}; {type(self).__name__} "
                                 f"has {list(self.pass_names)}")
        self.optimizations = merge_optimizations(optimizers if optimizers is not None else adam(),
                                                 self.objective.optimizations())
        loop = self.objective.inner_loop
        if loop is not None and loop.optimizer not in self.optimizations:
            raise ValueError(f"objective.inner_loop.optimizer={loop.optimizer!r} is not one of the optimisers "
                             f"{sorted(self.optimizations)}")
        self.automatic_optimization = len(self.optimizations) == 1 and loop is None
        # nan_strategy="disable": a NaN must reach checkpointing and early stopping, not be dropped.
        self.bound_metrics = nn.ModuleDict({
            f"{stage}_{name}": MeanMetric(nan_strategy="disable")
            for stage in STAGES for name in ("elbo", *self.objective.terms)})
        self.evaluators: nn.ModuleList | None = None
        self._epoch_sums: dict[str, torch.Tensor | float] = {}
        self._epoch_examples = 0

    # --- the model -------------------------------------------------------------------------
    @abstractmethod
    def log_likelihood(self, x, z: torch.Tensor | None) -> torch.Tensor:
        """log p(x|z) for z [*sample, batch, dim] -> [*sample, batch]."""

    def inputs(self, batch):
        """The inputs x of a batch; datasets yield (x, label) pairs."""
        return batch[0]

    def posterior(self, x) -> Distribution:
        return self.latent(self.encoder(x))

    def prior_distribution(self) -> Distribution:
        """p(z); a VampPrior builds it from ``posterior`` at its pseudo-inputs."""
        return self.prior(encode=self.posterior)

    def encode(self, x, **extras) -> Pass:
        """x, q(z|x), one sample z per example with the sampler's score, and the prior."""
        if self.latent is None:
            return Pass(x, **extras)
        features = self.encoder(x)
        q = self.latent(features)
        z, score = self.latent.sample(q)
        return Pass(x, q, z, score, prior=self.prior_distribution if self.prior is not None else None,
                    features=features, **extras)

    def training_passes(self, batch) -> Passes:
        return Passes(data=lambda: self.encode(self.inputs(batch)))

    def evaluation_passes(self, batch) -> Passes:
        return self.training_passes(batch)

    def batch_size(self, batch) -> int:
        """Examples in a batch, the weight of its logged means."""
        return len(self.inputs(batch))

    # --- evaluation set-up ------------------------------------------------------------------
    def default_evaluators(self, settings: EvalSettings) -> list[Evaluator]:
        """The evaluators this family always reports (besides the bound and its terms)."""
        return []

    def configure_evaluation(self, settings: EvalSettings) -> None:
        """Test-time estimators from the ``eval`` group, replacing any configured before; a model
        used without one gets the defaults (``EvalSettings()``) when a Trainer sets it up."""
        evaluators, reported = [*self.default_evaluators(settings)], {}
        for name, evaluator in [(type(e).__name__, e) for e in evaluators] + list(settings.evaluators.items()):
            for key in evaluator.estimators():
                if key in reported:
                    raise ValueError(f"eval.evaluators.{name} reports {key}, which {reported[key]} already reports")
                reported[key] = name
        self.evaluators = nn.ModuleList([*evaluators, *settings.evaluators.values()])

    def bound_estimate(self) -> dict:
        """How the reported bound is estimated, and whether it still is one (an averaged code)."""
        kind = dict(self.bound_estimator)
        averaged = getattr(self.latent, "samples_averaged", 1)
        if averaged > 1:
            kind["code"] = f"mean of {averaged} posterior samples: not a bound on log p(x)"
        return kind

    def estimators(self) -> dict[str, dict]:
        """How each reported test number was estimated (written to results.json)."""
        kinds = {"test/elbo": self.bound_estimate()}
        for evaluator in self.evaluators or ():
            kinds |= evaluator.estimators()
        return kinds

    # --- training ---------------------------------------------------------------------------
    def setup(self, stage: str) -> None:
        """The default evaluators if none were configured. A prior initialised from data (VampPrior,
        ``prior.init=data``) gets training inputs (the first shuffled batches) here: before a
        resumed run's checkpoint is restored, so that one wins."""
        if self.evaluators is None:
            self.configure_evaluation(EvalSettings())
        if stage == "fit" and getattr(self.prior, "init", None) == "data":
            needed, inputs = self.prior.num_pseudo_inputs, []
            for batch in self.trainer.datamodule.train_dataloader():
                inputs.append(self.inputs(batch))
                if sum(len(x) for x in inputs) >= needed:
                    break
            self.prior.initialise_from(torch.cat(inputs))

    def on_fit_start(self) -> None:
        self.objective.bind(self.trainer.datamodule)

    def progress(self, batch_idx: int) -> Progress:
        """Fractional epochs and training batches so far (not ``global_step``, which counts every
        optimiser's steps under manual optimisation)."""
        if self._trainer is None:
            return Progress()
        return Progress(self.current_epoch + batch_idx / max(1, self.trainer.num_training_batches),
                        self.trainer.fit_loop.epoch_loop.total_batch_idx)

    def training_step(self, batch, batch_idx: int) -> torch.Tensor | None:
        passes = self.training_passes(batch)
        critic_stats = {} if self.automatic_optimization else self._update_critics(passes, first=True)
        result = self.objective(self, passes, self.progress(batch_idx))
        directional = [data.q for data in passes.built().values() if isinstance(data.q, DirectionalDistribution)]
        if directional:
            result.stats["kappa"] = directional[0].scale.mean()
        if not self.automatic_optimization:
            result.stats |= critic_stats | self._manual_step(result.loss, passes, batch, batch_idx)
        self._accumulate_epoch_stats(result.stats, self.batch_size(batch))
        self.last_step_stats = result.stats   # named by NonFiniteGuard if this step's loss or gradient is not finite
        return result.loss if self.automatic_optimization else None

    def optimizer_list(self) -> list:
        """Lightning's optimisers in ``optimizations`` order (``optimizers()`` unwraps a single one)."""
        optimizers = self.optimizers()
        return optimizers if isinstance(optimizers, list) else [optimizers]

    def _update_critics(self, passes: Passes, first: bool) -> dict[str, torch.Tensor]:
        """Each critic that ``updates_first`` (or each other one) one step on its term's own loss;
        returns ``<term>/own_loss`` to log."""
        optimizers = dict(zip(self.optimizations, self.optimizer_list(), strict=True))
        own_losses = self.objective.own_losses(self, passes, first)
        for name, own_loss in own_losses.items():
            self._update({name: optimizers[name]}, own_loss)
        return {f"{name}/own_loss": own_loss.detach() for name, own_loss in own_losses.items()}

    def _manual_step(self, loss: torch.Tensor, passes: Passes, batch, batch_idx: int) -> dict[str, torch.Tensor]:
        """The model's optimisers on the objective's loss (an active inner loop's first, repeatedly,
        then the others on a fresh pass), then the critics that update after the model. Returns
        what to log: ``inner_steps`` and ``<term>/own_loss``."""
        optimizers = dict(zip(self.optimizations, self.optimizer_list(), strict=True))
        critics = set(self.objective.optimizations())
        model_optimizers = [name for name in optimizers if name not in critics]
        stats: dict[str, torch.Tensor | float] = {}
        loop = self.objective.inner_loop
        if loop is not None and loop.active:
            stats["inner_steps"] = float(self._inner_updates(optimizers[loop.optimizer], loss, batch, batch_idx))
            model_optimizers.remove(loop.optimizer)
            passes = self.training_passes(batch)
            loss = self.objective(self, passes, self.progress(batch_idx)).loss
        self._update({name: optimizers[name] for name in model_optimizers}, loss)
        return stats | self._update_critics(passes, first=False)

    def _inner_updates(self, optimizer, loss: torch.Tensor, batch, batch_idx: int) -> int:
        """Updates of the inner loop's optimiser on ``batch``, each on a fresh pass, until it stops."""
        loop, losses = self.objective.inner_loop, []
        for step in range(1, loop.max_steps + 1):
            if step > 1:
                loss = self.objective(self, self.training_passes(batch), self.progress(batch_idx)).loss
            self._update({loop.optimizer: optimizer}, loss)
            losses.append(loss.item())
            if loop.should_stop(losses):
                return step
        return loop.max_steps

    def _update(self, optimizers: dict, loss: torch.Tensor) -> None:
        """One backward of ``loss`` from zeroed gradients, then each optimiser clipped with its own
        norm and stepped."""
        for optimizer in self.optimizer_list():
            optimizer.zero_grad()
        self.manual_backward(loss)
        for name, optimizer in optimizers.items():
            self._clip(name, optimizer)
            optimizer.step()

    def configure_gradient_clipping(self, optimizer, gradient_clip_val=None, gradient_clip_algorithm=None) -> None:
        """Automatic optimisation has one optimiser, ``main``, clipped by its own setting as in manual
        mode (``trainer.gradient_clip_val`` is refused by validation)."""
        self._clip("main", optimizer)

    def _clip(self, name: str, optimizer) -> None:
        """The ``Optimization``'s clipping: each gradient element to [-value, value], then the norm."""
        optimization = self.optimizations[name]
        for algorithm, clip in (("value", optimization.gradient_clip_value), ("norm", optimization.gradient_clip_norm)):
            if clip is not None:
                self.clip_gradients(optimizer, gradient_clip_val=clip, gradient_clip_algorithm=algorithm)

    def configure_optimizers(self):
        groups = self.objective.parameter_groups() | {
            name: [p for module in optimization.modules for p in self.get_submodule(module).parameters()]
            for name, optimization in self.optimizations.items() if optimization.modules}
        claimed = {id(p) for parameters in groups.values() for p in parameters}
        parameters = {"main": [p for p in self.parameters() if id(p) not in claimed], **groups}
        configs = [optimization.lightning_config(parameters[name]) for name, optimization in self.optimizations.items()]
        return configs[0] if len(configs) == 1 else configs

    def _accumulate_epoch_stats(self, stats: dict, batch_size: int) -> None:
        """Batch-size-weighted sums, logged once per epoch: one self.log call per step and value
        would cost more than the step itself for small models."""
        for name, value in stats.items():
            value = value.detach() if isinstance(value, torch.Tensor) else value
            self._epoch_sums[name] = self._epoch_sums.get(name, 0.0) + value * batch_size
        self._epoch_examples += batch_size

    def on_train_epoch_start(self) -> None:
        self._epoch_sums, self._epoch_examples = {}, 0

    def on_train_epoch_end(self) -> None:
        means = {f"train/{k}": torch.as_tensor(v / self._epoch_examples, dtype=torch.float32, device=self.device)
                 for k, v in self._epoch_sums.items()}
        self.log_dict(means, sync_dist=True)
        if not self.automatic_optimization:
            self.step_epoch_schedulers(self.trainer.callback_metrics)

    def step_epoch_schedulers(self, metrics: Mapping[str, torch.Tensor | float]) -> None:
        """Manual optimisation: Lightning leaves the epoch-wise schedulers to the model, and drops
        their ``monitor``, so a plateau scheduler reads its ``Optimization``'s in ``metrics`` (the
        epoch's; ``ExactResume`` replays this step after a resume from an epoch's last checkpoint,
        which is written before it)."""
        underlying = {name: optimizer.optimizer
                      for name, optimizer in zip(self.optimizations, self.optimizer_list(), strict=True)}
        for config in self.trainer.lr_scheduler_configs:
            if isinstance(config.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                name = next(n for n, o in underlying.items() if o is config.scheduler.optimizer)
                monitor = self.optimizations[name].monitor
                if monitor not in metrics:
                    raise ValueError(f"optimizer.{name}: its ReduceLROnPlateau reads {monitor}, which this run does "
                                     f"not log; set optimizer.{name}.monitor to one of {sorted(metrics)}")
                config.scheduler.step(metrics[monitor])
            else:
                config.scheduler.step()

    # --- evaluation -------------------------------------------------------------------------
    def _evaluate(self, batch, batch_idx: int, stage: str) -> None:
        passes = self.evaluation_passes(batch)
        values = self.objective.values(self, passes, only_present=True)
        bound = self.objective.bound(values)
        size = self.batch_size(batch)
        for name, value in {"elbo": bound, **values}.items():
            metric = self.bound_metrics[f"{stage}_{name}"]
            metric.update(value)
            self.log(f"{stage}/{name}", metric, on_step=False, on_epoch=True, batch_size=size)
        step = EvalStep(batch, evaluation_batch_index(self._trainer, batch_idx), passes, bound)
        for evaluator in self.evaluators or ():
            evaluator.update(self, stage, step)

    def validation_step(self, batch, batch_idx: int) -> None:
        self._evaluate(batch, batch_idx, "val")

    def test_step(self, batch, batch_idx: int) -> None:
        self._evaluate(batch, batch_idx, "test")
