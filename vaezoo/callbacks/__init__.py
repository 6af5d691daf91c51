"""Lightning callbacks of vaezoo's runs."""

from vaezoo.callbacks.image_grids import ImageGrids

__all__ = ["ImageGrids"]
