"""task=evaluate: a trained checkpoint tested again with the current code, no training."""

import pytest

from tests.cli.conftest import read_results, run_task_in


@pytest.fixture(scope="module")
def trained_image_run(tmp_path_factory):
    directory = tmp_path_factory.mktemp("source")
    run_task_in(directory, ["+experiment=davidson2018/table1", "latent=vmf", "paper_d=2"])
    return directory


def test_evaluate_is_deterministic_and_keeps_the_source_run(trained_image_run, run_inprocess):
    before = (trained_image_run / "results.json").read_bytes()
    overrides = ["task=evaluate", f"ckpt_path={trained_image_run / 'checkpoints' / 'best.ckpt'}"]
    first, _ = run_inprocess(overrides)
    second, out = run_inprocess(overrides)
    assert first["metrics"] == second["metrics"] and {"test/ll", "test/elbo", "test/kl"} <= set(first["metrics"])
    assert first["experiment"] == "davidson2018/table1" and first["scale"] == "smoke"
    assert first["paper_rows"] == read_results(trained_image_run)["paper_rows"]
    assert (trained_image_run / "results.json").read_bytes() == before
    assert read_results(out) == second


def test_evaluate_takes_more_importance_samples_from_the_command_line(trained_image_run, run_inprocess):
    record, _ = run_inprocess(["task=evaluate", f"ckpt_path={trained_image_run / 'checkpoints' / 'best.ckpt'}",
                               "eval.is_samples=7", "eval.is_chunk=7"], smoke=False)
    assert record["estimators"]["test/ll"] == {"method": "importance_sampling", "samples": 7}


def test_evaluate_a_text_model_with_its_vocabulary(tmp_path, run_inprocess):
    run_task_in(tmp_path / "text", ["+experiment=table3"])
    record, _ = run_inprocess(["task=evaluate", f"ckpt_path={tmp_path / 'text' / 'checkpoints' / 'last.ckpt'}"])
    assert record["experiment"] == "xu2018/table3" and record["metrics"]["test/kl"] == pytest.approx(19.515, abs=1e-3)


def test_evaluate_without_a_checkpoint_is_a_config_error(run_inprocess):
    from vaezoo.errors import ConfigError

    with pytest.raises(ConfigError, match="task=evaluate needs ckpt_path="):
        run_inprocess(["task=evaluate"])
