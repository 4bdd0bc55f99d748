"""The embedding cache: every (model, version, data set, preprocessing, subset) is encoded once.

Entries live in ``<cache>/embeddings`` (``<cache>`` is ``$ALIGNBOOK_CACHE``, else the platform
cache folder, e.g. ``~/.cache/alignbook``), one ``.npz`` file each, holding the float32 array
``embeddings`` and a JSON ``meta`` record. The key is

* the model's name, the installed versions of its packages and the zoo's revision of its adapter;
* the data set's name, ``n``, ``seed`` and the SHA-256 of the inputs themselves (so a changed
  source file or sampling rule can never return stale vectors);
* the encoder's fixed preprocessing (e.g. the image size).

The device and batch size that computed an entry are recorded in ``meta`` but not keyed (GPU and
CPU results agree to float32 rounding). Writes are atomic (a temporary file in the same folder,
``fsync``, then :func:`os.replace`). On reading, the key, shape, dtype and a SHA-256 of the array
are checked; an entry that fails any check (truncated, corrupted, or from another key) is
reported with a warning, deleted and recomputed.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np

from ..data import cache_root

__all__ = ["cache_dir", "clear", "entries", "entry_path", "key_hash", "load_entry", "store_entry"]

FORMAT = 1


def cache_dir() -> Path:
    """The folder of the embedding cache (``<cache>/embeddings``)."""
    return cache_root() / "embeddings"


def key_hash(key: dict) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def _safe(s: str) -> str:
    return "".join(c if c.isalnum() or c in "-." else "_" for c in s)


def entry_path(key: dict) -> Path:
    n = "all" if key["n"] is None else str(key["n"])
    return cache_dir() / f"{_safe(key['model'])}__{_safe(key['dataset'])}__n{n}-s{key['seed']}__{key_hash(key)[:16]}.npz"


def _digest(X: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(X).tobytes()).hexdigest()


def store_entry(path: Path, key: dict, X: np.ndarray, **info) -> Path:
    """Write ``X`` with its key and ``info`` atomically to ``path``."""
    X = np.ascontiguousarray(X, dtype=np.float32)
    meta = {"format": FORMAT, "key": key, "shape": list(X.shape), "dtype": "float32", "sha256": _digest(X),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **info}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, embeddings=X, meta=np.array(json.dumps(meta, sort_keys=True)))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _read(path: Path) -> tuple[np.ndarray, dict]:
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        X = z["embeddings"]
    return X, meta


def _read_meta(path: Path) -> dict:
    with np.load(path, allow_pickle=False) as z:
        return json.loads(str(z["meta"]))


def load_entry(path: Path, key: dict) -> tuple[np.ndarray, dict] | None:
    """``(X, meta)`` of a valid entry for ``key``; ``None`` when absent or invalid (then deleted)."""
    if not path.is_file():
        return None
    try:
        X, meta = _read(path)
        problem = None
        if meta.get("format") != FORMAT or meta.get("key") != key:
            problem = "it was written for another key"
        elif list(X.shape) != meta.get("shape") or X.dtype != np.float32:
            problem = f"its array has shape {X.shape} / {X.dtype}, the record says {meta.get('shape')} / float32"
        elif _digest(X) != meta.get("sha256"):
            problem = "its checksum does not match (the file is corrupted)"
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, json.JSONDecodeError) as e:
        problem = f"it cannot be read ({type(e).__name__}: {e})"
    if problem is None:
        return X, meta
    warnings.warn(f"embedding cache entry {path} is invalid: {problem}; recomputing it", RuntimeWarning, stacklevel=3)
    try:
        path.unlink()
    except OSError:
        pass
    return None


def entries(model: str | None = None) -> list[tuple[Path, dict | None]]:
    """Every entry (``meta`` is ``None`` for an unreadable file), optionally of one model only."""
    d = cache_dir()
    out = []
    for p in sorted(d.glob("*.npz")) if d.is_dir() else []:
        try:
            meta = _read_meta(p)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, json.JSONDecodeError):
            meta = None
        if model is None or (meta is not None and meta["key"]["model"] == model) or \
                (meta is None and p.name.startswith(_safe(model) + "__")):
            out.append((p, meta))
    return out


def clear(model: str | None = None) -> int:
    """Delete the cache entries (of one model only, if given); returns how many were deleted."""
    gone = 0
    for p, _ in entries(model):
        p.unlink()
        gone += 1
    d = cache_dir()
    for tmp in d.glob("*.tmp") if d.is_dir() and model is None else []:  # leftovers of killed writers
        tmp.unlink()
    return gone
