"""Cost of the vMF sampler: expected proposals per accepted sample (Davidson et al. 2018, Table 5).

Three numbers per (d, kappa) cell: the mean count of the library's own sampler
(``VonMisesFisher.rsample_with_proposals``) with its standard error, the exact expectation
1 / P(accept) by quadrature, and the published Monte-Carlo value (1,000 samples in the paper,
so about +-0.03). d is the manifold dimension, z on S^d in R^{d+1}, as in Table 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import scipy.integrate
import scipy.stats
import torch
from omegaconf import DictConfig

from vaezoo.distributions.vmf import VonMisesFisher
from vaezoo.paper_tables import read_table
from vaezoo.report.compare import row_metric
from vaezoo.results import RunRecorder, run_scale


def exact_expected_proposals(kappa: float, dim: int) -> float:
    """1 / P(accept) of Wood's sampler in R^dim.

    P(accept) = E_eps[exp((m-1) log t - t + d)] with eps ~ Beta((m-1)/2, (m-1)/2) and
    t = 2ab / (1 - (1-b) eps) (Davidson et al. 2018, Algorithm 2): the acceptance test
    log u <= (m-1) log t - t + d has probability exp(.) because the right side is <= 0.
    """
    m1 = dim - 1.0
    root = math.sqrt(4.0 * kappa * kappa + m1 * m1)
    b = m1 / (2.0 * kappa + root)
    a = (m1 + 2.0 * kappa + root) / 4.0
    d = 4.0 * a * b / (1.0 + b) - m1 * math.log(m1)
    beta = scipy.stats.beta(m1 / 2.0, m1 / 2.0)

    def integrand(eps: float) -> float:
        t = 2.0 * a * b / (1.0 - (1.0 - b) * eps)
        return math.exp(beta.logpdf(eps) + m1 * math.log(t) - t + d)

    probability, _ = scipy.integrate.quad(integrand, 0.0, 1.0, points=[0.5], limit=200, epsabs=1e-12)
    return 1.0 / probability


def measured_expected_proposals(kappa: float, dim: int, samples: int) -> tuple[float, float]:
    """Mean proposals per accepted sample of the library's sampler, and its standard error."""
    loc = torch.zeros(samples, dim, dtype=torch.float64)
    loc[:, 0] = 1.0
    _, proposals = VonMisesFisher(loc, torch.full((samples, 1), kappa, dtype=torch.float64)).rsample_with_proposals()
    counts = proposals.double()
    return counts.mean().item(), counts.std().item() / math.sqrt(samples)


def published_table() -> dict[tuple[int, float], float]:
    return {(int(row["d"]), float(row["kappa"])): float(row["proposals"]) for row in read_table("davidson2018_table5")}


def markdown(cells: list[dict], samples: int) -> str:
    lines = [f"| d | kappa | ours ({samples:,} samples) | exact (quadrature) | paper (1,000 samples) | "
             "ours - exact (in SE) | paper - exact |",
             "|---|---|---|---|---|---|---|"]
    for c in cells:
        paper = "" if c["paper"] is None else f"{c['paper']:.3f}"
        paper_gap = "" if c["paper"] is None else f"{c['paper'] - c['exact']:+.3f}"
        # Every draw accepted at once (se = 0) happens where P(accept) is within 1/samples of 1.
        in_se = f"{(c['measured'] - c['exact']) / c['se']:+.1f}" if c["se"] > 0 else "(all first proposals)"
        lines.append(f"| {c['d']} | {c['kappa']:g} | {c['measured']:.4f} +- {c['se']:.4f} | {c['exact']:.4f} | "
                     f"{paper} | {in_se} | {paper_gap} |")
    return "\n".join(lines) + "\n"


def run(cfg: DictConfig, output_dir: Path, overrides: list[str] | tuple[str, ...] = (), *,
        manifold_dims: Sequence[int], kappas: Sequence[float], samples: int) -> dict:
    """Measure every (d, kappa) cell with ``samples`` draws; write table5.md and results.json."""
    recorder = RunRecorder(cfg, output_dir)
    torch.manual_seed(cfg.seed)
    paper = published_table()
    cells = []
    for d in manifold_dims:
        for kappa in kappas:
            measured, se = measured_expected_proposals(float(kappa), d + 1, samples)
            cells.append({"d": d, "kappa": float(kappa), "measured": measured, "se": se,
                          "exact": exact_expected_proposals(float(kappa), d + 1),
                          "paper": paper.get((d, float(kappa)))})
    (output_dir / "table5.md").write_text(markdown(cells, samples))
    # One record quotes every cell: each number is named by its row (vaezoo.report.compare.row_metric).
    metrics = ({row_metric("test/proposals", d=c["d"], kappa=f"{c['kappa']:g}"): c["measured"] for c in cells}
               | {row_metric("exact/proposals", d=c["d"], kappa=f"{c['kappa']:g}"): c["exact"] for c in cells})
    estimators = {"proposals": {"method": "monte_carlo", "samples": samples},
                  "exact": {"method": "quadrature", "samples": None}}
    return recorder.write(run_scale(cfg, overrides, is_proxy_data=False), metrics, estimators)
