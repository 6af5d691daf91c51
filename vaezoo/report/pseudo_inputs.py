"""How much of a trained VampPrior is used (Tomczak & Welling 2018): whether its pseudo-inputs left
their initialisation and look like data, whether the mixture's components are used, and whether
samples from the prior are as varied as reconstructions.

    python -m vaezoo.report.pseudo_inputs RUN_DIR [--out usage.json]

RUN_DIR holds config.yaml and checkpoints/best.ckpt of a VampPrior run. Measures (L2 distances on
the model's input scale):
- moved: the fraction of pseudo-inputs farther from their initial value than ``moved_factor``
  times the initial noise's norm (a pseudo-input that stayed in the noise has not learned);
- data-like: the fraction whose nearest training input is closer than ``near_factor`` times the
  median nearest-neighbour distance among training inputs;
- distinct faces: the fraction whose decoding E[x | z = mean of q(z|u_k)] is data-like and farther
  than ``distinct_factor`` times that median from every other pseudo-input's decoding (grey
  pseudo-inputs that all decode to the same face count once at most);
- used: the fraction of components whose mean responsibility over the training inputs exceeds
  0.1 / K (a component no input's posterior falls in adds nothing to the prior);
- diversity: the mean pairwise distance of decoded prior samples over that of reconstructions of
  as many validation inputs (about 1 when the prior covers what the encoder uses).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import torch
from omegaconf import OmegaConf

from vaezoo.priors.vampprior import VampPrior
from vaezoo.tasks.checkpoints import load_trained

TRAINING_POOL = 60_000   # training images compared with (all of Frey's 1,565 and MNIST's 50,000)
TYPICAL_QUERIES = 2_000  # training images whose nearest neighbour sets the typical distance


def _inputs(model, loader, limit: int) -> torch.Tensor:
    batches, count = [], 0
    for batch in loader:
        batches.append(model.inputs(batch))
        count += len(batches[-1])
        if count >= limit:
            break
    return torch.cat(batches)[:limit]


def nearest_distances(queries: torch.Tensor, pool: torch.Tensor, exclude_self: bool = False,
                      chunk: int = 256) -> torch.Tensor:
    """Distance from each query to its nearest point of ``pool``, in chunks of queries (a training
    set's full distance matrix would not fit in memory). ``exclude_self``: query i is pool[i]."""
    pool = pool.double()
    nearest = []
    for start in range(0, len(queries), chunk):
        distances = torch.cdist(queries[start:start + chunk].double(), pool)
        if exclude_self:
            rows = torch.arange(len(distances))
            distances[rows, start + rows] = math.inf
        nearest.append(distances.min(dim=1).values)
    return torch.cat(nearest)


def mean_pairwise_distance(points: torch.Tensor) -> float:
    distances = torch.cdist(points.double(), points.double())
    n = len(points)
    return float(distances.sum() / (n * (n - 1)))


def distinct_data_like(decoded: torch.Tensor, data: torch.Tensor, typical: float, near_factor: float,
                       distinct_factor: float) -> torch.Tensor:
    """Per decoded image: near some data image (within ``near_factor * typical``) and farther than
    ``distinct_factor * typical`` from every other decoded image."""
    near = nearest_distances(decoded, data) <= near_factor * typical
    apart = nearest_distances(decoded, decoded, exclude_self=True) > distinct_factor * typical
    return near & apart


def initial_noise_norm(prior: VampPrior, cfg) -> float:
    """The norm of the initial noise of one pseudo-input: init_std (random) or data_noise_std."""
    std = cfg.prior.init_std if cfg.prior.init == "random" else cfg.prior.data_noise_std
    return float(std) * math.sqrt(prior.initial_inputs.shape[1])


@torch.no_grad()
def pseudo_input_usage(run: Path, examples: int = 500, moved_factor: float = 3.0, near_factor: float = 1.5,
                       distinct_factor: float = 0.5) -> dict:
    torch.manual_seed(0)   # the same training images, codes and prior samples at every call
    cfg = OmegaConf.load(run / "config.yaml")
    model, datamodule, _ = load_trained(run / "checkpoints" / "best.ckpt", cfg)
    prior = model.prior
    if not isinstance(prior, VampPrior):
        raise ValueError(f"{run}: the prior is {type(prior).__name__}, not a VampPrior")
    pseudo, start = prior.pseudo_inputs(), prior.initial_inputs
    train = _inputs(model, datamodule.train_dataloader(), TRAINING_POOL)   # the whole split, for nearest images
    validation = _inputs(model, datamodule.val_dataloader(), examples)
    moved = (pseudo - start).norm(dim=1) > moved_factor * initial_noise_norm(prior, cfg)
    typical = nearest_distances(train[:TYPICAL_QUERIES], train, exclude_self=True).median()
    data_like = nearest_distances(pseudo, train) <= near_factor * typical
    decoded = model.mean_image(model.posterior(pseudo).mean)
    distinct_faces = distinct_data_like(decoded, train, float(typical), near_factor, distinct_factor)
    mixture = model.prior_distribution()
    codes = model.posterior(train).sample()
    responsibility = mixture.component_log_probs(codes).softmax(dim=-1).mean(dim=0)
    used = responsibility > 0.1 / prior.num_pseudo_inputs
    sample_diversity = mean_pairwise_distance(model.mean_image(mixture.sample((len(validation),))))
    reconstruction_diversity = mean_pairwise_distance(model.mean_image(model.posterior(validation).mean))
    return {"pseudo_inputs": prior.num_pseudo_inputs,
            "moved_fraction": float(moved.double().mean()), "data_like_fraction": float(data_like.double().mean()),
            "distinct_faces_fraction": float(distinct_faces.double().mean()),
            "used_fraction": float(used.double().mean()),
            "sample_diversity": sample_diversity, "reconstruction_diversity": reconstruction_diversity,
            "diversity_ratio": sample_diversity / reconstruction_diversity,
            "settings": {"examples": examples, "moved_factor": moved_factor, "near_factor": near_factor,
                         "distinct_factor": distinct_factor}}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--out", type=Path, help="write the measures here as JSON")
    parser.add_argument("--examples", type=int, default=500)
    args = parser.parse_args(argv)
    usage = pseudo_input_usage(args.run, args.examples)
    text = json.dumps(usage, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
