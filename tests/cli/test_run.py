"""Single runs through Hydra's compose API: outputs, metrics, checkpoints, resume, scale."""

import csv
import math

import pytest
import torch

from tests.cli.conftest import FIXTURES, compose_config, read_results

# A short non-smoke run: debug=smoke would pin max_epochs to 1.
QUICK = ["trainer.limit_train_batches=2", "trainer.limit_val_batches=1", "trainer.limit_test_batches=1",
         "eval.is_samples=3", "eval.is_chunk=3", "data.val_size=0.2", "callbacks.progress=null"]


@pytest.mark.parametrize("latent,prior", [("gaussian", "StandardNormal"), ("vmf", "SphereUniform"),
                                          ("power_spherical", "SphereUniform")])
def test_latent_selects_its_prior(latent, prior):
    cfg = compose_config([f"latent={latent}"])
    assert cfg.prior._target_.endswith(prior)


def test_davidson_table1_maps_manifold_dimension_to_the_length_of_z():
    gaussian = compose_config(["+experiment=davidson2018/table1", "paper_d=5"])
    svae = compose_config(["+experiment=davidson2018/table1", "paper_d=5", "latent=vmf"])
    power = compose_config(["+experiment=davidson2018/table1", "paper_d=5", "latent=power_spherical"])
    assert power.latent.dim == 6 and power.prior._target_.endswith("SphereUniform")
    assert gaussian.latent.dim == 5 and svae.latent.dim == 6 and svae.prior.dim == 6
    assert svae.paper_rows == ["davidson2018_table1.csv:model=s-vae,d=5"]
    assert gaussian.paper_rows == ["davidson2018_table1.csv:model=n-vae,d=5"]
    assert svae.callbacks.early_stopping.patience == 50 and svae.objective.terms.kl.weight.epochs == 100


def test_results_json_holds_test_and_selected_validation_metrics_with_paper_signs(run_inprocess):
    record, out = run_inprocess(["+experiment=davidson2018/table1", "latent=vmf", "paper_d=2"])
    m = record["metrics"]
    assert set(m) == {"test/ll", "test/nll", "test/elbo", "test/re", "test/kl",
                      "val/elbo", "val/re", "val/kl", "val/ll"}
    assert m["test/nll"] == -m["test/ll"]
    assert m["val/elbo"] < 0 and m["val/kl"] > 0
    assert math.isclose(m["val/elbo"], m["val/re"] - m["val/kl"], rel_tol=1e-5)
    assert m["test/ll"] < 0 and m["test/elbo"] < 0 and m["test/re"] < 0 and m["test/kl"] > 0
    assert math.isclose(m["test/elbo"], m["test/re"] - m["test/kl"], rel_tol=1e-5)
    assert record["estimators"]["test/ll"] == {"method": "importance_sampling", "samples": 4}
    assert record["paper_rows"] == ["davidson2018_table1.csv:model=s-vae,d=2"]


def test_per_epoch_curves_are_in_the_metrics_csv(run_inprocess):
    _, out = run_inprocess(["data=mnist", "latent=vmf", "trainer.max_epochs=2", "eval.val_is_samples=3", *QUICK],
                           smoke=False)
    rows = list(csv.DictReader(open(out / "metrics.csv")))
    columns = set(rows[0])
    assert {"train/elbo", "train/kl", "train/re", "train/kappa", "val/elbo", "val/kl", "val/ll", "epoch"} <= columns
    val_rows = [r for r in rows if r["val/ll"]]
    assert len(val_rows) == 2 and all(float(r["val/ll"]) >= float(r["val/elbo"]) - 5 for r in val_rows)
    epochs = {r["epoch"] for r in rows if r["val/elbo"]}
    assert epochs == {"0", "1"}
    assert read_results(out)["scale"] == "reduced" and read_results(out)["stopped_by"] == "budget"


