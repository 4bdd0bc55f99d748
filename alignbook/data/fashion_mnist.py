"""Fashion-MNIST (Xiao, Rasul & Vollgraf 2017): 70,000 grey 28x28 images of clothing, 10 classes.

Where the four IDX files are looked for, in order:

1. ``root`` (an explicit folder),
2. ``$ALIGNBOOK_DATA/fashion-mnist``,
3. ``~/.cache/alignbook/fashion-mnist``,
4. ``/usr/share/datasets/fashion-mnist`` (Debian/Ubuntu: ``sudo apt-get install dataset-fashion-mnist``).

If none holds them and ``download=True``, the official files are fetched (short timeout) into
the cache folder of item 3. Otherwise a :class:`FileNotFoundError` says exactly how to get them.

The IDX reader is ours: gzip + struct + numpy, with the magic number, the element type, the
number of dimensions and the byte count all validated.
"""
from __future__ import annotations

import gzip
import os
import struct
import tempfile
import urllib.request
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from .digits import Split

FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
BASE_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
URLS = {k: BASE_URL + v for k, v in FILES.items()}
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
_IDX_UBYTE = 0x08


def cache_dir() -> Path:
    """The folder downloads go to: ``~/.cache/alignbook/fashion-mnist``."""
    return Path.home() / ".cache" / "alignbook" / "fashion-mnist"


def candidate_dirs(root: str | os.PathLike | None = None) -> list[Path]:
    """The folders searched for the four files, in order."""
    dirs = []
    if root is not None:
        dirs.append(Path(root))
    env = os.environ.get("ALIGNBOOK_DATA")
    if env:
        dirs.append(Path(env) / "fashion-mnist")
    dirs += [cache_dir(), DEBIAN_DIR]
    return dirs


def read_idx(path: str | os.PathLike, ndim: int | None = None) -> np.ndarray:
    """Read one IDX file (gzipped or not: detected from its first bytes) of unsigned bytes into a ``uint8`` array.

    Validates the magic number (two zero bytes, element type 0x08 = unsigned byte, the number
    of dimensions, equal to ``ndim`` when given) and that the payload has exactly
    ``prod(shape)`` bytes. Raises :class:`ValueError` naming the file otherwise.
    """
    path = Path(path)
    with open(path, "rb") as fh:
        raw = fh.read()
    if raw[:2] == b"\x1f\x8b":  # gzip magic: the usual distribution format
        raw = gzip.decompress(raw)
    if len(raw) < 4:
        raise ValueError(f"{path}: not an IDX file (only {len(raw)} bytes; the header alone needs 4)")
    zero0, zero1, dtype, nd = struct.unpack(">BBBB", raw[:4])
    if zero0 != 0 or zero1 != 0:
        raise ValueError(f"{path}: bad IDX magic number {raw[:4].hex()} (must start with 0000); is it corrupted?")
    if dtype != _IDX_UBYTE:
        raise ValueError(f"{path}: IDX element type 0x{dtype:02x}; only unsigned bytes (0x08) are supported")
    if ndim is not None and nd != ndim:
        raise ValueError(f"{path}: IDX file has {nd} dimensions, expected {ndim}")
    header = 4 + 4 * nd
    if len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header ({len(raw)} bytes, need {header})")
    shape = struct.unpack(f">{nd}I", raw[4:header])
    expected = int(np.prod(shape, dtype=np.int64)) if nd else 1
    if len(raw) - header != expected:
        raise ValueError(
            f"{path}: IDX payload has {len(raw) - header} bytes but shape {tuple(shape)} needs {expected}; "
            "the file is truncated or corrupted (delete it and fetch it again)"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape).copy()


def find_files(root: str | os.PathLike | None = None) -> Path | None:
    """The first candidate folder holding all four files, or ``None``."""
    for d in candidate_dirs(root):
        if all((d / f).is_file() for f in FILES.values()):
            return d
    return None


def _missing_message(root, download_error: str | None) -> str:
    searched = "\n".join(f"  - {d}" for d in candidate_dirs(root))
    lines = [
        "Fashion-MNIST was not found. Searched (each must hold all four files "
        + ", ".join(FILES.values()) + "):",
        searched,
    ]
    if download_error:
        lines.append(f"Downloading them failed: {download_error}")
    lines += [
        "Get the data in one of these ways:",
        "  1. Debian/Ubuntu: sudo apt-get install dataset-fashion-mnist",
        f"     (installs them into {DEBIAN_DIR});",
        f"  2. download these four files into {cache_dir()} (or into a folder passed as root=...):",
        *[f"       {u}" for u in URLS.values()],
        "  3. put them in $ALIGNBOOK_DATA/fashion-mnist and set the environment variable ALIGNBOOK_DATA.",
    ]
    return "\n".join(lines)


