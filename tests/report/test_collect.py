import csv
import json

import pytest

from vaezoo.report.collect import CollectError, collect, main


def finished_run(folder):
    (folder / "checkpoints").mkdir(parents=True)
    (folder / "checkpoints" / "best.ckpt").write_bytes(b"weights")
    (folder / "config.yaml").write_text(f"seed: 0\nckpt_path: {folder}/checkpoints/last.ckpt\nname: x\n")
    (folder / "metrics.csv").write_text("epoch,val/elbo\n0,-100\n")
    (folder / "results.json").write_text(json.dumps(
        {"seed": 0, "checkpoint": str(folder / "checkpoints" / "best.ckpt"), "metrics": {"test/nll": 90.0}}))
    (folder / "pseudo_inputs.json").write_text(json.dumps({"moved_fraction": 1.0}))
    (folder / "images").mkdir()
    (folder / "images" / "samples_tested.png").write_bytes(b"\x89PNG")
    (folder / ".hydra").mkdir()
    (folder / ".hydra" / "overrides.yaml").write_text(f"- +experiment=x\n- seed=0\n- hydra.run.dir={folder}\n"
                                                      f"- ckpt_path={folder}/checkpoints/last.ckpt\n")
    return folder


def test_collect_copies_the_small_files_with_paths_relative_to_the_run(tmp_path):
    run = finished_run(tmp_path / "outside" / "run")
    record = tmp_path / "experiments" / "runs" / "name"
    collect(run, record)
    assert sorted(p.name for p in record.iterdir()) == ["config.yaml", "images", "metrics.csv", "overrides.yaml",
                                                        "pseudo_inputs.json", "results.json"]
    assert (record / "images" / "samples_tested.png").read_bytes() == b"\x89PNG"
    assert not (record / "checkpoints").exists()
    # not where it was written; the checkpoint it resumed from as a path inside the run
    assert (record / "overrides.yaml").read_text() == "- +experiment=x\n- seed=0\n- ckpt_path=checkpoints/last.ckpt\n"
    assert (record / "config.yaml").read_text() == "seed: 0\nckpt_path: checkpoints/last.ckpt\nname: x\n"
    results = json.loads((record / "results.json").read_text())
    assert results["checkpoint"] == "checkpoints/best.ckpt" and results["metrics"] == {"test/nll": 90.0}
    assert (record / "metrics.csv").read_text() == (run / "metrics.csv").read_text()


def test_collect_never_overwrites_a_record_and_refuses_an_unfinished_run(tmp_path, capsys):
    run = finished_run(tmp_path / "run")
    record = tmp_path / "record"
    record.mkdir()
    (record / "results.json").write_text("kept")
    with pytest.raises(SystemExit, match="exists; remove it first"):
        main([str(run), str(record)])
    assert (record / "results.json").read_text() == "kept"
    (run / "results.json").unlink()
    with pytest.raises(CollectError, match="lacks results.json"):
        collect(run, tmp_path / "other")
    assert not (tmp_path / "other").exists()


def test_collect_takes_a_measuring_task_without_curves_and_its_own_table(tmp_path):
    """Davidson Table 5's sampler task trains nothing: no metrics.csv, a table5.md of its own."""
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.yaml").write_text("seed: 0\n")
    (run / "results.json").write_text(json.dumps({"seed": 0, "metrics": {"test/proposals@d=5,kappa=1": 1.02}}))
    (run / "table5.md").write_text("| d | kappa |\n")
    collect(run, tmp_path / "record")
    assert sorted(p.name for p in (tmp_path / "record").iterdir()) == ["config.yaml", "results.json", "table5.md"]


def test_collect_refuses_a_training_run_that_has_not_written_its_curves(tmp_path):
    run = finished_run(tmp_path / "run")
    (run / "metrics.csv").unlink()
    with pytest.raises(CollectError, match="lacks metrics.csv, though it trained"):
        collect(run, tmp_path / "record")
    assert not (tmp_path / "record").exists()


def test_collect_stitches_the_history_a_killed_and_resumed_run_left_in_pieces(tmp_path):
    """Killed twice: epochs 0-1 set aside, then 2-4 (epoch 4 after the last checkpoint), then a
    resume from epoch 3's checkpoint that repeats epoch 4."""
    run = finished_run(tmp_path / "run")
    (run / "metrics.before-resume.csv").write_text("epoch,step,val/elbo\n0,9,-120\n1,19,-110\n")
    (run / "metrics.before-resume-1.csv").write_text("epoch,step,val/elbo\n2,29,-105\n3,39,-103\n4,49,-99\n")
    (run / "metrics.csv").write_text("epoch,step,val/elbo,val/kl\n4,49,-101,3\n5,59,-100,3\n")
    collect(run, tmp_path / "record")
    with open(tmp_path / "record" / "metrics.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["epoch"], row["val/elbo"]) for row in rows] == [
        ("0", "-120"), ("1", "-110"), ("2", "-105"), ("3", "-103"), ("4", "-101"), ("5", "-100")]
    assert rows[0]["val/kl"] == "" and rows[-1]["val/kl"] == "3"


def test_collect_keeps_each_step_once_when_a_resume_merged_repeated_epochs_into_one_file(tmp_path):
    """A run resumed from the checkpoint before its last logged epoch finishes with one metrics.csv
    that holds that epoch twice; the record keeps the later attempt's rows."""
    run = finished_run(tmp_path / "run")
    (run / "metrics.csv").write_text("epoch,step,val/elbo\n0,9,-120\n1,19,-110\n1,19,-109\n2,29,-105\n")
    collect(run, tmp_path / "record")
    with open(tmp_path / "record" / "metrics.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["epoch"], row["val/elbo"]) for row in rows] == [("0", "-120"), ("1", "-109"), ("2", "-105")]
