"""The ELBO core shared by every VAE: encode, sample, reconstruct, regularise, evaluate.

A paper's model subclasses ``VAE`` and supplies only ``log_likelihood`` (and, if needed,
``inputs``); KL estimation, warm-up, logging and importance-sampled evaluation live here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import lightning.pytorch as pl
import torch
from torch import nn
from torch.distributions import Distribution
from torchmetrics import MeanMetric

from vaezoo.distributions.directional import DirectionalDistribution
from vaezoo.latent.base import LatentHead
from vaezoo.metrics.loglik import ImportanceSampledLogLik
from vaezoo.models.optimization import ConfiguredOptimization, check_optimization
from vaezoo.objectives.annealing import KLSchedule
from vaezoo.objectives.kl import KLTerm
from vaezoo.objectives.score import with_score_correction
from vaezoo.priors.base import Prior


class VAE(ConfiguredOptimization, pl.LightningModule, ABC):
    """Variational autoencoder trained on the beta-weighted ELBO E_q[log p(x|z)] - beta KL(q||p).

    Args:
        encoder: x -> features; must expose ``out_features``.
        latent: features -> q(z|x).
        decoder: z -> likelihood parameters.
        prior: p(z).
        optimizer: "adam" or "sgd".
        lr: learning rate.
        lr_decay: factor applied to the learning rate after every epoch whose validation ELBO
            did not improve (1 = constant learning rate).
        kl_schedule: "linear", "sigmoid" or "constant" (``vaezoo.objectives.annealing``).
        kl_warmup_epochs: epochs of the KL weight's rise (0 = none).
        kl_weight: the KL weight after the rise, or throughout for "constant".
        is_samples: importance samples K of the test log-likelihood (0: not estimated).
        is_chunk: samples decoded at once while estimating it (memory bound).
        val_is_samples: importance samples of a per-epoch log-likelihood on the first
            ``val_is_examples`` validation examples, for learning curves (0 = off).
        gradient_clip_norm: clip the global gradient norm to this (None: no clipping); part of
            the model's training protocol, so it lives here rather than in the Trainer config.
    """

    def __init__(
        self,
        encoder: nn.Module,
        latent: LatentHead,
        decoder: nn.Module,
        prior: Prior,
        optimizer: str = "adam",
        lr: float = 1e-3,
        lr_decay: float = 1.0,
        kl_schedule: str = "linear",
        kl_warmup_epochs: float = 0.0,
        kl_weight: float = 1.0,
        is_samples: int = 500,
        is_chunk: int = 100,
        val_is_samples: int = 0,
        val_is_examples: int = 1000,
        gradient_clip_norm: float | None = None,
    ) -> None:
        super().__init__()
        self.save_hyperparameters(ignore=["encoder", "latent", "decoder", "prior"])
        if latent.dim != prior.dim:
            raise ValueError(f"latent.dim={latent.dim} differs from prior.dim={prior.dim}")
        self.encoder, self.latent, self.decoder, self.prior = encoder, latent, decoder, prior
        self.kl_term = KLTerm()
        check_optimization(optimizer, lr_decay)
        self.kl_weight = KLSchedule(kl_schedule, kl_warmup_epochs, kl_weight)
        # nan_strategy="disable": a NaN must reach checkpointing and early stopping, not be dropped.
        self.metrics = nn.ModuleDict({
            f"{stage}_{name}": MeanMetric(nan_strategy="disable")
            for stage in ("val", "test") for name in ("elbo", "re", "kl")
        })
        self.test_ll = ImportanceSampledLogLik()
        self.val_ll = ImportanceSampledLogLik()

    @abstractmethod
    def log_likelihood(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """log p(x|z) for z [*sample, batch, dim] -> [*sample, batch]."""

    def inputs(self, batch) -> torch.Tensor:
        """The tensor x of a batch; datasets yield (x, label) pairs."""
        return batch[0]

    def posterior(self, x: torch.Tensor) -> Distribution:
        return self.latent(self.encoder(x))

    def prior_distribution(self) -> Distribution:
        """p(z); a VampPrior builds it from ``posterior`` at its pseudo-inputs."""
        return self.prior(encode=self.posterior)

    def setup(self, stage: str) -> None:
        """A prior initialised from data (VampPrior, ``prior.init=data``) gets training inputs (the
        first shuffled batches) here: before a resumed run's checkpoint is restored, so that one wins."""
        if stage == "fit" and getattr(self.prior, "init", None) == "data":
            needed, inputs = self.prior.num_pseudo_inputs, []
            for batch in self.trainer.datamodule.train_dataloader():
                inputs.append(self.inputs(batch))
                if sum(len(x) for x in inputs) >= needed:
                    break
            self.prior.initialise_from(torch.cat(inputs))

    def elbo_terms(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, Distribution]:
        """Single-sample reconstruction term and KL per example, and q(z|x)."""
        q = self.posterior(x)
        z, score = self.latent.sample(q)
        re = self.log_likelihood(x, z)
        p = self.prior_distribution()
        kl = self.kl_term(q, p, z)
        if score is not None:  # every term that reads z gets the sampler's correction
            re = with_score_correction(re, score)
            if self.kl_term.method(q, p) == "monte_carlo":
                kl = with_score_correction(kl, score)
        return re, kl, q

    def training_step(self, batch, batch_idx: int) -> torch.Tensor:
        x = self.inputs(batch)
        re, kl, q = self.elbo_terms(x)
        beta = self.kl_weight(self.current_epoch + batch_idx / max(1, self.trainer.num_training_batches))
        loss = -(re - beta * kl).mean()
        stats = {"loss": loss, "elbo": (re - kl).mean(), "re": re.mean(), "kl": kl.mean(), "beta": beta}
        if isinstance(q, DirectionalDistribution):
            stats["kappa"] = q.scale.mean()
        self._accumulate_epoch_stats(stats, len(x))
        return loss

    def _accumulate_epoch_stats(self, stats: dict, batch_size: int) -> None:
        """Batch-size-weighted sums, logged once per epoch: one self.log call per step and value
        would cost more than the step itself for small models."""
        for name, value in stats.items():
            value = value.detach() if isinstance(value, torch.Tensor) else value
            self._epoch_sums[name] = self._epoch_sums.get(name, 0.0) + value * batch_size
        self._epoch_examples += batch_size

    def on_train_epoch_start(self) -> None:
        self._epoch_sums: dict[str, torch.Tensor | float] = {}
        self._epoch_examples = 0

    def on_train_epoch_end(self) -> None:
        means = {f"train/{k}": torch.as_tensor(v / self._epoch_examples, dtype=torch.float32, device=self.device)
                 for k, v in self._epoch_sums.items()}
        self.log_dict(means, sync_dist=True)

    def _evaluate(self, batch, stage: str):
        x = self.inputs(batch)
        re, kl, _ = self.elbo_terms(x)
        for name, value in (("elbo", re - kl), ("re", re), ("kl", kl)):
            metric = self.metrics[f"{stage}_{name}"]
            metric.update(value)
            self.log(f"{stage}/{name}", metric, on_step=False, on_epoch=True, batch_size=len(x))
        self.log_extra_metrics(stage, x, re, kl)
        return x

    def log_extra_metrics(self, stage: str, x, re: torch.Tensor, kl: torch.Tensor) -> None:
        """Model-specific evaluation metrics beyond ELBO / RE / KL (the text models' perplexity)."""

    def validation_step(self, batch, batch_idx: int) -> None:
        x = self._evaluate(batch, "val")
        seen = batch_idx * len(x)
        if self.hparams.val_is_samples > 0 and seen < self.hparams.val_is_examples:
            x = x[: self.hparams.val_is_examples - seen]
            self.val_ll.update(self.importance_log_weights(x, self.hparams.val_is_samples, self.hparams.is_chunk))
            self.log("val/ll", self.val_ll, on_step=False, on_epoch=True, batch_size=len(x))

    def test_step(self, batch, batch_idx: int) -> None:
        x = self._evaluate(batch, "test")
        if self.hparams.is_samples > 0:
            log_weights = self.importance_log_weights(x, self.hparams.is_samples, self.hparams.is_chunk)
            self.test_ll.update(log_weights)
            self.log("test/ll", self.test_ll, on_step=False, on_epoch=True, batch_size=len(x))
            self.log_extra_test_metrics(x, log_weights)

    def log_extra_test_metrics(self, x: torch.Tensor, log_weights: torch.Tensor) -> None:
        """Metrics derived from the importance weights [samples, batch] (an image model's bits per dim)."""

    @torch.no_grad()
    def importance_log_weights(self, x: torch.Tensor, samples: int, chunk: int) -> torch.Tensor:
        """log p(x|z_k) + log p(z_k) - log q(z_k|x), z_k ~ q(z|x): [samples, batch]."""
        q, p = self.posterior(x), self.prior_distribution()
        weights = []
        for start in range(0, samples, chunk):
            z = q.rsample((min(chunk, samples - start),))
            weights.append(self.log_likelihood(x, z) + p.log_prob(z) - q.log_prob(z))
        return torch.cat(weights)

    def estimators(self) -> dict[str, dict]:
        """How each reported test number was estimated (written to results.json)."""
        kinds = {"test/elbo": {"method": "single_sample_monte_carlo", "samples": 1}}
        if self.hparams.is_samples > 0:
            kinds["test/ll"] = {"method": "importance_sampling", "samples": self.hparams.is_samples}
        return kinds
