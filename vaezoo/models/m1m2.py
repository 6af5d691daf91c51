"""Kingma et al.'s (2014) M2 stacked on M1 and trained end to end: the semi-supervised M1+M2 of
Davidson et al. 2018 (§5.3, appendix F.2), with any posterior of ``vaezoo.latent`` for z1 and z2.

M1 is an image VAE x -> z1 -> x. M2 models z1 with a partially observed class y and a style
code z2: p(y) uniform, p(z2) the prior, p(z1 | z2, y) a distribution of z1's family (for a
spherical z1 a vMF with learned kappa, our choice: the paper does not say). Inference:
q(z1|x), q(y|z1), q(z2|z1, y). With z1 ~ q(z1|x) the per-image bounds are

    L(x, y) = log p(x|z1) + H[q(z1|x)] + log p(z1|z2, y) - KL(q(z2|z1,y) || p(z2)) + log p(y)
    U(x)    = log p(x|z1) + H[q(z1|x)] + sum_y q(y|z1) [M2 terms of y] + H[q(y|z1)]

(Kingma et al. eqs. 6-7, the sum over y enumerated). Their eq. 9 adds alpha times the mean over
labelled images of -log q(y|z1), with alpha = c * N for N training images (their code: a weight
alpha N / N_l on each labelled image's term); ``alpha`` is that c (the paper "chose [it] between
[0.1, 1.0]"). The objective is eq. 9 divided by N, (N_l E_l[L] + N_u E_u[U]) / N - c E_l[log q(y|z1)],
estimated from one labelled and one unlabelled batch per step.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import lightning.pytorch as pl
import torch
from torch import nn
from torch.distributions import Distribution
from torchmetrics import MeanMetric

from vaezoo.latent.base import LatentHead
from vaezoo.models.image_vae import bernoulli_log_likelihood
from vaezoo.models.optimization import ConfiguredOptimization, check_optimization
from vaezoo.nets.mlp import MLP
from vaezoo.objectives.kl import KLTerm
from vaezoo.objectives.score import with_score_correction
from vaezoo.priors.base import Prior


class StackedM1M2(ConfiguredOptimization, pl.LightningModule):
    """Args:
        encoder: x -> features of q(z1|x) (``out_features`` wide).
        latent: features -> q(z1|x).
        decoder: z1 -> Bernoulli logits of x.
        prior: p(z2), the top prior.
        z2_latent: partial head, (in_features) -> features -> q(z2|z1, y).
        z1_conditional: partial head of z1's family, (in_features) -> features -> p(z1|z2, y).
        hidden_sizes, activation: the MLPs of M2 (q(y|z1), q(z2|z1,y), p(z1|z2,y)); F.2: one
            hidden layer of 500 ReLU units, like M1's.
        num_classes: classes of y.
        alpha: classification weight c of alpha = c * N (Kingma et al. 2014, eq. 9): the weight of
            the mean labelled cross-entropy in the per-image objective.
        optimizer, lr, lr_decay, gradient_clip_norm: as ``vaezoo.models.VAE`` (the paper: Adam 1e-3).
    """

    def __init__(self, encoder: nn.Module, latent: LatentHead, decoder: nn.Module, prior: Prior,
                 z2_latent: Callable[..., LatentHead], z1_conditional: Callable[..., LatentHead],
                 hidden_sizes: Sequence[int] = (500,), activation: str = "relu", num_classes: int = 10,
                 alpha: float = 0.1, optimizer: str = "adam", lr: float = 1e-3, lr_decay: float = 1.0,
                 gradient_clip_norm: float | None = None) -> None:
        super().__init__()
        hidden_sizes = [int(width) for width in hidden_sizes]  # plain ints: checkpoints load weights_only
        self.save_hyperparameters(ignore=["encoder", "latent", "decoder", "prior", "z2_latent", "z1_conditional"])
        check_optimization(optimizer, lr_decay)
        if alpha < 0:
            raise ValueError(f"model.alpha={alpha} must be >= 0")
        self.encoder, self.latent, self.decoder, self.prior = encoder, latent, decoder, prior
        self.classifier = MLP(latent.dim, hidden_sizes, num_classes, activation)
        self.z2_encoder = MLP(latent.dim + num_classes, hidden_sizes, activation=activation)
        self.z1_decoder = MLP(prior.dim + num_classes, hidden_sizes, activation=activation)
        self.z2_latent = z2_latent(in_features=self.z2_encoder.out_features)
        self.z1_conditional = z1_conditional(in_features=self.z1_decoder.out_features)
        if self.z2_latent.dim != prior.dim or self.z2_latent.support != prior.support:
            raise ValueError(f"q(z2|z1,y) ({type(self.z2_latent).__name__}, dim {self.z2_latent.dim}) and p(z2) "
                             f"({type(prior).__name__}, dim {prior.dim}) must share dimension and support")
        if self.z1_conditional.dim != latent.dim or self.z1_conditional.support != latent.support:
            raise ValueError("p(z1|z2,y) must have the dimension and support of q(z1|x)")
        self.kl_term = KLTerm()
        self.metrics = nn.ModuleDict({f"{stage}_{name}": MeanMetric(nan_strategy="disable")
                                      for stage in ("val", "test") for name in ("elbo", "acc")})
        self.sizes: tuple[int, int] | None = None

    def on_fit_start(self) -> None:
        datamodule = self.trainer.datamodule
        if not getattr(datamodule, "num_labelled", 0):
            raise ValueError("StackedM1M2 trains on labelled and unlabelled batches: use a semi-supervised "
                             "DataModule such as data=mnist_semi_supervised")
        self.sizes = (datamodule.num_labelled, datamodule.num_unlabelled)

    def m1_terms(self, x: torch.Tensor) -> tuple[Distribution, torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """q(z1|x), a sample z1, log p(x|z1) + H[q(z1|x)] and the sampler's score (or None)."""
        q1 = self.latent(self.encoder(x))
        z1, score = self.latent.sample(q1)
        return q1, z1, bernoulli_log_likelihood(self.decoder(z1), x) + q1.entropy(), score

    def m2_terms(self, z1: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """log p(z1|z2,y) - KL(q(z2|z1,y) || p(z2)) + log p(y) for labels y, one z2 sample; the
        leading dimensions of z1 and y are the batch's."""
        onehot = nn.functional.one_hot(y, self.hparams.num_classes).to(z1)
        q2 = self.z2_latent(self.z2_encoder(torch.cat([z1, onehot], -1)))
        z2, score = self.z2_latent.sample(q2)
        log_pz1 = self.z1_conditional(self.z1_decoder(torch.cat([z2, onehot], -1))).log_prob(z1)
        if score is not None:
            log_pz1 = with_score_correction(log_pz1, score)
        return log_pz1 - self.kl_term(q2, self.prior(), z2) - math.log(self.hparams.num_classes)

    def unlabelled_bound(self, z1: torch.Tensor, m1: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """U(x) with y summed out, and the logits of q(y|z1)."""
        logits = self.classifier(z1)
        classes = torch.arange(self.hparams.num_classes, device=z1.device)
        per_class = self.m2_terms(z1.expand(len(classes), *z1.shape),
                                  classes[:, None].expand(len(classes), len(z1)))  # [classes, batch]
        q_y = logits.softmax(-1)
        entropy = -(q_y * logits.log_softmax(-1)).sum(-1)
        return m1 + (q_y * per_class.T).sum(-1) + entropy, logits

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        (x_l, y_l), (x_u, _) = batch["labelled"], batch["unlabelled"]
        n_labelled, n_unlabelled = self.sizes
        total = n_labelled + n_unlabelled
        _, z1_l, m1_l, score_l = self.m1_terms(x_l)
        bound_l = m1_l + self.m2_terms(z1_l, y_l)
        _, z1_u, m1_u, score_u = self.m1_terms(x_u)
        bound_u, _ = self.unlabelled_bound(z1_u, m1_u)
        cross_entropy = nn.functional.cross_entropy(self.classifier(z1_l), y_l, reduction="none")
        if score_l is not None:  # every term that reads z1 gets the sampler's correction
            bound_l, bound_u = with_score_correction(bound_l, score_l), with_score_correction(bound_u, score_u)
            cross_entropy = with_score_correction(cross_entropy, score_l)
        loss = -(n_labelled * bound_l.mean() + n_unlabelled * bound_u.mean()) / total \
            + self.hparams.alpha * cross_entropy.mean()
        self.log_dict({"train/loss": loss, "train/elbo_labelled": bound_l.mean(), "train/elbo": bound_u.mean(),
                       "train/cross_entropy": cross_entropy.mean()}, on_step=False, on_epoch=True,
                      batch_size=len(x_u))
        return loss

    def _evaluate(self, batch, stage: str) -> None:
        """U(x) (the bound on log p(x) with y unobserved) and the accuracy of argmax q(y|z1) at the
        mode of q(z1|x), in percent like the paper's Table 3."""
        x, y = batch
        q1, z1, m1, _ = self.m1_terms(x)
        bound, _ = self.unlabelled_bound(z1, m1)
        correct = (self.classifier(q1.mode).argmax(-1) == y).float() * 100.0
        for name, value in (("elbo", bound), ("acc", correct)):
            metric = self.metrics[f"{stage}_{name}"]
            metric.update(value)
            self.log(f"{stage}/{name}", metric, on_step=False, on_epoch=True, batch_size=len(x))

    def validation_step(self, batch, batch_idx: int) -> None:
        self._evaluate(batch, "val")

    def test_step(self, batch, batch_idx: int) -> None:
        self._evaluate(batch, "test")

    def estimators(self) -> dict[str, dict]:
        return {"test/acc": {"method": "argmax_q(y|z1)_at_posterior_mode", "samples": 1},
                "test/elbo": {"method": "single_sample_monte_carlo_y_enumerated", "samples": 1}}
