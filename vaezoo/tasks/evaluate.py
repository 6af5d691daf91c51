"""The evaluate task: test a trained checkpoint with the current code on its run's data, no training.

For re-evaluating a finished run after the test protocol changed, or with more importance
samples: the evaluators read the trained run's ``eval`` settings with any ``eval.*`` given on the
command line in their place; the run's config is not edited. results.json goes to this task's
own run directory; the trained run's files stay untouched.

    python -m vaezoo task=evaluate ckpt_path=<run dir>/checkpoints/best.ckpt
"""

from __future__ import annotations

from pathlib import Path

import lightning.pytorch as pl
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from vaezoo.callbacks.exact_resume import ExactResume
from vaezoo.results import RunRecorder, override_keys, run_scale, worst_scale
from vaezoo.tasks.checkpoints import load_trained, source_epochs, source_run, source_scale


def evaluation_overrides(overrides: list[str] | tuple[str, ...]) -> list[str]:
    return [o for o in overrides if o.lstrip("+~").startswith("eval.")]


def evaluation_settings(cfg: DictConfig, source: DictConfig, overrides: list[str] | tuple[str, ...]) -> DictConfig:
    """The trained run's ``eval`` group with the ``eval.*`` keys of this command in their place,
    and a debug mode's (``debug=smoke``) over both."""
    settings = OmegaConf.merge(cfg.eval, source.get("eval") or {})
    for key in override_keys(evaluation_overrides(overrides)):
        OmegaConf.update(settings, key.removeprefix("eval."), OmegaConf.select(cfg, key), force_add=True)
    return OmegaConf.merge(settings, cfg.debug.get("eval") or {})


def run(cfg: DictConfig, output_dir: Path, overrides: list[str] | tuple[str, ...] = ()) -> dict:
    checkpoint, source = source_run(cfg, overrides)
    recorder = RunRecorder(source, output_dir)  # the trained run's experiment, rows and seed
    pl.seed_everything(cfg.seed, workers=True)
    model, datamodule, state = load_trained(checkpoint, source)
    model.configure_evaluation(instantiate(evaluation_settings(cfg, source, overrides)))
    limit = cfg.trainer.limit_test_batches if cfg.smoke else source.trainer.get("limit_test_batches")
    # Test batches draw the trained run's streams (keyed by its seed): the same settings give its numbers.
    trainer = pl.Trainer(accelerator=source.trainer.get("accelerator", "auto"), devices=1, logger=False,
                         enable_checkpointing=False, enable_progress_bar=False, limit_test_batches=limit,
                         callbacks=[ExactResume(source.seed)])
    trainer.test(model, datamodule=datamodule, verbose=False)
    metrics = {k: float(v) for k, v in trainer.callback_metrics.items() if k.startswith("test/")}
    # The trained run's protocol, under this command's eval.* overrides.
    proxy = getattr(datamodule, "is_proxy", False)
    scale = worst_scale(source_scale(checkpoint), run_scale(source, evaluation_overrides(overrides), proxy),
                        "smoke" if cfg.smoke else "full")
    return recorder.write(scale, metrics, model.estimators(),
                          epochs=source_epochs(checkpoint), checkpoint=str(checkpoint),
                          checkpoint_epoch=state.get("epoch"))
