"""A scheduler's warning signal is handed on to the handler installed before the run (submitit's
requeue) once last.ckpt is saved; progress reaches the run's log as plain lines."""

import logging
import re
import signal

import pytest

from vaezoo.errors import VaezooError

TINY = ["trainer.max_epochs=2", "trainer.limit_train_batches=3", "eval.is_samples=4"]
SIGUSR2_AT_EPOCH_1 = ["+callbacks.signal_at._target_=tests.helpers.signal_at.SignalAt", "+callbacks.signal_at.epoch=1",
                      "+callbacks.signal_at.batch=1", "+callbacks.signal_at.signum=SIGUSR2"]


def test_a_warning_signal_saves_then_runs_the_handler_installed_before_the_run(run_inprocess, tmp_path):
    last = tmp_path / "run" / "checkpoints" / "last.ckpt"   # where run_inprocess's run writes
    calls = []

    def requeue(signum, frame):   # what submitit installs: requeue the job, then exit
        calls.append((signum, last.is_file()))

    previous = signal.signal(signal.SIGUSR2, requeue)
    try:
        with pytest.raises(VaezooError, match="interrupted"):
            run_inprocess([*TINY, *SIGUSR2_AT_EPOCH_1], smoke=False)
        assert calls == [(signal.SIGUSR2, True)]             # once, after the checkpoint was written
        assert signal.getsignal(signal.SIGUSR2) is requeue    # and the run gave the signal back
    finally:
        signal.signal(signal.SIGUSR2, previous)


def test_progress_lines_name_epoch_batch_rate_and_time_left(run_inprocess, caplog):
    with caplog.at_level(logging.INFO, logger="vaezoo.progress"):
        run_inprocess([*TINY, "callbacks.progress_log.every_s=0"], smoke=False)
    lines = [r.getMessage() for r in caplog.records if r.name == "vaezoo.progress"]
    assert any(re.fullmatch(r"epoch 1/2  batch 3/3  [\d.e+]+ batches/s  elapsed \d+:\d\d:\d\d  left ~0:00:00", line)
               for line in lines), lines
    assert any(re.match(r"epoch 0/2 done  elapsed \d+:\d\d:\d\d  val/elbo -\d", line) for line in lines), lines
