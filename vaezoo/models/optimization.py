"""The optimiser, learning-rate decay and gradient clipping of a model, from its hyperparameters
``optimizer``, ``lr``, ``lr_decay`` and ``gradient_clip_norm`` (shared by every LightningModule)."""

from __future__ import annotations

import torch


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


OPTIMIZERS = {"adam": torch.optim.Adam, "adam_normgrad": AdamNormGrad, "sgd": torch.optim.SGD}


def check_optimization(optimizer: str, lr_decay: float) -> None:
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"model.optimizer={optimizer!r} is not one of {sorted(OPTIMIZERS)}")
    if not 0 < lr_decay <= 1:
        raise ValueError(f"model.lr_decay={lr_decay} must be in (0, 1]")


class ConfiguredOptimization:
    """Mixin for LightningModules whose ``hparams`` hold the four keys above.

    ``lr_decay`` < 1 multiplies the learning rate by it after every epoch whose validation ELBO did
    not improve (Xu & Durrett 2018, §4: "SGD with decayed learning rate and gradient clipping").
    Clipping is part of a model's protocol, so it is a model setting rather than a Trainer one.
    """

    def configure_gradient_clipping(self, optimizer, gradient_clip_val=None, gradient_clip_algorithm=None) -> None:
        clip = self.hparams.gradient_clip_norm if self.hparams.gradient_clip_norm is not None else gradient_clip_val
        if clip is not None:
            self.clip_gradients(optimizer, gradient_clip_val=clip,
                                gradient_clip_algorithm=gradient_clip_algorithm or "norm")

    def configure_optimizers(self) -> torch.optim.Optimizer | dict:
        optimizer = OPTIMIZERS[self.hparams.optimizer](self.parameters(), lr=self.hparams.lr)
        if self.hparams.lr_decay == 1.0:
            return optimizer
        plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="max", factor=self.hparams.lr_decay,
                                                             patience=0)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": plateau, "monitor": "val/elbo"}}
