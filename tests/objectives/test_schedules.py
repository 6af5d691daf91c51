import math

import pytest

from vaezoo.objectives import Constant, Cyclical, Linear, Peaking, Progress, Sigmoid, TrainingShare


def at(epoch: float) -> Progress:
    return Progress(epoch=epoch)


def test_linear_warmup_rises_from_start_to_weight_and_stays():
    w = Linear(100)
    assert [w(at(0)), w(at(25)), w(at(100)), w(at(250))] == [0.0, 0.25, 1.0, 1.0]
    assert Linear(0)(at(0)) == 1.0
    # Qian & Cheung's VAE-0.5: 0.1 -> 1 over 10 epochs.
    w = Linear(10, weight=1.0, start=0.1)
    assert [w(at(0)), w(at(5)), w(at(10))] == pytest.approx([0.1, 0.55, 1.0])
    with pytest.raises(ValueError, match="epochs=-1 must be >= 0"):
        Linear(-1)


def test_sigmoid_schedule_is_the_per_epoch_sigmoid_of_xu_and_durrett():
    """sigmoid(e / 2 - 5) for epoch number e = 1, 2, ... over a 20-epoch rise: constant within an
    epoch, 0.5 at e = 10, above 0.99 at e = 20."""
    w = Sigmoid(20)
    for e in (1, 5, 10, 15, 20):
        expected = 1.0 / (1.0 + math.exp(-(e / 2 - 5)))
        assert w(at(e - 1)) == pytest.approx(expected) and w(at(e - 1 + 0.7)) == pytest.approx(expected)
    assert w(at(9)) == pytest.approx(0.5) and w(at(0)) < 0.012 and w(at(19)) > 0.99
    assert Sigmoid(0, weight=0.5)(at(3)) == 0.5


def test_constant_weight():
    assert [Constant(0.2)(at(e)) for e in (0, 10, 100)] == [0.2, 0.2, 0.2]
    with pytest.raises(ValueError, match="weight=-0.1 must be >= 0"):
        Constant(-0.1)


def test_cyclical_schedule_values_at_cycle_boundaries():
    """Fu et al. 2019: 4 cycles over 40 epochs, rising over the first half of each."""
    w = Cyclical(40, cycles=4, ratio=0.5)
    values = {e: w(at(e)) for e in (0, 2.5, 5, 7.5, 9.999, 10, 12.5, 15, 39.9)}
    assert values[0] == 0.0 and values[10] == 0.0          # each cycle starts at 0
    assert values[2.5] == pytest.approx(0.5) and values[12.5] == pytest.approx(0.5)
    assert values[5] == values[7.5] == values[9.999] == values[15] == values[39.9] == 1.0
    with pytest.raises(ValueError, match="ratio in"):
        Cyclical(40, ratio=0)


class Parts:
    part_sizes = {"labelled": 100, "unlabelled": 49_900}


def test_training_share_is_the_parts_fraction_of_the_training_set():
    share = TrainingShare("labelled")
    with pytest.raises(RuntimeError, match="before bind"):
        share(at(0))
    share.bind(Parts())
    assert share(at(3)) == 100 / 50_000
    with pytest.raises(ValueError, match="data=mnist_semi_supervised"):
        TrainingShare("labelled").bind(object())


def test_peaking_schedule_values_at_its_step_points():
    """Bahuleyan et al. 2019's code: (tanh((t - 4500) / 1000) + 1) / 2, frozen at step 3,000 on SNLI."""
    rising = Peaking(center=4500, width=1000)
    values = {t: rising(Progress(step=t)) for t in (0, 3000, 4500, 5500, 20000)}
    assert values[0] == pytest.approx((math.tanh(-4.5) + 1) / 2) and values[0] < 2e-4
    assert values[3000] == pytest.approx((math.tanh(-1.5) + 1) / 2) == pytest.approx(0.047426, abs=1e-6)
    assert values[4500] == 0.5 and values[5500] == pytest.approx((math.tanh(1.0) + 1) / 2)
    assert values[20000] == pytest.approx(1.0)
    frozen = Peaking(center=4500, width=1000, freeze_step=3000)
    assert frozen(Progress(step=2000)) == rising(Progress(step=2000))
    assert frozen(Progress(step=3000)) == frozen(Progress(step=9000)) == values[3000]
