"""VAE-MINE's bound (Qian & Cheung eq. 12) at the optimal critic against the closed-form MI of
correlated Gaussians, its tangent slope xi, and Algorithm 1's update order in a training step."""

import math
from functools import partial

import pytest
import torch

from tests.models.test_base import PIXELS, adam_steps, loader, trainer
from vaezoo.latent import GaussianHead
from vaezoo.models import ImageVAE
from vaezoo.models.optimization import Optimization
from vaezoo.nets import MLP
from vaezoo.objectives import KL, MutualInformationBound, Objective, Reconstruction
from vaezoo.objectives.base import Pass
from vaezoo.objectives.mutual_information import optimal_log_xi, tangent_bound
from vaezoo.priors import StandardNormal

RHO, DIM = 0.8, 3
TRUE_MI = -DIM / 2 * math.log(1 - RHO ** 2)


def pointwise_mi(x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """log p(x, z) / (p(x) p(z)) of standard normals with correlation RHO in each dimension: the
    optimal energy (eq. 15 with xi = 1)."""
    r2 = RHO ** 2
    per_dim = -0.5 * math.log(1 - r2) - (r2 * (x ** 2 + z ** 2) - 2 * RHO * x * z) / (2 * (1 - r2))
    return per_dim.sum(-1)


def correlated_pairs(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, DIM, generator=generator, dtype=torch.float64)
    z = RHO * x + math.sqrt(1 - RHO ** 2) * torch.randn(n, DIM, generator=generator, dtype=torch.float64)
    return x, z


def test_the_bound_at_the_optimal_critic_and_slope_is_the_mutual_information():
    """Over 40 independent batches of 5,000 pairs, the mean bound is within 3 standard errors of
    the closed form, and no other slope gives a higher bound."""
    values = []
    for seed in range(40):
        x, z = correlated_pairs(5000, seed)
        joint, marginal = pointwise_mi(x, z), pointwise_mi(x, z[torch.randperm(len(z))])
        best = tangent_bound(joint, marginal, optimal_log_xi(marginal))
        for log_xi in (-0.5, 0.3, 1.0):
            assert tangent_bound(joint, marginal, optimal_log_xi(marginal) + log_xi) < best
        values.append(float(best))
    mean = sum(values) / len(values)
    stderr = (sum((v - mean) ** 2 for v in values) / (len(values) - 1) / len(values)) ** 0.5
    assert abs(mean - TRUE_MI) < 3 * stderr + 1e-3


def test_xi_is_the_reciprocal_of_the_marginal_mean_and_a_fixed_point():
    """A critic shifted by c: the maximising slope is e^-c (the printed eq. 13 would give e^c), the
    bound does not change, and recomputing xi from the same energies gives the same xi."""
    x, z = correlated_pairs(4000, 0)
    joint, marginal = pointwise_mi(x, z), pointwise_mi(x, z.roll(1, 0))
    reference = tangent_bound(joint, marginal, optimal_log_xi(marginal))
    for shift in (-2.0, 3.0):
        log_xi = optimal_log_xi(marginal + shift)
        expected = -math.log(float(torch.exp(marginal + shift).mean()))
        assert float(log_xi) == pytest.approx(expected, rel=1e-9)
        assert float(tangent_bound(joint + shift, marginal + shift, log_xi)) == pytest.approx(float(reference))
        printed = -log_xi
        assert tangent_bound(joint + shift, marginal + shift, printed) < reference - 0.1
        assert float(optimal_log_xi(marginal + shift)) == pytest.approx(float(log_xi))


def mine_vae(encoder_gradient: bool = True, calls: list | None = None) -> ImageVAE:
    torch.manual_seed(0)
    term = MutualInformationBound(Optimization(partial(torch.optim.Adam, lr=1e-3)), hidden_sizes=(8, 8), weight=3.0,
                                  encoder_gradient=encoder_gradient)
    if calls is not None:
        forward, own_loss = term.forward, term.own_loss
        term.forward = lambda *a: calls.append("model loss") or forward(*a)
        term.own_loss = lambda *a: calls.append("critic loss") or own_loss(*a)
    return ImageVAE(MLP(PIXELS, [16]), GaussianHead(16, 2), MLP(2, [16], PIXELS), StandardNormal(2),
                    Objective({"re": Reconstruction(), "kl": KL(), "mi": term}))


def test_the_energy_network_is_sized_from_the_model_and_trained_by_its_own_optimiser():
    model = mine_vae()
    assert model.objective.terms["mi"].energy[0].in_features == 16 + 2
    assert not model.automatic_optimization and set(model.optimizations) == {"main", "mi"}
    trainer(max_epochs=1, limit_val_batches=0).fit(model, loader(24))
    assert adam_steps(model, "objective.terms.mi.energy") == adam_steps(model, "encoder") == 3
    assert "train/mi/own_loss" in model.trainer.logged_metrics


def test_the_critic_updates_before_the_model_in_each_step():
    calls: list[str] = []
    trainer(max_epochs=1, limit_val_batches=0).fit(mine_vae(calls=calls), loader(16))
    assert calls == ["critic loss", "model loss"] * 2


@pytest.mark.parametrize("encoder_gradient", [True, False])
def test_the_bound_reaches_the_encoder_only_through_the_flag(encoder_gradient):
    model = mine_vae(encoder_gradient)
    data = model.training_passes((torch.rand(8, PIXELS),))["data"]
    model.objective.terms["mi"](model, data).backward()
    gradient = model.encoder[0].weight.grad
    assert (gradient is not None and gradient.abs().sum() > 0) == encoder_gradient


def test_evaluation_leaves_the_critics_slope_alone():
    model = mine_vae()
    data = model.training_passes((torch.rand(8, PIXELS),))["data"]
    term = model.objective.terms["mi"]
    model.eval()
    term(model, data)
    assert float(term.log_xi) == 0.0
    model.train()
    term(model, data)
    assert float(term.log_xi) != 0.0


def linear_encoder_mi_after_training(alpha: float, steps: int = 500) -> float:
    """A linear Gaussian encoder z = Wx + s * eps of x ~ N(0, I) trained on KL(q(z|x) || N(0, I))
    - alpha * bound, the critic first (Algorithm 1): its closed-form I(x; z) at the end.

    KL = I(x; z) + KL(q(z) || p(z)) on average, so the objective rewards MI with weight alpha - 1:
    the code collapses for alpha < 1 and stays informative for alpha > 1 (§4, eq. 10)."""
    torch.manual_seed(0)
    term = MutualInformationBound(Optimization(partial(torch.optim.Adam, lr=1e-3)), hidden_sizes=(64, 64),
                                  weight=alpha)
    term.energy = MLP(2 * DIM, [64, 64], 1, activation="relu")
    critic = torch.optim.Adam(term.energy.parameters(), lr=1e-3)
    weight, log_scale = torch.nn.Parameter(torch.eye(DIM)), torch.nn.Parameter(torch.full((DIM,), -1.0))
    encoder = torch.optim.SGD([weight, log_scale], lr=0.1)
    for _ in range(steps):
        x = torch.randn(256, DIM)
        mean, scale = x @ weight.T, log_scale.exp()
        data = Pass(x=x, z=mean + scale * torch.randn_like(mean), features=x)
        critic.zero_grad()
        term.own_loss(None, data).backward()
        critic.step()
        kl = (0.5 * (mean ** 2 + scale ** 2 - 1) - log_scale).sum(-1).mean()
        encoder.zero_grad()
        (kl - alpha * term(None, data)).backward()
        encoder.step()
    with torch.no_grad():
        return float(0.5 * torch.log1p((weight ** 2).sum(1) / log_scale.exp() ** 2).sum())


def test_the_bound_keeps_the_code_informative_against_the_kl_only_when_alpha_exceeds_one():
    """Starting from I = 3.2 nats: alpha = 3 ends with more, alpha = 0.5 lets the code collapse."""
    assert linear_encoder_mi_after_training(3.0) > 3.5
    assert linear_encoder_mi_after_training(0.5) < 0.05
