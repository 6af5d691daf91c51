"""Pairing of ours and the reference per cell, summary statistics and the markdown summary."""

from __future__ import annotations

import statistics
from collections.abc import Iterable

TARGET_SPEEDUPS = {"float32": 3.0, "float64": 2.0}
"""Speed-up over the reference (its time / ours) that we aim for; a cell below it is flagged."""

UNITS = {
    "rsample": ("vMF rsample, batch 512: samples/s (higher is better)",
                lambda row: f"{row['per_second']:,.0f}"),
    "kl": ("KL(vMF || uniform) forward + backward to loc and kappa, batch 512: ms per call",
           lambda row: f"{row['seconds'] * 1e3:.3f}"),
}


def compare(rows: Iterable[dict]) -> list[dict]:
    """One entry per (bench, dtype, m, kappa) with ours, reference and ratio = time ours / time ref.

    ``status`` is "ok", "reference failed" or "ours failed"; ``ratio`` is None unless "ok".
    """
    cells: dict[tuple, dict] = {}
    for row in rows:
        key = (row["bench"], row["dtype"], row["m"], row["kappa"])
        cells.setdefault(key, {})[row["impl"]] = row
    out = []
    for (bench, dtype, m, kappa), impls in cells.items():
        ours, ref = impls["ours"], impls.get("reference")
        if ref is None:
            continue
        entry = {"bench": bench, "dtype": dtype, "m": m, "kappa": kappa}
        if ours["failure"] is not None:
            entry |= {"status": "ours failed", "ratio": None}
        elif ref["failure"] is not None:
            entry |= {"status": "reference failed", "ratio": None}
        else:
            entry |= {"status": "ok", "ratio": ours["seconds"] / ref["seconds"]}
        out.append(entry)
    return out


def median_ratios(comparisons: list[dict]) -> dict[str, dict[str, dict]]:
    """bench -> dtype -> median time ratio ours/reference and median speed-up reference/ours over
    the cells where both worked, and cell counts."""
    out: dict[str, dict[str, dict]] = {}
    for c in comparisons:
        out.setdefault(c["bench"], {}).setdefault(c["dtype"], {"ratios": [], "cells": 0})
        slot = out[c["bench"]][c["dtype"]]
        slot["cells"] += 1
        if c["ratio"] is not None:
            slot["ratios"].append(c["ratio"])
    return {bench: {dtype: {"median_ratio": statistics.median(s["ratios"]) if s["ratios"] else None,
                            "median_speedup": statistics.median(1 / r for r in s["ratios"]) if s["ratios"] else None,
                            "target_speedup": TARGET_SPEEDUPS[dtype],
                            "cells_ok": len(s["ratios"]), "cells": s["cells"]}
                    for dtype, s in by_dtype.items()}
            for bench, by_dtype in out.items()}


def flagged(comparisons: list[dict]) -> list[dict]:
    """Cells where our speed-up over the reference is below TARGET_SPEEDUPS[dtype], worst first."""
    slow = [c for c in comparisons if c["ratio"] is not None and 1 / c["ratio"] < TARGET_SPEEDUPS[c["dtype"]]]
    return sorted(slow, key=lambda c: -c["ratio"])


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def _value(row: dict | None, bench: str) -> str:
    if row is None:
        return "-"
    return UNITS[bench][1](row) if row["failure"] is None else "failed"


def _ratio(entry: dict | None) -> str:
    if entry is None:
        return "-"
    return f"{entry['ratio']:.2f}" if entry["status"] == "ok" else entry["status"]


def vmf_table(bench: str, rows: list[dict], comparisons: list[dict]) -> str:
    """Rows (m, kappa); per dtype: ours, and with a reference also the reference and the ratio."""
    rows = [r for r in rows if r["bench"] == bench]
    dtypes = sorted({r["dtype"] for r in rows})
    with_ref = any(r["impl"] == "reference" for r in rows)
    by_key = {(r["impl"], r["dtype"], r["m"], r["kappa"]): r for r in rows}
    ratio_of = {(c["dtype"], c["m"], c["kappa"]): c for c in comparisons if c["bench"] == bench}
    header = ["m", "kappa"]
    for dtype in dtypes:
        header += [f"{dtype} ours", f"{dtype} ref", f"{dtype} ours/ref time"] if with_ref else [dtype]
    body = []
    for m, kappa in sorted({(r["m"], r["kappa"]) for r in rows}):
        line = [str(m), f"{kappa:g}"]
        for dtype in dtypes:
            line.append(_value(by_key.get(("ours", dtype, m, kappa)), bench))
            if with_ref:
                line += [_value(by_key.get(("reference", dtype, m, kappa)), bench),
                         _ratio(ratio_of.get((dtype, m, kappa)))]
        body.append(line)
    return f"## {UNITS[bench][0]}\n\n" + _table(header, body)


