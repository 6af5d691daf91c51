"""MNIST with a few labels: the semi-supervised setting of Kingma et al. 2014 and Davidson et al.
2018 §5.3 (N = 100 labelled training images, the rest unlabelled).

Each training step sees one batch of labelled and one of unlabelled images (Lightning's
``CombinedLoader``, cycling the small labelled set); an epoch is one pass over the unlabelled
images. Both are dynamically binarised like ``MNISTDataModule``'s training images. Validation and
test keep their labels, for accuracy.
"""

from __future__ import annotations

import torch
from lightning.pytorch.utilities.combined_loader import CombinedLoader
from torch.utils.data import DataLoader, TensorDataset

from vaezoo.data.mnist import MNISTDataModule
from vaezoo.data.order import mix_seed, shuffled_loader
from vaezoo.errors import ConfigError, DataFileError

NUM_CLASSES = 10


def balanced_label_indices(labels: torch.Tensor, count: int, seed: int, source: str) -> torch.Tensor:
    """``count / NUM_CLASSES`` indices of every class, drawn with ``seed``: the labelled set.

    Kingma et al. (2014) draw the labelled examples evenly over the classes; Davidson et al. do not
    say otherwise. By hand: scikit-learn's stratified splits draw in proportion to the class
    frequencies, not the same number per class."""
    if count <= 0 or count % NUM_CLASSES:
        raise ConfigError(f"data.labelled={count} must be a positive multiple of {NUM_CLASSES} "
                          "(the same number of labelled images of every class)")
    generator = torch.Generator().manual_seed(seed)
    chosen = []
    for digit in range(NUM_CLASSES):
        members = (labels == digit).nonzero().flatten()
        if len(members) < count // NUM_CLASSES:
            raise DataFileError(f"{source}: the training split has {len(members)} images of class {digit}, "
                                f"fewer than data.labelled / {NUM_CLASSES} = {count // NUM_CLASSES}")
        chosen.append(members[torch.randperm(len(members), generator=generator)[: count // NUM_CLASSES]])
    return torch.cat(chosen)


class SemiSupervisedMNIST(MNISTDataModule):
    """``MNISTDataModule`` whose training split is cut into a labelled and an unlabelled set.

    Args:
        labelled: number of labelled training images, balanced over the classes (N of Table 3).
        label_seed: seed of the choice of labelled images.
        **kwargs: as ``MNISTDataModule``; ``subset`` shortens the unlabelled, validation and test
            sets, never the labelled one, which is chosen from the whole training split.

    After ``setup``, ``part_sizes`` gives the sizes an objective needs to weight its two parts
    (``vaezoo.objectives.TrainingShare``).
    """

    def __init__(self, root: str | None, labelled: int = 100, label_seed: int = 0, **kwargs) -> None:
        super().__init__(root, **kwargs)
        if self.binarization != "dynamic":
            raise ConfigError("SemiSupervisedMNIST needs labels: data.binarization must be 'dynamic' "
                              "(the fixed binarised set has none)")
        self.labelled = labelled
        self.label_seed = label_seed
        self.num_labelled = self.num_unlabelled = 0

    def setup(self, stage: str | None = None) -> None:
        if self.splits:
            return
        arrays = self.read_splits()
        images, labels = arrays["train"]
        chosen = balanced_label_indices(labels, self.labelled, self.label_seed, str(self.directory))
        rest = torch.ones(len(labels), dtype=torch.bool)
        rest[chosen] = False
        self.splits = {
            "labelled": TensorDataset(images[chosen], labels[chosen]),
            "unlabelled": TensorDataset(images[rest][: self.subset], labels[rest][: self.subset]),
            **{name: TensorDataset(x[: self.subset], y[: self.subset]) for name, (x, y) in arrays.items()
               if name != "train"},
        }
        self.num_labelled, self.num_unlabelled = len(self.splits["labelled"]), len(self.splits["unlabelled"])

    @property
    def part_sizes(self) -> dict[str, int]:
        """Training images per part: {"labelled": N_l, "unlabelled": N_u}."""
        return {"labelled": self.num_labelled, "unlabelled": self.num_unlabelled}

    def train_dataloader(self) -> CombinedLoader:
        def loader(name: str, batch_size: int, seed: int) -> DataLoader:
            return shuffled_loader(self.splits[name], batch_size, seed, num_workers=self.num_workers)

        # Grey levels, binarised after transfer (MNISTDataModule.on_after_batch_transfer).
        labelled = loader("labelled", min(self.batch_size, self.num_labelled), self.shuffle_seed)
        unlabelled = loader("unlabelled", self.batch_size, mix_seed(self.shuffle_seed, 1))
        return CombinedLoader({"labelled": labelled, "unlabelled": unlabelled}, mode="max_size_cycle")
