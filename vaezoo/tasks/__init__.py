"""What a run does, chosen by the top-level ``task`` key: train a model, measure something that
needs no training (the sampler's cost), or read a trained model (k-NN on its latents, probes of
its sentence codes).

Every task starts the same way: smoke settings, validation before anything is read, and the
composed config written to the run directory."""

from __future__ import annotations

from pathlib import Path

from lightning.fabric.utilities.rank_zero import rank_zero_only
from omegaconf import DictConfig, OmegaConf

from vaezoo.config import apply_smoke
from vaezoo.validation import validate


def run_task(cfg: DictConfig, output_dir: Path, overrides: list[str] | tuple[str, ...] = ()) -> dict:
    """Run ``cfg.task`` and return its results record (also written to results.json).

    Raises ConfigError / DataFileError before any training when the config or the data is bad.
    """
    apply_smoke(cfg)
    validate(cfg)
    if rank_zero_only.rank == 0:  # under DDP every rank runs this; one writes
        output_dir.mkdir(parents=True, exist_ok=True)
        (output_dir / "config.yaml").write_text(OmegaConf.to_yaml(cfg))
    if cfg.task == "sampler_cost":
        from vaezoo.tasks.sampler_cost import run
    elif cfg.task == "latent_knn":
        from vaezoo.tasks.latent_knn import run
    elif cfg.task == "evaluate":
        from vaezoo.tasks.evaluate import run
    elif cfg.task == "bow_probe":
        from vaezoo.tasks.bow_probe import run
    elif cfg.task == "swap_probe":
        from vaezoo.tasks.swap_probe import run
    else:
        from vaezoo.train import run
    return run(cfg, output_dir, overrides)
