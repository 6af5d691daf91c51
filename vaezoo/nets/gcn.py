"""The graph convolutional encoder of the VGAE (Kipf & Welling 2016), as the S-VGAE of Davidson et
al. 2018 (§5.4, appendix F.3) uses it.

Kipf & Welling's encoder is H = ReLU(A X W0) followed by two linear GCN layers A H W for the
posterior's parameters, with A the symmetrically normalised adjacency with self-loops and
dropout on each layer's input. This module returns A · dropout(H): the latent head's linear maps
then complete those GCN layers (A H W + b = (A H) W + b), so any posterior of ``vaezoo.latent``
(Gaussian, vMF, Power Spherical) drops in, which is the paper's point.
"""

from __future__ import annotations

import torch
from torch import nn
from torch_geometric.data import Data
from torch_geometric.nn import SimpleConv
from torch_geometric.nn.conv.gcn_conv import gcn_norm


class GraphEncoder(nn.Module):
    """Nodes of a graph -> features [num_nodes, hidden] for a latent head.

    Args:
        in_features: node feature width; 0 for a graph without features, where the first layer
            learns one vector per node instead (X = I in Kipf & Welling's featureless variant).
        num_nodes: node count (used only without features).
        hidden: width of the hidden GCN layer (Davidson et al.: 32).
        dropout: on the input of each layer (the paper's p_do).
    """

    def __init__(self, in_features: int, num_nodes: int, hidden: int = 32, dropout: float = 0.0) -> None:
        super().__init__()
        self.featureless = in_features == 0
        # A X W0 for X = I is A W0: a free [num_nodes, hidden] matrix.
        self.first = nn.Embedding(num_nodes, hidden) if self.featureless else nn.Linear(in_features, hidden,
                                                                                         bias=False)
        self.dropout = nn.Dropout(dropout)
        self.propagate = SimpleConv(aggr="sum")
        self.out_features = hidden
        nn.init.xavier_uniform_(self.first.weight)  # Glorot, as appendix F.3 says

    def forward(self, data: Data) -> torch.Tensor:
        edge_index, weight = gcn_norm(data.edge_index, num_nodes=data.num_nodes, add_self_loops=True)
        projected = self.first.weight if self.featureless else self.first(self.dropout(data.x))
        hidden = torch.relu(self.propagate(projected, edge_index, weight))
        return self.propagate(self.dropout(hidden), edge_index, weight)
