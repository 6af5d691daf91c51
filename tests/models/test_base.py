"""The latent-variable base: the loss through the objective core, critic terms on their own
optimisers (manual optimisation) with the same clipping and LR scheduling as automatic mode."""

from functools import partial

import lightning.pytorch as pl
import pytest
import torch
from omegaconf import OmegaConf
from torch.utils.data import DataLoader, TensorDataset

from tests.cli.conftest import compose_config
from vaezoo.latent import GaussianHead, VMFHead
from vaezoo.models import ImageVAE
from vaezoo.models.optimization import Optimization
from vaezoo.nets import MLP
from vaezoo.objectives import KL, InnerLoop, LatentAdversary, Linear, Objective, Progress, Reconstruction
from vaezoo.priors import SphereUniform, StandardNormal, VMFMixturePrior
from vaezoo.tasks.train import build_model

PIXELS = 12


def images(count: int = 32, seed: int = 0) -> torch.Tensor:
    return torch.bernoulli(torch.full((count, PIXELS), 0.3), generator=torch.Generator().manual_seed(seed))


def loader(count: int = 32) -> DataLoader:
    x = images(count)
    return DataLoader(TensorDataset(x, torch.zeros(len(x))), batch_size=8)


def sphere_vae(objective: Objective, prior=None, grad_correction: bool = True, optimizers=None) -> ImageVAE:
    torch.manual_seed(0)
    return ImageVAE(MLP(PIXELS, [16]), VMFHead(16, 3, grad_correction=grad_correction), MLP(3, [16], PIXELS),
                    prior or SphereUniform(3), objective, optimizers)


def trainer(**kwargs) -> pl.Trainer:
    return pl.Trainer(accelerator="cpu", logger=False, enable_checkpointing=False, enable_progress_bar=False,
                      enable_model_summary=False, **kwargs)


