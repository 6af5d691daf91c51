"""Table 5 machinery: the sampler's proposal counter against the exact acceptance rate."""

import pytest
import torch

from vaezoo.tasks.sampler_cost import exact_expected_proposals, measured_expected_proposals, published_table


@pytest.mark.parametrize("d,kappa", [(5, 10.0), (40, 1000.0)])
def test_proposal_counter_matches_the_exact_acceptance_rate(d, kappa):
    torch.manual_seed(0)
    measured, se = measured_expected_proposals(kappa, d + 1, 200_000)
    assert abs(measured - exact_expected_proposals(kappa, d + 1)) < 4 * se


def test_exact_expectation_limits():
    """Nearly every proposal is accepted for small kappa in high dimension; the cost stays
    below 1.5 everywhere (Davidson et al. 2018, Table 5)."""
    assert exact_expected_proposals(1.0, 101) == pytest.approx(1.0, abs=1e-4)
    values = [exact_expected_proposals(k, m) for m in (3, 6, 51) for k in (1.0, 100.0, 1e4, 1e5)]
    assert all(1.0 <= v < 1.5 for v in values)


def test_published_table_has_every_cell():
    table = published_table()
    assert len(table) == 5 * 9 and table[(5, 10.0)] == 1.268
