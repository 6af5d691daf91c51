import math
from functools import partial

import lightning.pytorch as pl
import numpy as np
import pytest
import torch
from scipy.special import gammaln, ive
from torch.distributions import kl_divergence

from vaezoo.data.text import TextDataModule
from vaezoo.distributions import HypersphericalUniform
from vaezoo.latent import FixedKappaVMFHead, GaussianHead
from vaezoo.models import SentenceVAE
from vaezoo.models.optimization import Optimization
from vaezoo.nets import SentenceDecoder, SentenceEncoder
from vaezoo.priors import SphereUniform, StandardNormal


def paper_kl(kappa: float, d: int) -> float:
    """Xu & Durrett 2018, §3: KL(vMF(mu, kappa) || vMF(., 0)) in R^d, from SciPy's scaled Bessel."""
    log_i = math.log(ive(d / 2 - 1, kappa)) + kappa
    ratio = ive(d / 2, kappa) / ive(d / 2 - 1, kappa)
    return (kappa * ratio + (d / 2 - 1) * math.log(kappa) - (d / 2) * math.log(2 * math.pi) - log_i
            + (d / 2) * math.log(math.pi) + math.log(2) - gammaln(d / 2))


def model(vocab: int, latent: str = "vmf", dim: int = 8, kappa: float = 80.0) -> SentenceVAE:
    encoder = SentenceEncoder(vocab, 8, 16)
    if latent == "vmf":
        head, prior = FixedKappaVMFHead(encoder.out_features, dim, kappa), SphereUniform(dim)
    else:
        head, prior = GaussianHead(encoder.out_features, dim), StandardNormal(dim)
    decoder = SentenceDecoder(vocab, dim, 8, 16, setting="inputless")
    sgd = Optimization(partial(torch.optim.SGD, lr=1.0))
    return SentenceVAE(encoder, head, decoder, prior, optimizers={"main": sgd})


@pytest.mark.parametrize(("kappa", "d"), [(80.0, 50), (35.0, 50), (100.0, 25), (150.0, 200)])
def test_fixed_kappa_kl_is_the_papers_closed_form(kappa, d):
    head = FixedKappaVMFHead(4, d, kappa)
    q = head(torch.randn(3, 4))
    kl = kl_divergence(q, HypersphericalUniform(d))
    np.testing.assert_allclose(kl.detach().numpy(), paper_kl(kappa, d), rtol=1e-5)


def test_fixed_kappa_kl_is_constant_and_sends_no_gradient(fixtures_dir, tmp_path):
    dm = TextDataModule(str(fixtures_dir), "ptb", cache_dir=str(tmp_path), batch_size=4, download=False)
    vae = model(dm.model_kwargs()["vocab_size"])
    x = next(iter(dm.train_dataloader()))
    kl = vae.objective.terms["kl"](vae, vae.encode(x))
    assert torch.allclose(kl, torch.full_like(kl, paper_kl(80.0, 8)), rtol=1e-5)
    assert not kl.requires_grad


def test_log_likelihood_takes_several_codes_per_sentence(fixtures_dir, tmp_path):
    dm = TextDataModule(str(fixtures_dir), "ptb", cache_dir=str(tmp_path), batch_size=4, download=False)
    vae = model(dm.model_kwargs()["vocab_size"]).eval()
    x = next(iter(dm.train_dataloader()))
    z = vae.posterior(x).rsample((3,))
    ll = vae.log_likelihood(x, z)
    assert ll.shape == (3, 4)
    torch.testing.assert_close(ll[1], vae.log_likelihood(x, z[1:2])[0])


def test_validation_perplexity_is_exp_of_nll_per_token(fixtures_dir, tmp_path):
    """val/ppl = exp(sum of -ELBO / sum of (words + <eos>)); ppl_words divides by words only."""
    torch.manual_seed(0)
    dm = TextDataModule(str(fixtures_dir), "ptb", cache_dir=str(tmp_path), eval_batch_size=16, download=False)
    vae = model(dm.model_kwargs()["vocab_size"], latent="gaussian")
    metrics = pl.Trainer(logger=False, enable_progress_bar=False, enable_checkpointing=False).validate(
        vae, datamodule=dm, verbose=False)[0]
    lines = (fixtures_dir / "ptb" / "ptb.valid.txt").read_text().splitlines()
    words = sum(len(line.split()) for line in lines)
    total_nll = metrics["val/nll"] * len(lines)
    assert metrics["val/ppl"] == pytest.approx(math.exp(total_nll / (words + len(lines))), rel=1e-4)
    assert metrics["val/ppl_words"] == pytest.approx(math.exp(total_nll / words), rel=1e-4)
    assert metrics["val/nll"] == pytest.approx(-metrics["val/elbo"], rel=1e-5)
