"""Fig. 2 of Bahuleyan et al. (2019): histograms of the posterior standard deviations sigma of a
Gaussian-coded model over the test inputs (every dimension of every code), 200 buckets on (0, 1),
one panel per trained run (WAE-S with lambda_KL = 0, 0.01, 0.1). Theorem 1: without the KL
penalty sigma collapses towards 0; with it sigma stays away from 0.

    python -m vaezoo.report.posterior_scale RUN_DIR [RUN_DIR ...] --out fig2.png

Each RUN_DIR holds config.yaml and checkpoints/best.ckpt of a training run. Beside the PNG goes a
CSV of the bucket counts and summary statistics (``<out>.csv``).
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

BUCKETS = 200


@torch.no_grad()
def posterior_scales(run: Path) -> np.ndarray:
    """sigma of q(z|x) for every test input and code dimension of a trained run (flat array)."""
    model, datamodule, _ = load_trained(run / "checkpoints" / "best.ckpt", OmegaConf.load(run / "config.yaml"))
    scales = []
    for batch in datamodule.test_dataloader():
        q = model.posterior(model.inputs(batch))
        if not hasattr(q, "stddev"):
            raise ValueError(f"{run}: the posterior {type(q).__name__} has no standard deviation")
        scales.append(q.stddev.flatten().double().numpy())
    return np.concatenate(scales)


def label(run: Path) -> str:
    cfg = OmegaConf.load(run / "config.yaml")
    return f"lambda_KL = {cfg.get('lambda_kl')}" if cfg.get("lambda_kl") is not None else run.name


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    edges = np.linspace(0.0, 1.0, BUCKETS + 1)
    figure, axes = plt.subplots(1, len(args.runs), figsize=(4 * len(args.runs), 3), squeeze=False)
    rows = []
    for axis, run in zip(axes[0], args.runs, strict=True):
        scales = posterior_scales(run)
        counts, _ = np.histogram(scales, bins=edges)
        axis.bar(edges[:-1], counts, width=1 / BUCKETS, align="edge")
        axis.set_title(label(run))
        axis.set_xlabel("sigma")
        rows.append({"run": run.name, "label": label(run), "values": scales.size,
                     "median": float(np.median(scales)), "mean": float(scales.mean()),
                     "share_below_0.01": float((scales < 0.01).mean()), "share_above_1": float((scales >= 1).mean()),
                     "counts": " ".join(map(str, counts.tolist()))})
    axes[0][0].set_ylabel("count")
    figure.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(args.out, dpi=120)
    with args.out.with_suffix(".csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    for row in rows:
        print({k: v for k, v in row.items() if k != "counts"})


if __name__ == "__main__":
    main()
