"""task=evaluate: a trained checkpoint tested again with the current code, no training."""

import math

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


def test_a_smoke_evaluation_is_capped_whatever_it_asks(trained_image_run, run_inprocess):
    """debug=smoke goes over the trained run's and this command's eval settings alike."""
    record, _ = run_inprocess(["task=evaluate", f"ckpt_path={trained_image_run / 'checkpoints' / 'best.ckpt'}",
                               "eval.is_samples=100"])
    assert record["estimators"]["test/ll"] == {"method": "importance_sampling", "samples": 4}
    assert record["scale"] == "smoke"


def test_evaluate_a_text_model_with_its_vocabulary(tmp_path, run_inprocess):
    run_task_in(tmp_path / "text", ["+experiment=table3"])
    record, _ = run_inprocess(["task=evaluate", f"ckpt_path={tmp_path / 'text' / 'checkpoints' / 'last.ckpt'}"])
    assert record["experiment"] == "xu2018/table3" and record["metrics"]["test/kl"] == pytest.approx(19.515, abs=1e-3)


def test_evaluate_without_a_checkpoint_is_a_config_error(run_inprocess):
    from vaezoo.errors import ConfigError

    with pytest.raises(ConfigError, match="task=evaluate needs ckpt_path="):
        run_inprocess(["task=evaluate"])


@pytest.mark.parametrize("source, importance_sampled", [
    (["+experiment=davidson2018/table4", "latent=vmf"], False),                         # graph VAE
    (["+experiment=davidson2018/table3", "latent=vmf", "z2_latent=vmf"], False),        # M1+M2
    (["+experiment=xu2018/table3_grid", "experiment/xu2018/variant=rnnlm", "data=ptb"], False),   # no code
    (["+experiment=xu2018/table4"], True),                                               # NVDM
    (["+experiment=table3"], True),                                                      # NVRNN
])
def test_evaluate_passes_its_eval_settings_to_every_model(source, importance_sampled, tmp_path, run_inprocess):
    """The evaluators read this command's eval.*: the Xu & Durrett runs trained with
    eval.is_samples=0 report an importance-sampled test/ll when evaluated with 3 samples, and the
    trained run's config and record stay as they were."""
    run_task_in(tmp_path / "source", source)
    config, results = (tmp_path / "source" / name for name in ("config.yaml", "results.json"))
    before = config.read_bytes(), results.read_bytes()
    record, _ = run_inprocess(["task=evaluate", f"ckpt_path={tmp_path / 'source' / 'checkpoints' / 'last.ckpt'}",
                               "eval.is_samples=3", "eval.is_chunk=3"])
    trained = {k for k in read_results(tmp_path / "source")["metrics"] if k.startswith("test/")}
    assert set(record["metrics"]) == trained | ({"test/ll"} if importance_sampled else set())
    assert ("test/ll" in record["estimators"]) is importance_sampled
    if importance_sampled:
        assert record["estimators"]["test/ll"] == {"method": "importance_sampling", "samples": 3}
    assert (config.read_bytes(), results.read_bytes()) == before


def test_an_evaluator_requested_by_config_reports_for_a_model_that_lacks_it(run_inprocess):
    """eval.evaluators adds any evaluator to any model: an importance-sampled log-likelihood for
    Xu & Durrett's NVRNN, whose experiment estimates none (eval.is_samples=0)."""
    extra = "+eval.evaluators.ll"
    record, _ = run_inprocess(["+experiment=table3", f"{extra}._target_=vaezoo.evaluation.ImportanceSampling",
                               f"{extra}.samples=2", f"{extra}.chunk=2"])
    assert record["estimators"]["test/ll"] == {"method": "importance_sampling", "samples": 2}
    assert math.isfinite(record["metrics"]["test/ll"]) and "test/nll" in record["metrics"]   # its own nll beside
