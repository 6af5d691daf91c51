"""Two DDP processes on the CPU (gloo) against one process with the same global batch.

vaezoo's samplers give the two processes the two halves of the batch one process would read, DDP
averages their gradients, and every process evaluates whole splits: a model without noise ends
with exactly the numbers of one process. With noise (each process draws its own), the numbers
differ by what another seed would."""

import json
import os
import statistics
import subprocess
import sys

import pytest

from tests.cli.conftest import FIXTURES, REPO

FIXED_MNIST = ["data=binarized_mnist", f"data_root={FIXTURES}", "data.download=false", "callbacks.progress=null"]
TWO_PROCESSES = ["trainer=ddp", "trainer.accelerator=cpu", "trainer.devices=2"]


def metrics_of(run_dir, *overrides):
    env = {**os.environ, "WANDB_MODE": "offline", "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "vaezoo", f"hydra.run.dir={run_dir}", *overrides],
                          cwd=run_dir.parent, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((run_dir / "results.json").read_text())["metrics"]


def test_two_processes_train_a_noiseless_autoencoder_exactly_as_one(tmp_path):
    autoencoder = [*FIXED_MNIST, "latent=deterministic", "objective=wae_d", "~objective.terms.mmd",
                   "trainer.max_epochs=2", "eval.is_samples=0"]
    one = metrics_of(tmp_path / "one", *autoencoder, "data.batch_size=32")
    two = metrics_of(tmp_path / "two", *autoencoder, *TWO_PROCESSES, "data.batch_size=16")
    assert two == pytest.approx(one, rel=1e-5) and set(two) == set(one)


@pytest.mark.slow
@pytest.mark.parametrize("family, overrides, batch, metric", [
    ("s-vae", [*FIXED_MNIST, "latent=vmf", "trainer.max_epochs=3", "eval.is_samples=50"], 32, "test/ll"),
    ("nvrnn", ["+experiment=table3", f"data_root={FIXTURES}", "data.download=false", "callbacks.progress=null",
               "callbacks.early_stopping=null", "trainer.max_epochs=3", "model.encoder.hidden_size=64",
               "model.decoder.hidden_size=64"], 20, "test/nll"),
])
def test_two_processes_train_as_one_within_the_spread_over_seeds(tmp_path, family, overrides, batch, metric):
    one = [metrics_of(tmp_path / f"one{seed}", *overrides, f"data.batch_size={batch}", f"seed={seed}")[metric]
           for seed in (0, 1, 2)]
    two = metrics_of(tmp_path / "two", *overrides, *TWO_PROCESSES, f"data.batch_size={batch // 2}")[metric]
    assert abs(two - statistics.mean(one)) < 4 * statistics.stdev(one), (two, one)
