"""Bad input: a specific message and a non-zero exit before any training, nothing written."""

import shutil

import pytest

from tests.cli.conftest import FIXTURES
from tests.models.test_nvrnn import paper_kl
from vaezoo.errors import ConfigError, DataFileError


def assert_nothing_trained(directory):
    assert not (directory / "checkpoints").exists() and not (directory / "metrics.csv").exists()


def test_unknown_group_choice_lists_the_options(cli):
    result = cli("latent=nope")
    assert result.returncode != 0
    assert "Could not find 'latent/nope'" in result.stderr and "gaussian" in result.stderr and "vmf" in result.stderr
    result = cli("data=imagenet")
    assert result.returncode != 0 and "Could not find 'data/imagenet'" in result.stderr
    result = cli("task=nope")
    assert result.returncode != 0 and "Could not find 'task/nope'" in result.stderr and "latent_knn" in result.stderr


def test_smoke_is_the_debug_mode(run_inprocess, tmp_path):
    with pytest.raises(ConfigError, match="a smoke run is the debug mode debug=smoke"):
        run_inprocess(["smoke=true"], smoke=False)
    assert_nothing_trained(tmp_path / "run")


def test_config_error_exits_with_code_2_and_one_line(cli, tmp_path):
    result = cli("latent.dim=-3", "debug=smoke")
    assert result.returncode == 2
    assert "vaezoo: error: latent.dim=-3: sizes must be positive integers" in result.stderr
    assert "Traceback" not in result.stderr
    assert not [path for path in tmp_path.rglob("*") if path.is_file()], "the rejected run left files behind"


def test_a_command_rejected_once_torch_is_loaded_leaves_no_run_folder_either(cli, tmp_path):
    """model.classifier_input is checked by validate(), after check_early, before the run starts."""
    result = cli("+experiment=davidson2018/table3", "model.classifier_input=mean", "debug=smoke")
    assert result.returncode == 2 and "model.classifier_input='mean' is not one of" in result.stderr
    assert not [path for path in tmp_path.rglob("*") if path.is_file()], "the rejected run left files behind"


