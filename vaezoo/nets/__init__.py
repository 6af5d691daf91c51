"""Encoders and decoders."""

from vaezoo.nets.mlp import MLP, glorot_init

__all__ = ["MLP", "glorot_init"]
