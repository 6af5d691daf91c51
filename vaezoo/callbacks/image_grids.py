"""PNG grids of an image VAE's samples, reconstructions and VampPrior pseudo-inputs, the
qualitative figures of Tomczak & Welling 2018 (and of its reproduction report, Figs. 1-21)."""

from __future__ import annotations

import math
from pathlib import Path

import lightning.pytorch as pl
import numpy as np
import torch
from PIL import Image


def tile(images: torch.Tensor, shape: tuple[int, int], columns: int | None = None) -> np.ndarray:
    """[n, pixels] in [0, 1] -> one uint8 picture of n tiles of ``shape``, one pixel apart."""
    n = len(images)
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    height, width = shape
    canvas = np.ones(((height + 1) * rows + 1, (width + 1) * columns + 1), dtype=np.float32)
    pictures = images.detach().float().clamp(0, 1).reshape(n, height, width).cpu().numpy()
    for i, picture in enumerate(pictures):
        top, left = 1 + (i // columns) * (height + 1), 1 + (i % columns) * (width + 1)
        canvas[top:top + height, left:left + width] = picture
    return (canvas * 255).round().astype(np.uint8)


class ImageGrids(pl.Callback):
    """Writes ``<run>/images/{samples,reconstructions,pseudo_inputs}_epoch<E>.png`` every
    ``every_n_epochs`` epochs and ``..._tested.png`` for the model the test scores.

    Samples are E[x|z] at z ~ p(z); reconstructions put each of the first validation images beside
    E[x|z] at its posterior mode; pseudo-inputs are drawn when the prior has
    them. Needs an ``ImageVAE`` and a DataModule with ``image_shape``.

    Args:
        every_n_epochs: period of the intermediate grids (0: only the tested model's).
        count: images per grid.
    """

    def __init__(self, every_n_epochs: int = 0, count: int = 64) -> None:
        self.every_n_epochs, self.count = every_n_epochs, count

    def on_validation_epoch_end(self, trainer: pl.Trainer, module: pl.LightningModule) -> None:
        epoch = trainer.current_epoch
        if self.every_n_epochs and not trainer.sanity_checking and (epoch + 1) % self.every_n_epochs == 0:
            self.write(trainer, module, f"epoch{epoch + 1}")

    def on_test_end(self, trainer: pl.Trainer, module: pl.LightningModule) -> None:
        """The tested model (the best checkpoint), like the reported numbers."""
        self.write(trainer, module, "tested")

    @torch.no_grad()
    def write(self, trainer: pl.Trainer, module: pl.LightningModule, tag: str) -> None:
        if not trainer.is_global_zero:
            return
        shape = tuple(trainer.datamodule.image_shape)
        folder = Path(trainer.default_root_dir) / "images"
        folder.mkdir(parents=True, exist_ok=True)
        was_training = module.training
        module.eval()
        z = module.prior_distribution().sample((self.count,))
        grids = {"samples": module.mean_image(z)}
        x = module.inputs(next(iter(trainer.datamodule.val_dataloader())))[: self.count // 2].to(module.device)
        reconstructed = module.mean_image(module.posterior(x).mode)
        grids["reconstructions"] = torch.stack([x, reconstructed], 1).flatten(0, 1)
        if hasattr(module.prior, "pseudo_inputs"):
            grids["pseudo_inputs"] = module.prior.pseudo_inputs()[: self.count]
        for name, images in grids.items():
            columns = 2 * math.ceil(math.sqrt(len(images) / 2))  # even: a reconstruction beside its image
            Image.fromarray(tile(images, shape, columns)).save(folder / f"{name}_{tag}.png")
        module.train(was_training)
