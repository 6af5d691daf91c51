"""The status page from hand-made records, and `make report` against the committed experiments."""

import json
from pathlib import Path

import pytest

from vaezoo.report.build import ManifestError, main, render
from vaezoo.report.compare import row_metric
from vaezoo.report.status import PERPLEXITY, not_run, status_lines

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"


def record(row: str, seed: int, **metrics: float) -> dict:
    return {"experiment": "x", "paper_rows": [row], "scale": "reduced", "seed": seed,
            "metrics": {f"test/{name}": value for name, value in metrics.items()}}


def line(lines: list[str], row: str, metric: str) -> str:
    (found,) = [text for text in lines if text.startswith(f"| {row} | {metric} |")]
    return found


def test_each_published_cell_gets_its_verdict():
    """davidson2018_table1, S-VAE d=5: LL -108.43 +- 0.09, ELBO -111.19 +- 0.08, RE -100.60, KL 10.59."""
    row = "davidson2018_table1.csv:model=s-vae,d=5"
    runs = [record(row, 0, ll=-108.40, elbo=-111.9, re=-96.0), record(row, 1, ll=-108.46, elbo=-111.9, re=-96.0)]
    lines = status_lines("davidson2018_table1", ["ll", "elbo", "re", "kl"], runs,
                         [not_run("davidson2018_table1.csv:model=n-vae", "not wanted here")])
    assert line(lines, "model=s-vae, d=5", "ll").endswith("| 2 | within the error bar |")
    assert "| -108.43 +- 0.0424 | -108.43 +- 0.09 |" in line(lines, "model=s-vae, d=5", "ll")
    assert line(lines, "model=s-vae, d=5", "elbo").endswith("| within tolerance (1) |")     # 0.71 nats off
    assert line(lines, "model=s-vae, d=5", "re").endswith("| outside |")                    # 4.6 nats off
    assert line(lines, "model=s-vae, d=5", "kl").endswith("| 0 | not run: no committed record yet |")
    assert line(lines, "model=n-vae, d=5", "ll").endswith("| not run: not wanted here |")


def test_perplexity_tolerance_is_relative_and_a_column_can_be_marked_not_run():
    assert PERPLEXITY.admits(101.9, 100.0) and not PERPLEXITY.admits(102.1, 100.0)
    lines = status_lines("xu2018_table4", ["ppl_20ng", "ppl_rcv1"],
                         [record("xu2018_table4.csv:model=v-nvdm,dim=50", 0, ppl_corpus=840.0, ppl=1100.0)],
                         [not_run("xu2018_table4.csv", "no RCV1", column="ppl_rcv1")])
    assert line(lines, "model=v-nvdm, source=xu2018, dim=50", "ppl_20ng").endswith("| within tolerance (2%) |")
    assert line(lines, "model=v-nvdm, source=xu2018, dim=50", "ppl_rcv1").endswith("| not run: no RCV1 |")


def test_each_20ng_row_is_compared_in_its_own_perplexity_convention():
    runs = [record("xu2018_table4.csv:model=v-nvdm,dim=50", 0, ppl_corpus=835.0, ppl=1139.0),
            record("xu2018_table4.csv:model=g-nvdm,dim=50", 0, ppl_corpus=750.0, ppl=816.0)]
    lines = status_lines("xu2018_table4", ["ppl_20ng", "ppl_rcv1"], runs, [])
    vmf, gaussian = "model=v-nvdm, source=xu2018, dim=50", "model=g-nvdm, source=miao2016, dim=50"
    assert "| 835.00 | 830.00 | 5.00 |" in line(lines, vmf, "ppl_20ng")          # corpus-level
    assert "| 816.00 | 836.00 | -20.00 |" in line(lines, gaussian, "ppl_20ng")    # per document


