"""NVRNN training and evaluation tokens/s: Lightning versus the same model in a bare loop, and a
bare LSTM language model of the same size (Xu & Durrett 2018, §4: embeddings 100, LSTM 400,
10K words, batch 20).

Sentences are random words with PTB-like lengths (mean 21 words), batched by the project's own
length-bucketing sampler and collate function, so the data path is the one training uses. A
token is a predicted word or <eos>. ``make bench`` runs this on the CPU; on a GPU (cuDNN LSTMs):

    python -m benchmarks.bench_text --device cuda [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections.abc import Callable
from functools import partial
from pathlib import Path
from time import perf_counter

import lightning.pytorch as pl
import numpy as np
import torch
from lightning.fabric.utilities.apply_func import move_data_to_device
from torch import nn
from torch.utils.data import DataLoader

from benchmarks.bench_train_step import Setting, quiet_lightning, steady_rate
from benchmarks.common import bare_elbo_loss, machine_info
from vaezoo.data.batching import BucketBatchSampler, TextBatch, collate_sentences
from vaezoo.data.vocab import BOS, EOS, PAD
from vaezoo.latent import FixedKappaVMFHead
from vaezoo.models import SentenceVAE
from vaezoo.models.optimization import Optimization
from vaezoo.nets import SentenceDecoder, SentenceEncoder
from vaezoo.priors import SphereUniform

VOCAB, EMBEDDING, HIDDEN, LATENT, BATCH, KAPPA = 10_002, 100, 400, 50, 20, 80.0


TEXT_FULL = Setting(steps=60, warmup=10, repeats=3)
TEXT_QUICK = Setting(steps=12, warmup=4, repeats=1)
TEXT_GPU = Setting(steps=400, warmup=40, repeats=3)  # a GPU step takes milliseconds: more of them


def sentences(count: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    lengths = np.clip(rng.normal(21.0, 10.0, count).round().astype(int), 1, 80)
    return [{"ids": [BOS, *rng.integers(4, VOCAB, n).tolist(), EOS], "label": -1} for n in lengths]


def loader(steps: int, seed: int, shuffle: bool = True) -> DataLoader:
    data = sentences(steps * BATCH, seed)
    sampler = BucketBatchSampler([len(s["ids"]) for s in data], BATCH, shuffle=shuffle, seed=seed)
    return DataLoader(data, batch_sampler=sampler, collate_fn=collate_sentences)


def nvrnn() -> SentenceVAE:
    encoder = SentenceEncoder(VOCAB, EMBEDDING, HIDDEN, dropout=0.5)
    decoder = SentenceDecoder(VOCAB, LATENT, EMBEDDING, HIDDEN, setting="standard", dropout=0.5)
    sgd = Optimization(partial(torch.optim.SGD, lr=10.0), gradient_clip_norm=0.25)
    return SentenceVAE(encoder, FixedKappaVMFHead(encoder.out_features, LATENT, KAPPA), decoder,
                       SphereUniform(LATENT), optimizers={"main": sgd})


class LSTMLanguageModel(nn.Module):
    """The textbook LSTM language model of the same size, written without any vaezoo code."""

    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, EMBEDDING, padding_idx=PAD)
        self.lstm = nn.LSTM(EMBEDDING, HIDDEN, batch_first=True)
        self.output = nn.Linear(HIDDEN, VOCAB)

    def forward(self, x: TextBatch) -> torch.Tensor:
        hidden, _ = self.lstm(self.embedding(x.tokens[:, :-1]))
        logits = self.output(hidden)
        return nn.functional.cross_entropy(logits.transpose(1, 2), x.tokens[:, 1:], ignore_index=PAD,
                                           reduction="sum") / len(x)


def synchronize(device: torch.device) -> None:
    """Wait for queued GPU work, so a timestamp marks the end of the step, not of its launch."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class _TokenClock(pl.Callback):
    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.stamps: list[float] = []
        self.tokens: list[int] = []

    def on_train_batch_end(self, trainer, module, outputs, batch: TextBatch, batch_idx: int) -> None:
        synchronize(self.device)
        self.stamps.append(perf_counter())
        self.tokens.append(int(batch.target_tokens.sum()))


def tokens_per_second(stamps: list[float], tokens: list[int], warmup: int) -> float:
    """Tokens of the steps after ``warmup`` over their time (rate of steps times mean tokens)."""
    return steady_rate(stamps, warmup) * statistics.mean(tokens[warmup + 1:])


def framework_train(setting: Setting, seed: int, device: torch.device) -> float:
    torch.manual_seed(seed)
    clock = _TokenClock(device)
    trainer = pl.Trainer(max_steps=setting.steps, accelerator="gpu" if device.type == "cuda" else "cpu", devices=1,
                         logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, limit_val_batches=0, num_sanity_val_steps=0, callbacks=[clock])
    trainer.fit(nvrnn(), train_dataloaders=loader(setting.steps, seed))
    return tokens_per_second(clock.stamps, clock.tokens, setting.warmup)


