"""DataModules: files under the data root -> batches."""

from vaezoo.data.bow import BagOfWordsDataModule
from vaezoo.data.dialogue import DialogueDataModule
from vaezoo.data.frey import FreyFacesDataModule
from vaezoo.data.mnist import MNISTDataModule
from vaezoo.data.semi_supervised import SemiSupervisedMNIST
from vaezoo.data.text import TextDataModule

__all__ = ["BagOfWordsDataModule", "DialogueDataModule", "FreyFacesDataModule", "MNISTDataModule",
           "SemiSupervisedMNIST", "TextDataModule"]
