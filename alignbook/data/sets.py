"""Typed containers for the real data sets: texts or images with labels, and one subsampling rule.

Every loader returns a :class:`TextSet` or an :class:`ImageSet`. Paired data sets (an emoji's
picture and its name, a WordNet synset's lemma and its gloss) come from one loader, so the same
``n`` and ``seed`` select the same items in both and row ``i`` of one pairs with row ``i`` of the
other.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral

import numpy as np

__all__ = ["ImageSet", "TextSet", "select"]


@dataclass
class TextSet:
    """``texts[i]`` with integer label ``labels[i]`` (an index into ``label_names``; ``None`` if unlabelled).

    ``ids`` are stable identifiers of the items in their source (a WordNet synset offset, a
    row number, a code point); ``extra`` holds further per-item columns of the same length.
    """

    texts: list[str]
    labels: np.ndarray | None
    label_names: tuple[str, ...]
    name: str
    ids: list[str]
    extra: dict = field(default_factory=dict)
    source: str = ""

    def __len__(self) -> int:
        return len(self.texts)

    def __repr__(self) -> str:
        lab = f", {len(self.label_names)} classes" if self.labels is not None else ""
        return f"TextSet({self.name}: {len(self)} texts{lab})"


@dataclass
class ImageSet:
    """RGB images ``images[i]`` (``uint8``, shape ``(n, H, W, 3)``) with labels and/or captions."""

    images: np.ndarray
    labels: np.ndarray | None
    label_names: tuple[str, ...]
    name: str
    ids: list[str]
    captions: list[str] | None = None
    extra: dict = field(default_factory=dict)
    source: str = ""

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def __repr__(self) -> str:
        h, w = self.images.shape[1:3]
        lab = f", {len(self.label_names)} classes" if self.labels is not None else ""
        cap = ", captioned" if self.captions is not None else ""
        return f"ImageSet({self.name}: {len(self)} images {h}x{w}{lab}{cap})"


def check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise TypeError(f"seed must be a non-negative int, got {seed!r}")
    return int(seed)


def select(total: int, n, seed, what: str = "items") -> np.ndarray:
    """Indices of a seeded random subset of ``n`` out of ``total`` items, in source order.

    ``n=None`` takes all. ``n`` must be an int in ``1..total``; ``seed`` a non-negative int. The
    same ``(total, n, seed)`` always gives the same indices (NumPy's PCG64 generator).
    """
    seed = check_seed(seed)
    if n is None:
        return np.arange(total)
    if isinstance(n, bool) or not isinstance(n, Integral):
        raise TypeError(f"n must be an int or None, got {type(n).__name__} {n!r}")
    if not 1 <= n <= total:
        raise ValueError(f"n={n} must lie in 1..{total} (the number of available {what}), or be None for all")
    return np.sort(np.random.default_rng(seed).permutation(total)[: int(n)])
