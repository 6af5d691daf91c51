"""The VGAE encoder is Kipf & Welling's two-layer GCN, and the model trains on a graph."""

import torch
from torch_geometric.data import Data

from vaezoo.latent import GaussianHead
from vaezoo.nets.gcn import GraphEncoder


def dense_normalised_adjacency(edge_index: torch.Tensor, n: int) -> torch.Tensor:
    a = torch.zeros(n, n, dtype=torch.float64)
    a[edge_index[0], edge_index[1]] = 1.0
    a += torch.eye(n, dtype=torch.float64)
    d = a.sum(1).rsqrt()
    return d[:, None] * a * d[None, :]


def test_encoder_and_linear_head_are_the_two_gcn_layers():
    torch.manual_seed(0)
    n, f = 7, 5
    edges = torch.tensor([[0, 1, 1, 2, 3, 4, 5, 6], [1, 0, 2, 1, 4, 3, 6, 5]])
    data = Data(x=torch.randn(n, f, dtype=torch.float64), edge_index=edges, num_nodes=n)
    encoder, head = GraphEncoder(f, n, hidden=4).double().eval(), GaussianHead(4, 3).double()
    a = dense_normalised_adjacency(edges, n)
    hidden = torch.relu(a @ data.x @ encoder.first.weight.T)
    expected = a @ hidden @ head.loc.weight.T + head.loc.bias
    torch.testing.assert_close(head(encoder(data)).mean, expected)


def test_featureless_encoder_learns_one_input_per_node():
    n = 6
    edges = torch.tensor([[0, 1, 2, 3], [1, 0, 3, 2]])
    encoder = GraphEncoder(0, n, hidden=4)
    out = encoder(Data(edge_index=edges, num_nodes=n))
    assert out.shape == (n, 4) and encoder.first.weight.shape == (n, 4)
    out.sum().backward()
    assert encoder.first.weight.grad.abs().sum() > 0

