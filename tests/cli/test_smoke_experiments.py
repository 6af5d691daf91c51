"""Every experiment under conf/experiment/ runs end to end in smoke mode on the fixtures."""

import json
import re

import pytest
from omegaconf import OmegaConf

from tests.cli.conftest import ALIASES, EXPERIMENTS, FIXTURES, REPO, compose_config, read_results, run_task_in
from vaezoo.results import SCHEMA_KEYS


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_experiment_smoke_run(experiment, run_inprocess, tmp_path):
    overrides = [f"+experiment={experiment}"]
    source = compose_config(overrides).get("source_experiment")
    if source is not None:  # an experiment that reads a trained model: train its source first
        run_task_in(tmp_path / "source", [f"+experiment={source}"])
        overrides.append(f"ckpt_path={tmp_path / 'source' / 'checkpoints' / 'last.ckpt'}")
    record, out = run_inprocess(overrides)
    written = read_results(out)
    assert written == json.loads(json.dumps(record))
    assert set(SCHEMA_KEYS) <= set(written)
    assert written["experiment"] == ALIASES.get(experiment, experiment) and written["scale"] == "smoke"
    assert all(isinstance(v, float) for v in written["metrics"].values()) and written["metrics"]
    config = OmegaConf.load(out / "config.yaml")
    assert config.name == ALIASES.get(experiment, experiment)
    if config.task._target_ == "vaezoo.tasks.train.run":
        assert (out / "metrics.csv").is_file() and (out / "checkpoints" / "last.ckpt").is_file()


def test_the_experiments_are_the_ones_the_readme_lists():
    """Every experiment file runs above; the README's experiment row names exactly these."""
    row = next(line for line in (REPO / "README.md").read_text().splitlines() if line.startswith("| `experiment` |"))
    listed = {name for name in re.findall(r"`([a-z0-9_/]+)`", row.split("|")[2]) if "/" in name or name == "table3"}
    assert listed == set(EXPERIMENTS) - {"xu2018/table3"} | {"table3"} | (set(EXPERIMENTS) & listed)
    assert set(EXPERIMENTS) - listed <= {"xu2018/table3"} and len(EXPERIMENTS) == 28


def test_text_checkpoint_carries_its_vocabulary_as_plain_data(run_inprocess):
    """A checkpoint loads with weights_only=True and holds the vocabulary the model was trained with."""
    import torch

    from vaezoo.data.text import TextDataModule

    _, out = run_inprocess(["+experiment=table3"])
    checkpoint = torch.load(out / "checkpoints" / "last.ckpt", weights_only=True, map_location="cpu")
    words = checkpoint["TextDataModule"]["vocab"]["words"]
    fresh = TextDataModule(str(FIXTURES), "ptb", download=False)
    fresh.setup()
    assert words == list(fresh.vocab.words)


@pytest.mark.parametrize("row", ["lstm_lm", "vae_0.5", "vae_bow", "infovae", "cyclical", "lagging", "vae_mine"])
def test_every_row_of_qian_table2_runs(row, run_inprocess):
    """Each of the seven models trains and reports Table 2's columns; the models with a code the MI
    and AU, the lagging VAE its inner updates, VAE-MINE its critic's loss."""
    overrides = ["+experiment=qian/table2", f"experiment/qian/row={row}"]
    record, out = run_inprocess(overrides)
    assert record["paper_rows"] == [f"qian_table2.csv:dataset=ptb,model={compose_config(overrides).paper_row}"]
    metrics = record["metrics"]
    assert {"test/nll", "test/ppl"} <= set(metrics)
    assert ({"test/mi", "test/au", "test/kl"} <= set(metrics)) == (row != "lstm_lm")
    logged = (out / "metrics.csv").read_text().splitlines()[0].split(",")
    assert ("train/inner_steps" in logged) == (row == "lagging")
    assert ("train/mine/own_loss" in logged) == (row == "vae_mine")
