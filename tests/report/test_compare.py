import json

from vaezoo.report.compare import load_runs, markdown, paper_row, parse_row_reference


def write_run(folder, seed, ll, elbo, stopped_by="early_stopping"):
    folder.mkdir(parents=True)
    (folder / "results.json").write_text(json.dumps({
        "experiment": "davidson2018/table1", "paper_rows": ["davidson2018_table1.csv:model=s-vae,d=5"],
        "scale": "reduced", "seed": seed, "git_sha": None, "wall_time_s": 1.0, "epochs": 300,
        "stopped_by": stopped_by, "metrics": {"test/ll": ll, "test/elbo": elbo}, "estimators": {}}))


def test_row_reference_finds_the_published_row():
    assert parse_row_reference("davidson2018_table1.csv:model=s-vae,d=5") == (
        "davidson2018_table1", {"model": "s-vae", "d": "5"})
    row = paper_row("davidson2018_table1.csv:model=s-vae,d=5")
    assert row["ll"] == "-108.43" and row["ll_std"] == "0.09"
    assert paper_row("davidson2018_table1.csv:model=s-vae,d=7") is None


def test_markdown_puts_mean_and_std_over_seeds_beside_the_paper(tmp_path):
    write_run(tmp_path / "a", 0, -110.0, -113.0)
    write_run(tmp_path / "b", 1, -112.0, -115.0, stopped_by="time_limit")
    runs = load_runs([tmp_path])
    assert len(runs) == 2
    text = markdown(runs)
    assert "| davidson2018_table1.csv:model=s-vae,d=5 | 0, 1 | reduced | 300/300 | early_stopping/time_limit |" in text
    assert "-114.00 +- 1.41 | -111.19 +- 0.08" in text   # ELBO: ours over 2 seeds | paper
    assert "-111.00 +- 1.41 | -108.43 +- 0.09" in text   # LL
    assert text.splitlines()[3].count("|") == text.splitlines()[2].count("|")  # header and separator align


def test_a_dev_split_row_is_compared_with_our_validation_numbers_only(tmp_path):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "results.json").write_text(json.dumps({
        "experiment": "xu2018/table1", "paper_rows": ["xu2018_table1.csv:annealing=none,encoder_layers=3"],
        "scale": "reduced", "seed": 0, "git_sha": None, "wall_time_s": 1.0, "epochs": 5,
        "metrics": {"val/nll": 140.0, "test/nll": 138.0}, "estimators": {}}))
    row = markdown(load_runs([tmp_path])).splitlines()[-1]
    assert "| 138.00 | - | 140.00 | 135 |" in row   # test/nll has no published dev value; val/nll does
    table = markdown(load_runs([tmp_path]), only=["val/nll"]).splitlines()
    assert table[2].endswith("| val/nll ours | val/nll paper |") and table[-1].endswith("| 140.00 | 135 |")


def test_a_metric_named_otherwise_is_compared_with_the_papers_column():
    from vaezoo.report.compare import markdown

    run = {"experiment": "bahuleyan2019/table1", "paper_rows": ["bahuleyan2019_table1.csv:model=dae"], "seed": 0,
           "scale": "proxy", "metrics": {"test/bleu4": 50.0, "test/sample_ppl": 100.0}}
    text = markdown([run])
    assert "50.00 | 86.35" in text and "100.00 | 146.2" in text


def test_a_measure_file_beside_a_record_joins_its_metrics_under_its_name(tmp_path):
    write_run(tmp_path / "a", 0, -110.0, -113.0)
    (tmp_path / "a" / "pseudo_inputs.json").write_text(json.dumps(
        {"moved_fraction": 0.25, "pseudo_inputs": 64, "settings": {"examples": 500}, "flag": True}))
    assert "pseudo_inputs/moved_fraction" not in load_runs([tmp_path])[0]["metrics"]
    metrics = load_runs([tmp_path], measures=["pseudo_inputs"])[0]["metrics"]
    assert metrics["pseudo_inputs/moved_fraction"] == 0.25 and metrics["pseudo_inputs/pseudo_inputs"] == 64
    assert "pseudo_inputs/settings" not in metrics and "pseudo_inputs/flag" not in metrics


def test_a_record_that_gives_a_number_per_row_shows_each_rows_own():
    rows = [f"davidson2018_table2.csv:d=2,labels={n},model=s-vae" for n in (100, 600)]
    run = {"experiment": "davidson2018/table2", "paper_rows": rows, "seed": 0, "scale": "reduced", "path": "r",
           "metrics": {"test/acc@d=2,labels=100,model=s-vae": 77.87, "test/acc@d=2,labels=600,model=s-vae": 87.31,
                       "knn_accuracy/N=100": 77.87}}
    text = markdown([run], ["test/acc"])
    assert "| davidson2018_table2.csv:d=2,labels=100,model=s-vae | 0 | reduced | - | - | 77.87 | 77.9 +- 1.6 |" in text
    assert "| davidson2018_table2.csv:d=2,labels=600,model=s-vae | 0 | reduced | - | - | 87.31 | 84.9 +- 0.6 |" in text


def test_rows_are_ordered_by_the_value_of_the_numbers_in_them():
    runs = [{"experiment": "vampprior/table1", "seed": 0, "scale": "full", "metrics": {"test/bpd": 4.5},
             "paper_rows": [f"vamp_report_tables.csv:table=1,prior=standard,posterior=gaussian,latent={m}"]}
            for m in (100, 10, 40)]
    rows = [line for line in markdown(runs).splitlines() if "latent=" in line]
    assert [row.split("latent=")[1].split(" ")[0] for row in rows] == ["10", "40", "100"]


def test_a_probe_of_a_trained_model_names_the_models_seed():
    """k-NN records of the seed-0 and seed-1 models (the task's own seed 0 both times) read "0, 1"."""
    runs = [{"experiment": "davidson2018/table2", "seed": 0, "source_seed": model_seed, "scale": "reduced",
             "paper_rows": ["davidson2018_table2.csv:d=2,labels=100,model=s-vae"], "metrics": {"test/acc": 78.0}}
            for model_seed in (0, 1)]
    assert "| davidson2018_table2.csv:d=2,labels=100,model=s-vae | 0, 1 |" in markdown(runs)
