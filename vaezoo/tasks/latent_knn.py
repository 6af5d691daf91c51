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

from vaezoo.errors import ConfigError
from vaezoo.latent.base import EUCLIDEAN, SPHERE
from vaezoo.report.compare import paper_row, row_metric
from vaezoo.results import RunRecorder
from vaezoo.tasks.checkpoints import load_trained, source_run, trained_run_scale

PAPER_MODELS = {EUCLIDEAN: "n-vae", SPHERE: "s-vae"}   # Davidson et al. 2018, Table 2's model column


def latent_distances(a: torch.Tensor, b: torch.Tensor, geometry: str) -> torch.Tensor:
    """[len(a), len(b)] distances: geodesic arccos(a^T b) on the sphere, Euclidean otherwise."""
    if geometry == SPHERE:
        return torch.arccos((a @ b.T).clamp(-1.0, 1.0))
    return torch.cdist(a, b)


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
    classifier = KNeighborsClassifier(n_neighbors=neighbours, metric="precomputed")
    classifier.fit(latent_distances(train, train, geometry).numpy(), train_labels)
    predicted = classifier.predict(latent_distances(test, train, geometry).numpy())
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
    labels = datamodule.splits["train"].tensors[1].numpy()
    if (labels < 0).any():
        raise ConfigError(f"the data of {checkpoint.parent.parent} has no labels (data.binarization="
                          f"{source.data.get('binarization')}); k-NN needs labelled images, e.g. data=mnist")
    for count in labelled:  # fail before encoding anything
        class_balanced_draw(labels, count, np.random.default_rng(0))
    train, train_labels = encode(model, datamodule.splits["train"])
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
    rows = [f"davidson2018_table2.csv:d={source.paper_d},labels={n},model={model_name}" for n in labelled]
    # the status page's name for each row's accuracy (one record quotes a row per N)
    metrics |= {row_metric("test/acc", d=source.paper_d, labels=n, model=model_name): metrics[f"knn_accuracy/N={n}"]
                for n in labelled}
    (output_dir / "table2.md").write_text(markdown(metrics, rows, model_name, labelled, draws))
    estimators = {"knn_accuracy": {"method": "repeated_class_balanced_draws", "samples": draws}}
    return recorder.write(trained_run_scale(cfg, checkpoint, overrides), metrics, estimators, paper_rows=rows,
                          source_checkpoint=str(checkpoint))


def markdown(metrics: dict[str, float], rows: list[str], model: str, labelled: Sequence[int], draws: int) -> str:
    """Our accuracy beside the paper's Table 2 entry for the same model, d and N."""
    lines = [f"| paper row | ours ({draws} draws) | paper ({model}, 20 runs) |", "|---|---|---|"]
    for count, reference in zip(labelled, rows, strict=True):
        paper = paper_row(reference)
        published = f"{paper['acc']} +- {paper['acc_std']}" if paper else "-"
        lines.append(f"| {reference} | {metrics[f'knn_accuracy/N={count}']:.1f} +- "
                     f"{metrics[f'knn_accuracy_std/N={count}']:.1f} | {published} |")
    return "\n".join(lines) + "\n"
