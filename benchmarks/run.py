"""Entry point of ``make bench``: ``python -m benchmarks.run [--quick] [--name NAME] [--threads N]``.

Times vMF sampling and KL on a grid (and the public S-VAE code when $SVAE_REF names a checkout)
one VAE training step in Lightning vs a bare loop, NVRNN tokens/s, every family's throughput and
data-loading share through the command line and DDP on two CPU processes; writes ``benchmarks/results/<name>.json``
and ``benchmarks/results/summary.md``; the full mode also profiles our code at the cells below the target speed-up
(``<name>_profiles.md``).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

import torch

from benchmarks import bench_families, bench_text, bench_train_step, bench_vmf, report
from benchmarks.common import machine_info
from benchmarks.reference import Reference, load_reference

RESULTS = Path(__file__).resolve().parent / "results"
PROFILES_PER_BENCH = 4


@dataclass(frozen=True)
class Mode:
    grid: bench_vmf.Grid
    train: bench_train_step.Setting
    text: bench_train_step.Setting
    families: bench_families.FamilySetting
    repeats: int
    min_block_s: float
    profile: bool


MODES = {
    "full": Mode(bench_vmf.FULL_GRID, bench_train_step.FULL, bench_text.TEXT_FULL, bench_families.FAMILIES_FULL,
                 repeats=9, min_block_s=0.08, profile=True),
    "quick": Mode(bench_vmf.QUICK_GRID, bench_train_step.QUICK, bench_text.TEXT_QUICK, bench_families.FAMILIES_QUICK,
                  repeats=3, min_block_s=0.01, profile=False),
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="reduced grid and step counts")
    parser.add_argument("--name", help="results file stem (default: the mode, full or quick)")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results directory")
    return parser.parse_args(argv)


def reference_info(reference: Reference | None) -> dict | None:
    if reference is None:
        return None
    return {"path": str(reference.path), "commit": reference.commit, "shims": list(reference.shims)}


def write_profiles(cells: list[dict], path: Path) -> None:
    """Profiles of our implementation at the worst flagged cells of each benchmark."""
    parts = [f"# Profiles of vaezoo at cells below the target speed-ups {report.TARGET_SPEEDUPS}\n"]
    worst: list[dict] = []
    for bench in bench_vmf.BENCHES:
        worst += [c for c in cells if c["bench"] == bench][:PROFILES_PER_BENCH]
    for c in worst:
        print(f"  profiling {c['bench']} {c['dtype']} m={c['m']} kappa={c['kappa']:g}")
        parts.append(bench_vmf.profile_ours(c["bench"], getattr(torch, c["dtype"]), c["m"], c["kappa"]))
    path.write_text("\n".join(parts))


def measure(mode: Mode, reference: Reference | None) -> dict:
    """Run every benchmark of ``mode``; the per-cell comparison with the reference included."""
    print("vMF rsample and KL:")
    vmf_rows = bench_vmf.run_grid(mode.grid, reference, mode.repeats, mode.min_block_s)
    print("training step:")
    train_rows = bench_train_step.run(mode.train)
    print("NVRNN tokens/s:")
    text_rows = bench_text.run(mode.text)
    print("every family through the command line, and DDP:")
    families = bench_families.run(mode.families)
    comparisons = report.compare(vmf_rows)
    return {"vmf": vmf_rows, "comparisons": comparisons, "train_step": train_rows, "text": text_rows,
            "families": families,
            "median_ratios": report.median_ratios(comparisons),
            "flagged": report.flagged(comparisons)}


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    mode_name = "quick" if args.quick else "full"
    mode, name = MODES[mode_name], args.name or mode_name
    args.out.mkdir(parents=True, exist_ok=True)
    reference = load_reference()
    machine = machine_info()
    print(f"benchmarks '{name}' ({mode_name}), {machine['torch_threads']} thread(s), reference: "
          f"{reference.path if reference else 'none (set SVAE_REF)'}"
          + (", imported unmodified (no compatibility shims)" if reference and not reference.shims else ""))
    start = perf_counter()
    result = {"name": name, "mode": mode_name, "machine": machine,
              "settings": {"grid": mode.grid.to_json(), "batch": bench_vmf.BATCH,
                           "repeats": mode.repeats, "min_block_s": mode.min_block_s,
                           "train": vars(mode.train), "text": vars(mode.text),
                           "families": vars(mode.families),
                           "target_speedups": report.TARGET_SPEEDUPS},
              "reference": reference_info(reference)}
    result |= measure(mode, reference)
    result["profiles"] = None
    if result["flagged"] and mode.profile:
        result["profiles"] = f"{name}_profiles.md"
        write_profiles(result["flagged"], args.out / result["profiles"])
    result |= {"torch_threads_at_end": torch.get_num_threads(), "duration_s": perf_counter() - start}
    (args.out / f"{name}.json").write_text(json.dumps(result, indent=1) + "\n")
    summary = report.summary_markdown(result)
    (args.out / "summary.md").write_text(summary)
    print("\n" + summary)
    return result


if __name__ == "__main__":
    main()
