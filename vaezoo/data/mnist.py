"""MNIST with dynamic binarisation (Salakhutdinov & Murray 2008), as in Davidson et al. 2018 §5.2,
or the fixed binarisation of Larochelle & Murray (2011).

Dynamic binarisation: every training batch draws x ~ Bernoulli(pixel / 255) anew, so each
epoch sees new binary images; validation and test images are binarised once with a fixed
seed, so every evaluation sees the same data. The training draw happens after the batch reaches
its device, from a generator keyed by (seed, rank, epoch, batch): a resumed run draws the same
images as an uninterrupted one, and a GPU draws them itself. The official 60k training images are split
50k/10k into train/validation by a permutation drawn with ``split_seed`` (default 0).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import lightning.pytorch as pl
import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from vaezoo.data.idx import read_idx_gz
from vaezoo.data.order import batch_position, evaluation_loader, mix_seed, shuffled_loader
from vaezoo.data.root import RemoteFile, ensure_files, resolve_root
from vaezoo.data.splits import held_out_count
from vaezoo.errors import ConfigError, DataFileError

_MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")
IDX_FILES = (
    RemoteFile("train-images-idx3-ubyte.gz", tuple(m + "train-images-idx3-ubyte.gz" for m in _MIRRORS),
               "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
    RemoteFile("train-labels-idx1-ubyte.gz", tuple(m + "train-labels-idx1-ubyte.gz" for m in _MIRRORS),
               "d53e105ee54ea40749a09fcbcd1e9432"),
    RemoteFile("t10k-images-idx3-ubyte.gz", tuple(m + "t10k-images-idx3-ubyte.gz" for m in _MIRRORS),
               "9fb629c4189551a2d022fa330f9573f3"),
    RemoteFile("t10k-labels-idx1-ubyte.gz", tuple(m + "t10k-labels-idx1-ubyte.gz" for m in _MIRRORS),
               "ec29112dd5afa0611ce80d1b7f02629c"),
)
# No canonical download of this file: it is built from Larochelle's binarized_mnist_*.amat.
FIXED_FILE = RemoteFile("binarized_mnist.npz", (), None)
BINARIZATIONS = ("dynamic", "fixed")


def embedded_sample_dir() -> Path:
    """The MNIST sample shipped with the package (first 1,000 training and 200 test images)."""
    return Path(str(resources.files("vaezoo.data") / "sample"))


def binarize(grey: torch.Tensor, seed: int) -> torch.Tensor:
    """Binary pixels x ~ Bernoulli(grey), drawn on ``grey``'s device from a generator seeded ``seed``."""
    generator = torch.Generator(device=grey.device).manual_seed(seed)
    return torch.bernoulli(grey, generator=generator)


