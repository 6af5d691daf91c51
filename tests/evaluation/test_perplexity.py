import math

import torch

from vaezoo.evaluation import CorpusPerplexity


def test_perplexity_of_a_hand_checked_example():
    """Two sentences with NLL 2 and 4 nats over 2 and 3 tokens: exp(6 / 5), whatever the batching."""
    whole, split = CorpusPerplexity(), CorpusPerplexity()
    whole.update(torch.tensor([2.0, 4.0]), torch.tensor([2, 3]))
    split.update(torch.tensor([2.0]), torch.tensor([2]))
    split.update(torch.tensor([4.0]), torch.tensor([3]))
    assert whole.compute().item() == split.compute().item() == math.exp(6 / 5)
