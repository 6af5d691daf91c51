"""Benchmarks of vaezoo: vMF sampling and KL, and training-step overhead (``python -m benchmarks.run``)."""
