"""Timing and machine description shared by the benchmarks."""

from __future__ import annotations

import datetime
import math
import platform
import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils import benchmark

from vaezoo.results import code_version


@dataclass(frozen=True)
class Timing:
    """Seconds per call: median and minimum over ``repeats`` blocks of ``number`` calls."""

    median_s: float
    min_s: float
    number: int
    repeats: int


def _block(fn: Callable[[], object], number: int) -> float:
    """Seconds per call over ``number`` calls, by torch.utils.benchmark (which synchronises CUDA
    and keeps the thread count); it times one statement at a time, so the interleaving is ours."""
    timer = benchmark.Timer(stmt="fn()", globals={"fn": fn}, num_threads=torch.get_num_threads())
    return timer.timeit(number).mean


def time_interleaved(
    fns: Mapping[str, Callable[[], object]], repeats: int, min_block_s: float, warmup: int = 2
) -> dict[str, Timing]:
    """Time several callables with their repeats interleaved, so load drift hits all alike.

    Each callable is warmed up, then called in blocks of ``number`` calls, ``number`` chosen so
    that a block lasts about ``min_block_s``.
    """
    numbers = {}
    for name, fn in fns.items():
        for _ in range(warmup):
            fn()
        numbers[name] = max(1, math.ceil(min_block_s / max(_block(fn, 1), 1e-9)))
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            samples[name].append(_block(fn, numbers[name]))
    return {name: Timing(statistics.median(s), min(s), numbers[name], repeats)
            for name, s in samples.items()}


def cpu_model() -> str:
    """The 'model name' line of /proc/cpuinfo (platform.processor() elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_commit(path: Path) -> str | None:
    """HEAD commit of the checkout at ``path``, with '+dirty' if its tracked files changed, or None."""
    version = code_version(path)
    return None if version["git_sha"] is None else version["git_sha"] + ("+dirty" if version["git_dirty"] else "")


def machine_info() -> dict[str, object]:
    """Hardware and software the numbers were measured with."""
    import lightning
    import numpy
    import scipy

    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu_model": cpu_model(),
        "logical_cpus": torch.multiprocessing.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch_interop_threads": torch.get_num_interop_threads(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "torch": torch.__version__,
        "lightning": lightning.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "vaezoo_commit": git_commit(Path(__file__).resolve().parent.parent),
    }


def bare_elbo_loss(model, x) -> torch.Tensor:
    """-ELBO at one sample written by hand from the model's parts, without the objective core:
    what a bare PyTorch loop of the same model computes."""
    q = model.posterior(x)
    z, _ = model.latent.sample(q)
    kl = torch.distributions.kl_divergence(q, model.prior_distribution())
    return -(model.log_likelihood(x, z) - kl).mean()
