"""The evaluate task: test a trained checkpoint with the current code on its run's data, no training.

For re-evaluating a finished run after the test protocol changed, or with more importance
samples: ``eval.is_samples`` / ``eval.is_chunk`` given on the command line replace the run's.
results.json goes to this task's own run directory; the trained run's files stay untouched.

    python -m vaezoo task=evaluate ckpt_path=<run dir>/checkpoints/best.ckpt
"""

from __future__ import annotations

import time
from pathlib import Path

import lightning.pytorch as pl
from omegaconf import DictConfig, open_dict

from vaezoo.config import override_keys
from vaezoo.results import git_sha, write_results
from vaezoo.tasks.checkpoints import load_trained, source_epochs, source_run, source_scale


def run(cfg: DictConfig, output_dir: Path, overrides: list[str] | tuple[str, ...] = ()) -> dict:
    started, code_version = time.perf_counter(), git_sha()
    checkpoint, source = source_run(cfg, overrides)
    keys = override_keys(overrides)
    with open_dict(source):
        for key in ("is_samples", "is_chunk"):
            if f"eval.{key}" in keys and key in source.model:
                source.model[key] = cfg.eval[key]
    pl.seed_everything(cfg.seed, workers=True)
    model, datamodule, state = load_trained(checkpoint, source)
    trainer = pl.Trainer(accelerator=source.trainer.get("accelerator", "auto"), devices=1, logger=False,
                         enable_checkpointing=False, enable_progress_bar=False,
                         limit_test_batches=source.trainer.get("limit_test_batches"))
    trainer.test(model, datamodule=datamodule, verbose=False)
    record = {
        "experiment": source.name,
        "paper_rows": list(source.paper_rows),
        "scale": "smoke" if cfg.smoke else source_scale(checkpoint),
        "seed": source.seed,
        "git_sha": code_version,
        "wall_time_s": round(time.perf_counter() - started, 2),
        "epochs": source_epochs(checkpoint),
        "checkpoint": str(checkpoint),
        "checkpoint_epoch": state.get("epoch"),
        "metrics": {k: float(v) for k, v in trainer.callback_metrics.items() if k.startswith("test/")},
        "estimators": model.estimators(),
    }
    write_results(output_dir / "results.json", record)
    return record
