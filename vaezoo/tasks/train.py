"""The train task: build everything with hydra.utils.instantiate, fit, test, record results.json."""

from __future__ import annotations

import errno
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import lightning.pytorch as pl
import torch
from hydra.utils import instantiate
from lightning.fabric.utilities.rank_zero import rank_zero_only
from lightning.pytorch.callbacks import EarlyStopping, Timer
from lightning.pytorch.callbacks.early_stopping import EarlyStoppingReason
from lightning.pytorch.loggers import CSVLogger
from lightning.pytorch.plugins.environments import SLURMEnvironment
from omegaconf import DictConfig, OmegaConf

from vaezoo.callbacks.non_finite import NonFiniteError
from vaezoo.errors import ConfigError, VaezooError
from vaezoo.outputs import keep_earlier_metrics
from vaezoo.results import RunRecorder, run_scale
from vaezoo.safe_checkpoint import check_fits, read_checkpoint

log = logging.getLogger(__name__)


def data_sizes(datamodule: pl.LightningDataModule) -> dict[str, int]:
    """Sizes known only once the data is read (a corpus's vocabulary), for the encoder and decoder."""
    return datamodule.model_kwargs() if hasattr(datamodule, "model_kwargs") else {}


def stop_reason(trainer: pl.Trainer) -> str:
    """What ended training: "early_stopping", "budget" (max_epochs or max_steps reached),
    "time_limit" (``trainer.max_time``: Lightning's Timer, which checks the clock between
    batches, so it counts only when neither of the others ended training) or "interrupted"."""
    if any(isinstance(c, EarlyStopping) and c.stopping_reason != EarlyStoppingReason.NOT_STOPPED
           for c in trainer.callbacks):
        return "early_stopping"
    max_epochs, max_steps = trainer.max_epochs, trainer.max_steps
    if (max_epochs is not None and 0 <= max_epochs <= trainer.current_epoch) or 0 <= max_steps <= trainer.global_step:
        return "budget"
    remaining = [c.time_remaining() for c in trainer.callbacks if isinstance(c, Timer)]
    if any(seconds is not None and seconds <= 0 for seconds in remaining):
        return "time_limit"
    return "interrupted"


def build_model(cfg: DictConfig, sizes: dict[str, int] | None = None) -> pl.LightningModule:
    """The LightningModule of ``cfg.model`` with its parts (encoder, latent head, decoder, prior),
    its ``objective`` and ``optimizer`` groups and the ``eval`` group's estimators; ``sizes``
    (see ``data_sizes``) go to the encoder and the decoder."""
    sizes = sizes or {}
    parts = {"objective": instantiate(cfg.objective), "optimizers": instantiate(cfg.optimizer)}
    if "encoder" in cfg.model:  # the RNN language model baseline has no code
        encoder = instantiate(cfg.model.encoder, **sizes)
        parts |= {"encoder": encoder, "latent": instantiate(cfg.latent)(in_features=encoder.out_features)}
        if "prior" not in cfg.model:  # M1+M2 configures its own top prior p(z2)
            parts["prior"] = instantiate(cfg.prior)
    if "decoder" in cfg.model:  # the graph VAE's inner-product decoder has no configuration
        parts["decoder"] = instantiate(cfg.model.decoder, **sizes)
    model = instantiate(cfg.model, **parts)
    model.configure_evaluation(instantiate(cfg.eval))
    return model


def build_trainer(cfg: DictConfig, output_dir: Path, datamodule: pl.LightningDataModule | None = None,
                  model: pl.LightningModule | None = None) -> pl.Trainer:
    """The Trainer of ``cfg.trainer`` with the run's callbacks and loggers.

    Lightning injects no distributed sampler: vaezoo's training samplers split the data across DDP
    ranks themselves (``vaezoo.data.order``; Lightning's would restart a resumed epoch and pads
    evaluation with repeated examples), and share out the evaluation batches unpadded
    (``EvaluationShard``), so that a metric reduced over ranks counts each example once. A model
    that optimises manually updates parts of itself per backward (a critic, an inner loop), so DDP
    must expect parameters without gradients."""
    callbacks = [instantiate(c) for c in cfg.callbacks.values() if c is not None]
    if cfg.trainer.get("enable_progress_bar") is False or not sys.stderr.isatty():
        # A bar redraws a terminal line; in a log file it is noise (ProgressLog writes lines there).
        callbacks = [c for c in callbacks if not isinstance(c, pl.callbacks.ProgressBar)]
        progress_off = {"enable_progress_bar": False}
    else:
        progress_off = {}
    for callback in callbacks:
        if isinstance(callback, pl.callbacks.ModelCheckpoint):
            callback.dirpath = str(output_dir / "checkpoints")
    loggers = [instantiate(lg, save_dir=str(output_dir)) for lg in cfg.logger.values()]
    accelerator = cfg.trainer.get("accelerator", "auto")
    if accelerator == "auto" and not torch.cuda.is_available() and torch.backends.mps.is_available():
        # The vMF normaliser, entropy and KL are computed in float64, which MPS does not have.
        log.warning("trainer.accelerator=auto: using the CPU, not MPS (no float64 on MPS)")
        accelerator = "cpu"
    extra = {"use_distributed_sampler": False}
    if SLURMEnvironment.detect() and not cfg.trainer.get("plugins"):
        # Requeueing belongs to the launcher (hydra/launcher=slurm: submitit) or the job script:
        # Lightning's would requeue a second time, saving from a signal handler mid-step.
        extra["plugins"] = [SLURMEnvironment(auto_requeue=False)]
    if model is not None and not model.automatic_optimization and cfg.trainer.get("strategy") == "ddp":
        extra["strategy"] = "ddp_find_unused_parameters_true"
    for logger in loggers:   # the composed config, where a logger keeps one (W&B); config.yaml has it already
        if not isinstance(logger, CSVLogger):
            logger.log_hyperparams(OmegaConf.to_container(cfg, resolve=True))
    return instantiate(cfg.trainer, accelerator=accelerator, callbacks=callbacks, logger=loggers,
                       default_root_dir=str(output_dir), **extra, **progress_off)


