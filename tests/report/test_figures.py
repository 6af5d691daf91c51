import json

import pytest
from omegaconf import OmegaConf

from vaezoo.report.figures import main


def write_run(folder, experiment, metrics, paper_rows=(), config=None, **extra):
    folder.mkdir(parents=True)
    (folder / "results.json").write_text(json.dumps({
        "experiment": experiment, "paper_rows": list(paper_rows), "scale": "reduced", "seed": 0, "git_sha": None,
        "wall_time_s": 1.0, "metrics": metrics, "estimators": {}, **extra}))
    (folder / "config.yaml").write_text(OmegaConf.to_yaml(config or {}))


def test_fig4_puts_our_points_beside_the_published_bars(tmp_path, capsys):
    write_run(tmp_path / "v" / "0", "xu2018/fig4", {"test/ppl": 1682.4},
              ["xu2018_fig4.csv:model=vmf-vae,kl_weight_or_kappa=80"])
    write_run(tmp_path / "g" / "0", "xu2018/fig4_gaussian", {"test/ppl": 500.0},
              ["xu2018_fig4.csv:model=g-vae,kl_weight_or_kappa=0.2"])
    out = tmp_path / "fig4.png"
    main(["xu2018_fig4", str(tmp_path / "v"), str(tmp_path / "g"), "--out", str(out),
          "--table", str(tmp_path / "t.md")])
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = (tmp_path / "t.md").read_text()
    assert "| vMF-VAE, kappa fixed | vmf-vae | 80 | 1682 | 262 |" in text   # whole numbers, not 1.68e+03
    assert "| vMF-VAE, kappa fixed | vmf-vae | 20 | - | 423 |" in text        # published, not run
    assert "| G-VAE, KL weight fixed | g-vae | 0.2 | 500 | 537 |" in text
    assert text == capsys.readouterr().out


def test_fig4_takes_the_inputless_runs_of_fig6_as_its_vmf_bars(tmp_path):
    for name, setting, bow in (("a", "inputless", False), ("b", "inputless", True), ("c", "standard", False)):
        write_run(tmp_path / name, "xu2018/fig6", {"test/ppl": 400.0 + len(name + setting) + bow},
                  ["xu2018_fig6.csv:kappa=50"],
                  {"setting": setting, "kappa": 50, "model": {"decoder": {"bow_input": bow}}})
    main(["xu2018_fig4", str(tmp_path), "--out", str(tmp_path / "f.png"), "--table", str(tmp_path / "t.md")])
    ours = [line for line in (tmp_path / "t.md").read_text().splitlines() if "| 50 |" in line]
    assert ours == ["| vMF-VAE, kappa fixed | vmf-vae | 50 | 410 | - |"]


def test_fig6_reads_setting_and_bow_input_from_each_run_config(tmp_path):
    config = {"setting": "standard", "kappa": 35, "model": {"decoder": {"bow_input": True}}}
    write_run(tmp_path / "s" / "3", "xu2018/fig6", {"test/ppl": 40.0, "test/ppl_words": 45.0},
              ["xu2018_fig6.csv:kappa=35"], config)
    main(["xu2018_fig6", str(tmp_path), "--out", str(tmp_path / "f.png"), "--table", str(tmp_path / "t.md"),
          "--metric", "test/ppl_words"])
    text = (tmp_path / "t.md").read_text()
    assert "| standard_bow | 35 | 45 | 35 |" in text and "| inputless | 5 | - | 552 |" in text


def test_fig5_draws_our_curves_only_and_an_empty_folder_is_an_error(tmp_path, capsys):
    write_run(tmp_path / "a", "xu2018/fig5", {"cosine/swap=0": 1.0, "cosine/swap=0.3": 0.8},
              source_model={"variant": "vmf-vae", "setting": "inputless", "decoder_bow_input": True})
    main(["xu2018_fig5", str(tmp_path / "a"), "--out", str(tmp_path / "f.png")])
    assert "| vmf-vae-bow | 0.3 | 0.8 | - |" in capsys.readouterr().out
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit):
        main(["xu2018_fig5", str(tmp_path / "empty"), "--out", str(tmp_path / "g.png")])
    assert "no finished run of xu2018_fig5" in capsys.readouterr().err
