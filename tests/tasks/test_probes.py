"""Table 6 and Figure 5 machinery: MLP regression cosines, codes of perturbed sentences."""

import numpy as np
import pytest
import torch

from vaezoo.data.perturb import swap_words_in_batch
from vaezoo.data.text import TextDataModule
from vaezoo.errors import ConfigError
from vaezoo.latent import FixedKappaVMFHead
from vaezoo.models import SentenceVAE
from vaezoo.nets import SentenceDecoder, SentenceEncoder
from vaezoo.nets.mlp import MLP
from vaezoo.priors import SphereUniform
from vaezoo.tasks.bow_probe import regression_cosine
from vaezoo.tasks.sentence_codes import bow_embedding, mean_cosine, require_sentence_vae, sentence_codes


def test_regression_cosine_is_high_for_a_function_and_low_for_noise():
    rng = np.random.default_rng(0)
    x, x_test = rng.normal(size=(2000, 10)), rng.normal(size=(300, 10))
    w = rng.normal(size=(10, 5))
    fitted = regression_cosine(x, np.tanh(x @ w), x_test, np.tanh(x_test @ w), hidden=64, seed=0)
    noise = regression_cosine(x, rng.normal(size=(2000, 5)), x_test, rng.normal(size=(300, 5)), hidden=64, seed=0)
    assert fitted > 0.95 and abs(noise) < 0.2


def test_mean_cosine_on_hand_made_rows():
    a = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    b = torch.tensor([[2.0, 0.0], [1.0, 0.0]])
    assert mean_cosine(a, b) == pytest.approx(0.5)


def text_vae(vocab: int, bow_input: bool) -> SentenceVAE:
    encoder = SentenceEncoder(vocab, 8, 16)
    decoder = SentenceDecoder(vocab, 6, 8, 16, setting="inputless", bow_input=bow_input)
    head = FixedKappaVMFHead(encoder.out_features, 6, 50.0)
    return SentenceVAE(encoder, head, decoder, SphereUniform(6)).eval()


@pytest.mark.parametrize("bow_input", [False, True])
def test_codes_are_unit_means_and_swaps_move_them(fixtures_dir, tmp_path, bow_input):
    torch.manual_seed(0)
    dm = TextDataModule(str(fixtures_dir), "ptb", cache_dir=str(tmp_path), download=False)
    vae = text_vae(dm.model_kwargs()["vocab_size"], bow_input)
    assert bow_embedding(vae) is (vae.decoder.bow_embedding if bow_input else vae.encoder.embedding)
    mu, bow = sentence_codes(vae, dm.loader("test"))
    assert mu.shape == (len(dm.splits["test"]), 6) and bow.shape == (len(mu), 8)
    torch.testing.assert_close(mu.norm(dim=-1), torch.ones(len(mu)))
    unchanged = lambda b: swap_words_in_batch(b, 0.0, np.random.default_rng(0))  # noqa: E731
    same, _ = sentence_codes(vae, dm.loader("test"), perturb=unchanged)
    torch.testing.assert_close(same, mu)
    swapped, swapped_bow = sentence_codes(
        vae, dm.loader("test"), perturb=lambda b: swap_words_in_batch(b, 1.0, np.random.default_rng(0)))
    assert mean_cosine(mu, swapped) < 0.999
    torch.testing.assert_close(swapped_bow, bow)   # the BoW vector is the original sentence's


def test_probes_refuse_a_model_without_a_sentence_code(tmp_path):
    with pytest.raises(ConfigError, match="task=bow_probe probes the latent code of a sentence VAE"):
        require_sentence_vae(MLP(4, [4]), tmp_path / "best.ckpt", "bow_probe")


def test_table6_metrics_are_the_papers_columns_and_its_table_shows_them_side_by_side():
    from vaezoo.paper_tables import read_table
    from vaezoo.tasks.bow_probe import markdown, metric_prefix

    published = {f"test/{column}" for column in read_table("xu2018_table6")[0]} - {"test/model"}
    nvrnn = {metric_prefix(False) + direction for direction in ("mu_to_bow", "bow_to_mu")}
    assert nvrnn <= published and metric_prefix(True) + "mu_to_bow" in published
    text = markdown({"test/nvrnn_mu_to_bow": 0.62, "test/nvrnn_bow_to_mu": 0.66}, "xu2018_table6.csv:model=g-vae",
                    10, 20)
    assert "| xu2018_table6.csv:model=g-vae | nvrnn_mu_to_bow | 0.62 | 0.74 |" in text
    assert "| xu2018_table6.csv:model=g-vae | nvrnn_bow_to_mu | 0.66 | 0.74 |" in text
