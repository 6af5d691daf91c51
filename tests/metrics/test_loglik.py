import math

import torch

from vaezoo.metrics import ImportanceSampledLogLik


def test_importance_sampled_loglik_is_mean_of_log_mean_exp():
    log_w = torch.tensor([[0.0, -1.0], [math.log(3.0), -3.0]], dtype=torch.float64)
    metric = ImportanceSampledLogLik()
    metric.update(log_w)
    expected = (math.log((1 + 3) / 2) + math.log((math.exp(-1) + math.exp(-3)) / 2)) / 2
    assert abs(metric.compute().item() - expected) < 1e-12


def test_states_are_sums_so_split_batches_agree_with_one_batch():
    torch.manual_seed(0)
    log_w = torch.randn(50, 7) * 10 - 100
    whole, parts = ImportanceSampledLogLik(), ImportanceSampledLogLik()
    whole.update(log_w)
    parts.update(log_w[:, :3])
    parts.update(log_w[:, 3:])
    assert torch.allclose(whole.compute(), parts.compute())
    assert whole.count.item() == 7


def test_large_negative_weights_do_not_underflow():
    metric = ImportanceSampledLogLik()
    metric.update(torch.full((500, 2), -5000.0))
    assert metric.compute().item() == -5000.0
