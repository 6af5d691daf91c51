"""vaezoo: train, compare and reproduce variational autoencoders."""

__version__ = "0.1.0"
