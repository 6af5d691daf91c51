import csv

from vaezoo.outputs import keep_earlier_metrics, merge_metrics, without_repeats


def write(path, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(dict.fromkeys(k for row in rows for k in row)))
        writer.writeheader()
        writer.writerows(rows)


def read(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_merge_keeps_earlier_rows_first_over_the_union_of_columns(tmp_path):
    write(tmp_path / "old.csv", [{"epoch": "0", "val/elbo": "-120"}])
    write(tmp_path / "metrics.csv", [{"epoch": "1", "val/elbo": "-110", "val/ll": "-105"}])
    merge_metrics(tmp_path / "old.csv", tmp_path / "metrics.csv")
    rows = read(tmp_path / "metrics.csv")
    assert [r["epoch"] for r in rows] == ["0", "1"] and rows[0]["val/ll"] == "" and rows[1]["val/ll"] == "-105"


def test_resumed_run_keeps_the_curves_of_earlier_epochs(tmp_path):
    write(tmp_path / "metrics.csv", [{"epoch": "0", "val/elbo": "-120"}])
    with keep_earlier_metrics(tmp_path):
        assert not (tmp_path / "metrics.csv").exists()  # the logger starts a fresh file
        write(tmp_path / "metrics.csv", [{"epoch": "1", "val/elbo": "-110"}])
    assert [r["epoch"] for r in read(tmp_path / "metrics.csv")] == ["0", "1"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.csv"]


def test_a_resume_that_fails_puts_the_earlier_rows_back_with_its_own(tmp_path):
    write(tmp_path / "metrics.csv", [{"epoch": "0", "val/elbo": "-120"}])
    try:
        with keep_earlier_metrics(tmp_path):
            write(tmp_path / "metrics.csv", [{"epoch": "1", "val/elbo": "-110"}])
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    assert [r["epoch"] for r in read(tmp_path / "metrics.csv")] == ["0", "1"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.csv"]


def test_a_resume_that_fails_before_logging_leaves_the_file_as_it_was(tmp_path):
    write(tmp_path / "metrics.csv", [{"epoch": "0", "val/elbo": "-120"}])
    before = (tmp_path / "metrics.csv").read_bytes()
    try:
        with keep_earlier_metrics(tmp_path):
            raise RuntimeError("the resumed model does not fit")
    except RuntimeError:
        pass
    assert (tmp_path / "metrics.csv").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.csv"]


def test_a_resume_from_an_older_checkpoint_keeps_each_step_once_the_later_attempts(tmp_path):
    """Epochs 0-2 logged, killed after epoch 2 whose checkpoint was not written, resumed from
    epoch 1's: epoch 2 logged again at the same step, within one merged file."""
    earlier = [{"epoch": e, "step": s, "val/elbo": v} for e, s, v in [(0, 9, -120), (1, 19, -110), (2, 29, -105)]]
    earlier += [{"epoch": 2, "step": 29, "train/loss": 104}]
    write(tmp_path / "metrics.csv", earlier)
    with keep_earlier_metrics(tmp_path):
        write(tmp_path / "metrics.csv", [{"epoch": 2, "step": 29, "val/elbo": -104},
                                         {"epoch": 2, "step": 29, "train/loss": 103},
                                         {"epoch": 3, "step": 39, "val/elbo": -101}])
    rows = read(tmp_path / "metrics.csv")
    assert [(r["epoch"], r["val/elbo"], r["train/loss"]) for r in rows] == [
        ("0", "-120", ""), ("1", "-110", ""), ("2", "-104", ""), ("2", "", "103"), ("3", "-101", "")]


def test_a_mid_epoch_resume_keeps_the_earlier_steps_before_the_checkpoint():
    rows = [{"epoch": "0", "step": str(s), "train/loss": str(100 - s)} for s in (5, 10, 15, 20)]
    rows += [{"epoch": "0", "step": str(s), "train/loss": str(90 - s)} for s in (15, 20, 25)]   # resumed at step 12
    assert [(r["step"], r["train/loss"]) for r in without_repeats(rows)] == [
        ("5", "95"), ("10", "90"), ("15", "75"), ("20", "70"), ("25", "65")]


def test_rows_of_one_attempt_at_one_step_are_all_kept():
    rows = [{"epoch": "0", "step": "9", "val/elbo": "-1"}, {"epoch": "0", "step": "9", "train/loss": "2"},
            {"epoch": "1", "step": "10", "test/elbo": "-1"}]
    assert without_repeats(rows) == rows
