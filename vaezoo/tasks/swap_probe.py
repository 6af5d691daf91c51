"""Xu & Durrett 2018, Figure 5: how much does the latent code move when adjacent words swap?

For every test sentence, cos(mu(x), mu(swap(x))) with adjacent words swapped at a given
probability (``vaezoo.data.perturb``), averaged over the test split; a code that keeps word
order falls faster as swaps become likelier. The figure has no published numbers, so
results.json holds ours only; ``vaezoo.report.figures`` draws the four models' curves.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path

import numpy as np
from omegaconf import DictConfig

from vaezoo.data.perturb import swap_words_in_batch
from vaezoo.results import RunRecorder
from vaezoo.tasks.checkpoints import load_trained, source_run, trained_run_scale
from vaezoo.tasks.sentence_codes import describe, mean_cosine, require_sentence_vae, sentence_codes


def run(cfg: DictConfig, output_dir: Path, overrides: list[str] | tuple[str, ...] = (), *,
        probabilities: Sequence[float]) -> dict:
    """The average cosine at every swap probability; writes results.json."""
    recorder = RunRecorder(cfg, output_dir)
    checkpoint, source = source_run(cfg, overrides)
    model, datamodule, _ = load_trained(checkpoint, source)
    model = require_sentence_vae(model, checkpoint, "swap_probe")
    original, _ = sentence_codes(model, datamodule.loader("test"))
    metrics = {}
    for probability in probabilities:
        noise = partial(swap_words_in_batch, probability=float(probability), rng=np.random.default_rng(cfg.seed))
        swapped, _ = sentence_codes(model, datamodule.loader("test"), perturb=noise)
        metrics[f"cosine/swap={float(probability):g}"] = mean_cosine(original, swapped)
    estimators = {"cosine": {"method": "test_mean_one_swap_draw", "samples": len(original)}}
    return recorder.write(trained_run_scale(cfg, checkpoint, overrides), metrics, estimators, paper_rows=[],
                          source_checkpoint=str(checkpoint), source_model=describe(source, model))
