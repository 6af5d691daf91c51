"""A run that diverges stops at its first non-finite loss or gradient, says where, and keeps its
last good checkpoint and a results.json that says why it stopped."""

import json

import pytest
import torch

from tests.cli.conftest import FIXTURES, compose_config
from vaezoo.callbacks import NonFiniteError

RUN = [f"data_root={FIXTURES}", "data.download=false", "callbacks.progress=null", "trainer.max_epochs=6",
       "trainer.limit_train_batches=3", "trainer.limit_val_batches=1", "trainer.limit_test_batches=1",
       "eval.is_samples=3", "eval.is_chunk=3", "data.val_size=0.2"]


def test_a_diverging_run_stops_at_the_first_non_finite_step_and_says_so(tmp_path):
    from vaezoo.tasks import run_task
    overrides = [*RUN, "optimizer.main.optimizer.lr=1e9"]
    with pytest.raises(NonFiniteError, match=r"training stopped at step \d+ \(epoch \d+\): non-finite gradient of "
                                             r".*Loss terms of that step: .*re=") as caught:
        run_task(compose_config(overrides), tmp_path / "run", overrides)
    record = json.loads((tmp_path / "run" / "results.json").read_text())
    assert record["stopped_by"] == "non_finite" and record["failure"] == str(caught.value)
    assert record["metrics"] == {}
    if caught.value.checkpoint is not None:   # saved before the bad step: every parameter finite
        state = torch.load(caught.value.checkpoint, weights_only=True)
        assert all(torch.isfinite(v).all() for v in state["state_dict"].values() if v.is_floating_point())


def test_the_cli_exits_2_with_the_message_and_no_traceback(cli):
    result = cli(*RUN, "optimizer.main.optimizer.lr=1e9")
    assert result.returncode == 2
    assert "vaezoo: error: training stopped at step" in result.stderr and "Traceback" not in result.stderr
