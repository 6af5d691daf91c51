"""A run killed or stopped mid-epoch and resumed ends with the numbers of an uninterrupted run of the
same seed, to the last digit; a stop signal in the first epoch leaves a checkpoint to resume from.

The kills land at a chosen batch (tests.helpers.signal_at.SignalAt), as `python -m vaezoo` runs."""

import hashlib
import json
import os
import subprocess
import sys

import pytest
import torch

from tests.cli.conftest import FIXTURES, REPO

SIGNAL_AT = "+callbacks.signal_at._target_=tests.helpers.signal_at.SignalAt"
FAMILIES = {
    # the default job (N-VAE on the MNIST sample): a plain DataLoader, dynamic binarisation
    "mnist": ["trainer.max_epochs=3", "trainer.limit_train_batches=6", "eval.is_samples=10"],
    # NVRNN on the PTB fixture: length-bucketed batches
    "text": ["+experiment=xu2018/table3", f"data_root={FIXTURES}", "data.download=false", "trainer.max_epochs=3",
             "trainer.limit_train_batches=6", "trainer.limit_val_batches=2", "trainer.limit_test_batches=2",
             "callbacks.early_stopping=null", "model.encoder.hidden_size=32", "model.decoder.hidden_size=32"],
    # gradients of 4 batches per optimiser step: a stop between two steps keeps the pending ones
    "accumulate": ["trainer.max_epochs=3", "trainer.limit_train_batches=6", "eval.is_samples=10",
                   "trainer.accumulate_grad_batches=4"],
    # two DDP processes (gloo), each with pending gradients of its own between two optimiser steps
    "ddp_accumulate": ["trainer=ddp", "trainer.accelerator=cpu", "trainer.devices=2", "trainer.max_epochs=3",
                       "trainer.limit_train_batches=6", "eval.is_samples=10", "trainer.accumulate_grad_batches=4"],
    # M1+M2: a CombinedLoader that cycles the small labelled set several times per epoch
    "m1m2": ["+experiment=davidson2018/table3", f"data_root={FIXTURES}", "data.download=false",
             "trainer.max_epochs=3", "trainer.limit_train_batches=6", "trainer.limit_val_batches=2",
             "trainer.limit_test_batches=2", "data.batch_size=16", "data.val_size=20", "data.labelled=20"],
}


def vaezoo(run_dir, *overrides):
    env = {**os.environ, "WANDB_MODE": "offline", "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "vaezoo", "callbacks.progress=null", f"hydra.run.dir={run_dir}",
                           *overrides], cwd=run_dir.parent, env=env, capture_output=True, text=True, timeout=600)


def signal_at(epoch, batch, signum):
    return [SIGNAL_AT, f"+callbacks.signal_at.epoch={epoch}", f"+callbacks.signal_at.batch={batch}",
            f"+callbacks.signal_at.signum={signum}"]


def final_numbers(run_dir):
    return json.loads((run_dir / "results.json").read_text())["metrics"]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """Each family trained straight through once (seed 0)."""
    cache = {}

    def _numbers(family):
        if family not in cache:
            run_dir = tmp_path_factory.mktemp(family) / "straight"
            done = vaezoo(run_dir, *FAMILIES[family])
            assert done.returncode == 0, done.stderr[-3000:]
            cache[family] = final_numbers(run_dir)
        return cache[family]

    return _numbers


