"""trainer.precision=bf16-mixed end to end (CPU autocast; the same code path as a GPU's): the
networks run in bfloat16, the weights and the latent distributions stay in float32, and the run
measures what a float32 run of the same seed measures, to bfloat16's resolution."""

import math

import pytest
import torch

from tests.cli.test_ddp import FIXED_MNIST, record_of


def test_bf16_mixed_trains_the_s_vae_as_float32_does(tmp_path):
    s_vae = [*FIXED_MNIST, "latent=vmf", "trainer.max_epochs=2", "eval.is_samples=20"]
    full = record_of(tmp_path / "full", *s_vae)["metrics"]
    mixed = record_of(tmp_path / "mixed", *s_vae, "trainer.precision=bf16-mixed")["metrics"]
    assert set(mixed) == set(full) and all(math.isfinite(v) for v in mixed.values())
    for name in ("test/ll", "test/elbo", "val/elbo"):
        assert mixed[name] == pytest.approx(full[name], rel=2e-3), name     # bf16: 3 significant digits
    assert mixed["test/ll"] != full["test/ll"]                               # the networks did run in bf16
    weights = torch.load(tmp_path / "mixed" / "checkpoints" / "last.ckpt", weights_only=True)["state_dict"]
    assert {w.dtype for w in weights.values() if w.is_floating_point()} == {torch.float32}
