"""Training curves of the runs a table quotes: validation KL and NLL (or -ELBO) per epoch, one line
per run, drawn from each run's committed metrics.csv (``make report`` writes them beside the table).
"""

from __future__ import annotations

import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

# (panel title, the metric read, its sign on the plot); the first metric a run logs of each panel
PANELS = (("validation KL (nats)", (("val/kl", 1.0),)),
          ("validation NLL (nats)", (("val/nll", 1.0), ("val/elbo", -1.0))))


def epoch_curve(metrics_csv: Path, candidates: tuple[tuple[str, float], ...]) -> tuple[str, list[tuple[int, float]]]:
    """(metric, [(epoch, value)]) of the first candidate the file has: the last value per epoch
    (a run validated several times an epoch is drawn at its epoch ends); empty when none is logged."""
    with metrics_csv.open() as handle:
        rows = list(csv.DictReader(handle))
    for metric, sign in candidates:
        per_epoch = {int(row["epoch"]): sign * float(row[metric]) for row in rows if row.get(metric)}
        if per_epoch:
            return metric, sorted(per_epoch.items())
    return "", []


def label(run: dict) -> str:
    """The run's paper row without its table name (or its folder), and its seed."""
    rows = run.get("paper_rows") or []
    name = rows[0].partition(":")[2] if rows else Path(run["path"]).name
    return f"{name} (seed {run.get('seed', '?')})"


def draw_curves(runs: list[dict], out: Path) -> bool:
    """Writes the figure when some run has a curve; returns whether it did."""
    series = []
    for run in runs:
        path = Path(run["path"]) / "metrics.csv"
        if path.is_file():
            series.append((label(run), [epoch_curve(path, candidates) for _, candidates in PANELS]))
    if not any(points for _, curves in series for _, points in curves):
        return False
    figure, axes = plt.subplots(1, len(PANELS), figsize=(11, 4))
    for index, (title, _) in enumerate(PANELS):
        for number, (name, curves) in enumerate(series):
            metric, points = curves[index]
            if points:  # a run keeps its colour in every panel
                axes[index].plot(*zip(*points, strict=True), marker=".", color=f"C{number % 10}", label=name)
        axes[index].set(title=title, xlabel="epoch")
    for panel in axes:
        if panel.lines:
            panel.legend(fontsize=6, loc="best")
    figure.tight_layout()
    figure.savefig(out, dpi=90, metadata={"Software": None})
    plt.close(figure)
    return True
