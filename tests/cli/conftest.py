"""Helpers to run vaezoo through Hydra: in-process with the compose API (fast), or as a
subprocess exactly as a user types it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

from vaezoo.cli import CONFIG_DIR
from vaezoo.config import register_resolvers
from vaezoo.tasks import run_task

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
# Short names users type for an experiment defined elsewhere: alias -> the experiment's name.
ALIASES = {"table3": "xu2018/table3"}
# Experiments are experiment/<name>.yaml and experiment/<paper>/<name>.yaml; deeper folders are the
# groups an experiment chooses from (experiment/xu2018/variant).
EXPERIMENTS = sorted(str(p.relative_to(Path(CONFIG_DIR) / "experiment").with_suffix(""))
                     for p in (Path(CONFIG_DIR) / "experiment").rglob("*.yaml")
                     if len(p.relative_to(Path(CONFIG_DIR) / "experiment").parts) <= 2)


def compose_config(overrides: list[str]):
    register_resolvers()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        return compose(config_name="config", overrides=overrides)


def run_task_in(directory: Path, overrides: list[str]) -> dict:
    """Compose (smoke mode, test fixtures) and run into ``directory``."""
    overrides = [f"data_root={FIXTURES}", "data.download=false", "debug=smoke", *overrides]
    return run_task(compose_config(overrides), directory, overrides)


@pytest.fixture
def run_inprocess(tmp_path):
    """Compose with overrides (smoke mode on the test fixtures) and run; returns (record, dir)."""

    def _run(overrides: list[str], smoke: bool = True) -> tuple[dict, Path]:
        base = [f"data_root={FIXTURES}", "data.download=false"] + (["debug=smoke"] if smoke else [])
        overrides = base + overrides
        out = tmp_path / "run"
        return run_task(compose_config(overrides), out, overrides), out

    return _run


@pytest.fixture
def cli(tmp_path):
    """Run `python -m vaezoo ARGS` in tmp_path; returns the CompletedProcess."""

    def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        full_env = {**os.environ, "WANDB_MODE": "offline", "WANDB_SILENT": "true", **(env or {})}
        return subprocess.run([sys.executable, "-m", "vaezoo", *args], cwd=tmp_path, env=full_env,
                              capture_output=True, text=True, timeout=600)

    return _cli


def read_results(directory: Path) -> dict:
    return json.loads((directory / "results.json").read_text())
