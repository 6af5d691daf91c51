"""He et al.'s aggressive phase ends at the first epoch whose validation MI does not rise."""

from types import SimpleNamespace

import pytest
import torch

from vaezoo.callbacks import EndAggressiveTraining
from vaezoo.objectives import InnerLoop


def fake_run(loop):
    module = SimpleNamespace(objective=SimpleNamespace(inner_loop=loop))
    trainer = SimpleNamespace(sanity_checking=False, current_epoch=0, global_step=0, callback_metrics={})
    return trainer, module


def test_the_inner_loop_stays_on_while_the_mi_rises_and_stops_when_it_falls():
    loop = InnerLoop("encoder")
    trainer, module = fake_run(loop)
    callback = EndAggressiveTraining()
    callback.on_fit_start(trainer, module)
    for epoch, mi in enumerate([0.5, 1.0, 1.5]):
        trainer.current_epoch, trainer.callback_metrics["val/mi"] = epoch, torch.tensor(mi)
        callback.on_validation_end(trainer, module)
        assert loop.active
    trainer.callback_metrics["val/mi"] = torch.tensor(1.4)
    callback.on_validation_end(trainer, module)
    assert not loop.active
    trainer.callback_metrics["val/mi"] = torch.tensor(9.0)   # once off, it stays off
    callback.on_validation_end(trainer, module)
    assert not loop.active


def test_the_mode_survives_a_resume():
    callback = EndAggressiveTraining()
    callback.load_state_dict({"previous": 1.5, "active": False})
    loop = InnerLoop("encoder")
    callback.on_fit_start(*fake_run(loop))
    assert not loop.active and callback.state_dict() == {"previous": 1.5, "active": False}


def test_clear_errors_without_an_inner_loop_or_the_mi():
    with pytest.raises(ValueError, match="has none"):
        EndAggressiveTraining().on_fit_start(*fake_run(None))
    trainer, module = fake_run(InnerLoop("encoder"))
    with pytest.raises(ValueError, match="PosteriorUsage"):
        EndAggressiveTraining().on_validation_end(trainer, module)
