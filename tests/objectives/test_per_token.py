"""A per-token reconstruction weighs the loss by the batch's tokens, not its logged value or bound."""

import pytest
import torch

from vaezoo.data.batching import TextBatch
from vaezoo.objectives import Objective, Reconstruction
from vaezoo.objectives.base import Pass, Passes
from vaezoo.objectives.schedules import Progress


class FixedLikelihood:
    """A stand-in model whose log p(x|z) is given."""

    def __init__(self, values: torch.Tensor) -> None:
        self.values = values

    def log_likelihood(self, x, z):
        return self.values


def sentences(lengths):
    return TextBatch(torch.zeros(len(lengths), max(lengths), dtype=torch.long), torch.tensor(lengths),
                     torch.full((len(lengths),), -1))


@pytest.mark.parametrize("per_token", [False, True])
def test_loss_is_the_summed_cross_entropy_over_the_tokens(per_token):
    x = sentences([4, 6, 11])                       # 3, 5 and 10 predicted tokens
    values = torch.tensor([-6.0, -10.0, -20.0])
    objective = Objective({"re": Reconstruction(per_token=per_token)})
    result = objective(FixedLikelihood(values), Passes(data=lambda: Pass(x, z=torch.zeros(3, 2))), Progress(0, 0))
    expected = 36.0 / 18 if per_token else 12.0     # sum NLL / sum tokens, or the mean NLL per sentence
    assert float(result.loss) == pytest.approx(expected)
    assert float(result.stats["re"]) == pytest.approx(-12.0) and float(result.stats["elbo"]) == pytest.approx(-12.0)


def test_per_token_needs_sentences():
    with pytest.raises(ValueError, match="needs sentences"):
        Reconstruction(per_token=True).loss_scale(None, Pass(torch.zeros(3, 4)))
