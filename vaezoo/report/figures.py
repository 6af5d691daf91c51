"""Our curves over the paper's: the figures of a paper redrawn from finished runs and its CSV.

    python -m vaezoo.report.figures xu2018_fig4 RUN_DIR [RUN_DIR ...] --out fig4.png [--table fig4.md]

Runs are the results.json files below the given folders (a multirun folder holds one per job);
each figure takes the runs of its experiments and reads the published values from
``vaezoo/paper_tables``. The table lists every point, ours beside the paper's.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
from omegaconf import DictConfig, OmegaConf  # noqa: E402

from vaezoo.paper_tables import read_table  # noqa: E402
from vaezoo.report.compare import load_runs, parse_row_reference  # noqa: E402

Points = dict[str, dict[float, float]]  # series -> x -> y


@dataclass
class Panel:
    """One set of axes: our series and the paper's, keyed alike so they share a colour."""

    title: str
    xlabel: str
    ylabel: str
    ours: Points = field(default_factory=lambda: defaultdict(dict))
    paper: Points = field(default_factory=lambda: defaultdict(dict))


def _row_keys(run: dict) -> dict[str, str]:
    return parse_row_reference(run["paper_rows"][0])[1] if run["paper_rows"] else {}


def _config(run: dict) -> DictConfig:
    """The composed config the run wrote beside its results.json."""
    return OmegaConf.load(Path(run["path"]) / "config.yaml")


def _fig6_series(run: dict) -> tuple[str, float]:
    """A Figure 6 run's series (setting, "_bow" with the BoW input) and kappa, from its config."""
    config = _config(run)
    return config.setting + ("_bow" if config.model.decoder.bow_input else ""), float(config.kappa)


def xu2018_fig4(runs: list[dict], metric: str) -> list[Panel]:
    """Figure 4: PTB inputless perplexity of G-VAE against the KL weight and vMF-VAE against kappa.
    Its vMF bars are the model of Figure 6's inputless column (the paper's values agree), so runs
    of xu2018/fig6 in that setting count too."""
    panels = {"g-vae": Panel("G-VAE, KL weight fixed", "KL weight alpha", "test perplexity"),
              "vmf-vae": Panel("vMF-VAE, kappa fixed", "kappa", "test perplexity")}
    for run in runs:
        if metric not in run["metrics"]:
            continue
        if run["experiment"] in ("xu2018/fig4", "xu2018/fig4_gaussian"):
            keys = _row_keys(run)
            panels[keys["model"]].ours[keys["model"]][float(keys["kl_weight_or_kappa"])] = run["metrics"][metric]
        elif run["experiment"] == "xu2018/fig6":
            series, kappa = _fig6_series(run)
            if series == "inputless":
                panels["vmf-vae"].ours["vmf-vae"][kappa] = run["metrics"][metric]
    for row in read_table("xu2018_fig4"):
        panels[row["model"]].paper[row["model"]][float(row["kl_weight_or_kappa"])] = float(row["ppl"])
    return list(panels.values())


def xu2018_fig6(runs: list[dict], metric: str) -> list[Panel]:
    """Figure 6: vMF-VAE perplexity against kappa, four settings (inputless / standard, +- BoW)."""
    panel = Panel("vMF-VAE on PTB, latent 50", "kappa", "test perplexity")
    for run in runs:
        if run["experiment"] == "xu2018/fig6" and metric in run["metrics"]:
            series, kappa = _fig6_series(run)
            panel.ours[series][kappa] = run["metrics"][metric]
    for row in read_table("xu2018_fig6"):
        for series in ("inputless", "inputless_bow", "standard", "standard_bow"):
            panel.paper[series][float(row["kappa"])] = float(row[series])
    return [panel]


def xu2018_fig5(runs: list[dict], metric: str) -> list[Panel]:
    """Figure 5: cosine of mu before and after adjacent-word swaps (no published values)."""
    panel = Panel("Sensitivity of mu to adjacent-word swaps", "chance of swap", "average cosine similarity")
    for run in runs:
        if run["experiment"] == "xu2018/fig5":
            source = run["source_model"]
            series = source["variant"] + ("-bow" if source["decoder_bow_input"] else "")
            for name, value in run["metrics"].items():
                panel.ours[series][float(name.split("=", 1)[1])] = value
    return [panel]


FIGURES: dict[str, Callable[[list[dict], str], list[Panel]]] = {
    "xu2018_fig4": xu2018_fig4, "xu2018_fig5": xu2018_fig5, "xu2018_fig6": xu2018_fig6}


def draw(panels: list[Panel], out: Path) -> None:
    """Ours as solid lines with filled markers, the paper's dashed with open markers."""
    fig, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 4.2), squeeze=False)
    for ax, panel in zip(axes[0], panels, strict=True):
        colours = {}
        for series in sorted(set(panel.ours) | set(panel.paper)):
            colours[series] = f"C{len(colours)}"
            if series in panel.paper:
                xs = sorted(panel.paper[series])
                ax.plot(xs, [panel.paper[series][x] for x in xs], "--o", mfc="none", color=colours[series],
                        label=f"{series} (paper)")
            if series in panel.ours:
                xs = sorted(panel.ours[series])
                ax.plot(xs, [panel.ours[series][x] for x in xs], "-o", color=colours[series], label=f"{series} (ours)")
        ax.set(title=panel.title, xlabel=panel.xlabel, ylabel=panel.ylabel)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def _number(value: float) -> str:
    """Perplexities as whole numbers, smaller values (cosines) to three significant digits."""
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"


def table(panels: list[Panel]) -> str:
    """Every point of every series: ours beside the paper's (a dash where one is missing)."""
    lines = ["| panel | series | x | ours | paper |", "|---|---|---|---|---|"]
    for panel in panels:
        for series in sorted(set(panel.ours) | set(panel.paper)):
            ours, paper = panel.ours.get(series, {}), panel.paper.get(series, {})
            for x in sorted(set(ours) | set(paper)):
                cells = [_number(v[x]) if x in v else "-" for v in (ours, paper)]
                lines.append(f"| {panel.title} | {series} | {x:g} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("figure", choices=sorted(FIGURES))
    parser.add_argument("runs", nargs="+", type=Path, help="folders holding results.json files")
    parser.add_argument("--out", type=Path, required=True, help="the PNG to write")
    parser.add_argument("--table", type=Path, help="also write the points as a markdown table")
    parser.add_argument("--metric", default="test/ppl", help="the results.json metric of the perplexity figures")
    args = parser.parse_args(argv)
    panels = FIGURES[args.figure](load_runs(args.runs), args.metric)
    if not any(panel.ours for panel in panels):
        parser.error(f"no finished run of {args.figure} below {', '.join(map(str, args.runs))}")
    draw(panels, args.out)
    if args.table:
        args.table.write_text(table(panels))
    print(table(panels), end="")


if __name__ == "__main__":
    main()