def checkpoint_to_resume(ckpt_path: str | None, output_dir: Path) -> str | None:
    """``ckpt_path`` as given; ``ckpt_path=last``: the run folder's own last checkpoint, if it has one.
    A job SLURM has requeued (``SLURM_RESTART_COUNT`` > 0: submitit after a time-out or a
    preemption, or ``#SBATCH --requeue``) takes ``last`` by itself: it continues where it stopped."""
    if ckpt_path is None and int(os.environ.get("SLURM_RESTART_COUNT", "0") or 0) > 0:
        ckpt_path = "last"
    if ckpt_path != "last":
        return ckpt_path
    last = output_dir / "checkpoints" / "last.ckpt"
    if last.is_file():
        log.info("ckpt_path=last: resuming from %s", last)
        return str(last)
    log.info("ckpt_path=last: no checkpoint in %s yet; training from the start", last.parent)
    return None


def resume_directory(ckpt_path: str | None) -> Path | None:
    """The run directory of a checkpoint written by a vaezoo run (<run>/checkpoints/x.ckpt).

    A resumed run continues there rather than in a new directory: Lightning restores the best
    checkpoint's score only when the checkpoint folder is unchanged, and the curves of the earlier
    epochs stay in the same metrics.csv.
    """
    if ckpt_path is None:
        return None
    run_dir = Path(ckpt_path).expanduser().resolve().parent.parent
    if Path(ckpt_path).expanduser().resolve().parent.name == "checkpoints" and (run_dir / "config.yaml").is_file():
        log.info("resuming in %s", run_dir)
        return run_dir
    return None


class DataLoaderCrash(VaezooError):
    """A DataLoader worker process died (killed for memory, or a crash in a dataset)."""


class DiskFull(VaezooError):
    """The disk filled while the run wrote a checkpoint or its curves."""


class RunInterrupted(VaezooError):
    """A signal stopped the run; its results.json says ``stopped_by: interrupted``."""


def _resume_point(trainer: pl.Trainer, phase: str, best: str) -> tuple[str | None, str]:
    """The checkpoint to go on from after a stop, and what to do with it: during training the last
    one (resume), after it the selected one (evaluate; Lightning's restore of that checkpoint
    resets the callback's record of the last)."""
    if phase == "training":
        last = trainer.checkpoint_callback.last_model_path if trainer.checkpoint_callback else ""
        return (last, f"resume with ckpt_path={last}") if last else (None, "rerun: no checkpoint had been saved")
    return (best, f"measure it with task=evaluate ckpt_path={best}") if best else (None, "rerun")


def _record_stop(recorder: RunRecorder, trainer: pl.Trainer, scale: str, stopped_by: str, checkpoint: str | None,
                 failure: str) -> None:
    """results.json of a run that ended without a tested model: why, and its last good checkpoint."""
    if trainer.is_global_zero:
        recorder.write(scale, {}, {}, epochs=trainer.current_epoch, stopped_by=stopped_by, checkpoint=checkpoint,
                       failure=failure)


@contextmanager
def subnormals_flushed(enabled: bool) -> Iterator[None]:
    """Within: subnormal floats count as zero on the CPU (``torch.set_flush_denormal``), then the
    process's own setting again (a run inside a notebook or a test leaves it as it found it).
    Arithmetic on subnormals is 10-100x slower on x86 CPUs, and mixtures make many: the
    responsibilities of a VampPrior's unused components underflow (Frey faces trained 20x slower
    per step). Flushed, they change nothing above 1.2e-38; GPUs are not affected."""
    was_flushed = bool((torch.tensor([1e-39], dtype=torch.float32) * 1.0 == 0).item())
    torch.set_flush_denormal(enabled)
    try:
        yield
    finally:
        torch.set_flush_denormal(was_flushed)


