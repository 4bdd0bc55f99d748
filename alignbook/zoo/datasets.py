"""The zoo's named data sets: each name loads, through :mod:`alignbook.data`, the inputs an encoder takes.

Paired names (``emoji`` / ``emoji-names``, ``wordnet-glosses`` / ``wordnet-lemmas``,
``coco-images`` / ``coco-captions``) come from the same loader call, so for the same ``n`` and
``seed`` row ``i`` of one is the partner of row ``i`` of the other.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from ._specs import DATASETS, DatasetSpec, ZooUnavailable

__all__ = ["Items", "load_items", "shared_words"]


@dataclass
class Items:
    """What one data set name gives: ``inputs`` (texts, or ``uint8`` images ``(n, H, W, 3)``) and labels."""

    dataset: str
    inputs: object
    labels: np.ndarray | None
    label_names: tuple[str, ...]
    ids: list[str]
    source: str
    texts: list[str] | None = None
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def sha256(self) -> str:
        """A digest of the inputs themselves (part of the embedding cache key)."""
        h = hashlib.sha256()
        if isinstance(self.inputs, np.ndarray):
            h.update(f"uint8{self.inputs.shape}".encode())
            h.update(np.ascontiguousarray(self.inputs).tobytes())
        else:
            for t in self.inputs:
                b = t.encode("utf-8")
                h.update(len(b).to_bytes(8, "little"))
                h.update(b)
        return h.hexdigest()


def shared_words(n=None, *, seed=0, models=("glove-50", "spacy-md")) -> list[str]:
    """Lower-case ``wamerican`` words that every word-vector model in ``models`` has a vector for."""
    from ..data import load_words
    from ..data.sets import select
    from . import get_encoder

    words = load_words()
    for m in models:
        vocab = get_encoder(m).vocabulary()
        words = [w for w in words if w in vocab]
    idx = select(len(words), n, seed, "shared words")
    return [words[i] for i in idx]


def _spec(name: str) -> DatasetSpec:
    if name not in DATASETS:
        raise ValueError(f"unknown zoo data set {name!r}; known: {', '.join(DATASETS)}")
    return DATASETS[name]


def load_items(name: str, n=None, seed=0) -> Items:
    """The inputs of data set ``name``: a seeded random subset of ``n`` items (``None``: all)."""
    from .. import data

    spec = _spec(name)
    kind = spec.loader
    if kind == "wordnet":
        s = data.load_wordnet(n, seed=seed, **spec.kwargs)
        return Items(name, s.texts, s.labels, s.label_names, s.ids, s.source, s.texts, s.extra)
    if kind in ("tweets", "imagenet"):
        fn = data.load_tweets if kind == "tweets" else data.load_imagenet_classes
        s = fn(n, seed=seed, **spec.kwargs)
        return Items(name, s.texts, s.labels, s.label_names, s.ids, s.source, s.texts, s.extra)
    if kind == "words":
        w = shared_words(n, seed=seed)
        return Items(name, w, None, (), w, "wamerican + GloVe-50 + spaCy-md vocabularies", w)
    if kind in ("emoji", "emoji_names"):
        s = data.load_emoji(n, seed=seed)
        inputs = s.images if kind == "emoji" else s.captions
        return Items(name, inputs, None, (), s.ids, s.source, s.captions, s.extra)
    if kind in ("fashion", "digits", "cifar10"):
        try:
            s = (data.load_fashion_images(n, seed=seed) if kind == "fashion" else
                 data.load_digit_images(n, seed=seed) if kind == "digits" else data.load_cifar10(n, seed=seed))
        except FileNotFoundError as e:
            if kind == "cifar10":
                raise ZooUnavailable(str(e)) from None
            raise
        return Items(name, s.images, s.labels, s.label_names, s.ids, s.source)
    if kind in ("coco_images", "coco_captions"):
        try:
            s = data.load_coco_captions(1000 if n is None else n, seed=seed)
        except FileNotFoundError as e:
            raise ZooUnavailable(str(e)) from None
        inputs = s.images if kind == "coco_images" else s.captions
        return Items(name, inputs, None, (), s.ids, s.source, s.captions, s.extra)
    raise AssertionError(f"no loader for {kind!r}")  # pragma: no cover
