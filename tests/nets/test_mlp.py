import math

import pytest
import torch
from torch import nn

from vaezoo.nets import MLP


def test_mlp_layers_and_widths():
    net = MLP(784, [256, 128])
    assert net.out_features == 128 and net(torch.zeros(2, 784)).shape == (2, 128)
    assert isinstance(net[-1], nn.ReLU)
    dec = MLP(5, [128, 256], out_features=784)
    assert isinstance(dec[-1], nn.Linear) and dec.out_features == 784


def test_glorot_initialisation():
    torch.manual_seed(0)
    layer = MLP(400, [300])[0]
    bound = math.sqrt(6 / (400 + 300))
    assert layer.weight.abs().max() <= bound
    assert layer.weight.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert torch.all(layer.bias == 0)


def test_unknown_activation_is_rejected():
    with pytest.raises(ValueError, match="activation='gelu' is not one of"):
        MLP(3, [2], activation="gelu")
