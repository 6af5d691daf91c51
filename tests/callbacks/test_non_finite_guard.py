"""The gradient check of NonFiniteGuard: any NaN or inf element stops the step, large finite ones do not."""

from types import SimpleNamespace

import pytest
import torch

from vaezoo.callbacks.non_finite import NonFiniteError, NonFiniteGuard


def check(*gradients):
    module = torch.nn.Module()
    for index, gradient in enumerate(gradients):
        parameter = torch.nn.Parameter(torch.zeros_like(gradient))
        parameter.grad = gradient
        module.register_parameter(f"w{index}", parameter)
    optimizer = torch.optim.SGD(module.parameters(), lr=0.1)
    trainer = SimpleNamespace(checkpoint_callback=None, global_step=7, current_epoch=1)
    NonFiniteGuard().on_before_optimizer_step(trainer, module, optimizer)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_a_single_non_finite_element_is_caught_and_named(bad):
    gradient = torch.ones(100)
    gradient[37] = bad
    with pytest.raises(NonFiniteError, match=r"step 7 \(epoch 1\): non-finite gradient of w1"):
        check(torch.ones(3), gradient)


def test_infinities_of_both_signs_in_one_tensor_are_caught():
    with pytest.raises(NonFiniteError, match="non-finite gradient of w0"):
        check(torch.tensor([float("inf"), -float("inf"), 1.0]))


def test_large_finite_gradients_pass():
    """Their squares would overflow float32 (a norm check would stop here); their sums do not."""
    check(torch.full((1000,), 1e25), torch.tensor([-3e30, 2e30]))
