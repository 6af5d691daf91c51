"""The trained run behind a ``ckpt_path``: its checkpoint, its composed config and its scale, for
tasks that read a finished model instead of training one."""

from __future__ import annotations

import json
from pathlib import Path

import lightning.pytorch as pl
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from vaezoo.errors import ConfigError
from vaezoo.results import override_keys, run_scale, worst_scale
from vaezoo.safe_checkpoint import check_fits, read_checkpoint
from vaezoo.tasks.train import build_model, data_sizes


def task_name(cfg: DictConfig) -> str:
    """The task's short name (its module in vaezoo.tasks), for messages."""
    return cfg.task._target_.rsplit(".", 2)[-2]


def source_run(cfg: DictConfig, overrides: list[str] | tuple[str, ...] = ()) -> tuple[Path, DictConfig]:
    """The checkpoint ``cfg.ckpt_path`` and the config.yaml of the run that wrote it; a
    ``data_root`` given on the command line replaces the run's (the data moved since)."""
    if cfg.ckpt_path is None:
        raise ConfigError(f"task={task_name(cfg)} needs ckpt_path=<run dir>/checkpoints/best.ckpt of a trained model")
    checkpoint = Path(cfg.ckpt_path).expanduser()
    config = checkpoint.parent.parent / "config.yaml"
    missing = checkpoint if not checkpoint.is_file() else config
    if not missing.is_file():
        raise ConfigError(f"ckpt_path={cfg.ckpt_path}: expected a checkpoint inside <run dir>/checkpoints/ with the "
                          f"run's config.yaml in <run dir>; missing {missing}")
    source = OmegaConf.load(config)
    missing_groups = [group for group in ("objective", "optimizer", "eval") if group not in source]
    if missing_groups:
        raise ConfigError(f"ckpt_path={cfg.ckpt_path}: {config} has no {missing_groups}: it was written before the "
                          "objective, optimizer and eval groups existed; train the run again with this version")
    if "data_root" in override_keys(overrides) and source.data.get("root") is not None:
        source.data.root = cfg.data_root
    return checkpoint, source


def load_trained(checkpoint: Path, source: DictConfig) -> tuple[pl.LightningModule, pl.LightningDataModule, dict]:
    """The trained model of a run (in eval mode), its DataModule set up with the vocabulary the
    model was trained with, and the checkpoint (read as weights only, refused if another model wrote it)."""
    datamodule = instantiate(source.data)
    datamodule.prepare_data()
    model = build_model(source, data_sizes(datamodule))
    state = read_checkpoint(checkpoint)
    check_fits(state, model, checkpoint)
    model.load_state_dict(state["state_dict"])
    if type(datamodule).__name__ in state:  # e.g. the vocabulary the model was trained with
        datamodule.load_state_dict(state[type(datamodule).__name__])
    datamodule.setup()
    return model.eval(), datamodule, state


def _source_results(checkpoint: Path) -> dict:
    results = checkpoint.parent.parent / "results.json"
    return json.loads(results.read_text()) if results.is_file() else {}


def source_scale(checkpoint: Path) -> str:
    """The trained run's scale (its results.json); "reduced" while it is unfinished."""
    return _source_results(checkpoint).get("scale", "reduced")


def trained_run_scale(cfg: DictConfig, checkpoint: Path, overrides: list[str] | tuple[str, ...] = ()) -> str:
    """The scale of a task that measures a trained model: the lesser of the trained run's and the
    task's own under its overrides."""
    return worst_scale(source_scale(checkpoint), run_scale(cfg, overrides, False))


def source_epochs(checkpoint: Path) -> int | None:
    """Epochs the trained model's run trained for (its results.json), None while it is unfinished."""
    return _source_results(checkpoint).get("epochs")
