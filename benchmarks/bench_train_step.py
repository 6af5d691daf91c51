"""Steps/s of one S-VAE / N-VAE training step inside Lightning versus a bare PyTorch loop.

The framework runs twice: bare Lightning, and with the callbacks every vaezoo run adds (per-batch
seeds, the signal check, the non-finite guard, progress lines). Both run the same ImageVAE (MLP
784-256-128 encoder, 128-256-784 decoder, batch 64, fused Adam 1e-3) on random binary images from a
shuffled DataLoader; a step is timed from the end of the previous one, so data loading and every
hook in between count. The first ``warmup`` steps are dropped.
"""

from __future__ import annotations

import logging
import statistics
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter

import lightning.pytorch as pl
import torch
from torch.utils.data import DataLoader, TensorDataset

from benchmarks.common import bare_elbo_loss
from vaezoo.callbacks import CheckpointOnSignal, ExactResume, NonFiniteGuard, ProgressLog
from vaezoo.latent import GaussianHead, LatentHead, VMFHead
from vaezoo.models import ImageVAE
from vaezoo.models.optimization import adam
from vaezoo.nets import MLP
from vaezoo.priors import Prior, SphereUniform, StandardNormal

BATCH = 64
PIXELS = 784
LR = 1e-3


@dataclass(frozen=True)
class Setting:
    """Step counts of one measurement; the rate is the median over ``repeats`` runs."""

    steps: int
    warmup: int
    repeats: int


FULL = Setting(steps=300, warmup=30, repeats=5)
QUICK = Setting(steps=40, warmup=10, repeats=1)

# name -> (latent head, prior) for manifold dimension d: vMF lives on S^d in R^{d+1}.
MODELS: dict[str, Callable[[int, int], tuple[LatentHead, Prior]]] = {
    "S-VAE": lambda features, d: (VMFHead(features, d + 1), SphereUniform(d + 1)),
    "N-VAE": lambda features, d: (GaussianHead(features, d), StandardNormal(d)),
}


def build_model(name: str, d: int) -> ImageVAE:
    encoder = MLP(PIXELS, [256, 128])
    latent, prior = MODELS[name](encoder.out_features, d)
    decoder = MLP(latent.dim, [128, 256], out_features=PIXELS)
    return ImageVAE(encoder, latent, decoder, prior, optimizers=adam(LR))


def random_loader(steps: int, seed: int) -> DataLoader:
    """One epoch of ``steps`` shuffled batches of (binary x [BATCH, PIXELS], dummy label)."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 2, (steps * BATCH, PIXELS), generator=gen).float()
    y = torch.zeros(steps * BATCH, dtype=torch.long)
    return DataLoader(TensorDataset(x, y), batch_size=BATCH, shuffle=True, generator=gen)


def steady_rate(stamps: list[float], warmup: int) -> float:
    """Steps per second from the end of step ``warmup`` to the end of the last step."""
    if len(stamps) <= warmup + 1:
        raise ValueError(f"need more than {warmup + 1} steps, got {len(stamps)}")
    return (len(stamps) - 1 - warmup) / (stamps[-1] - stamps[warmup])


class _StepClock(pl.Callback):
    """Timestamps the end of every training batch (after the optimizer step)."""

    def __init__(self) -> None:
        self.stamps: list[float] = []

    def on_train_batch_end(self, *args: object) -> None:
        self.stamps.append(perf_counter())


def run_callbacks(seed: int) -> list[pl.Callback]:
    """The per-batch callbacks every vaezoo run adds (vaezoo/conf/config.yaml), checkpoints aside."""
    return [NonFiniteGuard(), ExactResume(seed), CheckpointOnSignal(), ProgressLog(every_s=30)]


def framework_rate(name: str, d: int, setting: Setting, seed: int, with_run_callbacks: bool = False) -> float:
    """Steps/s of ``trainer.fit`` with everything but the training loop switched off (and with
    ``with_run_callbacks``, vaezoo's own per-batch callbacks on)."""
    torch.manual_seed(seed)
    model, clock = build_model(name, d), _StepClock()
    extra = run_callbacks(seed) if with_run_callbacks else []
    trainer = pl.Trainer(
        max_steps=setting.steps, accelerator="cpu", devices=1, logger=False,
        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
        limit_val_batches=0, num_sanity_val_steps=0, callbacks=[clock, *extra],
    )
    trainer.fit(model, train_dataloaders=random_loader(setting.steps, seed))
    return steady_rate(clock.stamps, setting.warmup)


def bare_rate(name: str, d: int, setting: Setting, seed: int) -> float:
    """Steps/s of a hand-written loop: loss = -(log p(x|z) - KL).mean(), Adam."""
    torch.manual_seed(seed)
    model = build_model(name, d).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=LR, fused=True)   # as vaezoo.models.optimization.adam
    stamps = []
    for x, _ in random_loader(setting.steps, seed):
        loss = bare_elbo_loss(model, x)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        stamps.append(perf_counter())
    return steady_rate(stamps, setting.warmup)


def quiet_lightning() -> None:
    """Silence Lightning's start-up banner and the warnings this deliberate setup triggers."""
    logging.getLogger("lightning.pytorch").setLevel(logging.WARNING)
    for message in (".*does not have many workers.*", ".*but have no `val_dataloader`.*",
                    ".*isinstance\\(treespec, LeafSpec\\)` is deprecated.*"):
        warnings.filterwarnings("ignore", message=message)


def run(setting: Setting, d: int = 5, seed: int = 0,
        log: Callable[[str], None] = print) -> list[dict]:
    """Framework, framework with vaezoo's callbacks, and bare steps/s per model (runs alternated), and
    overhead = bare / framework for both."""
    quiet_lightning()
    rows = []
    for name in MODELS:
        framework, with_callbacks, bare = [], [], []
        for _ in range(setting.repeats):
            framework.append(framework_rate(name, d, setting, seed))
            with_callbacks.append(framework_rate(name, d, setting, seed, with_run_callbacks=True))
            bare.append(bare_rate(name, d, setting, seed))
        row = {"model": name, "d": d, "batch": BATCH, "steps": setting.steps,
               "warmup": setting.warmup, "framework_runs": framework, "vaezoo_runs": with_callbacks,
               "bare_runs": bare, "framework_steps_per_s": statistics.median(framework),
               "vaezoo_steps_per_s": statistics.median(with_callbacks),
               "bare_steps_per_s": statistics.median(bare)}
        row["overhead"] = row["bare_steps_per_s"] / row["framework_steps_per_s"]
        row["vaezoo_overhead"] = row["bare_steps_per_s"] / row["vaezoo_steps_per_s"]
        # the framework's fixed cost per step, which the ratio spreads over the model's own time
        row["overhead_us"] = 1e6 * (1 / row["framework_steps_per_s"] - 1 / row["bare_steps_per_s"])
        row["vaezoo_overhead_us"] = 1e6 * (1 / row["vaezoo_steps_per_s"] - 1 / row["bare_steps_per_s"])
        log(f"  {name} d={d}: framework {row['framework_steps_per_s']:.1f} steps/s, with vaezoo's callbacks "
            f"{row['vaezoo_steps_per_s']:.1f}, bare {row['bare_steps_per_s']:.1f} steps/s, overhead "
            f"x{row['overhead']:.2f} / x{row['vaezoo_overhead']:.2f}")
        rows.append(row)
    return rows