def test_one_record_can_give_a_number_for_each_row_it_quotes():
    """Davidson Table 5: one sampler run measures all 45 (d, kappa) cells."""
    run = {"experiment": "x", "paper_rows": ["davidson2018_table5.csv"], "scale": "full", "seed": 0,
           "metrics": {row_metric("test/proposals", d=5, kappa=10): 1.27,
                       row_metric("test/proposals", d=5, kappa=1): 1.3,
                       row_metric("exact/proposals", d=5, kappa=5): 1.17}}
    lines = status_lines("davidson2018_table5", ["proposals"], [run], [])
    assert line(lines, "d=5, kappa=10", "proposals").endswith(
        "| 1.270 | 1.268 | 0.002 | full | 1 | within tolerance (0.03) |")
    assert line(lines, "d=5, kappa=1", "proposals").endswith("| outside |")        # 1.3 against 1.020
    assert line(lines, "d=5, kappa=5", "proposals").endswith("| not run: no committed record yet |")


def test_a_renamed_metric_is_found_under_the_papers_column():
    run = record("qian_table2.csv:dataset=ptb,model=vae-0.5", 0, sample_ppl=339.0)
    lines = status_lines("qian_table2", ["nll", "kl", "ppl", "mi", "au", "fppl", "rppl"], [run], [])
    assert "| 339.00 | 339.32 |" in line(lines, "dataset=ptb, model=vae-0.5", "fppl")


def test_build_names_the_manifest_and_the_pattern_that_matched_nothing(tmp_path):
    (tmp_path / "report.yaml").write_text("tables:\n  - {out: t.md, runs: [missing/*], metrics: [test/ll]}\n")
    with pytest.raises(ManifestError, match=r"report.yaml: tables: t.md: no run folder matches 'missing/\*'"):
        render(tmp_path)


def test_build_writes_tables_and_status_page_then_finds_nothing_to_change(tmp_path, capsys):
    run = tmp_path / "p" / "runs" / "a"
    run.mkdir(parents=True)
    (run / "results.json").write_text(json.dumps(record("davidson2018_table1.csv:model=s-vae,d=5", 0, ll=-108.4)))
    (tmp_path / "report.yaml").write_text("tables:\n  - {out: p/t.md, runs: [p/runs/*], metrics: [test/ll]}\n"
                                          "status:\n  tables: {davidson2018_table1: [ll]}\n")
    main([str(tmp_path)])
    assert "| -108.40 | -108.43 +- 0.09 |" in (tmp_path / "p" / "t.md").read_text()
    assert "within the error bar" in (tmp_path / "README.md").read_text()
    with pytest.raises(SystemExit) as stop:
        main([str(tmp_path), "--check"])
    assert stop.value.code == 0
    (tmp_path / "p" / "t.md").write_text("edited by hand\n")
    with pytest.raises(SystemExit) as stop:
        main([str(tmp_path), "--check"])
    assert stop.value.code == 1 and "out of date" in capsys.readouterr().out


def test_build_redraws_a_latent_figure_from_its_points_and_names_a_missing_one(tmp_path):
    run = tmp_path / "p" / "runs" / "a"
    run.mkdir(parents=True)
    (run / "results.json").write_text(json.dumps(record("davidson2018_table1.csv:model=s-vae,d=2", 0, ll=-132.5)))
    (tmp_path / "p" / "fig2.csv").write_text("run,space,x,y,label\ns,sphere,0.1,0.2,3\ns,sphere,-1.0,0.5,7\n"
                                             "n,plane,0.0,0.0,1\n")
    manifest = "tables:\n  - {out: p/t.md, runs: [p/runs/*], metrics: [test/ll]}\nlatent_figures: [p/fig2.csv]\n"
    (tmp_path / "report.yaml").write_text(manifest)
    main([str(tmp_path)])
    assert (tmp_path / "p" / "fig2.png").stat().st_size > 10_000
    (tmp_path / "p" / "fig2.csv").unlink()
    with pytest.raises(SystemExit, match=r"latent_figures: .*fig2.csv missing"):
        main([str(tmp_path), "--check"])


