"""Table 2 from a trained Table 1 run, end to end on the fixtures."""

import pytest

from tests.cli.conftest import FIXTURES, run_task_in
from vaezoo.data.idx import read_idx_gz
from vaezoo.errors import ConfigError


def test_knn_on_a_trained_svae_writes_ours_beside_the_paper(tmp_path):
    run_task_in(tmp_path / "svae", ["+experiment=davidson2018/table1", "latent=vmf", "paper_d=5"])
    record = run_task_in(tmp_path / "knn", ["+experiment=davidson2018/table2",
                                            f"ckpt_path={tmp_path / 'svae' / 'checkpoints' / 'last.ckpt'}"])
    assert record["paper_rows"] == ["davidson2018_table2.csv:d=5,labels=10,model=s-vae"]
    # the status page's name for the row's accuracy
    assert record["metrics"]["test/acc@d=5,labels=10,model=s-vae"] == record["metrics"]["knn_accuracy/N=10"]
    # A mean over 2 draws (debug=smoke) of accuracies on the whole fixture test split: a multiple of 50 / |test|.
    tests = len(read_idx_gz(FIXTURES / "mnist" / "t10k-labels-idx1-ubyte.gz"))
    correct_over_draws = record["metrics"]["knn_accuracy/N=10"] * tests * 2 / 100
    assert correct_over_draws == pytest.approx(round(correct_over_draws), abs=1e-6)
    assert record["estimators"]["knn_accuracy"] == {"method": "repeated_class_balanced_draws", "samples": 2}
    table = (tmp_path / "knn" / "table2.md").read_text()
    assert "(s-vae, 20 runs)" in table and "davidson2018_table2.csv:d=5,labels=10,model=s-vae |" in table


def test_knn_needs_labelled_data(tmp_path):
    run_task_in(tmp_path / "fixed", ["+experiment=davidson2018/table1", "data=binarized_mnist", "paper_d=2"])
    with pytest.raises(ConfigError, match="has no labels"):
        run_task_in(tmp_path / "knn", ["+experiment=davidson2018/table2",
                                       f"ckpt_path={tmp_path / 'fixed' / 'checkpoints' / 'last.ckpt'}"])


def test_knn_on_an_m1_m2_model_reads_all_its_training_labels_and_quotes_no_table_2_row(tmp_path):
    """The separability of an M1+M2 model's z1: a probe, not a Table 2 row."""
    run_task_in(tmp_path / "m1m2", ["+experiment=davidson2018/table3", "latent=vmf", "z2_latent=vmf"])
    record = run_task_in(tmp_path / "knn", ["+experiment=davidson2018/table2",
                                            f"ckpt_path={tmp_path / 'm1m2' / 'checkpoints' / 'last.ckpt'}"])
    assert record["paper_rows"] == [] and not any(name.startswith("test/acc@") for name in record["metrics"])
    assert 0 <= record["metrics"]["knn_accuracy/N=10"] <= 100
    assert "| 10 | - |" in (tmp_path / "knn" / "table2.md").read_text()
