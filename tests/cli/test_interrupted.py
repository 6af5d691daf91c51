"""A run stopped by Ctrl-C or SIGTERM keeps what it wrote and says so in results.json."""

import csv
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from tests.cli.conftest import FIXTURES


def default_signals():
    """In the child: Ctrl-C as a terminal delivers it (a test worker may run with SIGINT ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def epochs_logged(metrics):
    if not metrics.is_file():
        return 0
    with open(metrics) as f:
        return sum(1 for row in csv.DictReader(f) if row.get("val/elbo"))


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_training_records_stopped_by_interrupted(tmp_path, signum):
    run = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "vaezoo", f"data_root={FIXTURES}", "data.download=false", "callbacks.progress=null",
         "trainer.max_epochs=1000", f"hydra.run.dir={run}"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "WANDB_MODE": "offline"}, preexec_fn=default_signals)
    deadline = time.monotonic() + 300
    while epochs_logged(run / "metrics.csv") < 2 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.5)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2, stderr[-2000:]
    assert "vaezoo: error: interrupted (Ctrl-C or SIGTERM) during training" in stderr and "Traceback" not in stderr
    record = json.loads((run / "results.json").read_text())
    assert record["stopped_by"] == "interrupted" and record["metrics"] == {}
    assert record["checkpoint"].endswith("last.ckpt") and f"ckpt_path={record['checkpoint']}" in record["failure"]
    state = torch.load(record["checkpoint"], weights_only=True)   # intact, and what a resume reads
    assert state["epoch"] >= 0 and "state_dict" in state   # epoch 0 or 1: the signal may beat epoch 1's save
    assert epochs_logged(run / "metrics.csv") >= 2


def test_a_signal_during_the_final_evaluation_says_so_and_keeps_the_trained_checkpoints(tmp_path):
    run = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "vaezoo", f"data_root={FIXTURES}", "data.download=false", "callbacks.progress=null",
         "trainer.max_epochs=1", "eval.is_samples=20000", "eval.is_chunk=100", f"hydra.run.dir={run}"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "WANDB_MODE": "offline"}, preexec_fn=default_signals)
    deadline = time.monotonic() + 300
    while epochs_logged(run / "metrics.csv") < 1 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(3)   # into the importance-sampled test pass, which takes far longer
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2, stderr[-2000:]
    assert "interrupted (Ctrl-C or SIGTERM) during the evaluation of the selected checkpoint" in stderr
    record = json.loads((run / "results.json").read_text())
    assert record["stopped_by"] == "interrupted" and record["checkpoint"].endswith("best.ckpt")
    assert f"task=evaluate ckpt_path={record['checkpoint']}" in record["failure"]
    torch.load(record["checkpoint"], weights_only=True)   # intact