def test_build_redraws_a_published_figure_from_its_records_with_its_points(tmp_path):
    run = tmp_path / "x" / "runs" / "fig6_k50"
    run.mkdir(parents=True)
    (run / "results.json").write_text(json.dumps({**record("xu2018_fig6.csv:kappa=50", 0, ppl=410.0),
                                                  "experiment": "xu2018/fig6"}))
    (run / "config.yaml").write_text("setting: inputless\nkappa: 50\nmodel: {decoder: {bow_input: false}}\n")
    manifest = "paper_figures:\n  - {figure: xu2018_fig6, runs: [x/runs/*], out: x/fig6.png}\n"
    (tmp_path / "report.yaml").write_text(manifest)
    main([str(tmp_path)])
    assert (tmp_path / "x" / "fig6.png").stat().st_size > 10_000
    assert "| vMF-VAE on PTB, latent 50 | inputless | 50 | 410 |" in (tmp_path / "x" / "fig6_points.md").read_text()
    (tmp_path / "report.yaml").write_text(manifest.replace("xu2018_fig6", "xu2018_fig9"))
    with pytest.raises(SystemExit, match="figure 'xu2018_fig9' is not one of"):
        main([str(tmp_path), "--check"])


def test_an_ablation_table_gives_each_run_a_line_and_stays_off_the_status_page(tmp_path):
    for name, ll in (("init_random", -120.0), ("init_data", -110.0)):
        run = tmp_path / "p" / "runs" / name
        run.mkdir(parents=True)
        (run / "results.json").write_text(json.dumps(record("davidson2018_table1.csv:model=s-vae,d=5", 0, ll=ll)))
    (tmp_path / "report.yaml").write_text(
        "tables:\n  - {out: p/t.md, runs: [p/runs/*], metrics: [test/ll], per_run: true, status: false}\n"
        "status:\n  tables: {davidson2018_table1: [ll]}\n")
    files, _ = render(tmp_path)
    table = files[tmp_path / "p" / "t.md"].splitlines()
    assert table[2].startswith("| run | paper row | seeds |")
    assert table[4].startswith("| init_data | davidson2018_table1.csv:model=s-vae,d=5 | 0 |")
    assert "| -110.00 | -108.43 +- 0.09 |" in table[4] and "| -120.00 |" in table[5]
    status = files[tmp_path / "README.md"]
    (row,) = [line for line in status.splitlines() if line.startswith("| model=s-vae, d=5,")]
    assert row.endswith("| 0 | not run: no committed record yet |")


def test_a_table_a_run_wrote_itself_is_copied_and_its_record_feeds_the_status_page(tmp_path):
    run = tmp_path / "p" / "runs" / "t5"
    run.mkdir(parents=True)
    (run / "results.json").write_text(json.dumps(
        {"experiment": "x", "paper_rows": ["davidson2018_table5.csv"], "scale": "full", "seed": 0,
         "metrics": {row_metric("test/proposals", d=5, kappa=10): 1.2832}}))
    (run / "table5.md").write_text("| d | kappa | ours |\n|---|---|---|\n| 5 | 10 | 1.2792 |\n")
    manifest = ("tables:\n  - {out: p/t5.md, runs: [p/runs/t5], text: %s}\n"
                "status:\n  tables: {davidson2018_table5: [proposals]}\n")
    (tmp_path / "report.yaml").write_text(manifest % "p/runs/t5/table5.md")
    files, _ = render(tmp_path)
    assert files[tmp_path / "p" / "t5.md"].endswith("| 5 | 10 | 1.2792 |\n")
    assert "| d=5, kappa=10 | proposals | 1.283 | 1.268 |" in files[tmp_path / "README.md"]
    (tmp_path / "report.yaml").write_text(manifest % "p/runs/t5/gone.md")
    with pytest.raises(ManifestError, match=r"tables: p/t5.md: text: .*gone.md is missing"):
        render(tmp_path)


def test_the_committed_experiments_are_what_make_report_generates():
    with pytest.raises(SystemExit) as stop:
        main([str(EXPERIMENTS), "--check"])
    assert stop.value.code == 0
