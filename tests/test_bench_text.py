import json

import pytest
import torch

from benchmarks.bench_text import main


@pytest.mark.skipif(torch.cuda.is_available(), reason="the error is for machines without CUDA")
def test_a_cuda_run_without_cuda_is_refused_by_name(capsys):
    with pytest.raises(SystemExit):
        main(["--device", "cuda"])
    assert "--device cuda: torch sees no CUDA device" in capsys.readouterr().err


def test_quick_cpu_run_writes_rates_of_all_five_loops(tmp_path):
    result = main(["--quick", "--out", str(tmp_path)])
    saved = json.loads((tmp_path / "text_cpu.json").read_text())
    row = saved["text"][0]
    assert saved["device"] == row["device"] == "cpu" == result["device"]
    for loop in ("nvrnn_lightning", "nvrnn_bare", "lstm_lm_bare", "nvrnn_eval", "lstm_lm_eval"):
        assert row[f"{loop}_tokens_per_s"] > 0
    overhead = row["nvrnn_bare_tokens_per_s"] / row["nvrnn_lightning_tokens_per_s"]
    assert row["framework_overhead"] == pytest.approx(overhead)
    assert "Device: cpu" in (tmp_path / "text_cpu.md").read_text()
