"""Fig. 2 of Davidson et al. (2018): the posterior means of the MNIST test set under a 2-d S-VAE
(z on S^2, drawn with the equal-area Hammer projection) beside a 2-d N-VAE (z in R^2), coloured
by digit. The S-VAE's classes spread over the whole sphere, the N-VAE's crowd around the origin
where the N(0, I) prior puts its mass.

    python -m vaezoo.report.latent_space SVAE_RUN NVAE_RUN --out fig2.png [--points 2000]

Each run folder holds config.yaml and checkpoints/best.ckpt. Beside the PNG goes ``<out>.csv``:
per run, the plane coordinates and label of the first ``--points`` test examples (all by
default). The figure is drawn from that file alone, so a committed CSV redraws it without the
checkpoints: ``make report`` does so for the files report.yaml lists under ``latent_figures``.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402

from vaezoo.tasks.checkpoints import load_trained  # noqa: E402


def hammer(points: np.ndarray) -> np.ndarray:
    """Unit vectors [n, 3] -> Hammer plane coordinates [n, 2] (longitude from x and y, latitude
    from z); the projection is equal-area, so densities on the sphere are not distorted."""
    longitude = np.arctan2(points[:, 1], points[:, 0])
    latitude = np.arcsin(np.clip(points[:, 2], -1.0, 1.0))
    denominator = np.sqrt(1 + np.cos(latitude) * np.cos(longitude / 2))
    return np.stack([2 * np.sqrt(2) * np.cos(latitude) * np.sin(longitude / 2) / denominator,
                     np.sqrt(2) * np.sin(latitude) / denominator], axis=1)


@torch.no_grad()
def posterior_means(run: Path) -> tuple[np.ndarray, np.ndarray]:
    """The mean direction (sphere) or mean (R^d) of q(z|x) of every test input, and its label."""
    model, datamodule, _ = load_trained(run / "checkpoints" / "best.ckpt", OmegaConf.load(run / "config.yaml"))
    means, labels = [], []
    for batch in datamodule.test_dataloader():
        q = model.posterior(model.inputs(batch))
        means.append((q.loc if hasattr(q, "loc") else q.mean).double().numpy())  # vMF: its mean direction
        labels.append(batch[1].numpy())
    return np.concatenate(means), np.concatenate(labels)


def plane_coordinates(means: np.ndarray, run: Path) -> np.ndarray:
    if means.shape[1] == 3:
        return hammer(means)
    if means.shape[1] == 2:
        return means
    raise ValueError(f"{run}: the figure needs a code on S^2 (3 coordinates) or in R^2, got {means.shape[1]}")


SPACE_TITLES = {"sphere": "S-VAE on S^2 (Hammer projection)", "plane": "N-VAE in R^2"}


def draw_latent_space(points_csv: Path, out: Path) -> None:
    """The figure of the points a ``main`` call wrote to ``points_csv``: one panel per run."""
    with points_csv.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    runs = list(dict.fromkeys(row["run"] for row in rows))
    figure, axes = plt.subplots(1, len(runs), figsize=(5.5 * len(runs), 4), squeeze=False)
    for axis, run in zip(axes[0], runs, strict=True):
        mine = [row for row in rows if row["run"] == run]
        scatter = axis.scatter([float(r["x"]) for r in mine], [float(r["y"]) for r in mine],
                               c=[int(r["label"]) for r in mine], cmap="tab10", s=2, vmin=-0.5, vmax=9.5)
        axis.set(title=f"{SPACE_TITLES[mine[0]['space']]}\n{run}", aspect="equal")
    figure.colorbar(scatter, ax=axes[0].tolist(), ticks=range(10), label="digit")
    figure.savefig(out, dpi=110, metadata={"Software": None})
    plt.close(figure)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--points", type=int, default=None, help="the first N test examples of each run (all)")
    args = parser.parse_args(argv)
    rows = []
    for run in args.runs:
        means, labels = posterior_means(run)
        points = plane_coordinates(means, run)[:args.points]
        space = "sphere" if means.shape[1] == 3 else "plane"
        rows += [(run.name, space, f"{x:.4f}", f"{y:.4f}", int(digit))
                 for (x, y), digit in zip(points, labels[:args.points], strict=True)]
    points_csv = args.out.with_suffix(".csv")
    with points_csv.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["run", "space", "x", "y", "label"])
        writer.writerows(rows)
    draw_latent_space(points_csv, args.out)
    print(f"wrote {args.out} and {points_csv} ({len(rows)} points)")


if __name__ == "__main__":
    main()