def run(cfg: DictConfig, output_dir: Path, overrides: list[str] | tuple[str, ...] = ()) -> dict:
    """Train and test a validated config (see ``vaezoo.tasks.run_task``); write results.json.

    Raises DataFileError before training when a data file is missing or unreadable.
    """
    with subnormals_flushed(bool(cfg.get("flush_denormal", True))):
        return _train_and_test(cfg, output_dir, overrides)


def _train_and_test(cfg: DictConfig, output_dir: Path, overrides: list[str] | tuple[str, ...]) -> dict:
    ckpt_path = checkpoint_to_resume(cfg.ckpt_path, output_dir)
    output_dir = resume_directory(ckpt_path) or output_dir
    recorder = RunRecorder(cfg, output_dir)
    pl.seed_everything(cfg.seed, workers=True)
    datamodule = instantiate(cfg.data)
    datamodule.prepare_data()
    try:
        model = build_model(cfg, data_sizes(datamodule))
    except (TypeError, ValueError) as err:  # a part's own check of a value the config gave it
        raise ConfigError(f"the model could not be built from this config: {err}") from None
    if ckpt_path is not None:  # refused here, before any file of the run it resumes is touched
        check_fits(read_checkpoint(ckpt_path), model, ckpt_path)
    with keep_earlier_metrics(output_dir) if rank_zero_only.rank == 0 else nullcontext():
        trainer = build_trainer(cfg, output_dir, datamodule, model)
        phase, best = "training", ""
        try:
            trainer.fit(model, datamodule=datamodule, ckpt_path=ckpt_path, weights_only=True)
            stopped_by = stop_reason(trainer)
            best = trainer.checkpoint_callback.best_model_path if trainer.checkpoint_callback else ""
            # The selected model's validation numbers too: some tables report the dev split (Xu & Durrett,
            # Table 1). They go to results.json only: metrics.csv keeps one row per trained epoch.
            phase = "the evaluation of the selected checkpoint"
            loggers, trainer.loggers = trainer.loggers, []
            validated = trainer.validate(model, datamodule=datamodule, ckpt_path=best or None, weights_only=True)
            trainer.loggers = loggers
            trainer.test(model, datamodule=datamodule, ckpt_path=best or None, weights_only=True)
        except NonFiniteError as error:
            _record_stop(recorder, trainer, run_scale(cfg, list(overrides), datamodule.is_proxy, False),
                         "non_finite", error.checkpoint, str(error))
            raise
        except RuntimeError as error:
            if "DataLoader worker" not in str(error):
                raise
            raise DataLoaderCrash(f"a data-loading worker died during {phase} (step {trainer.global_step}): "
                                  f"{str(error).splitlines()[0]} Often memory: lower data.num_workers (0 loads in "
                                  f"the main process) or data.batch_size, then {_resume_point(trainer, phase, best)[1]}"
                                  ) from None
        except OSError as error:
            if error.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            # Lightning writes checkpoints through a temporary file (fsspec transaction) and
            # results.json is written the same way: a write cut short leaves the earlier file whole.
            raise DiskFull(f"no space left on the device while writing {error.filename or 'the run'} during {phase} "
                           f"(step {trainer.global_step}); the files written before are intact; free space and "
                           f"{_resume_point(trainer, phase, best)[1]}") from None
        except (KeyboardInterrupt, SystemExit):  # Lightning exits on Ctrl-C and raises SIGTERMException (SystemExit)
            if not trainer.interrupted:
                raise
            checkpoint, advice = _resume_point(trainer, phase, best)
            message = (f"interrupted (Ctrl-C or SIGTERM) during {phase}, at step {trainer.global_step} (epoch "
                       f"{trainer.current_epoch}); {advice}")
            _record_stop(recorder, trainer, run_scale(cfg, list(overrides), datamodule.is_proxy, False),
                         "interrupted", checkpoint, message)
            raise RunInterrupted(message) from None
    scale = run_scale(cfg, list(overrides), datamodule.is_proxy, stopped_by == "time_limit")
    metrics = {**{k: float(v) for k, v in validated[0].items() if k.startswith("val/")},
               **{k: float(v) for k, v in trainer.callback_metrics.items() if k.startswith("test/")}}
    extra = {"epochs": trainer.current_epoch, "stopped_by": stopped_by, "checkpoint": best or None}
    if not trainer.is_global_zero:
        return recorder.record(scale, metrics, model.estimators(), **extra)
    try:
        record = recorder.write(scale, metrics, model.estimators(), **extra)
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise DiskFull(f"no space left on the device for {recorder.path}; the checkpoints are intact: free space and "
                       f"measure the selected one with task=evaluate ckpt_path={best}") from None
    log.info("results: %s", record["metrics"])
    return record