def bare_train(model: nn.Module, loss_fn: Callable[[TextBatch], torch.Tensor], setting: Setting,
               seed: int, device: torch.device) -> float:
    """SGD with norm clipping 0.25, as the NVRNN protocol, in a hand-written loop."""
    optimizer = torch.optim.SGD(model.parameters(), lr=10.0)
    stamps, tokens = [], []
    for x in loader(setting.steps, seed):
        tokens.append(int(x.target_tokens.sum()))
        loss = loss_fn(move_data_to_device(x, device))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        optimizer.step()
        synchronize(device)
        stamps.append(perf_counter())
    return tokens_per_second(stamps, tokens, setting.warmup)


def nvrnn_loss(model: SentenceVAE) -> Callable[[TextBatch], torch.Tensor]:
    return partial(bare_elbo_loss, model)


def evaluation(model: nn.Module, loss_fn: Callable[[TextBatch], torch.Tensor], batches: int, seed: int,
               device: torch.device) -> float:
    """Tokens/s of a no-grad pass over ``batches`` sorted batches already on the device."""
    model.eval()
    data = [move_data_to_device(x, device) for x in loader(batches, seed, shuffle=False)]
    with torch.no_grad():
        loss_fn(data[0])
        synchronize(device)
        start = perf_counter()
        for x in data:
            loss_fn(x)
        synchronize(device)
    elapsed = perf_counter() - start
    return sum(int(x.target_tokens.sum()) for x in data) / elapsed


def run(setting: Setting, seed: int = 0, log: Callable[[str], None] = print, device: str = "cpu") -> list[dict]:
    """Training and evaluation tokens/s of: NVRNN in Lightning, NVRNN in a bare loop, a bare LSTM LM."""
    quiet_lightning()
    where = torch.device(device)
    measures: dict[str, list[float]] = {k: [] for k in
                                        ("nvrnn_lightning", "nvrnn_bare", "lstm_lm_bare", "nvrnn_eval", "lstm_lm_eval")}
    for _ in range(setting.repeats):
        measures["nvrnn_lightning"].append(framework_train(setting, seed, where))
        torch.manual_seed(seed)
        model = nvrnn().to(where).train()
        measures["nvrnn_bare"].append(bare_train(model, nvrnn_loss(model), setting, seed, where))
        measures["nvrnn_eval"].append(evaluation(model, nvrnn_loss(model), setting.steps, seed, where))
        torch.manual_seed(seed)
        lm = LSTMLanguageModel().to(where).train()
        measures["lstm_lm_bare"].append(bare_train(lm, lm, setting, seed, where))
        measures["lstm_lm_eval"].append(evaluation(lm, lm, setting.steps, seed, where))
    row = {"device": torch.cuda.get_device_name(where) if where.type == "cuda" else "cpu",
           "vocab": VOCAB, "embedding": EMBEDDING, "hidden": HIDDEN, "latent": LATENT, "batch": BATCH,
           "steps": setting.steps, "warmup": setting.warmup, "runs": measures}
    row |= {f"{k}_tokens_per_s": statistics.median(v) for k, v in measures.items()}
    row["framework_overhead"] = row["nvrnn_bare_tokens_per_s"] / row["nvrnn_lightning_tokens_per_s"]
    row["vs_lstm_lm"] = row["lstm_lm_bare_tokens_per_s"] / row["nvrnn_lightning_tokens_per_s"]
    log(f"  NVRNN train: Lightning {row['nvrnn_lightning_tokens_per_s']:.0f} tok/s, bare "
        f"{row['nvrnn_bare_tokens_per_s']:.0f} tok/s (x{row['framework_overhead']:.2f}); bare LSTM LM "
        f"{row['lstm_lm_bare_tokens_per_s']:.0f} tok/s (x{row['vs_lstm_lm']:.2f}); eval NVRNN "
        f"{row['nvrnn_eval_tokens_per_s']:.0f}, LSTM LM {row['lstm_lm_eval_tokens_per_s']:.0f} tok/s")
    return [row]


def main(argv: list[str] | None = None) -> dict:
    """This benchmark alone, on a chosen device: ``<out>/text_<device>.json`` and ``.md``."""
    from benchmarks.report import text_table

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_text", description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    parser.add_argument("--quick", action="store_true", help="fewer steps, one run")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    args = parser.parse_args(argv)
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        parser.error(f"--device {args.device}: torch sees no CUDA device on this machine")
    torch.set_num_threads(1)
    full = TEXT_GPU if args.device.startswith("cuda") else TEXT_FULL
    rows = run(TEXT_QUICK if args.quick else full, device=args.device)
    result = {"machine": machine_info(), "device": rows[0]["device"], "text": rows}
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"text_{args.device.split(':')[0]}"
    (args.out / f"{stem}.json").write_text(json.dumps(result, indent=1) + "\n")
    (args.out / f"{stem}.md").write_text(f"Device: {rows[0]['device']}\n\n{text_table(rows)}")
    return result


if __name__ == "__main__":
    main()
