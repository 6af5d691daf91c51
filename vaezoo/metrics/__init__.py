"""TorchMetrics used at evaluation."""

from vaezoo.metrics.loglik import ImportanceSampledLogLik

__all__ = ["ImportanceSampledLogLik"]
