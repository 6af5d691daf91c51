"""Multi-layer perceptrons for the image VAEs (Davidson et al. 2018, appendix F.1)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from torch import nn

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "elu": nn.ELU}


def glorot_init(module: nn.Module) -> None:
    """Glorot/Xavier-uniform weights and zero biases (Glorot & Bengio 2010, as in F.1)."""
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)


def stacked_layers(in_features: int, hidden_sizes: Sequence[int], out_features: int | None,
                   hidden_layer: Callable[[int, int], list[nn.Module]]) -> tuple[list[nn.Module], int]:
    """``hidden_layer(width_in, width_out)`` for every hidden size, then an optional linear output
    layer; returns the layers and the final width."""
    layers: list[nn.Module] = []
    width = in_features
    for hidden in hidden_sizes:
        layers += hidden_layer(width, hidden)
        width = hidden
    if out_features is not None:
        layers.append(nn.Linear(width, out_features))
        width = out_features
    return layers, width


class MLP(nn.Sequential):
    """Linear layers with an activation after every hidden layer.

    Args:
        in_features: input width.
        hidden_sizes: widths of the hidden layers, e.g. [256, 128].
        out_features: width of a final linear layer without activation; None ends on the
            last hidden layer (its activation included), as an encoder trunk does.
        activation: one of ``ACTIVATIONS``.
    """

    def __init__(
        self,
        in_features: int,
        hidden_sizes: Sequence[int],
        out_features: int | None = None,
        activation: str = "relu",
    ) -> None:
        if activation not in ACTIVATIONS:
            raise ValueError(f"MLP: activation={activation!r} is not one of {sorted(ACTIVATIONS)}")
        layers, width = stacked_layers(in_features, hidden_sizes, out_features,
                                       lambda i, o: [nn.Linear(i, o), ACTIVATIONS[activation]()])
        super().__init__(*layers)
        self.in_features = in_features
        self.out_features = width
        glorot_init(self)