def test_a_rejected_command_leaves_a_folder_with_files_of_its_own_as_it_was(cli, tmp_path):
    """Only a folder that holds nothing but Hydra's files is removed; a user's folder keeps its files."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("kept")
    result = cli("latent.dim=-3", "debug=smoke", f"hydra.run.dir={folder}")
    assert result.returncode == 2
    assert (folder / "notes.txt").read_text() == "kept" and (folder / "cli.log").is_file()


@pytest.mark.parametrize("overrides,match", [
    (["latent.dim=0"], r"latent.dim=0: sizes must be positive"),
    (["model.encoder.hidden_sizes=[256,-1]"], r"model.encoder.hidden_sizes=\[256, -1\]: sizes must be positive"),
    (["kappa=20"], r"kappa=20 is set but latent GaussianHead does not take a fixed concentration"),
    (["latent=vmf", "kappa=20"], r"latent VMFHead does not take a fixed concentration"),
    (["latent=vmf_fixed"], r"needs a positive fixed concentration: set kappa=<number>"),
    (["latent=gaussian", "prior=sphere_uniform"], r"supports differ"),
    (["latent=vmf", "prior=normal"], r"latent VMFHead lives in sphere space but prior StandardNormal"),
    (["model=graph_vae", "data=cora", "prior=vampprior"], r"passes pseudo-inputs through the model's encoder"),
    (["objective.terms.kl.weight.epochs=-1"], r"objective.terms.kl.weight.epochs=-1: must be a number >= 0"),
    (["objective.terms.kl.weight._target_=vaezoo.objectives.Cyclical", "objective.terms.kl.weight.epochs=0"],
     r"objective.terms.kl.weight: Cyclical: need epochs > 0"),
    (["optimizer.main.optimizer.lr=0"], r"optimizer.main.optimizer.lr=0: must be a positive number"),
    (["optimizer.main.gradient_clip_norm=-1"], r"optimizer.main: gradient_clip_norm=-1 must be positive"),
    (["+optimizer.main.optimizer.momentum=0.9"], r"optimizer.main: .*unexpected keyword argument 'momentum'"),
    (["+trainer.gradient_clip_val=1"], r"trainer.gradient_clip_val=1: clipping is part of the optimiser's protocol; "
                                       r"set optimizer.main.gradient_clip_norm"),
    (["latent=deterministic"], r"objective.terms.kl needs the posterior's density, which latent DeterministicHead has "
                               r"not"),
    (["latent=deterministic", "objective=wae_d"], r"eval.is_samples=4: importance sampling needs the posterior's "
                                                  r"density"),
    (["+objective.terms.kl.from_pass=dat"], r"objective.terms.kl.from_pass='dat': ImageVAE's training steps have "
                                             r"the passes \['data'\]"),
    (["model=m1m2", "data=mnist_semi_supervised", "objective=elbo"], r"objective.terms.re.from_pass='data': "
                                                                    r"StackedM1M2's training steps have the passes"),
    (["task=sampler_cost", "+task.draws=3"], r"task.draws: not a setting of vaezoo.tasks.sampler_cost.run; it "
                                             r"takes \['kappas', 'manifold_dims', 'samples'\]"),
    (["task=latent_knn", "~task.neighbours"], r"task.neighbours is missing: vaezoo.tasks.latent_knn.run needs it"),
    (["scale=huge"], r"scale='huge' is not one of"),
    (["+experiment=davidson2018/table3", "model.classifier_input=mean"],
     r"model.classifier_input='mean' is not one of \['sample', 'mode'\]"),
    (["latent=vmf", "latent.kappa_min=abc"], r"latent.kappa_min='abc': must be a positive number"),
    (["objective.terms.kl.weight.epochs=abc"], r"objective.terms.kl.weight.epochs='abc': must be a number >= 0"),
    (["prior=vampprior", "prior.num_pseudo_inputs=abc"], r"prior.num_pseudo_inputs='abc': sizes must be positive"),
    (["+experiment=davidson2018/table2"], r"task=latent_knn needs ckpt_path=<run dir>/checkpoints/best.ckpt"),
    (["+experiment=davidson2018/table2", "ckpt_path=/nowhere/checkpoints/best.ckpt"], r"missing /nowhere"),
])
def test_bad_config_is_rejected_before_training(run_inprocess, tmp_path, overrides, match):
    with pytest.raises(ConfigError, match=match):
        run_inprocess(overrides)
    assert_nothing_trained(tmp_path / "run")


@pytest.mark.parametrize("overrides,match", [
    (["data.subset=-5"], r"data.subset=-5: must be a positive count or a fraction in \(0, 1\)"),
    (["data.subset=1.5"], r"data.subset=1.5: must be a positive count or a fraction in \(0, 1\)"),
    (["data.val_size=-0.2"], r"data.val_size=-0.2: must be a positive number"),
])
def test_bad_data_sizes_are_rejected(run_inprocess, tmp_path, overrides, match):
    """Outside smoke mode, which sets its own subset and validation size."""
    with pytest.raises(ConfigError, match=match):
        run_inprocess(overrides, smoke=False)
    assert_nothing_trained(tmp_path / "run")


@pytest.mark.parametrize("overrides,match", [
    (["trainer.max_epochs=0"], r"trainer.max_epochs=0: must be a whole number of epochs >= 1"),
    (["trainer.max_epochs=-5"], r"trainer.max_epochs=-5: must be a whole number of epochs >= 1"),
    (["trainer.max_epochs=abc"], r"trainer.max_epochs='abc': must be a whole number"),
    (["+trainer.max_steps=0"], r"trainer.max_steps=0: must be a whole number of steps >= 1, or -1"),
    (["+trainer.limit_train_batches=0"], r"trainer.limit_train_batches=0: must be a number of batches >= 1"),
    (["+trainer.limit_train_batches=1.5"], r"trainer.limit_train_batches=1.5: must be a number of batches"),
    (["seed=abc"], r"seed='abc': must be a whole number"),
    (["data.val_size=1.5"], r"data.val_size=1.5: a fraction of the training split must lie in \(0, 1\)"),
    (["model.encoder.in_features=560"], r"model.encoder.in_features=560: the data \(MNISTDataModule\) has 28 x 28 = "
                                        r"784 pixels per image"),
    (["+experiment=vampprior/table1", "data=mnist_sample"], r"model.encoder.in_features=560: .* 784 pixels"),
])
def test_a_budget_type_or_size_that_cannot_train_is_rejected(run_inprocess, tmp_path, overrides, match):
    with pytest.raises(ConfigError, match=match):
        run_inprocess([*overrides, "callbacks.progress=null"], smoke=False)
    assert_nothing_trained(tmp_path / "run")


def test_an_accelerator_that_is_not_there_is_a_config_error(run_inprocess, tmp_path):
    """Apple's MPS: absent on every Linux machine, with or without a GPU."""
    with pytest.raises(ConfigError, match=r"^trainer: `MPSAccelerator` can not run on your system"):
        run_inprocess(["trainer.accelerator=mps"])
    assert_nothing_trained(tmp_path / "run")


