"""Pending gradients between two optimiser steps: each process's in the checkpoint, each its own back."""

from types import SimpleNamespace

import pytest
import torch

from vaezoo.callbacks.exact_resume import pending_gradients, restore_gradients


def single_process(module):
    return SimpleNamespace(lightning_module=module, world_size=1, global_rank=0,
                           strategy=SimpleNamespace(root_device=torch.device("cpu")))


def test_a_single_process_saves_its_gradients_and_which_parameters_have_none():
    module = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1))
    module(torch.randn(4, 3))[:, 0].sum().backward()
    module[1].bias.grad = None
    (saved,) = pending_gradients(single_process(module))
    assert set(saved) == {"0.weight", "0.bias", "1.weight"}
    assert torch.equal(saved["0.weight"], module[0].weight.grad)
    fresh = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1))
    restore_gradients(single_process(fresh), fresh, [saved])
    assert torch.equal(fresh[0].weight.grad, module[0].weight.grad) and fresh[1].bias.grad is None


def test_another_number_of_processes_takes_the_mean_and_says_the_run_is_not_exact(caplog):
    module = torch.nn.Linear(2, 1, bias=False)
    by_rank = [{"weight": torch.tensor([[1.0, 2.0]])}, {"weight": torch.tensor([[3.0, 6.0]])}]
    restore_gradients(single_process(module), module, by_rank)
    assert torch.equal(module.weight.grad, torch.tensor([[2.0, 4.0]]))
    assert "pending gradients of 2 processes and 1 resume" in caplog.text


@pytest.mark.parametrize("rank", [0, 1])
def test_each_process_takes_its_own_back(rank):
    module = torch.nn.Linear(2, 1, bias=False)
    by_rank = [{"weight": torch.tensor([[1.0, 2.0]])}, {"weight": torch.tensor([[3.0, 6.0]])}]
    trainer = SimpleNamespace(world_size=2, global_rank=rank)
    restore_gradients(trainer, module, by_rank)
    assert torch.equal(module.weight.grad, by_rank[rank]["weight"])


def test_a_checkpoint_with_one_process_dict_resumes():
    module = torch.nn.Linear(2, 1, bias=False)
    restore_gradients(single_process(module), module, {"weight": torch.tensor([[1.0, 2.0]])})
    assert torch.equal(module.weight.grad, torch.tensor([[1.0, 2.0]]))


def test_a_parameter_without_gradient_on_some_processes_counts_as_zero_in_the_mean():
    module = torch.nn.Linear(2, 1)
    by_rank = [{"weight": torch.tensor([[1.0, 2.0]])},
               {"weight": torch.tensor([[3.0, 6.0]]), "bias": torch.tensor([4.0])},
               {"weight": torch.tensor([[2.0, 4.0]])}]
    restore_gradients(single_process(module), module, by_rank)
    assert torch.equal(module.weight.grad, torch.tensor([[2.0, 4.0]]))
    assert torch.allclose(module.bias.grad, torch.tensor([4.0 / 3]))
