"""What every corpus DataModule (sentences, bags of words) shares: the three split loaders and the
vocabulary size the model is built with."""

from __future__ import annotations

from abc import abstractmethod

import lightning.pytorch as pl
from torch.utils.data import DataLoader


class CorpusDataModule(pl.LightningDataModule):
    """Subclasses read ``train`` / ``valid`` / ``test`` in ``setup`` and say how to batch a split."""

    @property
    @abstractmethod
    def vocab_size(self) -> int:
        """Words the model reads and predicts (after ``setup``)."""

    @abstractmethod
    def loader(self, split: str, shuffle: bool = False) -> DataLoader:
        """Batches of one split, shuffled for training (evaluation and probes: in a fixed order)."""

    def model_kwargs(self) -> dict[str, int]:
        """Sizes the encoder and decoder take from the data: the vocabulary's (reads the corpus)."""
        self.setup()
        return {"vocab_size": self.vocab_size}

    def train_dataloader(self) -> DataLoader:
        return self.loader("train", shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return self.loader("valid", shuffle=False)

    def test_dataloader(self) -> DataLoader:
        return self.loader("test", shuffle=False)
