"""Encoders and decoders."""

from vaezoo.nets.bow import BagOfWordsEncoder, MultinomialDecoder
from vaezoo.nets.gated import GatedDense, GatedMLP
from vaezoo.nets.lstm import SentenceDecoder, SentenceEncoder
from vaezoo.nets.mlp import MLP, glorot_init

__all__ = ["MLP", "BagOfWordsEncoder", "GatedDense", "GatedMLP", "MultinomialDecoder", "SentenceDecoder",
           "SentenceEncoder", "glorot_init"]
