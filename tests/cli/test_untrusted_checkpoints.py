"""Checkpoints are read as weights only on every path (resume, evaluate), whatever the environment
says, and one that another model wrote is refused with what differs before the run is touched."""

import os

import pytest
import torch
from omegaconf import OmegaConf

from tests.cli.conftest import FIXTURES, compose_config
from vaezoo.safe_checkpoint import CheckpointError, read_checkpoint

QUICK = [f"data_root={FIXTURES}", "data.download=false", "debug=smoke", "callbacks.progress=null"]


class _RunsCode:
    """Unpickling this calls os.system: what an attacker's checkpoint would do."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def malicious_checkpoint(path, marker):
    torch.save({"state_dict": {}, "payload": _RunsCode(marker)}, path)


@pytest.fixture
def trained(tmp_path_factory):
    from vaezoo.tasks import run_task
    out = tmp_path_factory.mktemp("trained") / "run"
    run_task(compose_config(QUICK), out, QUICK)
    return out


def files_of(run):
    return {path: path.read_bytes() for path in sorted(run.rglob("*")) if path.is_file()}


def test_a_crafted_pickle_is_refused_even_when_the_environment_forces_unsafe_loads(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
    malicious_checkpoint(tmp_path / "evil.ckpt", tmp_path / "ran")
    with pytest.raises(CheckpointError, match="refused: it holds more than tensors"):
        read_checkpoint(tmp_path / "evil.ckpt")
    assert not (tmp_path / "ran").exists()


@pytest.mark.parametrize("task", ["train", "evaluate"])
def test_resume_and_evaluate_refuse_a_crafted_checkpoint_and_leave_the_run_as_it_was(trained, tmp_path, monkeypatch,
                                                                                       task):
    from vaezoo.tasks import run_task
    monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
    checkpoint = trained / "checkpoints" / "last.ckpt"
    malicious_checkpoint(checkpoint, tmp_path / "ran")
    before = files_of(trained)
    overrides = [*QUICK, f"ckpt_path={checkpoint}"] + (["task=evaluate"] if task == "evaluate" else [])
    with pytest.raises(CheckpointError, match="refused"):
        run_task(compose_config(overrides), tmp_path / "new", overrides)
    assert not (tmp_path / "ran").exists() and files_of(trained) == before


@pytest.mark.parametrize("change,says", [
    ("latent.dim=7", r"shapes differ: .*latent.loc.weight \[10, 128\] in the checkpoint, \[7, 128\] in this config"),
    ("prior=vampprior", r"this config has parameters the checkpoint lacks: prior\.initial_inputs, prior\.raw_inputs"),
])
def test_resuming_with_another_model_is_refused_with_what_differs(trained, tmp_path, change, says):
    from vaezoo.tasks import run_task
    before = files_of(trained)
    overrides = [*QUICK, f"ckpt_path={trained / 'checkpoints' / 'last.ckpt'}", change]
    with pytest.raises(CheckpointError, match=says):
        run_task(compose_config(overrides), tmp_path / "new", overrides)
    assert files_of(trained) == before


def test_evaluating_a_checkpoint_beside_another_models_config_is_refused(trained, tmp_path):
    from vaezoo.tasks import run_task
    config = OmegaConf.load(trained / "config.yaml")
    config.latent.dim = config.prior.dim = 7   # the record is resolved: both say so
    OmegaConf.save(config, trained / "config.yaml")
    before = files_of(trained)
    overrides = [*QUICK, "task=evaluate", f"ckpt_path={trained / 'checkpoints' / 'best.ckpt'}"]
    with pytest.raises(CheckpointError, match=r"latent.loc.weight \[10, 128\] in the checkpoint, \[7, 128\]"):
        run_task(compose_config(overrides), tmp_path / "new", overrides)
    assert files_of(trained) == before


def test_a_truncated_or_foreign_file_is_named_as_such(tmp_path):
    (tmp_path / "cut.ckpt").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(CheckpointError, match="cut.ckpt: not a readable checkpoint"):
        read_checkpoint(tmp_path / "cut.ckpt")
    torch.save([1, 2], tmp_path / "list.ckpt")
    with pytest.raises(CheckpointError, match="not a Lightning checkpoint"):
        read_checkpoint(tmp_path / "list.ckpt")