def download_files(dest: str | os.PathLike | None = None, timeout: float = 20.0) -> Path:
    """Fetch the four official files into ``dest`` (default :func:`cache_dir`); returns the folder.

    Each file is written under a temporary name and moved into place only once it parses as a
    valid IDX file, so an interrupted download never leaves a broken file behind.
    """
    dest = Path(dest) if dest is not None else cache_dir()
    dest.mkdir(parents=True, exist_ok=True)
    for key, name in FILES.items():
        target = dest / name
        if target.is_file():
            continue
        fd, tmp = tempfile.mkstemp(prefix=name + ".", suffix=".part", dir=dest)
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(URLS[key], timeout=timeout) as resp:
                while chunk := resp.read(1 << 20):
                    out.write(chunk)
            read_idx(tmp, ndim=3 if "images" in key else 1)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return dest


@lru_cache(maxsize=4)
def _read_all(folder: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    d = Path(folder)
    xtr = read_idx(d / FILES["train_images"], ndim=3)
    ytr = read_idx(d / FILES["train_labels"], ndim=1)
    xte = read_idx(d / FILES["test_images"], ndim=3)
    yte = read_idx(d / FILES["test_labels"], ndim=1)
    for xs, ys, part in ((xtr, ytr, "train"), (xte, yte, "t10k")):
        if xs.shape[0] != ys.shape[0]:
            raise ValueError(f"{d}: {part} images ({xs.shape[0]}) and labels ({ys.shape[0]}) differ in number")
        if ys.size and int(ys.max()) >= len(CLASSES):
            raise ValueError(f"{d}: {part} labels must lie in 0..9, found {int(ys.max())}")
    return xtr, ytr, xte, yte


def _subsample(n: int | None, total: int, gen: np.random.Generator, arg: str) -> np.ndarray:
    if n is None:
        return np.arange(total)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{arg} must be an int or None, got {type(n).__name__}")
    if not 1 <= n <= total:
        raise ValueError(f"{arg}={n} must lie in 1..{total} (the number of available images), or be None for all")
    return np.sort(gen.permutation(total)[:n])


def load_fashion_mnist(
    root: str | os.PathLike | None = None,
    n_train: int | None = None,
    n_test: int | None = None,
    seed: int = 0,
    standardize: bool = True,
    download: bool = True,
) -> Split:
    """Fashion-MNIST as a :class:`~alignbook.data.digits.Split` of flat 784-pixel vectors.

    Parameters
    ----------
    root : folder to look in first (see the module docstring for the search order).
    n_train, n_test : random subsets of this many training / test images (``None``: all
        60,000 / 10,000); drawn with ``seed``, kept in file order.
    standardize : pixels are first scaled to [0, 1]; if true, each pixel is then centred by its
        training mean and divided by its training standard deviation (pixels that are constant
        on the training subset are only centred, so they stay exactly 0).
    download : fetch the official files into ``~/.cache/alignbook/fashion-mnist`` when no
        folder holds them. If false, or if the download fails, a :class:`FileNotFoundError`
        explains how to get them.
    """
    folder = find_files(root)
    if folder is None:
        err = None
        if download:
            try:
                folder = download_files()
            except Exception as e:  # network absent or blocked: say so in the message
                err = f"{type(e).__name__}: {e}"
        if folder is None:
            raise FileNotFoundError(_missing_message(root, err))
    xtr, ytr, xte, yte = _read_all(str(Path(folder).resolve()))
    gen = np.random.default_rng(int(seed))
    itr = _subsample(n_train, xtr.shape[0], gen, "n_train")
    ite = _subsample(n_test, xte.shape[0], gen, "n_test")
    Xtr = xtr[itr].reshape(len(itr), -1).astype(np.float64) / 255.0
    Xte = xte[ite].reshape(len(ite), -1).astype(np.float64) / 255.0
    if standardize:
        # Constant pixels are detected exactly (a float mean of equal values need not equal
        # them, so a computed std can be a spurious 1e-17): they are set to exactly 0 by using
        # their value as the centre and 1 as the scale.
        const = np.all(Xtr == Xtr[:1], axis=0)
        mu = np.where(const, Xtr[0], Xtr.mean(axis=0))
        scale = np.where(const, 1.0, Xtr.std(axis=0))
        Xtr = (Xtr - mu) / scale
        Xte = (Xte - mu) / scale
    return _make_split(Xtr, ytr[itr], Xte, yte[ite])


def _make_split(Xtr, ytr, Xte, yte) -> Split:
    return Split(
        X_train=torch.as_tensor(Xtr, dtype=torch.float32),
        y_train=torch.as_tensor(ytr.astype(np.int64)),
        X_test=torch.as_tensor(Xte, dtype=torch.float32),
        y_test=torch.as_tensor(yte.astype(np.int64)),
        n_classes=len(CLASSES),
        name="fashion-mnist",
    )
