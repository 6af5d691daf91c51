"""Two DDP processes on the CPU (gloo) against one process with the same global batch.

vaezoo's samplers give the two processes the two halves of the batch one process would read, DDP
averages their gradients, and the processes share out the evaluation batches, each drawing the
random numbers one process draws for that batch: a model without noise ends with exactly the
numbers of one process, and so does the evaluation of one set of weights. With noise in training
(each process draws its own), the numbers differ by what another seed would."""

import json
import os
import statistics
import subprocess
import sys

import pytest

from tests.cli.conftest import FIXTURES, REPO

FIXED_MNIST = ["data=binarized_mnist", f"data_root={FIXTURES}", "data.download=false", "callbacks.progress=null"]
TWO_PROCESSES = ["trainer=ddp", "trainer.accelerator=cpu", "trainer.devices=2"]


def record_of(run_dir, *overrides):
    env = {**os.environ, "WANDB_MODE": "offline", "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "vaezoo", f"hydra.run.dir={run_dir}", *overrides],
                          cwd=run_dir.parent, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((run_dir / "results.json").read_text())


def metrics_of(run_dir, *overrides):
    return record_of(run_dir, *overrides)["metrics"]


def test_two_processes_train_a_noiseless_autoencoder_exactly_as_one(tmp_path):
    autoencoder = [*FIXED_MNIST, "latent=deterministic", "objective=wae_d", "~objective.terms.mmd",
                   "trainer.max_epochs=2", "eval.is_samples=0"]
    one = metrics_of(tmp_path / "one", *autoencoder, "data.batch_size=32")
    two = metrics_of(tmp_path / "two", *autoencoder, *TWO_PROCESSES, "data.batch_size=16")
    assert two == pytest.approx(one, rel=1e-5) and set(two) == set(one)


# An epoch at a learning rate below float32's resolution: the weights stay as initialised (seeded).
UNTRAINED = ["trainer.max_epochs=1", "optimizer.main.optimizer.lr=1e-30", "eval=posterior_usage"]
TEXT = ["+experiment=table3", f"data_root={FIXTURES}", "data.download=false", "callbacks.progress=null",
        "callbacks.early_stopping=null", "model.encoder.hidden_size=32", "model.decoder.hidden_size=32"]


@pytest.mark.parametrize("family, overrides", [
    ("s-vae", [*FIXED_MNIST, "latent=vmf", "data.eval_batch_size=16", "eval.is_samples=20", "eval.val_is_samples=5",
               "eval.val_is_examples=50"]),
    ("nvrnn", [*TEXT, "data.eval_batch_size=16", "eval.is_samples=10", "eval.val_is_samples=3",
               "eval.val_is_examples=30"]),
])
def test_two_processes_share_out_the_evaluation_and_measure_what_one_does(tmp_path, family, overrides):
    """Every example counted once (no padding), with the noise one process draws for it: the same
    importance-sampled LL, bound terms and active units; the MI, estimated at the end from the
    gathered posteriors with one sample each, over the same number of examples."""
    one = record_of(tmp_path / "one", *overrides, *UNTRAINED)
    two = record_of(tmp_path / "two", *overrides, *UNTRAINED, *TWO_PROCESSES)
    monte_carlo = {"val/mi", "test/mi"}
    exact = {k: v for k, v in one["metrics"].items() if k not in monte_carlo}
    assert {k: two["metrics"][k] for k in exact} == pytest.approx(exact, rel=1e-6) and set(two["metrics"]) == set(
        one["metrics"])
    assert {"test/ll", "val/ll", "test/au"} <= set(exact)
    assert two["estimators"]["test/mi"]["ceiling_log_n"] == one["estimators"]["test/mi"]["ceiling_log_n"]
    for name in monte_carlo:
        assert abs(two["metrics"][name] - one["metrics"][name]) < 0.5


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
