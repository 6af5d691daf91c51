"""Autocast off inside the distribution library.

Under mixed precision (``torch.autocast``) matrix products and dot products run in bf16 or
fp16, with three significant digits: enough for a layer, not for a Bessel series, a Householder
reflection that must keep a sample on the unit sphere, or a KL of 1e-3 nats. The functions
decorated here compute in their inputs' own dtype (float32 or float64) whatever the caller's
autocast says; the latent heads already hand them float32 parameters.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import TypeVar

import torch

F = TypeVar("F", bound=Callable)
DEVICE_TYPES = ("cpu", "cuda")


def full_precision(fn: F) -> F:
    """Run ``fn`` with autocast disabled on every device type where it is enabled."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with contextlib.ExitStack() as stack:
            for device_type in DEVICE_TYPES:
                if torch.is_autocast_enabled(device_type):
                    stack.enter_context(torch.autocast(device_type, enabled=False))
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
