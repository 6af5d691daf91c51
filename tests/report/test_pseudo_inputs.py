"""The VampPrior usage measures from a trained smoke run, and the pieces they are made of."""

import math

import pytest
import torch

from tests.cli.conftest import run_task_in
from vaezoo.priors import VampPrior
from vaezoo.report.pseudo_inputs import (
    distinct_data_like,
    mean_pairwise_distance,
    nearest_distances,
    pseudo_input_usage,
)


def test_distances():
    points = torch.tensor([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]])
    assert mean_pairwise_distance(points) == pytest.approx((5 + 10 + 5) * 2 / 6)
    assert nearest_distances(points, points, exclude_self=True).tolist() == [5.0, 5.0, 5.0]
    assert nearest_distances(points[:1], points).tolist() == [0.0]
    assert nearest_distances(points, points, exclude_self=True, chunk=2).tolist() == [5.0, 5.0, 5.0]
    assert nearest_distances(points[:2], points, exclude_self=True, chunk=1).tolist() == [5.0, 5.0]


def test_decodings_count_once_when_they_coincide_and_only_near_the_data():
    data = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    decoded = torch.tensor([[0.1, 0.0], [0.0, 0.1], [10.0, 0.2], [50.0, 50.0]])
    # typical distance 10: the first two coincide (0.14 apart < 5), the last is far from all data
    assert distinct_data_like(decoded, data, 10.0, 1.5, 0.5).tolist() == [False, False, True, False]


def test_the_prior_keeps_where_its_pseudo_inputs_started():
    prior = VampPrior(dim=2, num_pseudo_inputs=4, input_dim=3, init_mean=0.5, init_std=0.02)
    assert torch.equal(prior.initial_inputs, prior.pseudo_inputs())
    prior.initialise_from(torch.full((10, 3), 0.9))
    assert torch.allclose(prior.initial_inputs, torch.full((4, 3), 0.9), atol=0.05)
    assert "initial_inputs" in prior.state_dict()


def test_usage_of_a_trained_vampprior(tmp_path):
    run_task_in(tmp_path, ["+experiment=vampprior/table1", "prior=vampprior", "prior.num_pseudo_inputs=20"])
    usage = pseudo_input_usage(tmp_path, examples=50)
    assert usage["pseudo_inputs"] == 20
    for key in ("moved_fraction", "data_like_fraction", "distinct_faces_fraction", "used_fraction"):
        assert 0.0 <= usage[key] <= 1.0
    assert usage["diversity_ratio"] == pytest.approx(usage["sample_diversity"] / usage["reconstruction_diversity"])
    assert math.isfinite(usage["diversity_ratio"]) and usage["diversity_ratio"] > 0


def test_a_run_without_a_vampprior_is_refused(tmp_path):
    run_task_in(tmp_path, ["+experiment=vampprior/table1", "prior=normal"])
    with pytest.raises(ValueError, match="not a VampPrior"):
        pseudo_input_usage(tmp_path, examples=50)
