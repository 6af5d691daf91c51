"""The M1+M2 probes: where a trained model keeps the class (vaezoo.report.m1m2_probe)."""

import math

import pytest
import torch

from tests.cli.conftest import run_task_in
from tests.models.test_m1m2 import make_model
from vaezoo.report.m1m2_probe import class_gain, linear_probe_accuracy, m1m2_probe, style_codes


def codes(model, n: int = 40):
    torch.manual_seed(3)
    z1 = model.posterior(torch.bernoulli(torch.full((n, 784), 0.3))).mode
    y = torch.arange(n) % 10
    return z1, y


@pytest.mark.parametrize("z1_family", ["gaussian", "vmf"])
def test_the_gain_from_the_true_class_is_zero_when_p_z1_ignores_y_and_at_most_log_10(z1_family):
    model = make_model(z1_family, z1_family)
    z1, y = codes(model)
    z2 = style_codes(model, z1, y)
    gain = class_gain(model, z1, z2, y)
    assert (gain <= math.log(10) + 1e-5).all() and gain.abs().max() > 1e-4
    with torch.no_grad():   # p(z1 | z2, y) blind to y: the columns of the one-hot input set to zero
        first = next(m for m in model.z1_decoder.modules() if isinstance(m, torch.nn.Linear))
        first.weight[:, -10:] = 0.0
    torch.testing.assert_close(class_gain(model, z1, z2, y), torch.zeros(len(y)), atol=1e-5, rtol=0)


def test_the_linear_probe_reads_separable_classes_and_not_random_ones():
    generator = torch.Generator().manual_seed(0)
    labels = torch.arange(400) % 4
    centres = torch.eye(4) * 10
    points = centres[labels] + torch.randn(400, 4, generator=generator)
    assert linear_probe_accuracy(points[:200], labels[:200], points[200:], labels[200:]) == 100.0
    noise = torch.randn(400, 4, generator=generator)
    assert linear_probe_accuracy(noise[:200], labels[:200], noise[200:], labels[200:]) < 45.0


def test_the_probe_of_a_trained_run_gives_its_tested_accuracy(tmp_path):
    record = run_task_in(tmp_path, ["+experiment=davidson2018/table3", "latent=vmf", "z2_latent=vmf"])
    measures = m1m2_probe(tmp_path)
    assert measures["classifier_accuracy"] == pytest.approx(record["metrics"]["test/acc"], abs=1e-3)
    for key in ("probe_z1_accuracy", "probe_z2_accuracy"):
        assert 0.0 <= measures[key] <= 100.0
    assert measures["class_gain_nats"] <= math.log(10)


def test_a_run_without_m1_m2_is_refused(tmp_path):
    run_task_in(tmp_path, ["+experiment=davidson2018/table1"])
    with pytest.raises(ValueError, match="not an M1\\+M2"):
        m1m2_probe(tmp_path)