def train_table(rows: list[dict]) -> str:
    header = ["model", "d", "batch", "framework steps/s", "with vaezoo's callbacks", "bare steps/s",
              "overhead (bare / framework)", "overhead with vaezoo's callbacks", "added per step (us)"]
    body = [[r["model"], str(r["d"]), str(r["batch"]), f"{r['framework_steps_per_s']:.1f}",
             f"{r['vaezoo_steps_per_s']:.1f}" if "vaezoo_steps_per_s" in r else "-",
             f"{r['bare_steps_per_s']:.1f}", f"{r['overhead']:.2f}",
             f"{r['vaezoo_overhead']:.2f}" if "vaezoo_overhead" in r else "-",
             f"{r['overhead_us']:.0f} / {r['vaezoo_overhead_us']:.0f}" if "overhead_us" in r else "-"] for r in rows]
    worst = max(r["overhead"] for r in rows)
    return ("## One training step: Lightning Trainer vs bare PyTorch loop (median of "
            f"{len(rows[0]['framework_runs'])} runs, {rows[0]['steps']} steps, first "
            f"{rows[0]['warmup']} dropped)\n\n" + _table(header, body)
            + f"\n\nLargest overhead {worst:.2f}; target <= {STEP_TARGET:.2f}: "
            + ("met." if worst <= STEP_TARGET else "NOT met."))


def families_table(result: dict) -> str:
    """Throughput and the share of time waiting for data per family, and the DDP comparison."""
    header = ["family", "data", "steps/s", "examples/s", "tokens/s", "median step (ms)", "loading a batch (ms)",
              "loading share", "time between batches"]
    body = []
    for r in result["families"]:
        if "error" in r:
            body.append([r["family"], r["data"], "failed: " + " ".join(r["error"]), "", "", "", "", "", ""])
            continue
        body.append([r["family"], r["data"], f"{r['steps_per_s']:.1f}", f"{r['examples_per_s']:,.0f}",
                     f"{r['tokens_per_s']:,.0f}" if r["tokens_per_s"] else "", f"{r['median_step_ms']:.1f}",
                     f"{r['loading_ms']:.2f}", f"{100 * r['loading_share']:.1f}%",
                     f"{100 * r['between_batches_share']:.1f}%"])
    worst = max((r["loading_share"] for r in result["families"] if "error" not in r), default=float("nan"))
    met = "met" if worst < DATA_WAIT_TARGET else "NOT met"
    lines = [f"## Every family through `python -m vaezoo` ({body and result['families'][0].get('batches')} timed "
             "training batches each, after a warm-up; a batch's loading timed alone from the run's loader, and "
             "the time between batches, which also holds Lightning's hooks)", "",
             _table(header, body), "",
             f"Largest share of a step spent waiting for data: {100 * worst:.1f}%; target < "
             f"{100 * DATA_WAIT_TARGET:.0f}%: {met}."]
    ddp = result["ddp"]
    if "speedup" in ddp:
        one, two = ddp["one_process"], ddp["two_processes"]
        lines += ["", f"DDP on the CPU (gloo), {ddp['family']}, global batch {ddp['global_batch']}: one process "
                  f"{one['steps_per_s']:.1f} steps/s, two processes of batch {ddp['global_batch'] // 2} "
                  f"{two['steps_per_s']:.1f} steps/s: speed-up x{ddp['speedup']:.2f} on 2 cores, efficiency "
                  f"{ddp['efficiency']:.2f} (1.00: no DDP overhead)."]
    return "\n".join(lines)


DATA_WAIT_TARGET = 0.10   # loading under 10% of a training step, every family
STEP_TARGET = 1.10        # the Lightning training step within 1.10x of a bare loop at batch 64
TEXT_TARGET = 1.2  # the NVRNN in Lightning within 1.2x of a bare loop of the same model


