"""Xu & Durrett 2018, Table 6: is the latent code more than a bag of words?

An MLP maps the latent mean mu of a sentence to its BoW vector (the mean word embedding, §6) and
another maps BoW to mu, each fitted by least squares "on a sample"; the table gives the average
cosine between prediction and target. The paper states neither the MLP nor the sample nor the
split, so they are configuration: by default the MLP is scikit-learn's ``MLPRegressor`` with one
hidden layer, fitted on a random sample of training sentences (with its own early-stopping
hold-out), and the cosine is averaged over the whole test split, so it measures what generalises.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from omegaconf import DictConfig
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from vaezoo.report.compare import paper_row
from vaezoo.results import RunRecorder
from vaezoo.tasks.checkpoints import load_trained, source_run, trained_run_scale
from vaezoo.tasks.sentence_codes import describe, mean_cosine, require_sentence_vae, sentence_codes


def regression_cosine(inputs: np.ndarray, targets: np.ndarray, test_inputs: np.ndarray, test_targets: np.ndarray,
                      hidden: int, seed: int) -> float:
    """Fit an MLP inputs -> targets (squared error, standardised inputs); mean test cosine."""
    mlp = make_pipeline(StandardScaler(), MLPRegressor(hidden_layer_sizes=(hidden,), early_stopping=True,
                                                       max_iter=500, random_state=seed))
    mlp.fit(inputs, targets)
    return mean_cosine(mlp.predict(test_inputs), test_targets)


def run(cfg: DictConfig, output_dir: Path, overrides: list[str] | tuple[str, ...] = (), *,
        train_sentences: int, hidden: int, paper_models: Mapping[str, str]) -> dict:
    """Both regression directions on one trained NVRNN or NVRNN-BoW; writes results.json and table6.md."""
    recorder = RunRecorder(cfg, output_dir)
    checkpoint, source = source_run(cfg, overrides)
    model, datamodule, _ = load_trained(checkpoint, source)
    model = require_sentence_vae(model, checkpoint, "bow_probe")
    train_mu, train_bow = (t.numpy() for t in sentence_codes(model, datamodule.loader("train")))
    test_mu, test_bow = (t.numpy() for t in sentence_codes(model, datamodule.loader("test")))
    rng = np.random.default_rng(cfg.seed)
    sample = rng.choice(len(train_mu), min(train_sentences, len(train_mu)), replace=False)
    with_bow = describe(source, model)["decoder_bow_input"]
    prefix = metric_prefix(with_bow)
    metrics = {
        f"{prefix}mu_to_bow": regression_cosine(train_mu[sample], train_bow[sample], test_mu, test_bow,
                                                hidden, cfg.seed),
        f"{prefix}bow_to_mu": regression_cosine(train_bow[sample], train_mu[sample], test_bow, test_mu,
                                                hidden, cfg.seed),
    }
    model_name = paper_models.get(source.get("variant_name"), source.get("variant_name"))
    rows = [f"xu2018_table6.csv:model={model_name}"]
    (output_dir / "table6.md").write_text(markdown(metrics, rows[0], len(sample), len(test_mu)))
    estimators = {metric: {"method": "mlp_regression_test_mean_cosine", "samples": len(test_mu)} for metric in metrics}
    return recorder.write(trained_run_scale(cfg, checkpoint, overrides), metrics, estimators, paper_rows=rows,
                          source_checkpoint=str(checkpoint), source_model=describe(source, model))


def metric_prefix(with_bow: bool) -> str:
    """Our metrics carry the paper's Table 6 column names: ``nvrnn_mu_to_bow`` and
    ``nvrnn_bow_to_mu`` for an NVRNN, ``nvrnn_bow_mu_to_bow`` for an NVRNN-BoW (whose BoW -> mu
    direction the paper does not publish)."""
    return "test/nvrnn_bow_" if with_bow else "test/nvrnn_"


def markdown(metrics: dict[str, float], row: str, fitted: int, tested: int) -> str:
    """Our cosines beside the paper's Table 6 columns of the same name for the same model."""
    paper = paper_row(row) or {}
    lines = [f"MLPs fitted on {fitted} training sentences, cosine averaged over {tested} test sentences.", "",
             "| paper row | column | ours | paper |", "|---|---|---|---|"]
    for metric, value in metrics.items():
        column = metric.split("/", 1)[1]
        lines.append(f"| {row} | {column} | {value:.2f} | {paper.get(column, '-')} |")
    return "\n".join(lines) + "\n"
