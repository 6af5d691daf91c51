"""Frey faces: 1,965 grey 28 x 20 faces (Roweis), as the VampPrior experiments use them
(Tomczak & Welling 2018; the file of their code): pixels (x + 0.5) / 256 in (0, 1), split
1,565 / 200 / 200 by a seeded permutation (the original code's sizes; the report's 0.8/0.1/0.1
contradicts them and the original protocol is followed).

The file is a Python 2 pickle; it is read with ``vaezoo.data.safe_pickle``, which refuses
anything but numpy arrays and plain containers.
"""

from __future__ import annotations

import lightning.pytorch as pl
import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from vaezoo.data.order import evaluation_loader, shuffled_loader
from vaezoo.data.root import RemoteFile, ensure_files, resolve_root
from vaezoo.data.safe_pickle import load_data_pickle
from vaezoo.data.splits import held_out_count
from vaezoo.errors import DataFileError

FREY_FILE = RemoteFile(
    "freyfaces.pkl",
    ("https://raw.githubusercontent.com/jmtomczak/vae_vampprior/master/datasets/Freyfaces/freyfaces.pkl",),
    "8db27fd8d4be5ade7bdb05b488ae8aa2")
IMAGE_SHAPE = (28, 20)


def read_frey(path) -> np.ndarray:
    """The uint8 faces [n, 560] of ``freyfaces.pkl`` (a list holding one array)."""
    content = load_data_pickle(path)
    faces = content[0] if isinstance(content, list | tuple) and content else content
    pixels = IMAGE_SHAPE[0] * IMAGE_SHAPE[1]
    if not isinstance(faces, np.ndarray) or faces.ndim != 2 or faces.shape[1] != pixels or faces.dtype != np.uint8:
        found = f"{type(faces).__name__} {getattr(faces, 'shape', '')} {getattr(faces, 'dtype', '')}"
        raise DataFileError(f"{path}: expected a list with one uint8 array of shape [n, {pixels}], found {found}")
    return faces


class FreyFacesDataModule(pl.LightningDataModule):
    """Frey faces as [batch, 560] floats (k + 0.5) / 256, with placeholder labels -1.

    Args:
        root: data root holding ``frey/freyfaces.pkl``.
        val_size, test_size: held-out faces (counts, or fractions < 1).
        split_seed: seed of the permutation before splitting.
        shuffle_seed: seed of the training order (the run's seed).
        batch_size / eval_batch_size: training / evaluation batch sizes.
        subset: keep only the first ``subset`` faces of every split (smoke runs).
        download: fetch the file (md5-checked) when it is missing and the network allows.
    """

    is_proxy = False
    image_shape = IMAGE_SHAPE

    def __init__(self, root: str, val_size: float = 200, test_size: float = 200, split_seed: int = 0,
                 shuffle_seed: int = 0, batch_size: int = 100, eval_batch_size: int = 100,
                 subset: int | None = None, num_workers: int = 0, download: bool = True) -> None:
        super().__init__()
        self.shuffle_seed = shuffle_seed
        self.directory = resolve_root(root) / "frey"
        self.val_size, self.test_size, self.split_seed = val_size, test_size, split_seed
        self.batch_size, self.eval_batch_size = batch_size, eval_batch_size
        self.subset, self.num_workers, self.download = subset, num_workers, download
        self.splits: dict[str, TensorDataset] = {}

    def prepare_data(self) -> None:
        ensure_files(self.directory, [FREY_FILE], self.download,
                     "allow data.download=true with network access, or copy freyfaces.pkl there")

    def setup(self, stage: str | None = None) -> None:
        if self.splits:
            return
        path = self.directory / FREY_FILE.name
        faces = torch.from_numpy((read_frey(path).astype(np.float32) + 0.5) / 256.0)
        n_test = held_out_count(self.test_size, len(faces), "data.test_size", path)
        n_val = held_out_count(self.val_size, len(faces) - n_test, "data.val_size", path)
        order = torch.randperm(len(faces), generator=torch.Generator().manual_seed(self.split_seed))
        parts = {"test": order[:n_test], "val": order[n_test:n_test + n_val], "train": order[n_test + n_val:]}
        self.splits = {name: TensorDataset(faces[index][: self.subset], torch.full((len(index),), -1)[: self.subset])
                       for name, index in parts.items()}

    def train_dataloader(self) -> DataLoader:
        return shuffled_loader(self.splits["train"], self.batch_size, self.shuffle_seed, num_workers=self.num_workers)

    def val_dataloader(self) -> DataLoader:
        return evaluation_loader(self.splits["val"], self.eval_batch_size, num_workers=self.num_workers)

    def test_dataloader(self) -> DataLoader:
        return evaluation_loader(self.splits["test"], self.eval_batch_size, num_workers=self.num_workers)
