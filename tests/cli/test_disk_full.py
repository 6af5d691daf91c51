"""A full disk while a run writes a checkpoint or its record: a clear error, earlier files intact."""

import errno
import json

import fsspec.implementations.local
import pytest

from tests.cli.conftest import FIXTURES, compose_config
from vaezoo.results import write_results
from vaezoo.tasks.train import DiskFull

RUN = [f"data_root={FIXTURES}", "data.download=false", "callbacks.progress=null", "trainer.limit_train_batches=2",
       "trainer.limit_val_batches=1", "trainer.limit_test_batches=1", "eval.is_samples=3", "eval.is_chunk=3"]


def test_a_checkpoint_cut_short_by_a_full_disk_leaves_the_last_one_intact(tmp_path, monkeypatch):
    from vaezoo.tasks import run_task
    first = [*RUN, "trainer.max_epochs=2"]
    run_task(compose_config(first), tmp_path / "run", first)
    checkpoints = tmp_path / "run" / "checkpoints"
    before = {path.name: path.read_bytes() for path in checkpoints.iterdir()}
    real_write = fsspec.implementations.local.LocalFileOpener.write

    def write_half_then_fail(self, data):   # checkpoints only: the curves have their own writer
        if not str(self.path).endswith(".ckpt"):
            return real_write(self, data)
        real_write(self, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device", str(self.path))

    monkeypatch.setattr(fsspec.implementations.local.LocalFileOpener, "write", write_half_then_fail)
    resumed = [*RUN, "trainer.max_epochs=4", f"ckpt_path={checkpoints / 'last.ckpt'}"]
    with pytest.raises(DiskFull, match=r"no space left on the device while writing .*ckpt during training .* intact; "
                                       r"free space and resume with ckpt_path=.*last.ckpt"):
        run_task(compose_config(resumed), tmp_path / "again", resumed)
    assert {path.name: path.read_bytes() for path in checkpoints.iterdir()} == before   # nothing half-written beside


def test_a_record_cut_short_keeps_the_previous_one(tmp_path, monkeypatch):
    path = tmp_path / "results.json"
    record = {"experiment": "x", "paper_rows": [], "scale": "smoke", "seed": 0, "git_sha": None, "git_dirty": None,
              "wall_time_s": 1.0, "metrics": {"test/ll": -1.0}, "estimators": {}}
    write_results(path, record)
    before = path.read_text()
    real_write_text = type(path).write_text

    def fail_halfway(self, text, *args, **kwargs):
        real_write_text(self, text[: len(text) // 2], *args, **kwargs)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(type(path), "write_text", fail_halfway)
    with pytest.raises(OSError):
        write_results(path, {**record, "metrics": {"test/ll": -2.0}})
    assert path.read_text() == before and json.loads(before)["metrics"] == {"test/ll": -1.0}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]
