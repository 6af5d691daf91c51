"""Table 2 machinery: latent distances, class-balanced label draws, k-NN accuracy."""

import math

import numpy as np
import pytest
import torch

from vaezoo.errors import ConfigError
from vaezoo.tasks.latent_knn import class_balanced_draw, knn_accuracy, latent_distances


def on_circle(*degrees: float) -> torch.Tensor:
    radians = torch.tensor(degrees, dtype=torch.float64) * math.pi / 180
    return torch.stack([radians.cos(), radians.sin()], -1)


def test_geodesic_and_euclidean_distances_on_hand_made_points():
    a, b = on_circle(0.0), on_circle(90.0, 180.0, 0.0)
    assert torch.allclose(latent_distances(a, b, "sphere"), torch.tensor([[math.pi / 2, math.pi, 0.0]],
                                                                         dtype=torch.float64), atol=1e-7)
    assert torch.allclose(latent_distances(a, b, "euclidean"), torch.tensor([[math.sqrt(2), 2.0, 0.0]],
                                                                            dtype=torch.float64))


def test_geodesic_neighbours_differ_from_euclidean_ones_for_unnormalised_means():
    """A Gaussian latent's means are not unit vectors: Euclidean k-NN follows magnitude, the
    geodesic one direction only. One test point, two single-example classes."""
    train = torch.tensor([[1.0, 0.0], [5.0, 2.0]], dtype=torch.float64)
    test = torch.tensor([[4.0, 0.2]], dtype=torch.float64)
    labels = np.array([0, 1])
    assert knn_accuracy(train, labels, test, np.array([1]), "euclidean", 1) == 100.0
    unit = torch.nn.functional.normalize
    assert knn_accuracy(unit(train, dim=-1), labels, unit(test, dim=-1), np.array([0]), "sphere", 1) == 100.0


def test_knn_separates_clusters_on_the_sphere():
    train = on_circle(0, 5, 10, 175, 180, 185)
    labels = np.array([0, 0, 0, 1, 1, 1])
    test = on_circle(2, 8, 178, 183)
    assert knn_accuracy(train, labels, test, np.array([0, 0, 1, 1]), "sphere", 3) == 100.0


def test_class_balanced_draw():
    labels = np.repeat(np.arange(10), 50)
    chosen = class_balanced_draw(labels, 100, np.random.default_rng(0))
    assert len(set(chosen.tolist())) == 100
    assert np.array_equal(np.bincount(labels[chosen]), np.full(10, 10))
    again = class_balanced_draw(labels, 100, np.random.default_rng(0))
    assert np.array_equal(chosen, again)
    assert not np.array_equal(chosen, class_balanced_draw(labels, 100, np.random.default_rng(1)))
    with pytest.raises(ConfigError, match="cannot be split evenly over 10 classes"):
        class_balanced_draw(labels, 105, np.random.default_rng(0))
