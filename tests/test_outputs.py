import csv

from vaezoo.outputs import keep_earlier_metrics, merge_metrics


def write(path, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
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
