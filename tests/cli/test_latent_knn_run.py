"""Table 2 from a trained Table 1 run, end to end on the fixtures."""

import pytest

from tests.cli.conftest import run_task_in
from vaezoo.errors import ConfigError


def test_knn_on_a_trained_svae_writes_ours_beside_the_paper(tmp_path):
    run_task_in(tmp_path / "svae", ["+experiment=davidson2018/table1", "latent=vmf", "paper_d=5"])
    record = run_task_in(tmp_path / "knn", ["+experiment=davidson2018/table2",
                                            f"ckpt_path={tmp_path / 'svae' / 'checkpoints' / 'last.ckpt'}"])
    assert record["paper_rows"] == ["davidson2018_table2.csv:d=5,labels=10"]
    assert 0.0 <= record["metrics"]["knn_accuracy/N=10"] <= 100.0
    table = (tmp_path / "knn" / "table2.md").read_text()
    assert "(s_vae, 20 runs)" in table and "davidson2018_table2.csv:d=5,labels=10 |" in table


def test_knn_needs_labelled_data(tmp_path):
    run_task_in(tmp_path / "fixed", ["+experiment=davidson2018/table1", "data=binarized_mnist", "paper_d=2"])
    with pytest.raises(ConfigError, match="has no labels"):
        run_task_in(tmp_path / "knn", ["+experiment=davidson2018/table2",
                                       f"ckpt_path={tmp_path / 'fixed' / 'checkpoints' / 'last.ckpt'}"])
