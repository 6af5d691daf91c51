"""Variational graph auto-encoder for link prediction: the N-VGAE of Kipf & Welling 2016 and the
S-VGAE of Davidson et al. 2018 (§5.4, appendix F.3), with any posterior of ``vaezoo.latent``.

Each node gets a code z_i ~ q(z_i | graph); an edge's logit is z_i^T z_j (torch_geometric's
``InnerProductDecoder``). Training is full batch, one step per epoch, on the training edges and,
as the paper does unlike Kipf & Welling, one uniformly sampled non-edge per training edge each
epoch. Loss: mean binary cross-entropy over those pairs plus the mean KL per node divided by the
node count, the scaling of Kipf & Welling's code (the paper does not state one). Validation and
test score held-out edges and as many sampled non-edges with the posterior modes: ROC-AUC and
average precision (TorchMetrics), in percent like the paper's Table 4.
"""

from __future__ import annotations

import lightning.pytorch as pl
import torch
from torch import nn
from torch.distributions import Distribution
from torch_geometric.data import Data
from torch_geometric.nn import InnerProductDecoder
from torch_geometric.utils import negative_sampling
from torchmetrics.functional.classification import binary_auroc, binary_average_precision

from vaezoo.distributions.directional import DirectionalDistribution
from vaezoo.latent.base import LatentHead
from vaezoo.models.optimization import ConfiguredOptimization, check_optimization
from vaezoo.nets.gcn import GraphEncoder
from vaezoo.objectives.kl import KLTerm
from vaezoo.objectives.score import with_score_correction
from vaezoo.priors.base import Prior


class GraphVAE(ConfiguredOptimization, pl.LightningModule):
    """Args:
        encoder: a ``GraphEncoder``.
        latent: posterior head applied to every node's features.
        prior: p(z) of every node.
        optimizer, lr, lr_decay, gradient_clip_norm: as for ``vaezoo.models.VAE`` (the paper: Adam).
    """

    def __init__(self, encoder: GraphEncoder, latent: LatentHead, prior: Prior, optimizer: str = "adam",
                 lr: float = 0.01, lr_decay: float = 1.0, gradient_clip_norm: float | None = None) -> None:
        super().__init__()
        self.save_hyperparameters(ignore=["encoder", "latent", "prior"])
        if latent.dim != prior.dim:
            raise ValueError(f"latent.dim={latent.dim} differs from prior.dim={prior.dim}")
        check_optimization(optimizer, lr_decay)
        self.encoder, self.latent, self.prior = encoder, latent, prior
        self.decoder = InnerProductDecoder()
        self.kl_term = KLTerm()

    @staticmethod
    def scored_pairs(positive: torch.Tensor, negative: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Node pairs [2, P + N] and their edge labels (1 for the positives, then 0)."""
        labels = torch.cat([torch.ones(positive.shape[1]), torch.zeros(negative.shape[1])]).to(positive.device)
        return torch.cat([positive, negative], dim=1), labels

    def bound_terms(self, q: Distribution, z: torch.Tensor, pairs: torch.Tensor, labels: torch.Tensor,
                    num_nodes: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The objective's two terms at code z: mean log-likelihood of the pairs' labels and the mean
        KL per node divided by the node count."""
        logits = self.decoder(z, pairs, sigmoid=False)
        log_likelihood = -nn.functional.binary_cross_entropy_with_logits(logits, labels.to(logits))
        return log_likelihood, self.kl_term(q, self.prior(), z).mean() / num_nodes

    def training_step(self, data: Data, batch_idx: int) -> torch.Tensor:
        q = self.latent(self.encoder(data))
        z, score = self.latent.sample(q)
        positive = data.pos_edge_label_index
        negative = negative_sampling(data.edge_index, num_nodes=data.num_nodes, num_neg_samples=positive.shape[1])
        log_likelihood, kl = self.bound_terms(q, z, *self.scored_pairs(positive, negative), data.num_nodes)
        if score is not None:
            log_likelihood = with_score_correction(log_likelihood, score.sum())
        loss = kl - log_likelihood
        stats = {"train/loss": loss, "train/re": log_likelihood, "train/kl": kl}
        if isinstance(q, DirectionalDistribution):
            stats["train/kappa"] = q.scale.mean()
        self.log_dict(stats, on_step=False, on_epoch=True, batch_size=1)
        return loss

    def _evaluate(self, data: Data, stage: str) -> None:
        """One full-graph batch per stage, so the scores are computed here, over all its pairs:
        AUC and AP at the posterior modes, and the training objective's ELBO on the held-out pairs
        at one posterior sample (the default checkpoint criterion, ``val/elbo``)."""
        q = self.latent(self.encoder(data))
        pairs, labels = self.scored_pairs(data.pos_edge_label_index, data.neg_edge_label_index)
        probabilities = self.decoder(q.mode, pairs, sigmoid=True)
        log_likelihood, kl = self.bound_terms(q, q.sample(), pairs, labels, data.num_nodes)
        self.log_dict({f"{stage}/auc": 100.0 * binary_auroc(probabilities, labels.long()),
                       f"{stage}/ap": 100.0 * binary_average_precision(probabilities, labels.long()),
                       f"{stage}/elbo": log_likelihood - kl}, batch_size=1)

    def validation_step(self, data: Data, batch_idx: int) -> None:
        self._evaluate(data, "val")

    def test_step(self, data: Data, batch_idx: int) -> None:
        self._evaluate(data, "test")

    def estimators(self) -> dict[str, dict]:
        return {"test/auc": {"method": "posterior_mode_edge_scores", "samples": 1},
                "test/ap": {"method": "posterior_mode_edge_scores", "samples": 1}}
