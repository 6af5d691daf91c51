"""What every corpus DataModule (sentences, bags of words) shares: the three split loaders and the
vocabulary size the model is built with."""

from __future__ import annotations

from abc import abstractmethod

import lightning.pytorch as pl
from torch.utils.data import DataLoader

from vaezoo.data.vocab import Vocabulary
from vaezoo.errors import DataFileError


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


class SentenceDataModule(CorpusDataModule):
    """Sentences of token ids: the ``Vocabulary`` (built from the training split) is saved in every
    checkpoint, so a reloaded model decodes with exactly its own words."""

    vocab: Vocabulary | None = None

    @abstractmethod
    def vocabulary_source(self) -> str:
        """Where the vocabulary is built from, for error messages."""

    @abstractmethod
    def training_sentences(self) -> list[list[int]]:
        """Token ids (<bos> .. <eos>) of the sentences the decoder is trained to generate: the
        reference of the generation metrics (unigram KL, the n-gram language model)."""

    def state_dict(self) -> dict:
        """Saved in every checkpoint: the vocabulary, as plain strings."""
        return {"vocab": self.vocab.state_dict() if self.vocab is not None else None}

    def load_state_dict(self, state: dict) -> None:
        """The checkpoint's vocabulary; it must equal the one already built from the training file,
        if any, since the batches were encoded with that one."""
        if state.get("vocab") is None:
            return
        saved = Vocabulary.from_state_dict(state["vocab"])
        if self.vocab is not None and saved != self.vocab:
            raise DataFileError(f"the checkpoint's vocabulary ({len(saved)} words) differs from the one built from "
                                f"{self.vocabulary_source()} ({len(self.vocab)} words); use the training data and "
                                "data.max_vocab the checkpoint was trained with")
        self.vocab = saved
