from functools import partial

import pytest
import torch

from tests.cli.conftest import compose_config
from vaezoo.latent import GaussianHead, VMFHead
from vaezoo.models import StackedM1M2
from vaezoo.nets import MLP
from vaezoo.objectives import Objective, Progress, TrainingShare
from vaezoo.objectives.semi_supervised import LabelClassification, LabelledBound, UnlabelledBound, unlabelled_bound
from vaezoo.priors import SphereUniform, StandardNormal
from vaezoo.report.compare import paper_row

HEADS = {"gaussian": GaussianHead, "vmf": VMFHead}
PRIORS = {"gaussian": StandardNormal, "vmf": SphereUniform}


class Parts:
    part_sizes = {"labelled": 20, "unlabelled": 180}


def semi_supervised(alpha: float = 0.1) -> Objective:
    """objective=semi_supervised, bound to a training set of 20 labelled and 180 unlabelled images."""
    objective = Objective({
        "labelled_bound": LabelledBound(TrainingShare("labelled"), "labelled"),
        "unlabelled_bound": UnlabelledBound(TrainingShare("unlabelled"), "unlabelled"),
        "classification": LabelClassification(alpha, "labelled")})
    objective.bind(Parts())
    return objective


def make_model(z1: str = "gaussian", z2: str = "gaussian", alpha: float = 0.1,
               classifier_input: str = "sample") -> StackedM1M2:
    torch.manual_seed(0)
    return StackedM1M2(MLP(784, [32]), HEADS[z1](32, 4), MLP(4, [32], 784), PRIORS[z2](3),
                       partial(HEADS[z2], dim=3), partial(HEADS[z1], dim=4), semi_supervised(alpha), hidden_sizes=[32],
                       classifier_input=classifier_input)


def batch(n: int = 6) -> dict:
    generator = torch.Generator().manual_seed(1)
    x = torch.bernoulli(torch.full((2 * n, 784), 0.3), generator=generator)
    return {"labelled": (x[:n], torch.arange(n) % 10), "unlabelled": (x[n:], torch.zeros(n, dtype=torch.long))}


def loss(model: StackedM1M2, seed: int = 2) -> torch.Tensor:
    torch.manual_seed(seed)
    return model.objective(model, model.training_passes(batch()), Progress()).loss


def test_unlabelled_bound_sums_the_labelled_terms_over_classes_with_q_y_and_adds_its_entropy():
    model = make_model()
    model.z2_latent.sample = lambda q: (q.mode, None)  # deterministic z2: the two sides see the same code
    z1, m1 = torch.randn(5, 4), torch.randn(5)
    bound = unlabelled_bound(model, z1, m1, model.classifier(z1))
    q_y = model.classifier(z1).softmax(-1)
    per_class = torch.stack([model.m2_terms(z1, torch.full((5,), k)) for k in range(10)], -1)
    expected = m1 + (q_y * per_class).sum(-1) - (q_y * q_y.log()).sum(-1)
    torch.testing.assert_close(bound, expected)


def test_loss_is_eq_9_over_n_with_the_parts_shares_and_alpha():
    """(N_l E_l[L] + N_u E_u[U]) / N + alpha E_l[-log q(y|z1)], from the terms' batch means."""
    model = make_model(alpha=0.3)
    torch.manual_seed(2)
    result = model.objective(model, model.training_passes(batch()), Progress())
    stats = result.stats
    assert stats["weight/labelled_bound"] == 20 / 200 and stats["weight/unlabelled_bound"] == 180 / 200
    expected = -(20 * stats["labelled_bound"] + 180 * stats["unlabelled_bound"]) / 200 + 0.3 * stats["classification"]
    torch.testing.assert_close(result.loss, expected)


def test_alpha_weights_the_mean_cross_entropy_of_the_labelled_images():
    """Kingma et al. eq. 9 over N: the loss grows by alpha * mean labelled cross-entropy."""
    losses = {alpha: loss(make_model(alpha=alpha)) for alpha in (0.0, 1.0)}
    model = make_model()
    (x_l, y_l) = batch()["labelled"]
    torch.manual_seed(2)
    z1 = model.latent.sample(model.latent(model.encoder(x_l)))[0]
    cross_entropy = torch.nn.functional.cross_entropy(model.classifier(z1), y_l)
    torch.testing.assert_close(losses[1.0] - losses[0.0], cross_entropy, rtol=0, atol=1e-4)  # float32 losses ~ 500


