"""vMF ``rsample`` throughput and KL(vMF || uniform) forward+backward time on an (m, kappa, dtype)
grid, for vaezoo and optionally the public S-VAE reference, measured side by side."""

from __future__ import annotations

import cProfile
import io
import pstats
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
from torch.distributions import Distribution, kl_divergence

from benchmarks.common import time_interleaved
from benchmarks.reference import Reference
from vaezoo.distributions import HypersphericalUniform, VonMisesFisher

BATCH = 512
OURS = "ours"
REFERENCE = "reference"


@dataclass(frozen=True)
class Grid:
    dims: tuple[int, ...]
    kappas: tuple[float, ...]
    dtypes: tuple[torch.dtype, ...]

    def cells(self) -> Iterator[tuple[torch.dtype, int, float]]:
        for dtype in self.dtypes:
            for m in self.dims:
                for kappa in self.kappas:
                    yield dtype, m, kappa

    def to_json(self) -> dict[str, list]:
        return {"dims": list(self.dims), "kappas": list(self.kappas),
                "dtypes": [dtype_name(d) for d in self.dtypes]}


FULL_GRID = Grid((5, 50, 300, 1000), (1.0, 10.0, 100.0, 1e3, 1e4, 1e5), (torch.float32, torch.float64))
QUICK_GRID = Grid((5, 1000), (1.0, 1e5), (torch.float32, torch.float64))


@dataclass(frozen=True)
class Family:
    """An implementation: vMF constructor (loc, scale) and uniform prior constructor (m, dtype)."""

    name: str
    vmf: Callable[[torch.Tensor, torch.Tensor], Distribution]
    uniform: Callable[[int, torch.dtype], Distribution]


OUR_FAMILY = Family(OURS, VonMisesFisher, lambda m, dtype: HypersphericalUniform(m, dtype=dtype))


def families(reference: Reference | None) -> list[Family]:
    """vaezoo, then the reference if loaded (whose uniform takes the sphere dimension m - 1)."""
    if reference is None:
        return [OUR_FAMILY]
    return [OUR_FAMILY, Family(REFERENCE, reference.von_mises_fisher,
                               lambda m, dtype: reference.hyperspherical_uniform(m - 1))]


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def make_params(m: int, kappa: float, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """Random unit mean directions [BATCH, m] (fixed seed per m) and a constant kappa [BATCH, 1]."""
    gen = torch.Generator().manual_seed(m)
    loc = torch.randn(BATCH, m, generator=gen, dtype=torch.float64)
    loc = (loc / loc.norm(dim=-1, keepdim=True)).to(dtype)
    return loc, torch.full((BATCH, 1), kappa, dtype=dtype)


def rsample_fn(family: Family, m: int, kappa: float, dtype: torch.dtype) -> Callable[[], torch.Tensor]:
    """One batch of reparameterised samples (forward only) from a fixed distribution."""
    return family.vmf(*make_params(m, kappa, dtype)).rsample


def kl_fn(family: Family, m: int, kappa: float, dtype: torch.dtype) -> Callable[[], tuple]:
    """Build q, KL(q || uniform) per example, backward of its sum to loc and kappa."""
    loc, scale = (t.requires_grad_() for t in make_params(m, kappa, dtype))
    prior = family.uniform(m, dtype)

    def step() -> tuple[torch.Tensor, torch.Tensor | None]:
        loc.grad = scale.grad = None
        kl = kl_divergence(family.vmf(loc, scale), prior)
        kl.sum().backward()
        return kl.detach(), scale.grad

    return step


BENCHES: dict[str, Callable[[Family, int, float, torch.dtype], Callable[[], object]]] = {
    "rsample": rsample_fn,
    "kl": kl_fn,
}


def failure(fn: Callable[[], object], calls: int = 3) -> str | None:
    """Why ``fn`` is unusable (an exception, a missing or non-finite output), or None."""
    try:
        for _ in range(calls):
            out = fn()
            for t in out if isinstance(out, tuple) else (out,):
                if t is None:
                    return "no gradient"
                if not bool(torch.isfinite(t).all()):
                    return "non-finite output"
    except Exception as exc:  # noqa: BLE001 - a failing implementation is a result, not an error
        return f"{type(exc).__name__}: {exc}"[:200]
    return None


def measure_cell(bench: str, fams: list[Family], dtype: torch.dtype, m: int, kappa: float,
                 repeats: int, min_block_s: float) -> list[dict]:
    """One row per implementation: median seconds per call, or why it failed."""
    torch.manual_seed(0)
    fns = {f.name: BENCHES[bench](f, m, kappa, dtype) for f in fams}
    failures = {name: failure(fn) for name, fn in fns.items()}
    timings = time_interleaved({n: fn for n, fn in fns.items() if failures[n] is None},
                               repeats, min_block_s)
    rows = []
    for name in fns:
        row = {"bench": bench, "impl": name, "dtype": dtype_name(dtype), "m": m, "kappa": kappa,
               "batch": BATCH, "failure": failures[name]}
        if name in timings:
            t = timings[name]
            row |= {"seconds": t.median_s, "min_seconds": t.min_s, "number": t.number,
                    "repeats": t.repeats, "per_second": BATCH / t.median_s}
        rows.append(row)
    return rows


def run_grid(grid: Grid, reference: Reference | None, repeats: int, min_block_s: float,
             log: Callable[[str], None] = print) -> list[dict]:
    """Every bench on every cell of the grid, for every available implementation."""
    fams = families(reference)
    rows: list[dict] = []
    for dtype, m, kappa in grid.cells():
        for bench in BENCHES:
            cell = measure_cell(bench, fams, dtype, m, kappa, repeats, min_block_s)
            rows += cell
            log(f"  {bench:7s} {dtype_name(dtype)} m={m:<4d} kappa={kappa:<8g} "
                + "  ".join(f"{r['impl']}={r['seconds'] * 1e3:.2f}ms" if r["failure"] is None
                            else f"{r['impl']} FAILED ({r['failure']})" for r in cell))
    return rows


def profile_ours(bench: str, dtype: torch.dtype, m: int, kappa: float, calls: int = 20) -> str:
    """torch.profiler operator table and cProfile function table of our ``bench`` at one cell."""
    fn = BENCHES[bench](OUR_FAMILY, m, kappa, dtype)
    fn()
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        for _ in range(calls):
            fn()
    ops = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=15)
    profiler = cProfile.Profile()
    profiler.runcall(lambda: [fn() for _ in range(calls)])
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(25)
    return (f"### {bench} {dtype_name(dtype)} m={m} kappa={kappa:g} ({calls} calls)\n\n"
            f"torch.profiler, by self CPU time:\n{ops}\n"
            f"cProfile, by cumulative time:\n{stream.getvalue()}\n")
