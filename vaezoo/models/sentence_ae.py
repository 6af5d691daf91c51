"""The sentence autoencoders and encoder-decoders of Bahuleyan et al. (2019): DAE, VAE, WAE-D and
WAE-S on sentences (§3.1), DED, VED, WED-D and WED-S on dialogue pairs (§3.2).

One network (``SentenceEncoder`` -> latent head -> ``SentenceDecoder`` fed z at every step), four
models by config: the code (``latent=deterministic`` or ``gaussian``) and the objective
(``objective=likelihood``, ``elbo``, ``wae_d``, ``wae_s``). The encoder reads a batch's source,
the decoder predicts its target: the same sentence, or a dialogue context's reply.
"""

from __future__ import annotations

from vaezoo.evaluation import EvalSettings, Evaluator
from vaezoo.models.nvrnn import SentenceVAE


class SentenceAutoencoder(SentenceVAE):
    """Measured by what it generates (the ``eval/generation`` evaluators: BLEU, sample PPL, unigram
    KL, entropy, length, distinct n-grams), not by a likelihood bound: a deterministic code has
    none, so no bound estimator runs by default."""

    def default_evaluators(self, settings: EvalSettings) -> list[Evaluator]:
        return []
