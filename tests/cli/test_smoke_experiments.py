"""Every experiment under conf/experiment/ runs end to end in smoke mode on the fixtures."""

import json

import pytest
from omegaconf import OmegaConf

from tests.cli.conftest import EXPERIMENTS, read_results
from vaezoo.results import SCHEMA_KEYS


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_experiment_smoke_run(experiment, run_inprocess):
    record, out = run_inprocess([f"+experiment={experiment}"])
    written = read_results(out)
    assert written == json.loads(json.dumps(record))
    assert set(SCHEMA_KEYS) <= set(written)
    assert written["experiment"] == experiment and written["scale"] == "smoke"
    assert all(isinstance(v, float) for v in written["metrics"].values()) and written["metrics"]
    config = OmegaConf.load(out / "config.yaml")
    assert config.name == experiment
    if config.task == "train":
        assert (out / "metrics.csv").is_file() and (out / "checkpoints" / "last.ckpt").is_file()


def test_experiment_list_is_not_empty():
    assert "davidson2018/table1" in EXPERIMENTS
