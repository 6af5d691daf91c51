"""Variational graph auto-encoder for link prediction: the N-VGAE of Kipf & Welling 2016 and the
S-VGAE of Davidson et al. 2018 (§5.4, appendix F.3), with any posterior of ``vaezoo.latent``.

Each node gets a code z_i ~ q(z_i | graph); an edge's logit is z_i^T z_j (torch_geometric's
``InnerProductDecoder``). Training is full batch, one step per epoch, on the training edges and,
as the paper does unlike Kipf & Welling, one uniformly sampled non-edge per training edge each
epoch. The likelihood is the mean log-likelihood of those pairs' labels; the objective's KL term
divides the mean KL per node by the node count, the scaling of Kipf & Welling's code (the paper
does not state one; ``objective=vgae``). Validation and test score held-out edges and as many
sampled non-edges (``vaezoo.evaluation.LinkPrediction``: ROC-AUC and average precision at the
posterior modes, in percent like the paper's Table 4) and the bound at one posterior sample
(``val/elbo``, the default checkpoint criterion).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch_geometric.data import Data
from torch_geometric.nn import InnerProductDecoder
from torch_geometric.utils import negative_sampling

from vaezoo.evaluation import EvalSettings, Evaluator, LinkPrediction
from vaezoo.latent.base import LatentHead
from vaezoo.models.base import LatentVariableModel
from vaezoo.models.optimization import Optimizations
from vaezoo.nets.gcn import GraphEncoder
from vaezoo.objectives import Objective, Pass, Passes
from vaezoo.priors.base import Prior


@dataclass
class ScoredPairs:
    """A graph and node pairs [2, P] with their edge labels [P] (1 for an edge, 0 for a non-edge)."""

    graph: Data
    pairs: torch.Tensor
    labels: torch.Tensor

    @classmethod
    def of(cls, graph: Data, positive: torch.Tensor, negative: torch.Tensor) -> ScoredPairs:
        labels = torch.cat([torch.ones(positive.shape[1]), torch.zeros(negative.shape[1])]).to(positive.device)
        return cls(graph, torch.cat([positive, negative], dim=1), labels)


class GraphVAE(LatentVariableModel):
    """Args:
        encoder: a ``GraphEncoder``.
        latent: posterior head applied to every node's features.
        prior: p(z) of every node.
        objective, optimizers: as ``LatentVariableModel`` (the paper: Adam).
    """

    def __init__(self, encoder: GraphEncoder, latent: LatentHead, prior: Prior, objective: Objective | None = None,
                 optimizers: Optimizations | None = None) -> None:
        super().__init__(encoder, latent, InnerProductDecoder(), prior, objective, optimizers)

    def default_evaluators(self, settings: EvalSettings) -> list[Evaluator]:
        return [LinkPrediction()]

    def inputs(self, batch: Data) -> Data:
        return batch

    def batch_size(self, batch: Data) -> int:
        return 1

    def log_likelihood(self, x: ScoredPairs, z: torch.Tensor) -> torch.Tensor:
        """Mean log-likelihood of the pairs' labels: one value for the whole graph."""
        logits = self.decoder(z, x.pairs, sigmoid=False)
        return -nn.functional.binary_cross_entropy_with_logits(logits, x.labels.to(logits))

    def edge_probabilities(self, z: torch.Tensor, pairs: torch.Tensor) -> torch.Tensor:
        return self.decoder(z, pairs, sigmoid=True)

    def training_passes(self, data: Data) -> Passes:
        def encode() -> Pass:
            q = self.posterior(data)
            z, score = self.latent.sample(q)
            positive = data.pos_edge_label_index
            negative = negative_sampling(data.edge_index, num_nodes=data.num_nodes,
                                         num_neg_samples=positive.shape[1])
            return Pass(ScoredPairs.of(data, positive, negative), q, z, score, prior=self.prior_distribution)

        return Passes(data=encode)

    def evaluation_passes(self, data: Data) -> Passes:
        def encode() -> Pass:
            q = self.posterior(data)
            pairs = ScoredPairs.of(data, data.pos_edge_label_index, data.neg_edge_label_index)
            return Pass(pairs, q, q.sample(), None, prior=self.prior_distribution)

        return Passes(data=encode)
