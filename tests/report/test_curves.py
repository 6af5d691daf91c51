"""The training-curve figure of `make report`: which numbers it reads from metrics.csv."""

import json

from vaezoo.report.curves import PANELS, draw_curves, epoch_curve


def write_metrics(folder, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "metrics.csv").write_text(text)
    (folder / "results.json").write_text(json.dumps({"paper_rows": ["t.csv:model=a"], "seed": 0}))


def test_the_last_validation_of_each_epoch_and_nll_from_the_elbo_when_not_logged(tmp_path):
    write_metrics(tmp_path, "epoch,step,train/kl,val/kl,val/elbo\n0,10,5.0,,\n"
                            "0,10,,2.0,-100\n0,20,,1.5,-90\n1,30,,1.0,-80\n")
    kl, nll = PANELS[0][1], PANELS[1][1]
    assert epoch_curve(tmp_path / "metrics.csv", kl) == ("val/kl", [(0, 1.5), (1, 1.0)])
    assert epoch_curve(tmp_path / "metrics.csv", nll) == ("val/elbo", [(0, 90.0), (1, 80.0)])


def test_a_figure_only_where_some_run_has_a_curve(tmp_path):
    write_metrics(tmp_path / "run", "epoch,step,train/loss\n0,10,3.0\n")
    run = {"path": str(tmp_path / "run"), "paper_rows": ["t.csv:model=a"], "seed": 0}
    assert not draw_curves([run], tmp_path / "none.png") and not (tmp_path / "none.png").exists()
    write_metrics(tmp_path / "run", "epoch,step,val/kl,val/nll\n0,10,1.0,90\n1,20,0.5,85\n")
    assert draw_curves([run], tmp_path / "curves.png") and (tmp_path / "curves.png").stat().st_size > 1000
