"""Encoders and decoders."""

from vaezoo.nets.lstm import SentenceDecoder, SentenceEncoder
from vaezoo.nets.mlp import MLP, glorot_init

__all__ = ["MLP", "SentenceDecoder", "SentenceEncoder", "glorot_init"]
