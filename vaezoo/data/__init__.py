"""DataModules: files under the data root -> batches."""

from vaezoo.data.mnist import MNISTDataModule

__all__ = ["MNISTDataModule"]
