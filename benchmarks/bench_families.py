"""Training throughput of every model family through the real command line, and how much of a step
is spent waiting for data; then the MNIST S-VAE on two DDP processes (gloo, CPU) against one.

Each family is one ``python -m vaezoo`` run of its experiment, on ``$VAEZOO_DATA`` when it holds the
dataset (else the test fixtures, said in the row), for a fixed number of training batches with
evaluation cut to one batch. ``StepTimer`` (added as ``+callbacks.step_timer``) stamps the start and
the end of every training batch. Between one batch's end and the next one's start Lightning fetches
the next batch and runs the hooks of a batch's end and start: an upper bound of the data's share.
The loading itself is timed apart when training ends: as many batches drawn from the run's own
training loader alone.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

import lightning.pytorch as pl
import torch
from lightning.pytorch.utilities.combined_loader import CombinedLoader

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"


class StepTimer(pl.Callback):
    """Per training batch: seconds waiting for it, seconds of its step, its examples and tokens;
    written as JSON to ``path`` when training ends (rank 0)."""

    def __init__(self, path: str, warmup: int = 5) -> None:
        self.path, self.warmup = path, warmup
        self.rows: list[tuple[float, float, int, int]] = []
        self._end: float | None = None
        self._start = 0.0

    def on_train_batch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule, batch, batch_idx: int) -> None:
        self._start = perf_counter()

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs, batch,
                           batch_idx: int) -> None:
        now = perf_counter()
        wait = self._start - self._end if self._end is not None else float("nan")
        self.rows.append((wait, now - self._start, pl_module.batch_size(batch), tokens(batch)))
        self._end = now

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._end = None   # the next epoch's first wait includes validation: not counted
    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.is_global_zero:
            Path(self.path).write_text(json.dumps({"warmup": self.warmup, "rows": self.rows,
                                                   "world_size": trainer.world_size,
                                                   "loading_s": loading_seconds(trainer, len(self.rows))}))


def loading_seconds(trainer: pl.Trainer, batches: int) -> list[float]:
    """Seconds to draw each of up to ``batches`` batches from the run's training loader alone (after
    one untimed batch when there are more), with the datamodule's after-transfer step (MNIST's
    binarisation) included."""
    loaders = trainer.train_dataloader   # the loaders a CombinedLoader combines, as a dict
    source = CombinedLoader(loaders, mode="max_size_cycle") if isinstance(loaders, (dict, list)) else loaders
    iterator, times = iter(source), []
    if len(source) > 1:
        next(iterator)
    for _ in range(batches):
        start = perf_counter()
        try:
            batch = next(iterator)
        except StopIteration:
            break
        if isinstance(source, CombinedLoader):   # it yields (batch, index, loader index)
            batch = batch[0]
        trainer.datamodule.on_after_batch_transfer(batch, 0)
        times.append(perf_counter() - start)
    return times


def tokens(batch) -> int:
    """Target tokens of a text batch (words and <eos>), 0 for other data."""
    target = getattr(batch, "target", batch)
    lengths = getattr(target, "lengths", None)
    return int((lengths - 1).sum()) if isinstance(lengths, torch.Tensor) else 0


@dataclass(frozen=True)
class Family:
    """One family's run: its experiment overrides and the dataset directory it needs under the data root."""

    name: str
    overrides: tuple[str, ...]
    dataset: str
    epochs: int = 1   # a full-graph model trains one batch per epoch


FAMILIES = (
    Family("image: S-VAE, MNIST", ("data=mnist", "latent=vmf"), "mnist"),
    Family("image: VampPrior, MNIST", ("+experiment=vampprior/table1",), "mnist"),
    Family("image: VampPrior, Frey", ("+experiment=vampprior/frey",), "frey"),
    Family("semi-supervised: M1+M2, MNIST", ("+experiment=davidson2018/table3",), "mnist"),
    Family("graph: S-VAE, Cora", ("+experiment=davidson2018/table4",), "planetoid", epochs=40),
    Family("text: NVRNN, PTB", ("+experiment=xu2018/table3",), "ptb"),
    Family("text: VAE-MINE, PTB", ("+experiment=qian/table2", "experiment/qian/row=vae_mine"), "ptb"),
    Family("bag of words: NVDM, 20NG", ("+experiment=xu2018/table4",), "20ng"),
    Family("sentence pairs: WAE, DailyDialog", ("+experiment=bahuleyan2019/table2",), "dailydialog"),
)
DDP_FAMILY = FAMILIES[0]


@dataclass(frozen=True)
class FamilySetting:
    batches: int
    warmup: int