@pytest.mark.parametrize("overrides,match", [
    (["debug=smoke", "trainer.max_epochs=5"], r"trainer.max_epochs=5: the debug mode .* replaces it with 1"),
    (["debug=smoke", "eval.is_samples=100"], r"eval.is_samples=100: the debug mode .* replaces it with 4"),
])
def test_the_debug_mode_never_silently_replaces_a_value_the_user_set(overrides, match):
    from tests.cli.conftest import compose_config
    from vaezoo.tasks import check_early
    with pytest.raises(ConfigError, match=match):
        check_early(compose_config(overrides), overrides)
    check_early(compose_config(["debug=smoke", "callbacks.progress=null", "seed=3"]),
                ["debug=smoke", "callbacks.progress=null", "seed=3"])   # same value, or a key it leaves: fine
    check_early(compose_config(["data=mnist", "trainer=cpu", "debug=smoke"]),
                ["data=mnist", "trainer=cpu", "debug=smoke"])   # group choices the debug mode shrinks: fine


def test_fixed_kappa_latent_runs_when_kappa_is_set(run_inprocess):
    record, _ = run_inprocess(["latent=vmf_fixed", "kappa=50", "latent.dim=8"])
    assert record["metrics"]["test/kl"] == pytest.approx(paper_kl(50.0, 8), rel=1e-5)  # Xu & Durrett §3


def test_missing_data_root_names_file_root_and_remedy(run_inprocess, tmp_path):
    with pytest.raises(DataFileError, match=r"missing train-images-idx3-ubyte.gz.*nowhere/mnist.*VAEZOO_DATA"):
        run_inprocess(["data=mnist", f"data_root={tmp_path / 'nowhere'}"])
    assert_nothing_trained(tmp_path / "run")


def test_missing_data_root_from_the_command_line(cli, tmp_path):
    result = cli("+experiment=davidson2018/table1", f"data_root={tmp_path / 'nowhere'}", "data.download=false")
    assert result.returncode == 2 and "missing train-images-idx3-ubyte.gz" in result.stderr
    # a run that started (its config.yaml written) keeps its folder and log
    (run,) = [path.parent for path in (tmp_path / "outputs").rglob("config.yaml") if path.parent.name != ".hydra"]
    assert (run / "cli.log").is_file() and (run / ".hydra" / "overrides.yaml").is_file()


def test_truncated_gz_is_rejected_before_training(run_inprocess, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(FIXTURES / "mnist", root / "mnist")
    target = root / "mnist" / "train-images-idx3-ubyte.gz"
    target.write_bytes(target.read_bytes()[:500])
    with pytest.raises(DataFileError, match="train-images-idx3-ubyte.gz is truncated"):
        run_inprocess(["data=mnist", f"data_root={root}"])
    assert_nothing_trained(tmp_path / "run")
