"""Where a trained M1+M2 keeps the class (Davidson et al. 2018, Table 3): in z1, in z2, or in y.

    python -m vaezoo.report.m1m2_probe RUN_DIR [--out RUN_DIR/m1m2_probe.json]

RUN_DIR holds config.yaml and checkpoints/best.ckpt of a ``davidson2018/table3`` run. On the test
images, at the posterior modes:
- ``classifier_accuracy``: argmax q(y | z1), the number Table 3 reports;
- ``probe_z1_accuracy``: a multinomial logistic regression fitted on the labelled validation
  codes z1 (10,000 labels: an upper bound on what is linearly readable from z1, not a
  semi-supervised result);
- ``probe_z2_accuracy``: the same on z2, the mode of q(z2 | z1, y) with y held at class 0: how
  much of the class M2's style code holds by itself;
- ``class_gain_nats``: log p(z1 | z2, y_true) - log mean_y' p(z1 | z2, y'), z2 inferred with
  y_true: how much the true class helps p(z1 | z2, y) explain z1 (0 when y is left unused; at
  most log 10 = 2.30 nats).

A classifier far below the z1 probe leaves the class in z1 unread; a high z2 probe with a small
gain says M2 explains z1 with z2 doing the class's work.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import torch
from omegaconf import OmegaConf
from sklearn.linear_model import LogisticRegression

from vaezoo.models import StackedM1M2
from vaezoo.tasks.checkpoints import load_trained


def modes(model: StackedM1M2, loader) -> tuple[torch.Tensor, torch.Tensor]:
    """The modes of q(z1 | x) over a loader of (x, y) batches, and the labels."""
    codes, labels = [], []
    for x, y in loader:
        codes.append(model.posterior(x).mode)
        labels.append(y)
    return torch.cat(codes), torch.cat(labels)


def style_codes(model: StackedM1M2, z1: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The mode of q(z2 | z1, y)."""
    return model.style_posterior(z1, y).mode


def class_gain(model: StackedM1M2, z1: torch.Tensor, z2: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """log p(z1 | z2, y) - log mean_y' p(z1 | z2, y') per example."""
    per_class = torch.stack([model.z1_given(z2, torch.full_like(y, k)).log_prob(z1)
                             for k in range(model.num_classes)], -1)
    true = per_class.gather(-1, y[:, None]).squeeze(-1)
    return true - (per_class.logsumexp(-1) - math.log(model.num_classes))


def linear_probe_accuracy(train: torch.Tensor, train_labels: torch.Tensor, test: torch.Tensor,
                          test_labels: torch.Tensor) -> float:
    """Accuracy (%) of a multinomial logistic regression (scikit-learn's) fitted on ``train``."""
    probe = LogisticRegression(max_iter=2000).fit(train.double().numpy(), train_labels.numpy())
    return 100.0 * float((probe.predict(test.double().numpy()) == test_labels.numpy()).mean())


@torch.no_grad()
def m1m2_probe(run: Path) -> dict:
    cfg = OmegaConf.load(run / "config.yaml")
    model, datamodule, _ = load_trained(run / "checkpoints" / "best.ckpt", cfg)
    if not isinstance(model, StackedM1M2):
        raise ValueError(f"{run}: the model is {type(model).__name__}, not an M1+M2 (StackedM1M2)")
    z1_val, y_val = modes(model, datamodule.val_dataloader())
    z1_test, y_test = modes(model, datamodule.test_dataloader())
    fixed = torch.zeros_like
    return {
        "classifier_accuracy": 100.0 * float((model.classifier(z1_test).argmax(-1) == y_test).double().mean()),
        "probe_z1_accuracy": linear_probe_accuracy(z1_val, y_val, z1_test, y_test),
        "probe_z2_accuracy": linear_probe_accuracy(style_codes(model, z1_val, fixed(y_val)), y_val,
                                                   style_codes(model, z1_test, fixed(y_test)), y_test),
        "class_gain_nats": float(class_gain(model, z1_test, style_codes(model, z1_test, y_test), y_test).mean()),
        "settings": {"probe_fitted_on": "validation", "examples_fitted": len(y_val), "examples_tested": len(y_test)},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--out", type=Path, help="write the measures here as JSON")
    args = parser.parse_args(argv)
    text = json.dumps(m1m2_probe(args.run), indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
