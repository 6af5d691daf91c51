"""Table 2 machinery: latent distances, class-balanced label draws, k-NN accuracy."""

import math

import numpy as np
import pytest
import torch

from vaezoo.errors import ConfigError
from vaezoo.tasks.latent_knn import class_balanced_draw, knn_accuracy


def on_circle(*degrees: float) -> torch.Tensor:
    radians = torch.tensor(degrees, dtype=torch.float64) * math.pi / 180
    return torch.stack([radians.cos(), radians.sin()], -1)


def test_on_the_sphere_the_chord_finds_the_geodesic_neighbours():
    """k-NN over unit vectors with the Euclidean chord predicts what k-NN with the precomputed
    geodesic arccos(x^T y) predicts, on random codes in S^5."""
    from sklearn.neighbors import KNeighborsClassifier
    generator = torch.Generator().manual_seed(0)
    train, test = (torch.nn.functional.normalize(torch.randn(n, 6, generator=generator, dtype=torch.float64), dim=-1)
                   for n in (300, 200))
    labels = torch.randint(0, 4, (300,), generator=generator).numpy()
    geodesic = KNeighborsClassifier(n_neighbors=5, metric="precomputed")
    geodesic.fit(torch.arccos((train @ train.T).clamp(-1, 1)).numpy(), labels)
    expected = geodesic.predict(torch.arccos((test @ train.T).clamp(-1, 1)).numpy())
    for target in (0, 1, 2, 3):   # the accuracy against each constant labelling counts the predictions
        assert knn_accuracy(train, labels, test, np.full(200, target), "sphere", 5) == pytest.approx(
            100.0 * (expected == target).mean())


def test_geodesic_neighbours_differ_from_euclidean_ones_for_unnormalised_means():
    """A Gaussian latent's means are not unit vectors: Euclidean k-NN follows magnitude, the
    geodesic one direction only. One test point, two single-example classes."""
    train = torch.tensor([[1.0, 0.0], [5.0, 2.0]], dtype=torch.float64)
    test = torch.tensor([[4.0, 0.2]], dtype=torch.float64)
    labels = np.array([0, 1])
    assert knn_accuracy(train, labels, test, np.array([1]), "euclidean", 1) == 100.0
    assert knn_accuracy(train, labels, test, np.array([0]), "sphere", 1) == 100.0


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


def test_the_record_names_the_probed_models_seed(tmp_path):
    from tests.cli.conftest import run_task_in

    run_task_in(tmp_path / "model", ["+experiment=davidson2018/table1", "seed=3"])
    record = run_task_in(tmp_path / "knn", ["+experiment=davidson2018/table2", "task.labelled=[10]", "task.draws=2",
                                            f"ckpt_path={tmp_path / 'model' / 'checkpoints' / 'last.ckpt'}"])
    assert record["seed"] == 0 and record["source_seed"] == 3
