"""The command line exactly as users type it: --cfg, -m sweeps, loggers, flags between overrides."""

import subprocess

import pytest
from omegaconf import OmegaConf

from tests.cli.conftest import FIXTURES, REPO, read_results
from tests.models.test_nvrnn import paper_kl
from vaezoo.cli import flags_before_overrides


def test_cfg_job_prints_the_composed_config(cli):
    result = cli("+experiment=davidson2018/table1", "latent=vmf", "--cfg", "job", "--resolve")
    assert result.returncode == 0
    assert "_target_: vaezoo.latent.VMFHead" in result.stdout and "dim: 6" in result.stdout
    assert "patience: 50" in result.stdout


@pytest.mark.parametrize("argv,expected", [
    (["+experiment=table3", "-m", "kappa=20,40,80"], ["-m", "+experiment=table3", "kappa=20,40,80"]),
    (["a=1", "--cfg", "job", "b=2"], ["--cfg", "job", "a=1", "b=2"]),
    (["a=1", "--info", "defaults", "b=2"], ["--info", "defaults", "a=1", "b=2"]),
    (["a=1", "--info"], ["--info", "a=1"]),
    (["--multirun", "~x", "++y=3"], ["--multirun", "~x", "++y=3"]),
])
def test_flags_may_sit_between_overrides(argv, expected):
    assert flags_before_overrides(argv) == expected


def test_multirun_over_latents_composes_matching_priors(cli, tmp_path):
    result = cli("+experiment=davidson2018/table1", "-m", "latent=gaussian,vmf", "paper_d=2", "debug=smoke",
                 f"data_root={FIXTURES}", "data.download=false")
    assert result.returncode == 0, result.stderr[-2000:]
    runs = sorted(p.parent for p in (tmp_path / "multirun").rglob("results.json"))
    assert len(runs) == 2
    configs = [(run / "config.yaml").read_text() for run in runs]
    assert any("vaezoo.priors.StandardNormal" in c and "dim: 2" in c for c in configs)
    assert any("vaezoo.priors.SphereUniform" in c and "dim: 3" in c for c in configs)
    assert {read_results(run)["paper_rows"][0] for run in runs} == {
        "davidson2018_table1.csv:model=n-vae,d=2", "davidson2018_table1.csv:model=s-vae,d=2"}


def test_the_headline_command_sweeps_kappa_exactly_as_typed(cli, tmp_path):
    """`python -m vaezoo +experiment=table3 -m kappa=20,40,80`: three jobs, each with its kappa,
    the KL of that kappa (increasing with kappa, Xu & Durrett 2018 Fig. 3), NLL, KL and PPL."""
    result = cli("+experiment=table3", "-m", "kappa=20,40,80", "debug=smoke", f"data_root={FIXTURES}",
                 "data.download=false", env={"VAEZOO_CACHE": str(tmp_path / "cache")})
    assert result.returncode == 0, result.stderr[-2000:]
    runs = sorted(p.parent for p in (tmp_path / "multirun").rglob("results.json"))
    records = sorted((float(OmegaConf.load(r / "config.yaml").kappa), read_results(r)) for r in runs)
    assert [k for k, _ in records] == [20.0, 40.0, 80.0]
    kls = [r["metrics"]["test/kl"] for _, r in records]
    assert kls == pytest.approx([paper_kl(kappa, 50) for kappa in (20.0, 40.0, 80.0)], rel=1e-5)
    for _, record in records:
        assert {"test/nll", "test/kl", "test/ppl"} <= set(record["metrics"])
        assert record["paper_rows"] == ["xu2018_table3.csv:dataset=ptb,setting=inputless,model=vmf-vae,source=xu2018"]


def test_wandb_logger_runs_offline_without_a_key(cli, tmp_path):
    result = cli("logger=wandb", "debug=smoke", env={"WANDB_API_KEY": ""})
    assert result.returncode == 0, result.stderr[-2000:]
    assert list(tmp_path.rglob("wandb/offline-run-*"))
    assert list(tmp_path.rglob("metrics.csv"))


def test_help_lists_every_config_group(cli):
    result = cli("--help")
    assert result.returncode == 0 and result.stdout.startswith("vaezoo")
    groups = {line.split(":")[0] for line in result.stdout.splitlines() if ": " in line}
    assert {"model", "latent", "prior", "data", "objective", "optimizer", "eval", "task", "debug",
            "trainer", "logger"} <= groups


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()


def test_a_run_started_outside_the_repository_records_the_code_that_ran(cli, tmp_path):
    """The SHA is read where the package lives, not in the working directory (tmp_path here)."""
    result = cli(f"data_root={FIXTURES}", "data.download=false", "debug=smoke", "hydra.run.dir=out")
    assert result.returncode == 0, result.stderr[-2000:]
    record = read_results(tmp_path / "out")
    assert record["git_sha"] == git("rev-parse", "HEAD")
    assert record["git_dirty"] == bool(git("status", "--porcelain", "--untracked-files=no"))


@pytest.mark.parametrize("argv,says", [
    (["+experiment=nonexistent"], "+experiment=nonexistent: no such experiment; choose one of: bahuleyan2019/table1"),
    (["+experiment=table3,xu2018/nope", "-m"], "+experiment=xu2018/nope: no such experiment"),
    (["no_such_key=1"], "Could not override 'no_such_key'"),
    (["+experiment=table3", "-m", "kappa=20,40", "--cfg", "job"], "Only one of --run, --multirun, --cfg"),
    (["latent.dim=abc"], "vaezoo: error: latent.dim='abc': sizes must be positive integers"),
    (["latnet.dim=3"], "vaezoo: error: latnet.dim: no config has the key 'latnet'; did you mean latent.dim?"),
    (["hydra.run.dir=a_file"], "vaezoo: error: hydra.run.dir=a_file is an existing file, not a folder"),
])
def test_every_command_line_or_config_error_exits_2_with_its_message(cli, tmp_path, argv, says):
    (tmp_path / "a_file").write_text("kept\n")
    result = cli(*argv)
    assert result.returncode == 2 and says in result.stderr, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and (tmp_path / "a_file").read_text() == "kept\n"


def test_the_unknown_experiment_message_lists_the_papers_experiments():
    from vaezoo.cli import experiments, unknown_experiment
    assert {"table3", "xu2018/table3", "davidson2018/table1", "qian/table2"} <= set(experiments())
    assert not any(name.startswith(("xu2018/variant", "qian/row")) for name in experiments())   # groups
    assert unknown_experiment(["+experiment=qian/table2", "seed=1"]) is None


def test_a_did_you_mean_only_for_keys_no_config_has():
    from vaezoo.cli import unknown_key_hint
    assert unknown_key_hint(["+experiment=table3", "kapa=20"]) == (
        "kapa: no config has the key 'kapa'; did you mean kappa?")
    known = ["paper_d=2", "table3_setting=h300_k100", "hydra.run.dir=x", "-m", "+trainer.max_time=1"]
    assert unknown_key_hint(known) is None


def test_a_sweep_with_one_bad_value_launches_no_job(cli, tmp_path):
    result = cli("-m", "debug=smoke", "latent.dim=4,0", "hydra.sweep.dir=sweep")
    assert result.returncode == 2, result.stderr[-2000:]
    assert ("vaezoo: error: sweep job #1 (debug=smoke latent.dim=0): latent.dim=0: sizes must be positive "
            "integers; no job was launched") in result.stderr
    assert not (tmp_path / "sweep").exists()
