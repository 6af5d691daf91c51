"""Optimisers of a model: a dict of named ``Optimization``s.

The ``optimizer/`` config group gives ``main``, which trains every parameter that no objective
term claims; a term with parameters of its own (a critic) brings its own ``Optimization``, named
after the term. Optimisers and schedulers are Hydra ``_partial_`` factories, so any torch (or
user) class works without a registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial

import torch

ParameterFactory = Callable[[Iterable[torch.nn.Parameter]], torch.optim.Optimizer]


class AdamNormGrad(torch.optim.Adam):
    """Adam on gradients scaled to unit L2 norm per parameter tensor: the "Adam with normalized
    gradients" of the VampPrior experiments (Tomczak & Welling 2018's code). No maintained
    library ships it; it is Adam after one rescaling."""

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for parameter in group["params"]:
                if parameter.grad is not None:
                    parameter.grad.div_(parameter.grad.norm() + 1e-8)
        super().step()
        return loss


class Optimization:
    """One optimiser with its learning-rate scheduler and gradient clipping.

    Args:
        optimizer: parameters -> optimiser.
        scheduler: optimiser -> LR scheduler, stepped once per epoch (None: constant rate). A
            ``ReduceLROnPlateau`` reads ``monitor`` (Xu & Durrett 2018, §4: "SGD with decayed
            learning rate": lr / 1.2 after an epoch whose validation ELBO did not improve).
        monitor: the metric a plateau scheduler reads.
        gradient_clip_norm: clip the global gradient norm of this optimiser's parameters (None:
            no clipping). Part of a model's training protocol, so it lives here, not in the Trainer.
        gradient_clip_value: clip every gradient element to [-value, value] (None: no clipping),
            before any norm clipping (Bahuleyan et al.'s code: 5).
        modules: the model's submodules this optimiser trains (``[encoder, latent]``: the
            inference network); None for ``main``, which trains what no other optimiser does.
    """

    def __init__(self, optimizer: ParameterFactory, scheduler: Callable[[torch.optim.Optimizer], object] | None = None,
                 monitor: str = "val/elbo", gradient_clip_norm: float | None = None,
                 modules: Sequence[str] | None = None, gradient_clip_value: float | None = None) -> None:
        for key, clip in (("gradient_clip_norm", gradient_clip_norm), ("gradient_clip_value", gradient_clip_value)):
            if clip is not None and clip <= 0:
                raise ValueError(f"{key}={clip} must be positive (or null: no clipping)")
        self.optimizer, self.scheduler, self.monitor = optimizer, scheduler, monitor
        self.gradient_clip_norm, self.gradient_clip_value = gradient_clip_norm, gradient_clip_value
        self.modules = None if modules is None else [str(m) for m in modules]

    def lightning_config(self, parameters: list[torch.nn.Parameter]) -> dict:
        """Lightning's {"optimizer", "lr_scheduler"} dict for ``configure_optimizers``."""
        optimizer = self.optimizer(parameters)
        config: dict = {"optimizer": optimizer}
        if self.scheduler is not None:
            config["lr_scheduler"] = {"scheduler": self.scheduler(optimizer), "monitor": self.monitor,
                                      "interval": "epoch"}
        return config


Optimizations = Mapping[str, Optimization]   # the optimizer group: name -> Optimization


def adam(lr: float = 1e-3) -> dict[str, Optimization]:
    """The default: one Adam optimiser over every parameter."""
    return {"main": Optimization(partial(torch.optim.Adam, lr=lr, fused=True))}


def merge_optimizations(configured: Mapping[str, Optimization], of_terms: Mapping[str, Optimization]
                        ) -> dict[str, Optimization]:
    """The ``optimizer`` group's entries (``main`` and any that name the modules they train) and the
    terms' own optimisers, by name."""
    if "main" not in configured or configured["main"].modules is not None:
        raise ValueError(f"optimizer: needs an entry main without modules (it trains what no other entry does), "
                         f"got {sorted(configured)}")
    for name, optimization in configured.items():
        if name != "main" and not optimization.modules:
            raise ValueError(f"optimizer.{name}: an entry besides main must name the modules it trains "
                             "(modules: [encoder, latent]); a term with parameters of its own brings its optimiser "
                             "in its config (objective.terms.<name>.optimization)")
        if name in of_terms:
            raise ValueError(f"optimizer.{name}: the name of an objective term with an optimiser of its own")
    return {**configured, **of_terms}
