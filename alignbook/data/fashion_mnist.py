"""Fashion-MNIST (Xiao, Rasul & Vollgraf 2017): 70,000 grey 28x28 images of clothing, 10 classes.

Where the four IDX files are looked for, in order:

1. ``root`` (an explicit folder). It is **authoritative**: if it lacks the files they are
   downloaded into it (``download=True``) or an error says so; no other copy is ever used;
2. ``$ALIGNBOOK_DATA/fashion-mnist``;
3. the user cache: ``<cache>/fashion-mnist`` and ``<cache>/debian/dataset-fashion-mnist/...``,
   where ``<cache>`` is :func:`alignbook.data._local.cache_root` (``$ALIGNBOOK_CACHE`` or
   ``~/.cache/alignbook``);
4. ``/usr/share/datasets/fashion-mnist`` (Debian/Ubuntu: ``sudo apt-get install dataset-fashion-mnist``).

If none holds them and ``download=True``, the Debian package is fetched without root rights
(``apt-get download`` + ``dpkg-deb -x`` into the cache, where ``apt-get`` exists), then the
official files (short timeout). Otherwise a :class:`FileNotFoundError` says exactly how to get them.

The IDX reader is ours: gzip + struct + numpy, with the magic number, the element type, the
number of dimensions and the byte count all validated; an empty, truncated or damaged file gives
a :class:`ValueError` naming the file and the fix.
"""
from __future__ import annotations

import gzip
import os
import struct
import subprocess
import tempfile
import urllib.request
import zlib
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from . import _local
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
DEBIAN_PACKAGE = "dataset-fashion-mnist"
_IDX_UBYTE = 0x08
_REFETCH = ("delete it and fetch it again (sudo apt-get install --reinstall dataset-fashion-mnist, "
            "or download it again from " + BASE_URL + ")")


def cache_dir() -> Path:
    """The folder downloads go to: ``<cache>/fashion-mnist`` (``~/.cache/alignbook/fashion-mnist``)."""
    return _local.cache_root() / "fashion-mnist"


def debian_cache_dir() -> Path:
    """Where ``apt-get download`` + ``dpkg-deb -x`` put the Debian package's files."""
    return _local.cache_root() / "debian" / DEBIAN_PACKAGE / str(DEBIAN_DIR).lstrip("/")


def candidate_dirs(root: str | os.PathLike | None = None) -> list[Path]:
    """The folders searched for the four files, in order (only ``root`` when one is given)."""
    if root is not None:
        return [Path(root).expanduser()]
    dirs = []
    env = os.environ.get("ALIGNBOOK_DATA")
    if env:
        dirs.append(Path(env) / "fashion-mnist")
    dirs += [cache_dir(), debian_cache_dir(), DEBIAN_DIR]
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
    if not raw:
        raise ValueError(f"{path} is empty (0 bytes); {_REFETCH}")
    if raw[:2] == b"\x1f\x8b":  # gzip magic: the usual distribution format
        try:
            raw = gzip.decompress(raw)
        except (EOFError, gzip.BadGzipFile, zlib.error) as e:
            raise ValueError(f"{path}: the gzip stream is truncated or damaged ({type(e).__name__}: {e}); "
                             f"{_REFETCH}") from None
    if len(raw) < 4:
        raise ValueError(f"{path}: not an IDX file (only {len(raw)} bytes; the header alone needs 4); {_REFETCH}")
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
            f"the file is truncated or corrupted: {_REFETCH}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape).copy()


def find_files(root: str | os.PathLike | None = None) -> Path | None:
    """The first candidate folder holding all four files, or ``None``."""
    for d in candidate_dirs(root):
        if all((d / f).is_file() for f in FILES.values()):
            return d
    return None


def _missing_message(root, download_error: str | None) -> str:
    if root is not None:
        where = Path(root).expanduser()
        missing = [f for f in FILES.values() if not (where / f).is_file()]
        lines = [f"Fashion-MNIST: root={str(root)!r} was given, so no other copy is used, and {where} "
                 f"lacks {', '.join(missing)}."]
        if download_error:
            lines.append(f"Downloading them into it failed: {download_error}")
        lines += [f"Fix: download these files into {where}:", *[f"       {u}" for u in URLS.values()],
                  "  or copy them from /usr/share/datasets/fashion-mnist (sudo apt-get install dataset-fashion-mnist),",
                  "  or drop root= to use the system or cached copy."]
        return "\n".join(lines)
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
        f"     (installs them into {DEBIAN_DIR}); without root: apt-get download dataset-fashion-mnist &&",
        f"     dpkg-deb -x dataset-fashion-mnist_*.deb {_local.cache_root() / 'debian' / DEBIAN_PACKAGE}",
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


def _stats(folder: Path) -> tuple:
    return tuple((st.st_size, st.st_mtime_ns) for st in (os.stat(folder / f) for f in FILES.values()))


def _read_all(folder: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The four arrays of the files in ``folder`` (memoised while the files are unchanged)."""
    return _read_all_cached(folder, _stats(Path(folder)))


@lru_cache(maxsize=4)
def _read_all_cached(folder: str, stats: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
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


def _apt_fetch() -> Path:
    """Fetch Debian's package into the cache (no root rights); returns the folder with the files."""
    _local.apt_extract(DEBIAN_PACKAGE)
    return debian_cache_dir()


def locate(root: str | os.PathLike | None = None, download: bool = True) -> Path:
    """The folder holding the four files (searched, or fetched when ``download``), else ``FileNotFoundError``."""
    folder = find_files(root)
    if folder is not None:
        return folder
    errors = []
    if download:
        fetchers = [("official download", lambda: download_files(Path(root).expanduser()))] if root is not None \
            else [("apt-get download", _apt_fetch), ("official download", download_files)]
        for what, fetch in fetchers:
            try:
                got = fetch()
            except (OSError, ValueError, subprocess.SubprocessError) as e:  # no network, no apt, bad file
                errors.append(f"{what}: {type(e).__name__}: {e}")
                continue
            if find_files(got) is not None:
                return got
            errors.append(f"{what}: {got} still lacks some of the files")
    raise FileNotFoundError(_missing_message(root, "; ".join(errors) or None))


def load_raw(split: str, root: str | os.PathLike | None = None, download: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The ``uint8`` images ``(n, 28, 28)`` and labels ``(n,)`` of ``split`` ("train" or "test")."""
    xtr, ytr, xte, yte = _read_all(str(locate(root, download).resolve()))
    return (xtr, ytr) if split == "train" else (xte, yte)


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
    download : when no folder holds the files, fetch Debian's package into the cache
        (``apt-get download``, no root needed) or else the official files (into ``root`` when
        one is given). If false, or if fetching fails, a :class:`FileNotFoundError` explains how
        to get them.
    """
    xtr, ytr, xte, yte = _read_all(str(locate(root, download).resolve()))
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
