"""A data-loading worker that dies mid-run: a clear error, the earlier checkpoint kept."""

import os
import signal

import pytest
import torch
from torch.utils.data import get_worker_info

from tests.cli.conftest import FIXTURES, compose_config
from vaezoo.data.order import BatchedTensorDataset
from vaezoo.tasks.train import DataLoaderCrash

RUN = [f"data_root={FIXTURES}", "data.download=false", "callbacks.progress=null", "trainer.limit_train_batches=2",
       "trainer.limit_val_batches=1", "trainer.limit_test_batches=1", "eval.is_samples=3", "eval.is_chunk=3"]


def test_a_killed_worker_stops_the_run_with_what_to_do(tmp_path, monkeypatch):
    from vaezoo.tasks import run_task
    first = [*RUN, "trainer.max_epochs=1"]
    run_task(compose_config(first), tmp_path / "run", first)
    last = tmp_path / "run" / "checkpoints" / "last.ckpt"
    kept = last.read_bytes()
    real_getitems = BatchedTensorDataset.__getitems__   # how the image loaders read a batch

    def die_in_a_worker(self, indices):
        if get_worker_info() is not None:
            os.kill(os.getpid(), signal.SIGKILL)
        return real_getitems(self, indices)

    monkeypatch.setattr(BatchedTensorDataset, "__getitems__", die_in_a_worker)
    resumed = [*RUN, "trainer.max_epochs=2", "data.num_workers=1", f"ckpt_path={last}"]
    with pytest.raises(DataLoaderCrash, match=r"a data-loading worker died during training .* lower "
                                              r"data.num_workers .* resume with ckpt_path=.*last.ckpt"):
        run_task(compose_config(resumed), tmp_path / "again", resumed)
    assert last.read_bytes() == kept and torch.load(last, weights_only=True)["epoch"] == 0