FAMILIES_FULL = FamilySetting(batches=50, warmup=5)
FAMILIES_QUICK = FamilySetting(batches=20, warmup=5)


def data_root(dataset: str) -> tuple[str, str]:
    """(root, "real" or "fixture") for ``dataset``."""
    root = os.environ.get("VAEZOO_DATA")
    if root and (Path(root) / dataset).is_dir():
        return root, "real"
    return str(FIXTURES), "fixture"


def timed_run(family: Family, setting: FamilySetting, extra: tuple[str, ...] = ()) -> dict:
    """One CLI run of ``family``; its StepTimer rows summarised."""
    root, kind = data_root(family.dataset)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "timer.json"
        command = [sys.executable, "-m", "vaezoo", *family.overrides, f"data_root={root}", "data.download=false",
                   f"hydra.run.dir={tmp}/run", "logger=csv", "callbacks.progress=null", "callbacks.early_stopping=null",
                   f"trainer.max_epochs={family.epochs}", f"++trainer.limit_train_batches={setting.batches}",
                   "++trainer.limit_val_batches=1", "++trainer.limit_test_batches=1",
                   "++trainer.num_sanity_val_steps=0",
                   "eval.is_samples=0", "eval.val_is_samples=0",
                   f"+callbacks.step_timer._target_={StepTimer.__module__}.{StepTimer.__qualname__}",
                   f"+callbacks.step_timer.path={out}", f"+callbacks.step_timer.warmup={setting.warmup}", *extra]
        env = {**os.environ, "WANDB_MODE": "offline", "PYTHONPATH": str(REPO),
               "OMP_NUM_THREADS": str(torch.get_num_threads())}
        done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=1800)
        if done.returncode != 0 or not out.is_file():
            return {"family": family.name, "data": kind, "error": done.stderr.strip().splitlines()[-1:]}
        timer = json.loads(out.read_text())
    rows = timer["rows"][timer["warmup"]:]
    if not rows:
        return {"family": family.name, "data": kind, "error": [f"{len(timer['rows'])} batches, none after the warm-up"]}
    waits, steps = [r[0] for r in rows if not math.isnan(r[0])], [r[1] for r in rows]
    total = sum(waits) + sum(steps)
    loading = statistics.median(timer["loading_s"]) if timer["loading_s"] else float("nan")
    processes = timer["world_size"]   # rank 0's batches are one of as many of the same size
    return {"family": family.name, "data": kind, "batches": len(rows), "processes": processes,
            "steps_per_s": len(rows) / total, "examples_per_s": processes * sum(r[2] for r in rows) / total,
            "tokens_per_s": processes * sum(r[3] for r in rows) / total if rows[0][3] else None,
            "between_batches_share": sum(waits) / total, "median_step_ms": 1000 * statistics.median(steps),
            "loading_ms": 1000 * loading, "loading_share": loading / (total / len(rows))}


def run(setting: FamilySetting, log=print) -> dict:
    """Every family, then the DDP comparison (global batch 64 on one process and on two)."""
    rows = []
    for family in FAMILIES:
        row = timed_run(family, setting)
        rows.append(row)
        if "error" in row:
            log(f"  {family.name}: failed: {row['error']}")
            continue
        text = f", {row['tokens_per_s']:,.0f} tokens/s" if row["tokens_per_s"] else ""
        log(f"  {family.name} ({row['data']} data): {row['steps_per_s']:.1f} steps/s, "
            f"{row['examples_per_s']:,.0f} examples/s{text}, loading {100 * row['loading_share']:.1f}% of a step "
            f"(between batches {100 * row['between_batches_share']:.1f}%)")
    one = timed_run(DDP_FAMILY, setting, ("data.batch_size=64",))
    two = timed_run(DDP_FAMILY, setting, ("data.batch_size=32", "trainer=ddp", "trainer.accelerator=cpu",
                                          "trainer.devices=2"))
    ddp = {"family": DDP_FAMILY.name, "global_batch": 64, "one_process": one, "two_processes": two}
    if "error" not in one and "error" not in two:
        # Two processes on two cores: a perfect split would double the global batches per second.
        ddp["speedup"] = two["steps_per_s"] / one["steps_per_s"]
        ddp["efficiency"] = ddp["speedup"] / 2
        log(f"  DDP, {DDP_FAMILY.name}, global batch 64: 1 process {one['steps_per_s']:.1f} steps/s, 2 processes "
            f"{two['steps_per_s']:.1f} steps/s: speed-up x{ddp['speedup']:.2f}, efficiency {ddp['efficiency']:.2f}")
    return {"families": rows, "ddp": ddp}