def test_checkpoints_load_with_weights_only_and_training_resumes(run_inprocess, tmp_path):
    from vaezoo.tasks import run_task
    _, out = run_inprocess(["latent=vmf"])
    last = out / "checkpoints" / "last.ckpt"
    state = torch.load(last, weights_only=True)
    assert "state_dict" in state and any(k.startswith("latent.") for k in state["state_dict"])
    # Resume from a new invocation (Hydra gives it a new directory): training continues in the
    # checkpoint's run directory, whose curves keep the first run's epoch.
    overrides = [f"data_root={FIXTURES}", "latent=vmf", f"ckpt_path={last}", "trainer.max_epochs=3", *QUICK]
    record = run_task(compose_config(overrides), tmp_path / "new_invocation", overrides)
    assert record["epochs"] == 3 and read_results(out)["epochs"] == 3
    epochs = {row["epoch"] for row in csv.DictReader(open(out / "metrics.csv")) if row["val/elbo"]}
    assert epochs == {"0", "1", "2"}
    assert sorted(p.name for p in (tmp_path / "new_invocation").iterdir()) == ["config.yaml"]


def test_a_run_with_a_critic_resumes_with_both_optimisers(tmp_path):
    """Manual optimisation: the checkpoint holds the model's and the critic's optimiser states, and
    a resumed run continues both (Adam's step count: 2 batches per epoch, 3 epochs)."""
    from vaezoo.tasks import run_task
    base = [f"data_root={FIXTURES}", "objective=wae_gan", "objective.terms.adversary.hidden_sizes=[8]", *QUICK]
    first = [*base, "trainer.max_epochs=1"]
    run_task(compose_config(first), tmp_path / "run", first)
    resumed = [*base, f"ckpt_path={tmp_path / 'run' / 'checkpoints' / 'last.ckpt'}", "trainer.max_epochs=3"]
    record = run_task(compose_config(resumed), tmp_path / "again", resumed)
    state = torch.load(tmp_path / "run" / "checkpoints" / "last.ckpt", weights_only=True)
    steps = [int(next(iter(optimizer["state"].values()))["step"]) for optimizer in state["optimizer_states"]]
    assert record["epochs"] == 3 and steps == [6, 6]


@pytest.mark.parametrize("overrides,scale", [
    (["data_root=/x", "eval.is_chunk=10", "callbacks.progress=null", "seed=3", "flush_denormal=false"], "full"),
    (["trainer=ddp"], "reduced"),
    (["trainer.max_epochs=3"], "reduced"),
    (["optimizer.main.optimizer.lr=0.01"], "reduced"),
    (["data=binarized_mnist"], "reduced"),
    (["eval.is_samples=50"], "reduced"),
    (["latent=vmf", "paper_d=10"], "full"),                   # the table's rows
    (["latent.kappa_min=5"], "reduced"),                      # latent.*: not the published model
    (["prior=vampprior"], "reduced"),
    (["gaussian_scale_link=exp"], "reduced"),                 # a top-level value
    (["objective.terms.kl.weight.epochs=10"], "reduced"),
    (["hydra/launcher=slurm", "name=mine", "logger=wandb"], "full"),
])
def test_scale_of_a_full_experiment_under_overrides(overrides, scale):
    from vaezoo.results import run_scale
    cfg = compose_config(["+experiment=davidson2018/table1"])
    assert run_scale(cfg, ["+experiment=davidson2018/table1", *overrides], is_proxy_data=False) == scale


@pytest.mark.parametrize("experiment, overrides, scale", [
    ("xu2018/table3_grid", ["experiment/xu2018/variant=g_vae", "kappa=20"], "full"),   # its axes
    ("xu2018/fig6", ["experiment/xu2018/variant=g_vae"], "reduced"),                  # not its model
    ("davidson2018/table5", ["task.samples=10"], "reduced"),                          # a task's settings
    ("davidson2018/table5", ["debug=smoke"], "smoke"),
])
def test_one_scale_rule_for_variants_and_tasks(experiment, overrides, scale):
    from vaezoo.results import run_scale
    from vaezoo.tasks import apply_debug
    cfg = compose_config([f"+experiment={experiment}", *overrides])
    apply_debug(cfg)
    assert run_scale(cfg, [f"+experiment={experiment}", *overrides], is_proxy_data=False) == scale