def loss_and_gradients(model: ImageVAE, progress: Progress, seed: int = 1) -> tuple[torch.Tensor, dict]:
    """The objective's loss at one seeded pass and its gradient for every parameter."""
    model.zero_grad()
    torch.manual_seed(seed)
    loss = model.objective(model, model.training_passes((images(8),)), progress).loss
    loss.backward()
    return loss.detach(), {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


def test_a_weight_schedule_changes_the_loss_and_the_gradient():
    """beta = Linear(10): 0 at epoch 0 (the loss is -re and the KL sends no gradient), 1 from epoch 10."""
    model = sphere_vae(Objective({"re": Reconstruction(), "kl": KL(Linear(10))}))
    loss_off, grads_off = loss_and_gradients(model, Progress(epoch=0))
    loss_on, grads_on = loss_and_gradients(model, Progress(epoch=10))
    torch.manual_seed(1)
    data = model.encode(images(8))
    re, kl = model.log_likelihood(data.x, data.z).mean(), KL()(model, data).mean()
    torch.testing.assert_close(loss_off, -re.detach())
    torch.testing.assert_close(loss_on, (kl - re).detach())
    assert not torch.allclose(grads_on["latent.raw_scale.weight"], grads_off["latent.raw_scale.weight"])


def score_term(model: ImageVAE, term: str, progress: Progress, seed: int = 1) -> dict:
    """Gradient of sign * weight * mean(value.detach() * score) for one term: what the correction adds."""
    model.zero_grad()
    torch.manual_seed(seed)
    data = model.training_passes((images(8),))["data"]
    value = model.objective.terms[term](model, data)
    sign, weight = model.objective.terms[term].sign, model.objective.terms[term].weight(progress)
    (sign * weight * (value.detach() * data.score).mean()).backward()
    return {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


@pytest.mark.parametrize("prior, corrected_terms", [
    (SphereUniform(3), ["re"]),                              # closed-form KL: it reads no sample
    (VMFMixturePrior(3, num_components=2), ["re", "kl"]),    # Monte-Carlo KL: it does
])
def test_the_score_correction_acts_on_every_term_that_reads_the_sample(prior, corrected_terms):
    """With the vMF's rejection sampler the loss is the same with and without the correction, and
    the gradient differs by exactly the score terms of the terms that read z."""
    torch.manual_seed(0)
    objective = Objective({"re": Reconstruction(), "kl": KL()})
    corrected = sphere_vae(objective, prior, grad_correction=True)
    plain = sphere_vae(Objective({"re": Reconstruction(), "kl": KL()}), prior, grad_correction=False)
    plain.load_state_dict(corrected.state_dict())
    progress = Progress(epoch=3)
    loss, grads = loss_and_gradients(corrected, progress)
    plain.latent.sample = lambda q: (corrected.latent.sample(q)[0], None)  # the same z, no score
    plain_loss, plain_grads = loss_and_gradients(plain, progress)
    torch.testing.assert_close(loss, plain_loss)
    name = "latent.raw_scale.weight"
    expected = sum(score_term(corrected, term, progress)[name] for term in corrected_terms)
    torch.testing.assert_close(grads[name] - plain_grads[name], expected, rtol=1e-4, atol=1e-6)
    assert expected.abs().sum() > 0


def test_a_critic_term_trains_on_its_own_optimiser_purely_from_config(tmp_path):
    """objective=wae_gan: a term with a critic brings its optimiser; the model optimises manually,
    each step updating the model on the objective and the critic on its own loss."""
    cfg = compose_config(["objective=wae_gan", "objective.terms.adversary.hidden_sizes=[8]"])
    OmegaConf.resolve(cfg)
    model = build_model(cfg)
    assert set(model.optimizations) == {"main", "adversary"} and not model.automatic_optimization
    critic = {n: p.detach().clone() for n, p in model.named_parameters() if n.startswith("objective.")}
    encoder = {n: p.detach().clone() for n, p in model.named_parameters() if n.startswith("encoder.")}
    main, adversary = model.configure_optimizers()
    assert {id(p) for g in main["optimizer"].param_groups for p in g["params"]}.isdisjoint(
        id(p) for p in model.objective.parameters())
    mnist = torch.bernoulli(torch.full((32, 784), 0.2), generator=torch.Generator().manual_seed(0))
    data = DataLoader(TensorDataset(mnist, torch.zeros(32)), batch_size=8)
    trainer(max_steps=4, limit_val_batches=0).fit(model, data)
    assert all(not torch.equal(p, critic[n]) for n, p in model.named_parameters() if n in critic)
    assert all(not torch.equal(p, encoder[n]) for n, p in model.named_parameters() if n in encoder)
    logged = set(model.trainer.logged_metrics)
    assert {"train/adversary", "train/weight/adversary", "train/adversary/own_loss"} <= logged


@pytest.mark.parametrize("manual", [False, True])
def test_clipping_and_lr_scheduling_are_the_same_in_both_modes(manual):
    """StepLR halves main's rate every epoch and its gradient norm is clipped at 1e-3, whether the
    model optimises automatically (one optimiser) or manually (a critic term beside it)."""
    main = Optimization(partial(torch.optim.SGD, lr=0.1), scheduler=partial(torch.optim.lr_scheduler.StepLR,
                        step_size=1, gamma=0.5), gradient_clip_norm=1e-3)
    terms = {"re": Reconstruction(), "kl": KL()}
    if manual:
        terms["adversary"] = LatentAdversary(3, Optimization(partial(torch.optim.SGD, lr=0.1)), hidden_sizes=[4])
    model = sphere_vae(Objective(terms), grad_correction=False, optimizers={"main": main})
    assert model.automatic_optimization is not manual
    clipped = []
    original = model.clip_gradients

    def record(optimizer, gradient_clip_val=None, gradient_clip_algorithm=None):
        original(optimizer, gradient_clip_val, gradient_clip_algorithm)
        parameters = [p for g in optimizer.param_groups for p in g["params"] if p.grad is not None]
        clipped.append((gradient_clip_val, torch.nn.utils.get_total_norm([p.grad for p in parameters]).item()))

    model.clip_gradients = record
    trainer(max_epochs=2, limit_val_batches=0).fit(model, loader(16))
    optimizer = model.optimizers()[0] if manual else model.optimizers()
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5**2)
    assert len(clipped) == 4 and all(clip == 1e-3 and norm <= 1e-3 * 1.0001 for clip, norm in clipped)


@pytest.mark.parametrize("manual", [False, True])
def test_clipping_by_value_bounds_every_gradient_element(manual):
    """gradient_clip_value (Bahuleyan et al.'s code: 5) clips each element, in both modes."""
    main = Optimization(partial(torch.optim.SGD, lr=0.1), gradient_clip_value=1e-4)
    terms = {"re": Reconstruction(), "kl": KL()}
    if manual:
        terms["adversary"] = LatentAdversary(3, Optimization(partial(torch.optim.SGD, lr=0.1)), hidden_sizes=[4])
    model = sphere_vae(Objective(terms), grad_correction=False, optimizers={"main": main})
    largest = []
    original = model.clip_gradients

    def record(optimizer, gradient_clip_val=None, gradient_clip_algorithm=None):
        original(optimizer, gradient_clip_val, gradient_clip_algorithm)
        largest.append((gradient_clip_algorithm, max(p.grad.abs().max().item() for g in optimizer.param_groups
                                                     for p in g["params"] if p.grad is not None)))

    model.clip_gradients = record
    trainer(max_epochs=1, limit_val_batches=0).fit(model, loader(16))
    assert largest and all(algorithm == "value" and value <= 1e-4 for algorithm, value in largest)
    with pytest.raises(ValueError, match="gradient_clip_value"):
        Optimization(partial(torch.optim.SGD, lr=0.1), gradient_clip_value=0)


def adam_steps(model: ImageVAE, module: str) -> int:
    """Optimiser steps a module's parameters received (Adam counts them in its state)."""
    states = [state for optimizer in model.optimizers() for p, state in optimizer.optimizer.state.items()
              if any(p is q for q in model.get_submodule(module).parameters())]
    return int(states[0]["step"])


def lagging_model(inner_lr: float = 1e-3, **loop) -> ImageVAE:
    """He et al. 2019's split: the inference network (encoder, latent head) on its own optimiser."""
    torch.manual_seed(0)
    optimizers = {"main": Optimization(partial(torch.optim.Adam, lr=1e-3)),
                  "encoder": Optimization(partial(torch.optim.Adam, lr=inner_lr), modules=["encoder", "latent"])}
    model = ImageVAE(MLP(PIXELS, [16]), GaussianHead(16, 3), MLP(3, [16], PIXELS), StandardNormal(3),
                     Objective({"re": Reconstruction(), "kl": KL()}, InnerLoop("encoder", **loop)), optimizers)
    return model


def test_an_inner_loop_updates_the_encoder_several_times_per_decoder_update():
    model = lagging_model(max_steps=5, check_every=100)
    assert not model.automatic_optimization
    trainer(max_epochs=1, limit_val_batches=0).fit(model, loader(24))          # 3 training steps
    assert adam_steps(model, "encoder") == adam_steps(model, "latent") == 15 and adam_steps(model, "decoder") == 3
    assert model.trainer.logged_metrics["train/inner_steps"] == 5.0


def test_the_inner_loop_stops_when_the_loss_stops_falling_and_switches_off():
    """With a frozen encoder (lr 0) and no sampling noise (z = the posterior mean) the loss is
    flat: the loop stops after two windows of check_every updates. Inactive, every optimiser steps once."""
    model = lagging_model(inner_lr=0.0, max_steps=50, check_every=2)
    model.latent.sample = lambda q: (q.mean, None)
    trainer(max_epochs=1, limit_val_batches=0).fit(model, loader(24))
    assert adam_steps(model, "encoder") == 3 * 4 and adam_steps(model, "decoder") == 3
    model = lagging_model(max_steps=5)
    model.objective.inner_loop.active = False
    trainer(max_epochs=1, limit_val_batches=0).fit(model, loader(24))
    assert adam_steps(model, "encoder") == adam_steps(model, "decoder") == 3


def test_an_optimizer_entry_besides_main_must_name_its_modules():
    with pytest.raises(ValueError, match="must name the modules it trains"):
        sphere_vae(Objective({"re": Reconstruction(), "kl": KL()}), optimizers={
            "main": Optimization(partial(torch.optim.Adam)), "encoder": Optimization(partial(torch.optim.Adam))})


def test_an_inner_loop_over_the_only_optimiser_trains_manually():
    """One optimiser under manual optimisation (Lightning then hands it over unwrapped from a list)."""
    model = sphere_vae(Objective({"re": Reconstruction(), "kl": KL()}, inner_loop=InnerLoop("main", max_steps=3,
                                                                                             check_every=1)))
    assert not model.automatic_optimization
    before = [p.detach().clone() for p in model.parameters()]
    trainer(max_epochs=1, limit_val_batches=0).fit(model, loader())
    assert model.trainer.global_step >= 4 and all(
        not torch.equal(a, p) for a, p in zip(before, model.parameters(), strict=True))