@pytest.mark.parametrize("classifier_input", ["sample", "mode"])
def test_the_classifier_reads_the_sample_or_the_mode_of_q_z1(classifier_input):
    """The cross-entropy term and q(y | .) inside U(x) read z1's sample (Kingma et al.) or q(z1|x)'s mode."""
    model = make_model("vmf", "vmf", classifier_input=classifier_input)
    passes = model.training_passes(batch())
    labelled = passes["labelled"]
    code = labelled.z if classifier_input == "sample" else labelled.q.mode
    assert not torch.allclose(labelled.z, labelled.q.mode)
    expected = torch.nn.functional.cross_entropy(model.classifier(code), labelled.extras["y"], reduction="none")
    torch.testing.assert_close(LabelClassification(1.0, "labelled")(model, labelled), expected)


def test_the_unlabelled_bound_weighs_the_classes_by_q_y_at_the_classifier_input():
    model = make_model("vmf", "vmf", classifier_input="mode")
    model.z2_latent.sample = lambda q: (q.mode, None)  # deterministic z2: both sides see the same code
    unlabelled = model.training_passes(batch())["unlabelled"]
    bound = UnlabelledBound(1.0, "unlabelled")(model, unlabelled)
    m1 = model.log_likelihood(unlabelled.x, unlabelled.z) + unlabelled.q.entropy()
    expected = unlabelled_bound(model, unlabelled.z, m1, model.classifier(unlabelled.q.mode))
    torch.testing.assert_close(bound, expected)
    assert not torch.allclose(bound, unlabelled_bound(model, unlabelled.z, m1, model.classifier(unlabelled.z)))


def test_the_cross_entropy_on_the_mode_takes_no_score_correction():
    """Only a term that reads the sample carries the vMF sampler's score correction."""
    for classifier_input, reads in (("sample", True), ("mode", False)):
        model = make_model("vmf", "vmf", classifier_input=classifier_input)
        labelled = model.training_passes(batch())["labelled"]
        assert LabelClassification(1.0, "labelled").reads_sample(model, labelled) is reads


def test_an_unknown_classifier_input_is_refused():
    with pytest.raises(ValueError, match="classifier_input='mean': choose one of"):
        make_model(classifier_input="mean")


@pytest.mark.parametrize("z1, z2", [("gaussian", "gaussian"), ("vmf", "vmf"), ("vmf", "gaussian")])
def test_every_parameter_is_trained_end_to_end(z1, z2):
    model = make_model(z1, z2)
    value = loss(model)
    value.backward()
    assert torch.isfinite(value)
    untrained = [name for name, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not untrained


def test_mismatched_z2_posterior_and_prior_are_refused():
    with pytest.raises(ValueError, match="support"):
        StackedM1M2(MLP(784, [32]), GaussianHead(32, 4), MLP(4, [32], 784), SphereUniform(3),
                    partial(GaussianHead, dim=3), partial(GaussianHead, dim=4), semi_supervised(), hidden_sizes=[32])


@pytest.mark.parametrize("overrides, z1_dim, z2_dim, model_name, accuracy", [
    (["latent=gaussian", "z2_latent=gaussian"], 5, 5, "n+n", "90.0"),
    (["latent=vmf", "z2_latent=vmf", "z1_dim=10", "z2_dim=10"], 11, 11, "s+s", "96.0"),
    (["latent=vmf", "z2_latent=gaussian"], 6, 5, "s+n", "93.8"),
])
def test_table3_config_picks_the_pair_its_dimensions_and_its_paper_row(overrides, z1_dim, z2_dim, model_name,
                                                                       accuracy):
    cfg = compose_config(["+experiment=davidson2018/table3", *overrides])
    assert (cfg.latent.dim, cfg.model.prior.dim, cfg.model.z2_latent.dim, cfg.model.z1_conditional.dim) == (
        z1_dim, z2_dim, z2_dim, z1_dim)
    (reference,) = cfg.paper_rows
    assert f"model={model_name}" in reference and paper_row(reference)["acc"] == accuracy


def test_the_equal_weighting_objective_weights_both_batch_means_by_one_and_alpha_50():
    from hydra.utils import instantiate
    cfg = compose_config(["+experiment=davidson2018/table3", "objective=semi_supervised_equal"])
    terms = instantiate(cfg.objective).terms
    weights = {name: term.weight(Progress()) for name, term in terms.items()}
    assert weights == {"labelled_bound": 1.0, "unlabelled_bound": 1.0, "classification": 50.0}