@pytest.mark.parametrize("overrides,scale", [
    (["data=citeseer", "latent=vmf", "seed=4"], "full"),      # the table's own rows
    (["data=citeseer", "optimizer.main.optimizer.lr=0.1"], "reduced"),
])
def test_choosing_an_experiments_rows_keeps_it_full(overrides, scale):
    """davidson2018/table4 lists data and latent as its axes."""
    from vaezoo.results import run_scale
    cfg = compose_config(["+experiment=davidson2018/table4", *overrides])
    assert run_scale(cfg, ["+experiment=davidson2018/table4", *overrides], is_proxy_data=False) == scale


@pytest.mark.parametrize("overrides,auc", [(["data=cora", "latent=vmf"], "94.1"), (["data=citeseer"], "90.3"),
                                           (["data=pubmed", "latent=vmf"], "96.0")])
def test_davidson_table4_quotes_the_row_of_its_graph_and_model(overrides, auc):
    from vaezoo.report.compare import paper_row
    cfg = compose_config(["+experiment=davidson2018/table4", *overrides])
    (reference,) = cfg.paper_rows
    assert paper_row(reference)["auc"] == auc


def test_default_job_runs_on_the_embedded_sample(tmp_path):
    from vaezoo.tasks import run_task
    overrides = ["debug=smoke"]
    record = run_task(compose_config(overrides), tmp_path, overrides)
    assert record["scale"] == "smoke" and record["experiment"] == "default"
    m = record["metrics"]
    assert set(m) == {"test/ll", "test/nll", "test/elbo", "test/re", "test/kl", "val/elbo", "val/re", "val/kl"}
    assert m["test/nll"] == -m["test/ll"] and m["test/elbo"] == pytest.approx(m["test/re"] - m["test/kl"], rel=1e-5)
    assert record["estimators"]["test/ll"] == {"method": "importance_sampling", "samples": 4}


def test_slurm_launcher_and_ddp_trainer_compose():
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from vaezoo.cli import CONFIG_DIR
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(config_name="config", overrides=["hydra/launcher=slurm", "trainer=ddp"],
                      return_hydra_config=True)
    assert cfg.hydra.launcher._target_.endswith("SlurmLauncher")
    assert cfg.hydra.launcher.tasks_per_node == cfg.hydra.launcher.gpus_per_node
    assert cfg.trainer.strategy == "ddp" and cfg.trainer.devices == "auto" and cfg.trainer.accelerator == "auto"


@pytest.mark.parametrize("overrides", [["latent=vmf", "latent.grad_correction=true", "latent.dim=6"],
                                       ["latent=power_spherical", "latent.dim=6"]])
def test_sphere_latent_options_train_end_to_end(run_inprocess, overrides):
    record, out = run_inprocess(overrides)
    assert all(math.isfinite(v) for v in record["metrics"].values())
    rows = list(csv.DictReader(open(out / "metrics.csv")))
    assert any(row.get("train/kappa") for row in rows)


@pytest.mark.parametrize("stopped_by_the_clock,scale", [(False, "full"), (True, "reduced")])
def test_a_wall_clock_guard_reduces_the_scale_only_if_it_ended_training(stopped_by_the_clock, scale):
    from vaezoo.results import run_scale
    overrides = ["+experiment=davidson2018/table1", '+trainer.max_time="00:00:10:00"']
    assert run_scale(compose_config(overrides), overrides, False, stopped_by_the_clock) == scale


