"""Latent means of a trained sentence VAE, and bag-of-words vectors of the same sentences, for the
probes of Xu & Durrett 2018, §6 (Table 6 and Figure 5)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import torch
from omegaconf import DictConfig
from torch import nn

from vaezoo.data.batching import TextBatch
from vaezoo.errors import ConfigError
from vaezoo.models.nvrnn import SentenceVAE
from vaezoo.nets.lstm import mean_word_embedding


def require_sentence_vae(model: nn.Module, checkpoint: Path, task: str) -> SentenceVAE:
    if not isinstance(model, SentenceVAE):
        raise ConfigError(f"task={task} probes the latent code of a sentence VAE (model=nvrnn); the run of "
                          f"{checkpoint} trained a {type(model).__name__}")
    return model


def describe(source: DictConfig, model: SentenceVAE) -> dict:
    """Which model a probe read, for results.json and the figures: variant, setting, BoW input."""
    return {"variant": source.get("variant_name"), "setting": source.get("setting"),
            "decoder_bow_input": model.decoder.bow_embedding is not None}


def bow_embedding(model: SentenceVAE) -> nn.Embedding:
    """The word embeddings that define a sentence's BoW vector: those the NVRNN-BoW decoder is
    given (§6), or, for an NVRNN without that input, the encoder's (the paper does not say which)."""
    return model.decoder.bow_embedding if model.decoder.bow_embedding is not None else model.encoder.embedding


@torch.no_grad()
def sentence_codes(model: SentenceVAE, batches: Iterable[TextBatch],
                   perturb: Callable[[TextBatch], TextBatch] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """mu [N, d] (the mode of q(z|x): the mean of a Gaussian, the mean direction of a vMF) and the
    BoW vectors [N, embedding] of every sentence, in batch order; ``perturb`` changes each batch
    before it is encoded (the BoW vector is always the original sentence's)."""
    embedding, codes, bows = bow_embedding(model), [], []
    for batch in batches:
        codes.append(model.posterior(perturb(batch) if perturb else batch).mode)
        bows.append(mean_word_embedding(batch.tokens, embedding))
    return torch.cat(codes), torch.cat(bows)


def mean_cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    """The average over rows of cos(a_i, b_i)."""
    return float(nn.functional.cosine_similarity(torch.as_tensor(a), torch.as_tensor(b), dim=-1).mean())
