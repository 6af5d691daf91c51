"""DataModules: files under the data root -> batches."""

from vaezoo.data.bow import BagOfWordsDataModule
from vaezoo.data.frey import FreyFacesDataModule
from vaezoo.data.mnist import MNISTDataModule
from vaezoo.data.semi_supervised import SemiSupervisedMNIST
from vaezoo.data.text import TextDataModule

__all__ = ["BagOfWordsDataModule", "FreyFacesDataModule", "MNISTDataModule", "SemiSupervisedMNIST", "TextDataModule"]
