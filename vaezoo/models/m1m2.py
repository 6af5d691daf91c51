"""Kingma et al.'s (2014) M2 stacked on M1 and trained end to end: the semi-supervised M1+M2 of
Davidson et al. 2018 (§5.3, appendix F.2), with any posterior of ``vaezoo.latent`` for z1 and z2.

M1 is an image VAE x -> z1 -> x. M2 models z1 with a partially observed class y and a style
code z2: p(y) uniform, p(z2) the prior, p(z1 | z2, y) a distribution of z1's family (for a
spherical z1 a vMF with learned kappa, our choice: the paper does not say). Inference:
q(z1|x), q(y|z1), q(z2|z1, y). The model supplies these pieces; the bounds L(x, y) and U(x) and
the classification loss of Kingma et al.'s eq. 9 are the terms of ``objective=semi_supervised``
(``vaezoo.objectives.semi_supervised``), each training step reading one labelled and one
unlabelled batch (passes ``labelled`` and ``unlabelled``). Validation and test report U(x) as
``elbo`` and the accuracy of argmax q(y|z1) at the mode of q(z1|x).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
from torch import nn
from torch.distributions import Distribution

from vaezoo.evaluation import EvalSettings, Evaluator, LabelAccuracy
from vaezoo.latent.base import LatentHead
from vaezoo.models.base import LatentVariableModel
from vaezoo.models.image_vae import bernoulli_log_likelihood
from vaezoo.models.optimization import Optimizations
from vaezoo.nets.mlp import MLP
from vaezoo.objectives import KL, Objective, Pass, Passes
from vaezoo.objectives.score import with_score_correction
from vaezoo.priors.base import Prior

CLASSIFIER_INPUTS = ("sample", "mode")


class StackedM1M2(LatentVariableModel):
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
        objective: the semi-supervised objective (``objective=semi_supervised``).
        optimizers: as ``LatentVariableModel`` (the paper: Adam 1e-3).
        classifier_input: what q(y | .) reads in training: ``sample``, the pass's z1 sample
            (Kingma et al.'s q(y|z1)), or ``mode``, the mode of q(z1|x), which evaluation reads
            too (a vMF sample of low kappa lies far from its mean direction). Either way q(y | .)
            is a function of x, so both bounds stay bounds.
    """

    bound_estimator = {"method": "single_sample_monte_carlo_y_enumerated", "samples": 1}
    setting_choices = {"classifier_input": CLASSIFIER_INPUTS}
    pass_names = ("labelled", "unlabelled")

    def __init__(self, encoder: nn.Module, latent: LatentHead, decoder: nn.Module, prior: Prior,
                 z2_latent: Callable[..., LatentHead], z1_conditional: Callable[..., LatentHead],
                 objective: Objective, hidden_sizes: Sequence[int] = (500,), activation: str = "relu",
                 num_classes: int = 10, optimizers: Optimizations | None = None,
                 classifier_input: str = "sample") -> None:
        if classifier_input not in CLASSIFIER_INPUTS:
            raise ValueError(f"classifier_input={classifier_input!r}: choose one of {list(CLASSIFIER_INPUTS)}")
        hidden_sizes = [int(width) for width in hidden_sizes]  # plain ints: checkpoints load weights_only
        super().__init__(encoder, latent, decoder, None, objective, optimizers)  # no p(z1): M2 models z1
        self.z2_prior = prior
        self.num_classes = num_classes
        self.classifier_input = classifier_input
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
        self.z2_kl = KL()

    def default_evaluators(self, settings: EvalSettings) -> list[Evaluator]:
        return [LabelAccuracy(from_pass="unlabelled")]

    def class_logits(self, data: Pass) -> torch.Tensor:
        """Logits of q(y | .) in training, at the input ``classifier_input`` names."""
        return self.classifier(data.q.mode if self.classifier_input == "mode" else data.z)

    def log_likelihood(self, x: torch.Tensor, z1: torch.Tensor) -> torch.Tensor:
        return bernoulli_log_likelihood(self.decoder(z1), x)

    def training_passes(self, batch: dict) -> Passes:
        (x_l, y_l), (x_u, _) = batch["labelled"], batch["unlabelled"]
        return Passes(labelled=lambda: self.encode(x_l, y=y_l), unlabelled=lambda: self.encode(x_u))

    def evaluation_passes(self, batch) -> Passes:
        x, y = batch
        return Passes(unlabelled=lambda: self.encode(x, y=y))

    def batch_size(self, batch) -> int:
        return len(batch["unlabelled"][0]) if isinstance(batch, dict) else len(batch[0])

    def style_posterior(self, z1: torch.Tensor, y: torch.Tensor) -> Distribution:
        """q(z2 | z1, y) for labels y."""
        return self.z2_latent(self.z2_encoder(torch.cat([z1, self._onehot(y, z1)], -1)))

    def z1_given(self, z2: torch.Tensor, y: torch.Tensor) -> Distribution:
        """p(z1 | z2, y) for labels y."""
        return self.z1_conditional(self.z1_decoder(torch.cat([z2, self._onehot(y, z2)], -1)))

    def _onehot(self, y: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        return nn.functional.one_hot(y, self.num_classes).to(like)

    def m2_terms(self, z1: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """log p(z1|z2,y) - KL(q(z2|z1,y) || p(z2)) + log p(y) for labels y, one z2 sample; the
        leading dimensions of z1 and y are the batch's. z2 is drawn inside the bound of z1, so its
        sampler's score correction applies here, to the one term that reads it."""
        q2 = self.style_posterior(z1, y)
        z2, score = self.z2_latent.sample(q2)
        log_pz1 = self.z1_given(z2, y).log_prob(z1)
        if score is not None:
            log_pz1 = with_score_correction(log_pz1, score)
        return log_pz1 - self.z2_kl.divergence(q2, self.z2_prior(), z2) - math.log(self.num_classes)
