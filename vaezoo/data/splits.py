"""Sizes of held-out splits, given as a count or as a fraction of the examples."""

from __future__ import annotations

from vaezoo.errors import ConfigError


def held_out_count(size: float, total: int, key: str, where: object) -> int:
    """``size`` examples of ``total`` (a fraction if 0 < size < 1), leaving at least one on each side."""
    count = int(round(size * total)) if 0 < size < 1 else int(size)
    if not 0 < count < total:
        raise ConfigError(f"{key}={size} leaves no examples on one side out of {total} in {where}; "
                          f"use a count below {total} or a fraction in (0, 1)")
    return count


def subset_count(subset: float | None, total: int) -> int:
    """The first ``subset`` examples (a fraction if < 1) of ``total``; all of them if None."""
    if subset is None:
        return total
    return min(total, max(1, int(round(subset * total)) if subset < 1 else int(subset)))


def kept_count(split: str, total: int, subset: float | None, train_subset: float | None) -> int:
    """Examples kept of a split of ``total``: ``subset`` cuts every split (smoke runs),
    ``train_subset`` the training split only (reduced-scale runs scored on whole evaluation splits)."""
    kept = subset_count(subset, total)
    return subset_count(train_subset, kept) if split == "train" else kept
