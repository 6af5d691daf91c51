import math

import numpy as np
import torch
from hydra.utils import instantiate
from PIL import Image

from tests.cli.conftest import compose_config
from vaezoo.models.optimization import AdamNormGrad


def test_frey_run_reports_bits_per_dim_and_writes_image_grids(run_inprocess):
    record, out = run_inprocess(["+experiment=vampprior/table1", "prior=vampprior", "prior.num_pseudo_inputs=16"])
    metrics = record["metrics"]
    assert math.isclose(metrics["test/bpd"] * 560 * math.log(2), metrics["test/nll"], rel_tol=1e-9)
    assert metrics["test/nll"] == -metrics["test/ll"]
    assert record["paper_rows"] == ["vamp_report_tables.csv:table=1,prior=vampprior,posterior=gaussian,latent=40"]
    grids = {p.stem.rsplit("_", 1)[0]: p for p in (out / "images").glob("*_tested.png")}
    assert set(grids) == {"samples", "reconstructions", "pseudo_inputs"}
    pseudo = np.asarray(Image.open(grids["pseudo_inputs"]))
    assert pseudo.shape == (3 * 29 + 1, 6 * 21 + 1)  # 16 tiles of 28 x 20 in six columns, one pixel apart


def test_adam_normgrad_steps_like_adam_on_unit_norm_gradients():
    torch.manual_seed(0)
    a = torch.randn(5, requires_grad=True)
    b = a.detach().clone().requires_grad_(True)
    ours, reference = AdamNormGrad([a], lr=0.1), torch.optim.Adam([b], lr=0.1)
    for _ in range(3):
        gradient = torch.randn(5) * 7
        a.grad, b.grad = gradient.clone(), gradient / (gradient.norm() + 1e-8)
        ours.step()
        reference.step()
    torch.testing.assert_close(a, b)


def test_pseudo_inputs_start_where_the_original_code_starts_them_for_each_dataset():
    for experiment, mean, std in (("vampprior/table1", 0.5, 0.02), ("vampprior/table2", 0.05, 0.01)):
        cfg = compose_config([f"+experiment={experiment}", "prior=vampprior"])
        torch.manual_seed(0)
        pseudo_inputs = instantiate(cfg.prior).pseudo_inputs()
        assert abs(pseudo_inputs.mean().item() - mean) < 0.002 and abs(pseudo_inputs.std().item() - std) < 0.002
