"""The family benchmark times a real command-line run and its loader (on the test fixtures here)."""

import math

from benchmarks import bench_families


def test_a_family_run_reports_rates_and_a_loading_share(monkeypatch):
    monkeypatch.delenv("VAEZOO_DATA", raising=False)
    overrides = ("data=binarized_mnist", "latent=vmf", "data.batch_size=8")
    family = bench_families.Family("image: S-VAE, MNIST", overrides, "mnist")
    row = bench_families.timed_run(family, bench_families.FamilySetting(batches=6, warmup=2))
    assert "error" not in row, row
    assert row["data"] == "fixture" and row["batches"] == 4 and row["processes"] == 1
    assert row["steps_per_s"] > 0 and row["examples_per_s"] > row["steps_per_s"] and row["tokens_per_s"] is None
    assert 0 < row["loading_share"] < 1 and 0 <= row["between_batches_share"] < 1 and math.isfinite(row["loading_ms"])


def test_text_batches_count_their_target_tokens():
    import torch

    from vaezoo.data.batching import TextBatch

    batch = TextBatch(torch.zeros(2, 5, dtype=torch.long), torch.tensor([5, 3]), torch.zeros(2, dtype=torch.long))
    assert bench_families.tokens(batch) == 4 + 2 and bench_families.tokens([torch.zeros(3, 4)]) == 0