class _TimedModel:
    """A BoringModel whose steps take time and whose validation loss is chosen (for stop_reason)."""

    @staticmethod
    def make(train_seconds: float = 0.0, val_seconds: float = 0.0, val_loss: float | None = None):
        import time

        from lightning.pytorch.demos.boring_classes import BoringModel

        class TimedModel(BoringModel):
            def training_step(self, batch, batch_idx):
                time.sleep(train_seconds)
                return super().training_step(batch, batch_idx)

            def validation_step(self, batch, batch_idx):
                time.sleep(val_seconds)
                loss = self.step(batch)
                self.log("valid_loss", loss if val_loss is None else torch.full_like(loss, val_loss))

        return TimedModel()


@pytest.mark.parametrize("limits,model,early_stopping,reason", [
    ({"max_epochs": 2}, {}, None, "budget"),
    ({"max_time": {"seconds": 1}, "max_epochs": 1000}, {"train_seconds": 0.2}, None, "time_limit"),
    # the clock runs out during the last validation, after the epoch budget ended training
    ({"max_time": {"seconds": 1}, "max_epochs": 1}, {"val_seconds": 1.2}, None, "budget"),
    ({"max_epochs": 20}, {}, {"patience": 0, "min_delta": 1e9}, "early_stopping"),
    ({"max_epochs": 20}, {"val_loss": float("nan")}, {"check_finite": True}, "early_stopping"),  # at epoch 0
])
def test_stop_reason_tells_the_clock_early_stopping_and_the_budget_apart(limits, model, early_stopping, reason):
    import lightning.pytorch as pl
    from lightning.pytorch.callbacks import EarlyStopping, Timer

    from vaezoo.tasks.train import stop_reason
    callbacks = [EarlyStopping("valid_loss", **early_stopping)] if early_stopping else []
    trainer = pl.Trainer(**limits, callbacks=callbacks, limit_train_batches=4, limit_val_batches=1, logger=False,
                         enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(_TimedModel.make(**model))
    assert stop_reason(trainer) == reason
    assert (trainer.current_epoch < limits["max_epochs"]) is (reason != "budget")
    if "val_seconds" in model:  # the edge case is real: the clock had run out too
        assert [c.time_remaining() <= 0 for c in trainer.callbacks if isinstance(c, Timer)] == [True]


@pytest.mark.parametrize("overrides", [
    ["latent=deterministic", "objective=wae_d", "eval.is_samples=0"],                 # WAE-D
    ["objective=wae_s"],                                                               # WAE-S
    ["latent=vmf", "objective=wae_d", "objective.terms.mmd.weight=3"],                 # a spherical WAE
])
def test_wasserstein_objectives_train_from_config(run_inprocess, overrides):
    """Bahuleyan et al.'s objectives as terms and a yaml: MMD (and the WAE-S KL) logged per term."""
    record, out = run_inprocess(overrides)
    columns = set(next(csv.DictReader(open(out / "metrics.csv"))))
    assert {"train/mmd", "train/weight/mmd", "val/mmd"} <= columns
    assert ("train/scale_kl" in columns) is ("objective=wae_s" in overrides)
    m = record["metrics"]
    assert m["test/elbo"] == pytest.approx(m["test/re"], rel=1e-6)   # no KL term: the bound is the reconstruction


def subnormal_survives() -> bool:
    return bool((torch.tensor([1e-39], dtype=torch.float32) * 1.0 != 0).item())   # 1e-39: subnormal in float32


@pytest.mark.parametrize("flush", [True, False])
def test_flush_denormal_holds_during_the_run_and_the_process_setting_comes_back(run_inprocess, monkeypatch, flush):
    from vaezoo.tasks.train import subnormals_flushed
    with subnormals_flushed(True):
        assert not subnormal_survives()
    assert subnormal_survives()   # restored
    seen = []
    real_set = torch.set_flush_denormal
    monkeypatch.setattr(torch, "set_flush_denormal", lambda mode: (seen.append(mode), real_set(mode))[1])
    run_inprocess([f"flush_denormal={str(flush).lower()}"])
    assert seen == [flush, False] and subnormal_survives()
