"""Every job of the Xu & Durrett 2018 experiment files names exactly one published row, and
composes the model that row describes."""

import itertools

import pytest
from hydra.utils import instantiate

from tests.cli.conftest import compose_config
from vaezoo.objectives import Progress
from vaezoo.report.compare import paper_row


def resolved_rows(overrides: list[str]) -> list[str]:
    return list(compose_config(overrides).paper_rows)


def kl_weights(cfg, epochs: tuple[float, ...]) -> list[float]:
    """The composed objective's KL weight at these (fractional) epochs."""
    weight = instantiate(cfg.objective).terms["kl"].weight
    return [weight(Progress(epoch)) for epoch in epochs]


@pytest.mark.parametrize("layers,annealing", itertools.product([1, 3], ["none", "sigmoid"]))
def test_table1_cells(layers, annealing):
    overrides = ["+experiment=xu2018/table1", f"model.encoder.num_layers={layers}", f"table1_annealing={annealing}"]
    cfg = compose_config(overrides)
    assert cfg.latent._target_.endswith("GaussianHead") and cfg.setting == "inputless"
    start, middle, end = kl_weights(cfg, (0, 9, 19))
    if annealing == "none":
        assert start == middle == end == 1.0
    else:  # Xu & Durrett §2.2: sigmoid 0 -> 1 over the first 20 epochs
        assert start < 0.012 and middle == 0.5 and end > 0.99
    row = paper_row(resolved_rows(overrides)[0])
    assert row["split"] == "dev" and row["encoder_layers"] == str(layers) and row["annealing"] == annealing


def test_table1_vmf_row_is_the_table3_model():
    cfg = compose_config(["+experiment=xu2018/table1_vmf"])
    assert cfg.kappa == 80 and cfg.latent._target_.endswith("FixedKappaVMFHead")
    assert paper_row(cfg.paper_rows[0])["nll"] == "117"


@pytest.mark.parametrize("variant,setting", itertools.product(["rnnlm", "g_vae", "vmf_vae"], ["standard", "inputless"]))
def test_table5_jobs_have_a_bow_decoder_and_their_row(variant, setting):
    overrides = ["+experiment=xu2018/table5", f"experiment/xu2018/variant={variant}", f"setting={setting}"]
    cfg = compose_config(overrides)
    assert cfg.model.decoder.bow_input is True and cfg.data.corpus == "ptb"
    assert cfg.kappa == ({"standard": 5, "inputless": 50}[setting] if variant == "vmf_vae" else None)
    row = paper_row(resolved_rows(overrides)[0])
    assert row is not None and row["setting"] == setting


@pytest.mark.parametrize("overrides,model,x", [
    (["+experiment=xu2018/fig4", "kappa=40"], "vmf-vae", "40"),
    (["+experiment=xu2018/fig4_gaussian", "objective.terms.kl.weight.weight=0.5"], "g-vae", "0.5"),
])
def test_fig4_points(overrides, model, x):
    """Fig. 4: no annealing; the Gaussian bars hold the KL weight alpha throughout."""
    cfg = compose_config(overrides)
    assert kl_weights(cfg, (0, 5, 50)) == [float(x) if model == "g-vae" else 1.0] * 3
    assert cfg.setting == "inputless" and cfg.latent.dim == 50
    row = paper_row(resolved_rows(overrides)[0])
    assert row["model"] == model and row["kl_weight_or_kappa"] == x


def test_learned_kappa_uses_the_clipped_learned_head():
    cfg = compose_config(["+experiment=xu2018/learned_kappa"])
    assert cfg.kappa is None and cfg.latent._target_ == "vaezoo.latent.VMFHead"
    assert (cfg.latent.kappa_min, cfg.latent.kappa_max) == (5.0, 150.0)


def test_a_run_shorter_than_its_kl_warmup_is_warned_about(caplog):
    from vaezoo.validation import validate

    cfg = compose_config(["+experiment=xu2018/table3_grid", "experiment/xu2018/variant=g_vae", "trainer.max_epochs=5"])
    with caplog.at_level("WARNING", logger="vaezoo.validation"):
        validate(cfg)
    assert "objective.terms.kl.weight.epochs=20 exceeds trainer.max_epochs=5" in caplog.text
    caplog.clear()
    cfg = compose_config(["+experiment=xu2018/table3_grid", "experiment/xu2018/variant=g_vae", "trainer.max_epochs=5",
                          "objective.terms.kl.weight.epochs=5"])
    with caplog.at_level("WARNING", logger="vaezoo.validation"):
        validate(cfg)
    assert "exceeds" not in caplog.text


def test_a_task_that_trains_nothing_is_not_warned_about_the_warmup(caplog):
    from vaezoo.validation import validate

    cfg = compose_config(["+experiment=xu2018/table3_grid", "experiment/xu2018/variant=g_vae", "trainer.max_epochs=5",
                          "task=evaluate", "ckpt_path=run/checkpoints/best.ckpt"])
    with caplog.at_level("WARNING", logger="vaezoo.validation"):
        validate(cfg)
    assert "exceeds" not in caplog.text
