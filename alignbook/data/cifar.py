"""CIFAR-10 (Krizhevsky 2009): 60,000 colour 32x32 images in 10 classes. Needs the network once.

No package or Debian archive ships CIFAR, so this loader is for Colab or any machine with
internet access: it looks for the extracted ``cifar-10-batches-py`` folder (in ``root``, then
``$ALIGNBOOK_DATA/cifar-10``, then ``<cache>/cifar-10``), and otherwise downloads the official
163 MB archive into the cache, checks its MD5 and unpacks it. Offline it fails at once with a
message that says so. The batches are Python pickles; we read them with an unpickler that only
accepts NumPy arrays, so a tampered file cannot run code. No torchvision.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import tarfile
import tempfile
import urllib.request
from pathlib import Path

import numpy as np

from ._local import cache_root, data_env_dir
from .sets import ImageSet, select

__all__ = ["CLASSES", "URL", "load_cifar10"]

URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
MD5 = "c58f30108f718f92721af3b95e74349a"
CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
FOLDER = "cifar-10-batches-py"
BATCHES = {"train": [f"data_batch_{i}" for i in range(1, 6)], "test": ["test_batch"]}


class _ArraysOnly(pickle.Unpickler):
    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
                ("numpy._core.multiarray", "scalar")}

    def find_class(self, module, name):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a data file")
        return super().find_class(module, name)


def _read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with open(path, "rb") as fh:
            d = _ArraysOnly(fh, encoding="bytes").load()
        data = np.asarray(d[b"data"], dtype=np.uint8)
        labels = np.asarray(d[b"labels"], dtype=np.int64)
    except (OSError, EOFError, KeyError, TypeError, ValueError, pickle.UnpicklingError) as e:
        raise ValueError(f"{path} is not a readable CIFAR-10 batch ({type(e).__name__}: {e}); the file is "
                         f"truncated or damaged. Fix: delete {path.parent} and load again with download=True.") from None
    if data.ndim != 2 or data.shape[1] != 3072 or labels.shape != (data.shape[0],) or labels.size == 0:
        raise ValueError(f"{path}: expected (n, 3072) pixels and n labels, got {data.shape} and {labels.shape}; "
                         f"the file is damaged. Fix: delete {path.parent} and load again with download=True.")
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels


def _candidates(root) -> list[Path]:
    if root is not None:
        return [Path(root).expanduser() / FOLDER]
    env = data_env_dir("cifar-10")
    return ([env / FOLDER] if env is not None else []) + [cache_root() / "cifar-10" / FOLDER]


def _download(dest: Path, timeout: float) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="cifar-10.", suffix=".tar.gz.part", dir=dest)
    try:
        h = hashlib.md5()
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(URL, timeout=timeout) as resp:
            while chunk := resp.read(1 << 20):
                out.write(chunk)
                h.update(chunk)
        if h.hexdigest() != MD5:
            raise ValueError(f"the download from {URL} has MD5 {h.hexdigest()}, expected {MD5}")
        with tempfile.TemporaryDirectory(dir=dest) as unpack, tarfile.open(tmp) as tar:
            if hasattr(tarfile, "data_filter"):  # Python >= 3.10.12 / 3.11.4: refuse unsafe members
                tar.extractall(unpack, filter="data")
            else:  # pragma: no cover - old Pythons: only plain files and folders below FOLDER
                members = [m for m in tar.getmembers() if (m.isfile() or m.isdir())
                           and m.name.startswith(FOLDER) and ".." not in Path(m.name).parts]
                tar.extractall(unpack, members=members)
            os.replace(os.path.join(unpack, FOLDER), dest / FOLDER)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return dest / FOLDER


def load_cifar10(n=None, *, split: str = "test", seed=0, size: int | None = None, root=None,
                 download: bool = True, timeout: float = 20.0) -> ImageSet:
    """CIFAR-10 images (RGB ``uint8``, 32 px or ``size``) with labels; a seeded subset of ``n``.

    Raises :class:`FileNotFoundError` offline (the data need the network once; see the module
    docstring). An explicit ``root`` is authoritative: the archive is unpacked into it.
    """
    if split not in BATCHES:
        raise ValueError(f"split={split!r} must be 'train' or 'test'")
    folder = next((d for d in _candidates(root) if all((d / b).is_file() for b in BATCHES[split])), None)
    if folder is None:
        err = "download=False"
        if download:
            target = Path(root).expanduser() if root is not None else cache_root() / "cifar-10"
            try:
                folder = _download(target, timeout)
            except (OSError, ValueError, tarfile.TarError) as e:
                err = f"{type(e).__name__}: {e}"
        if folder is None:
            searched = ", ".join(str(d) for d in _candidates(root))
            raise FileNotFoundError(
                f"CIFAR-10 needs the network (e.g. Colab): no {FOLDER} in {searched}, and downloading {URL} "
                f"failed ({err}). Fix: run where the network allows (load_cifar10(download=True) fetches 163 MB "
                f"into {cache_root() / 'cifar-10'}), or unpack the archive into $ALIGNBOOK_DATA/cifar-10/."
            )
    parts = [_read_batch(folder / b) for b in BATCHES[split]]
    X = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    idx = select(X.shape[0], n, seed, f"{split} images")
    imgs = X[idx]
    if size is not None:
        from .images import resize

        imgs = resize(np.ascontiguousarray(imgs), size)
    return ImageSet(images=np.ascontiguousarray(imgs), labels=y[idx], label_names=CLASSES, name="cifar10",
                    ids=[f"{split}{int(i)}" for i in idx], source=str(folder))
