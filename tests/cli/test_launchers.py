"""Sweeps through Hydra's launchers: a grid on submitit's local executor ends with a grouped summary;
the SLURM launcher's config is what README documents; a requeued SLURM job resumes by itself."""

import json
import os
import subprocess
import sys

import pytest

from tests.cli.conftest import REPO, compose_config
from vaezoo.report.sweep import group
from vaezoo.tasks.train import build_trainer, checkpoint_to_resume

TINY = ["trainer.max_epochs=1", "trainer.limit_train_batches=2", "eval.is_samples=4", "callbacks.progress=null"]


def vaezoo(cwd, *args):
    env = {**os.environ, "WANDB_MODE": "offline", "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "vaezoo", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=900)


def test_a_grid_on_submitit_local_writes_every_job_and_a_summary_grouped_by_setting(tmp_path):
    done = vaezoo(tmp_path, "-m", "hydra/launcher=submitit_local", "seed=0,1", "latent=gaussian,vmf", *TINY,
                  f"hydra.sweep.dir={tmp_path / 'sweep'}")
    assert done.returncode == 0, done.stderr[-3000:]
    jobs = sorted((tmp_path / "sweep").glob("[0-9]/results.json"))
    assert len(jobs) == 4 and all(json.loads(j.read_text())["metrics"]["test/elbo"] < 0 for j in jobs)
    summary = json.loads((tmp_path / "sweep" / "summary.json").read_text())
    assert [g["setting"] for g in summary["groups"]] == ["latent=gaussian", "latent=vmf"]
    assert all(sorted(g["seeds"]) == [0, 1] and g["metrics"]["test/elbo"]["n"] == 2 for g in summary["groups"])
    assert "trainer.max_epochs=1" in summary["common"]
    assert "latent=vmf" in (tmp_path / "sweep" / "summary.md").read_text()


def test_two_runs_started_in_the_same_second_get_folders_of_their_own(tmp_path):
    runs = [subprocess.Popen([sys.executable, "-m", "vaezoo", *TINY], cwd=tmp_path, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
            for _ in range(2)]
    for run in runs:
        _, stderr = run.communicate(timeout=600)
        assert run.returncode == 0, stderr[-3000:]
    folders = sorted((tmp_path / "outputs" / "default").iterdir())
    assert len(folders) == 2 and all((f / "results.json").is_file() for f in folders)


def test_group_puts_seeds_of_one_setting_together_and_leaves_shared_overrides_out():
    def run(seed, kappa, nll):
        return {"overrides": [f"seed={seed}", f"kappa={kappa}", "trainer.max_epochs=3"], "seed": seed,
                "metrics": {"test/nll": nll}, "folder": f"{seed}-{kappa}", "scale": "full", "stopped_by": "budget"}

    groups = group([run(0, 20, 100.0), run(1, 20, 102.0), run(0, 80, 90.0)])
    assert [(g["setting"], g["seeds"]) for g in groups] == [("kappa=20", [0, 1]), ("kappa=80", [0])]
    assert groups[0]["metrics"]["test/nll"] == {"mean": 101.0, "n": 2, "std": pytest.approx(2 ** 0.5)}
    assert groups[1]["metrics"]["test/nll"]["std"] is None


def test_the_slurm_launcher_config_submits_one_task_per_gpu_through_submitit(tmp_path):
    shown = vaezoo(tmp_path, "hydra/launcher=slurm", "hydra.launcher.partition=gpu", "--cfg", "hydra")
    assert shown.returncode == 0, shown.stderr[-3000:]
    launcher = shown.stdout.split("  launcher:\n", 1)[1]
    for line in ("_target_: hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher",
                 "partition: gpu", "gpus_per_node: 4", "tasks_per_node: 4", "signal_delay_s: 120",
                 "max_num_timeout: 10"):
        assert f"    {line}\n" in launcher


def test_lightning_does_not_requeue_slurm_jobs_itself(tmp_path, monkeypatch):
    for name, value in {"SLURM_NTASKS": "1", "SLURM_JOB_NAME": "vaezoo", "SLURM_NODELIST": "node1",
                        "SLURM_JOB_ID": "7", "SLURM_PROCID": "0", "SLURM_LOCALID": "0", "SLURM_NODEID": "0"}.items():
        monkeypatch.setenv(name, value)
    trainer = build_trainer(compose_config(["callbacks.progress=null"]), tmp_path)
    environment = trainer._accelerator_connector.cluster_environment
    assert type(environment).__name__ == "SLURMEnvironment" and environment.auto_requeue is False


def test_a_requeued_slurm_job_resumes_from_its_own_last_checkpoint(tmp_path, monkeypatch):
    assert checkpoint_to_resume(None, tmp_path) is None
    assert checkpoint_to_resume("last", tmp_path) is None               # a first start: nothing to resume
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "last.ckpt").write_bytes(b"")
    assert checkpoint_to_resume("last", tmp_path) == str(tmp_path / "checkpoints" / "last.ckpt")
    assert checkpoint_to_resume(None, tmp_path) is None                 # a new run never resumes by itself
    monkeypatch.setenv("SLURM_RESTART_COUNT", "1")
    assert checkpoint_to_resume(None, tmp_path) == str(tmp_path / "checkpoints" / "last.ckpt")
    assert checkpoint_to_resume("/elsewhere/x.ckpt", tmp_path) == "/elsewhere/x.ckpt"


def test_wandb_runs_of_one_sweep_share_a_group_are_tagged_and_get_the_config(tmp_path, monkeypatch):
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode
    from omegaconf import open_dict

    from vaezoo.cli import CONFIG_DIR

    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.chdir(tmp_path)
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(config_name="config", return_hydra_config=True,
                      overrides=["logger=wandb", "+experiment=table3", "callbacks.progress=null",
                                 "hydra.sweep.dir=multirun/xu2018/table3/2026-12-06_12-00-00_abc123"])
    with open_dict(cfg):
        cfg.hydra.mode = RunMode.MULTIRUN
    HydraConfig.instance().set_config(cfg)
    try:
        with open_dict(cfg):
            del cfg["hydra"]
        trainer = build_trainer(cfg, tmp_path)
        wandb_logger = next(lg for lg in trainer.loggers if type(lg).__name__ == "WandbLogger")
        assert wandb_logger._wandb_init["group"] == "xu2018/table3/2026-12-06_12-00-00_abc123"
        assert list(wandb_logger._wandb_init["tags"]) == ["xu2018", "table3"]
        config = wandb_logger.experiment.config
        assert config["kappa"] == 80 and config["name"] == "xu2018/table3"
        wandb_logger.experiment.finish()
    finally:
        HydraConfig.instance().cfg = None