def _binarize_pair(pair, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    images, labels = pair
    return binarize(images, seed), labels


def binarize_training_batch(batch, trainer, seed: int):
    """The (images, labels) pairs of a training batch (one, or a dict of them from a
    ``CombinedLoader``) with binary images, keyed by (seed, rank, epoch, batch, part)."""
    key = (seed, trainer.global_rank, *batch_position(trainer))
    if isinstance(batch, dict):
        return {name: _binarize_pair(pair, mix_seed(*key, part))
                for part, (name, pair) in enumerate(sorted(batch.items()))}
    return _binarize_pair(batch, mix_seed(*key, 0))


class MNISTDataModule(pl.LightningDataModule):
    """Binarised MNIST as [batch, 784] float tensors in {0, 1} with integer labels.

    Args:
        root: data root holding ``mnist/``; None reads the sample shipped in the package.
        binarization: "dynamic" (idx files) or "fixed" (``binarized_mnist.npz``, its own split).
        val_size: validation images taken from the training file: a count, or a fraction < 1.
        split_seed: seed of the train/validation permutation.
        eval_binarization_seed: seed of the one-off binarisation of validation and test images.
        shuffle_seed: seed of the training order and of the dynamic binarisation (the run's seed).
        batch_size / eval_batch_size: training / evaluation batch sizes.
        subset: keep only the first ``subset`` examples of every split (smoke runs).
        download: fetch missing idx files (md5-checked) when the network allows.
    """

    image_shape = (28, 28)

    def __init__(
        self,
        root: str | None,
        binarization: str = "dynamic",
        val_size: float = 10_000,
        split_seed: int = 0,
        eval_binarization_seed: int = 0,
        shuffle_seed: int = 0,
        batch_size: int = 64,
        eval_batch_size: int = 500,
        subset: int | None = None,
        num_workers: int = 0,
        download: bool = True,
    ) -> None:
        super().__init__()
        if binarization not in BINARIZATIONS:
            raise ConfigError(f"data.binarization={binarization!r} is not one of {list(BINARIZATIONS)}")
        self.directory = embedded_sample_dir() / "mnist" if root is None else resolve_root(root) / "mnist"
        self.binarization = binarization
        self.val_size = val_size
        self.split_seed = split_seed
        self.eval_binarization_seed = eval_binarization_seed
        self.shuffle_seed = shuffle_seed
        self.batch_size = batch_size
        self.eval_batch_size = eval_batch_size
        self.subset = subset
        self.num_workers = num_workers
        self.download = download and root is not None
        self.is_proxy = root is None
        self.splits: dict[str, TensorDataset] = {}

    def prepare_data(self) -> None:
        """Check (and when allowed, download) the files before anything is trained."""
        if self.binarization == "fixed":
            ensure_files(self.directory, [FIXED_FILE], False,
                         "convert Larochelle's binarized_mnist_{train,valid,test}.amat into an npz "
                         "with uint8 arrays 'train', 'valid', 'test'")
            return
        ensure_files(self.directory, IDX_FILES, self.download,
                     "allow data.download=true with network access, or copy the four MNIST idx .gz files there")

    def setup(self, stage: str | None = None) -> None:
        if self.splits:
            return
        self.splits = {name: TensorDataset(x[: self.subset], y[: self.subset])
                       for name, (x, y) in self.read_splits().items()}

    def read_splits(self) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
        """(images, labels) of train / val / test, whole: grey levels for dynamic training images."""
        return self._read_fixed() if self.binarization == "fixed" else self._read_dynamic()

    def _read_pair(self, images_file: str, labels_file: str) -> tuple[np.ndarray, np.ndarray]:
        """Images [n, 28, 28] and their n labels in 0..9, or DataFileError naming the file and what disagrees."""
        images, labels = read_idx_gz(self.directory / images_file), read_idx_gz(self.directory / labels_file)
        if images.ndim != 3 or images.shape[1:] != self.image_shape:
            raise DataFileError(f"{self.directory / images_file} holds images of shape {images.shape[1:]}, not "
                                f"{self.image_shape}: not MNIST; replace it with the original file")
        if labels.ndim != 1 or len(labels) != len(images):
            raise DataFileError(f"{self.directory / labels_file} holds {labels.shape} labels for the "
                                f"{len(images)} images of {images_file}: the two files do not belong together")
        bad = np.flatnonzero(labels > 9)
        if len(bad):
            raise DataFileError(f"{self.directory / labels_file}: label {int(labels[bad[0]])} of record "
                                f"{int(bad[0])} (and {len(bad) - 1} more) is outside 0..9; replace the file")
        return images, labels

    def _read_dynamic(self) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
        images, labels = self._read_pair("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
        test_images, test_labels = self._read_pair("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
        n_val = held_out_count(self.val_size, len(images), "data.val_size", self.directory)
        order = torch.randperm(len(images), generator=torch.Generator().manual_seed(self.split_seed))
        train_idx, val_idx = order[: len(images) - n_val], order[len(images) - n_val:]
        grey = torch.from_numpy(images.reshape(len(images), -1).astype(np.float32) / 255.0)
        labels_t = torch.from_numpy(labels.astype(np.int64))
        test_grey = torch.from_numpy(test_images.reshape(len(test_images), -1).astype(np.float32) / 255.0)
        # One generator per split, so the test images do not depend on the validation size.
        val_binarizer = torch.Generator().manual_seed(self.eval_binarization_seed)
        test_binarizer = torch.Generator().manual_seed(self.eval_binarization_seed + 1)
        return {
            "train": (grey[train_idx], labels_t[train_idx]),
            "val": (torch.bernoulli(grey[val_idx], generator=val_binarizer), labels_t[val_idx]),
            "test": (torch.bernoulli(test_grey, generator=test_binarizer),
                     torch.from_numpy(test_labels.astype(np.int64))),
        }

    def _read_fixed(self) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
        path = self.directory / FIXED_FILE.name
        try:
            with np.load(path, allow_pickle=False) as npz:
                arrays = {split: npz[key] for split, key in (("train", "train"), ("val", "valid"), ("test", "test"))}
        except (OSError, ValueError, KeyError) as err:
            raise DataFileError(f"{path} is not a readable npz with arrays train/valid/test ({err})") from None
        pixels = self.image_shape[0] * self.image_shape[1]
        for split, array in arrays.items():
            if array.ndim != 2 or array.shape[1] != pixels:
                raise DataFileError(f"{path}: array {split} has shape {array.shape}, not [n, {pixels}] binarised "
                                    "images")
        # The fixed set carries no labels; -1 marks them as absent.
        return {split: (torch.from_numpy(a.astype(np.float32)), torch.full((len(a),), -1, dtype=torch.long))
                for split, a in arrays.items()}

    def train_dataloader(self) -> DataLoader:
        """Grey levels (dynamic binarisation: drawn in ``on_after_batch_transfer``) in ``SeededShuffle`` order."""
        return shuffled_loader(self.splits["train"], self.batch_size, self.shuffle_seed, num_workers=self.num_workers)

    def on_after_batch_transfer(self, batch, dataloader_idx: int):
        if self.binarization != "dynamic" or self.trainer is None or not self.trainer.training:
            return batch
        return binarize_training_batch(batch, self.trainer, self.shuffle_seed)

    def val_dataloader(self) -> DataLoader:
        return evaluation_loader(self.splits["val"], self.eval_batch_size, num_workers=self.num_workers)

    def test_dataloader(self) -> DataLoader:
        return evaluation_loader(self.splits["test"], self.eval_batch_size, num_workers=self.num_workers)
