import math

import lightning.pytorch as pl
import pytest
import torch

from vaezoo.data.bow import BagOfWordsDataModule
from vaezoo.evaluation import PerDocumentPerplexity
from vaezoo.latent import FixedKappaVMFHead
from vaezoo.models import DocumentVAE
from vaezoo.nets import BagOfWordsEncoder, MultinomialDecoder
from vaezoo.priors import SphereUniform


def nvdm(vocab: int, binary_input: bool = True) -> DocumentVAE:
    encoder = BagOfWordsEncoder(vocab, (16, 16), binary_input=binary_input)
    return DocumentVAE(encoder, FixedKappaVMFHead(encoder.out_features, 5, 50.0), MultinomialDecoder(vocab, 5, (16,)),
                       SphereUniform(5))


def test_log_likelihood_weights_word_log_probabilities_by_counts():
    torch.manual_seed(0)
    model = nvdm(6)
    x = torch.tensor([[2.0, 0, 1, 0, 0, 3]])
    z = torch.nn.functional.normalize(torch.randn(4, 1, 5), dim=-1)
    logp = model.decoder(z)
    assert torch.allclose(logp.exp().sum(-1), torch.ones(4, 1))
    expected = 2 * logp[..., 0] + logp[..., 2] + 3 * logp[..., 5]
    torch.testing.assert_close(model.log_likelihood(x, z), expected)


def test_encoder_sees_presence_or_counts():
    encoder = BagOfWordsEncoder(4, (3,), binary_input=True)
    assert torch.equal(encoder(torch.tensor([[5.0, 0, 1, 2]])), encoder(torch.tensor([[1.0, 0, 1, 1]])))
    counts = BagOfWordsEncoder(4, (3,), binary_input=False)
    assert not torch.equal(counts(torch.tensor([[5.0, 0, 1, 2]])), counts(torch.tensor([[1.0, 0, 1, 1]])))


def test_per_document_perplexity_of_a_hand_checked_example():
    """Miao et al. 2016: exp of the mean over documents of NLL / length: exp((6/3 + 2/1) / 2) = e^2."""
    metric = PerDocumentPerplexity()
    metric.update(torch.tensor([6.0, 2.0]), torch.tensor([3.0, 1.0]))
    assert metric.compute().item() == pytest.approx(math.exp(2.0))


def test_validation_perplexities_follow_their_definitions(fixtures_dir):
    torch.manual_seed(0)
    dm = BagOfWordsDataModule(str(fixtures_dir), "20ng", val_size=40, eval_batch_size=16, download=False)
    model = nvdm(dm.model_kwargs()["vocab_size"])
    metrics = pl.Trainer(logger=False, enable_progress_bar=False, enable_checkpointing=False).validate(
        model, datamodule=dm, verbose=False)[0]
    tokens = sum(batch[0].sum().item() for batch in dm.val_dataloader())
    assert metrics["val/ppl_corpus"] == pytest.approx(math.exp(-metrics["val/elbo"] * 40 / tokens), rel=1e-4)
    assert metrics["val/ppl"] > 1.0



class ChangedParameters(pl.Callback):
    """The top-level modules whose parameters each training epoch changed."""

    def __init__(self) -> None:
        self.per_epoch: list[set[str]] = []

    def on_train_epoch_start(self, trainer, module) -> None:
        self.before = {name: p.detach().clone() for name, p in module.named_parameters()}

    def on_train_epoch_end(self, trainer, module) -> None:
        self.per_epoch.append({name.split(".")[0] for name, p in module.named_parameters()
                               if not torch.equal(p.detach(), self.before[name])})


def test_alternating_updates_train_the_decoder_then_the_encoder(fixtures_dir):
    """Miao et al.'s protocol: with alternate_epochs=1, epoch 0 moves only the decoder, epoch 1 only the encoder."""
    torch.manual_seed(0)
    datamodule = BagOfWordsDataModule(str(fixtures_dir), "20ng", batch_size=32, val_size=20, download=False)
    datamodule.prepare_data()
    datamodule.setup()
    encoder = BagOfWordsEncoder(datamodule.vocab_size, (16,))
    model = DocumentVAE(encoder, FixedKappaVMFHead(16, 5, 50.0), MultinomialDecoder(datamodule.vocab_size, 5, (16,)),
                        SphereUniform(5), alternate_epochs=1)
    changed = ChangedParameters()
    pl.Trainer(max_epochs=3, limit_train_batches=3, limit_val_batches=0, logger=False, enable_checkpointing=False,
               enable_progress_bar=False, enable_model_summary=False, callbacks=[changed]).fit(model, datamodule)
    assert changed.per_epoch == [{"decoder"}, {"encoder", "latent"}, {"decoder"}]
