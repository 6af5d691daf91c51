"""TorchMetrics of the evaluations: importance-sampled log-likelihood, perplexity."""

from vaezoo.metrics.loglik import ImportanceSampledLogLik
from vaezoo.metrics.perplexity import BoundPerplexity, PerDocumentPerplexity

__all__ = ["BoundPerplexity", "ImportanceSampledLogLik", "PerDocumentPerplexity"]