@pytest.mark.parametrize("family, epoch, batch, signum", [
    ("mnist", 1, 3, "SIGKILL"),    # resumes from the end of epoch 0
    ("mnist", 1, 3, "SIGTERM"),    # saves after batch 3 of epoch 1 and resumes there
    ("text", 1, 2, "SIGKILL"),     # its plateau scheduler's step after epoch 0 is replayed
    ("text", 1, 2, "SIGTERM"),
    ("m1m2", 1, 3, "SIGTERM"),     # in the labelled set's second pass
    ("m1m2", 1, 3, "SIGKILL"),     # manual optimisation: its epoch-end scheduler step is replayed
    ("accumulate", 1, 2, "SIGTERM"),   # after 3 of 4 accumulated batches
    ("ddp_accumulate", 1, 2, "SIGTERM"),
])
def test_a_stopped_and_resumed_run_ends_exactly_as_an_uninterrupted_one(tmp_path, uninterrupted, family, epoch,
                                                                        batch, signum):
    run_dir = tmp_path / "run"
    stopped = vaezoo(run_dir, *FAMILIES[family], *signal_at(epoch, batch, signum))
    assert stopped.returncode == (-9 if signum == "SIGKILL" else 2), stopped.stderr[-3000:]
    resumed = vaezoo(run_dir, *FAMILIES[family], f"ckpt_path={run_dir / 'checkpoints' / 'last.ckpt'}")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert final_numbers(run_dir) == uninterrupted(family)


def test_sigterm_in_the_first_epoch_leaves_a_checkpoint_of_the_batches_trained(tmp_path):
    run_dir = tmp_path / "run"
    stopped = vaezoo(run_dir, *FAMILIES["mnist"], *signal_at(0, 2, "SIGTERM"))
    assert stopped.returncode == 2, stopped.stderr[-3000:]
    record = json.loads((run_dir / "results.json").read_text())
    assert record["stopped_by"] == "interrupted" and record["checkpoint"].endswith("last.ckpt")
    state = torch.load(record["checkpoint"], weights_only=True)
    assert state["epoch"] == 0 and state["global_step"] == 3                        # batches 0, 1 and 2
    assert state["callbacks"]["ExactResume"] == {"epoch": 0, "batches": 3, "complete": False}


def test_a_warning_signal_nobody_handles_saves_and_stops_like_sigterm(tmp_path):
    run_dir = tmp_path / "run"
    stopped = vaezoo(run_dir, *FAMILIES["mnist"], *signal_at(1, 1, "SIGUSR1"))
    assert stopped.returncode == 2, stopped.stderr[-3000:]
    record = json.loads((run_dir / "results.json").read_text())
    state = torch.load(record["checkpoint"], weights_only=True)
    assert record["stopped_by"] == "interrupted"
    assert state["callbacks"]["ExactResume"] == {"epoch": 1, "batches": 2, "complete": False}


def digests(run_dir):
    return {str(p.relative_to(run_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(run_dir.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("mismatch", ["latent.dim=7", "latent=vmf"])
def test_a_resume_that_fails_changes_no_file_of_the_source_run(tmp_path, mismatch):
    run_dir = tmp_path / "run"
    trained = vaezoo(run_dir, "trainer.max_epochs=1", "trainer.limit_train_batches=2", "eval.is_samples=10")
    assert trained.returncode == 0, trained.stderr[-3000:]
    before = digests(run_dir)
    failed = vaezoo(tmp_path / "other", "trainer.max_epochs=2", mismatch,
                    f"ckpt_path={run_dir / 'checkpoints' / 'last.ckpt'}")
    assert failed.returncode == 2 and "was written by another model" in failed.stderr, failed.stderr[-3000:]
    assert digests(run_dir) == before


def test_evaluating_a_runs_checkpoint_again_gives_its_test_numbers_exactly(tmp_path):
    """Test batches draw streams keyed by the run's seed and the batch, not by what ran before."""
    trained = vaezoo(tmp_path / "run", "trainer.max_epochs=2", "trainer.limit_train_batches=3", "eval.is_samples=20")
    assert trained.returncode == 0, trained.stderr[-3000:]
    again = vaezoo(tmp_path / "again", "task=evaluate", f"ckpt_path={tmp_path / 'run' / 'checkpoints' / 'best.ckpt'}",
                   "eval.is_samples=20")
    assert again.returncode == 0, again.stderr[-3000:]
    tested = {k: v for k, v in final_numbers(tmp_path / "run").items() if k.startswith("test/")}
    assert final_numbers(tmp_path / "again") == tested and "test/ll" in tested