def text_table(rows: list[dict]) -> str:
    r = rows[0]
    met = "met" if r["framework_overhead"] <= TEXT_TARGET else "NOT met"
    body = [["NVRNN, Lightning Trainer", f"{r['nvrnn_lightning_tokens_per_s']:,.0f}", "1.00"],
            ["NVRNN, bare PyTorch loop", f"{r['nvrnn_bare_tokens_per_s']:,.0f}", f"{r['framework_overhead']:.2f}"],
            ["LSTM language model (no encoder), bare loop", f"{r['lstm_lm_bare_tokens_per_s']:,.0f}",
             f"{r['vs_lstm_lm']:.2f}"],
            ["NVRNN evaluation (no grad)", f"{r['nvrnn_eval_tokens_per_s']:,.0f}", ""],
            ["LSTM language model evaluation (no grad)", f"{r['lstm_lm_eval_tokens_per_s']:,.0f}", ""]]
    return (f"## NVRNN tokens/s (vocabulary {r['vocab']:,}, embedding {r['embedding']}, LSTM {r['hidden']}, "
            f"z {r['latent']}, batch {r['batch']}; median of {len(r['runs']['nvrnn_bare'])} runs of {r['steps']} "
            f"steps)\n\nFramework overhead (bare / Lightning) {r['framework_overhead']:.2f}; target "
            f"<= {TEXT_TARGET:g}: {met}.\n\n"
            + _table(["loop", "training tokens/s", "speed relative to Lightning NVRNN"], body))


def summary_lines(result: dict) -> list[str]:
    """Median ratios and flagged cells, or a note that no reference was timed."""
    if result["reference"] is None:
        return ["No reference timed (set SVAE_REF to an s-vae-pytorch checkout to compare)."]
    lines = []
    for bench, by_dtype in result["median_ratios"].items():
        for dtype, s in sorted(by_dtype.items()):
            if s["median_ratio"] is None:
                lines.append(f"- {bench} {dtype}: no cell where the reference worked")
                continue
            met = "met" if s["median_speedup"] >= s["target_speedup"] else "NOT met"
            lines.append(f"- {bench} {dtype}: median speed-up over the reference {s['median_speedup']:.2f}x "
                         f"(time ratio ours/reference {s['median_ratio']:.2f}) over the {s['cells_ok']} of "
                         f"{s['cells']} cells where the reference worked; target {s['target_speedup']:g}x: {met}")
    targets = ", ".join(f"{v:g}x ({k})" for k, v in TARGET_SPEEDUPS.items())
    slow = result["flagged"]
    lines.append(f"- cells below the target speed-up of {targets}: "
                 + ("none" if not slow else ", ".join(
                     f"{c['bench']} {c['dtype']} m={c['m']} kappa={c['kappa']:g} ({1 / c['ratio']:.2f}x)"
                     for c in slow)))
    return lines


def summary_markdown(result: dict) -> str:
    machine, ref = result["machine"], result["reference"]
    head = [f"# vaezoo benchmarks: {result['name']} ({result['mode']} grid)", "",
            f"- date: {machine['date']}, duration: {result['duration_s']:.0f} s",
            f"- cpu: {machine['cpu_model']} ({machine['logical_cpus']} logical), "
            f"torch threads: {machine['torch_threads']}, torch {machine['torch']}, "
            f"lightning {machine['lightning']}",
            f"- timing: median of {result['settings']['repeats']} interleaved repeats after warm-up",
            f"- vaezoo commit: {machine['vaezoo_commit']}"]
    if ref is not None:
        head.append(f"- reference: {ref['path']} (commit {ref['commit'] or 'unknown: not a git checkout'}); "
                    f"compatibility shims: {', '.join(ref['shims']) or 'none needed'}")
    sections = [vmf_table(b, result["vmf"], result["comparisons"]) for b in UNITS]
    sections.append(train_table(result["train_step"]))
    if result.get("text"):
        sections.append(text_table(result["text"]))
    if result.get("families"):
        sections.append(families_table(result["families"]))
    if result["profiles"]:
        sections.append(f"Profiles of the flagged cells: `{result['profiles']}`.")
    return "\n\n".join(["\n".join(head), "## Summary\n\n" + "\n".join(summary_lines(result)),
                        *sections]) + "\n"
