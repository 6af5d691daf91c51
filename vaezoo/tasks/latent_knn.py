"""Semi-supervised M1 by k-NN on the latent means of a trained VAE (Davidson et al. 2018, §5.3,
Table 2).

The encoder of a finished run maps images to the mode of q(z|x) (the mean of a Gaussian, the
mean direction of a vMF). N labelled training images, N/10 per class, are drawn with a seed; a
k-NN classifier (k = 5) labels the test set, with the Euclidean distance for a Euclidean latent
and the geodesic distance arccos(x^T y) on the sphere. Repeated draws give mean +- std.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from omegaconf import DictConfig
from sklearn.neighbors import KNeighborsClassifier
from torch import nn
from torch.utils.data import TensorDataset

from vaezoo.errors import ConfigError
from vaezoo.latent.base import EUCLIDEAN, SPHERE
from vaezoo.report.compare import paper_row, row_metric
from vaezoo.results import RunRecorder
from vaezoo.tasks.checkpoints import load_trained, source_run, trained_run_scale

PAPER_MODELS = {EUCLIDEAN: "n-vae", SPHERE: "s-vae"}   # Davidson et al. 2018, Table 2's model column
TABLE1 = "davidson2018/table1"                          # the experiment whose models Table 2 reads


def training_images(datamodule) -> TensorDataset:
    """The training images with their labels; of a semi-supervised datamodule (M1+M2, Table 3)
    its labelled and unlabelled parts together, every label known to the k-NN."""
    if "train" in datamodule.splits:
        return datamodule.splits["train"]
    parts = [datamodule.splits[name].tensors for name in ("labelled", "unlabelled")]
    return TensorDataset(*(torch.cat(columns) for columns in zip(*parts, strict=True)))


def knn_features(codes: torch.Tensor, geometry: str) -> np.ndarray:
    """Codes whose Euclidean neighbours are the latent's: on the sphere the unit vectors, since
    the chord |x - y| = sqrt(2 - 2 x^T y) orders neighbours as the geodesic arccos(x^T y) does;
    a search over them needs no all-pairs distance matrix, so N may be the whole training set."""
    return (nn.functional.normalize(codes, dim=-1) if geometry == SPHERE else codes).numpy()


def class_balanced_draw(labels: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``count`` examples, the same number from every class, without replacement
    (by hand: scikit-learn's stratified splits draw in proportion to the class frequencies)."""
    classes = np.unique(labels)
    if count % len(classes):
        raise ConfigError(f"task.labelled={count} cannot be split evenly over {len(classes)} classes")
    per_class = count // len(classes)
    return np.concatenate([rng.choice(np.flatnonzero(labels == c), per_class, replace=False) for c in classes])


def knn_accuracy(train: torch.Tensor, train_labels: np.ndarray, test: torch.Tensor, test_labels: np.ndarray,
                 geometry: str, neighbours: int) -> float:
    """Test accuracy (%) of k-NN with the latent distance of ``geometry``."""
    classifier = KNeighborsClassifier(n_neighbors=neighbours, algorithm="brute")
    classifier.fit(knn_features(train, geometry), train_labels)
    predicted = classifier.predict(knn_features(test, geometry))
    return 100.0 * float((predicted == test_labels).mean())


@torch.no_grad()
def encode(model, dataset, batch_size: int = 1000, binarization_seed: int = 0) -> tuple[torch.Tensor, np.ndarray]:
    """Modes of q(z|x) and labels; grey-level training images are binarised once with a seed."""
    images, labels = dataset.tensors
    generator = torch.Generator().manual_seed(binarization_seed)
    codes = []
    for start in range(0, len(images), batch_size):
        x = images[start:start + batch_size]
        binary = x if bool(((x == 0) | (x == 1)).all()) else torch.bernoulli(x, generator=generator)
        codes.append(model.posterior(binary).mode)
    return torch.cat(codes), labels.numpy()


def run(cfg: DictConfig, output_dir: Path, overrides: list[str] | tuple[str, ...] = (), *,
        labelled: Sequence[int], neighbours: int, draws: int) -> dict:
    """k-NN accuracy (k = ``neighbours``) for every N of ``labelled``, each the mean over ``draws``
    class-balanced draws; writes results.json."""
    recorder = RunRecorder(cfg, output_dir)
    checkpoint, source = source_run(cfg, overrides)
    if cfg.smoke:
        source.data.subset = None  # every class must be present for a class-balanced draw
    model, datamodule, _ = load_trained(checkpoint, source)
    training = training_images(datamodule)
    labels = training.tensors[1].numpy()
    if (labels < 0).any():
        raise ConfigError(f"the data of {checkpoint.parent.parent} has no labels (data.binarization="
                          f"{source.data.get('binarization')}); k-NN needs labelled images, e.g. data=mnist")
    for count in labelled:  # fail before encoding anything
        class_balanced_draw(labels, count, np.random.default_rng(0))
    train, train_labels = encode(model, training)
    test, test_labels = encode(model, datamodule.splits["test"])
    geometry = model.latent.support
    rng = np.random.default_rng(cfg.seed)
    metrics = {}
    for count in labelled:
        scores = []
        for _ in range(draws):
            chosen = class_balanced_draw(train_labels, count, rng)
            scores.append(knn_accuracy(train[chosen], train_labels[chosen], test, test_labels, geometry,
                                       neighbours))
        metrics[f"knn_accuracy/N={count}"] = float(np.mean(scores))
        metrics[f"knn_accuracy_std/N={count}"] = float(np.std(scores, ddof=1)) if len(scores) > 1 else 0.0
    model_name = PAPER_MODELS[geometry]
    rows = []
    if source.get("name") == TABLE1:   # Table 2 reads the Table 1 models; any other model is a probe
        rows = [f"davidson2018_table2.csv:d={source.paper_d},labels={n},model={model_name}" for n in labelled]
        # the status page's name for each row's accuracy (one record quotes a row per N)
        metrics |= {row_metric("test/acc", d=source.paper_d, labels=n, model=model_name):
                    metrics[f"knn_accuracy/N={n}"] for n in labelled}
    (output_dir / "table2.md").write_text(markdown(metrics, rows, model_name, labelled, draws))
    estimators = {"knn_accuracy": {"method": "repeated_class_balanced_draws", "samples": draws}}
    return recorder.write(trained_run_scale(cfg, checkpoint, overrides), metrics, estimators, paper_rows=rows,
                          source_checkpoint=str(checkpoint), source_seed=source.get("seed"))


def markdown(metrics: dict[str, float], rows: list[str], model: str, labelled: Sequence[int], draws: int) -> str:
    """Our accuracy per N beside the paper's Table 2 entry for the same model, d and N (a dash for
    a model that is not one of Table 1's, e.g. an M1+M2 probe)."""
    lines = [f"| N | paper row | ours ({draws} draws) | paper ({model}, 20 runs) |", "|---|---|---|---|"]
    for index, count in enumerate(labelled):
        reference = rows[index] if rows else "-"
        paper = paper_row(reference) if rows else None
        published = f"{paper['acc']} +- {paper['acc_std']}" if paper else "-"
        lines.append(f"| {count} | {reference} | {metrics[f'knn_accuracy/N={count}']:.1f} +- "
                     f"{metrics[f'knn_accuracy_std/N={count}']:.1f} | {published} |")
    return "\n".join(lines) + "\n"
