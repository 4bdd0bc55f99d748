"""Grey-scale data sets as RGB images at a resolution image encoders accept (Pillow + NumPy only).

ImageNet encoders expect three colour channels and tens to hundreds of pixels a side, while
Fashion-MNIST is 28 x 28 grey and scikit-learn's digits 8 x 8 grey. :func:`to_rgb` repeats the
grey channel and resamples with Pillow's bicubic filter; nothing here imports torchvision.

* :func:`load_fashion_images`: Fashion-MNIST (Debian ``dataset-fashion-mnist``), dark background.
* :func:`load_digit_images`: scikit-learn's digits (intensities 0..16 scaled to 0..255).

Note (measured for the reference notes): 8 x 8 digits blown up to 224 px are a poor input for
ImageNet encoders (a linear probe on their features does worse than on the raw pixels);
Fashion-MNIST and emoji behave.
"""
from __future__ import annotations

from numbers import Integral

import numpy as np

from .sets import ImageSet, select

__all__ = ["load_digit_images", "load_fashion_images", "resize", "to_rgb"]


def _check_size(size) -> int:
    if isinstance(size, bool) or not isinstance(size, Integral) or not 8 <= size <= 4096:
        raise ValueError(f"size={size!r} must be an int between 8 and 4096 (pixels per side)")
    return int(size)


def resize(images: np.ndarray, size: int) -> np.ndarray:
    """Resample ``(n, H, W, 3)`` ``uint8`` images to ``(n, size, size, 3)`` (bicubic, Pillow)."""
    from PIL import Image

    size = _check_size(size)
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
        raise ValueError(f"images must be uint8 of shape (n, H, W, 3), got {images.dtype} {images.shape}")
    if images.shape[1:3] == (size, size):
        return images.copy()
    out = np.empty((images.shape[0], size, size, 3), dtype=np.uint8)
    for i, a in enumerate(images):
        out[i] = np.asarray(Image.fromarray(a, "RGB").resize((size, size), Image.BICUBIC))
    return out


def to_rgb(gray: np.ndarray, size: int | None = None, *, max_value: float = 255.0) -> np.ndarray:
    """Grey images ``(n, H, W)`` with values in ``[0, max_value]`` to RGB ``uint8`` ``(n, S, S, 3)``.

    Values are scaled by ``255 / max_value`` and rounded; then the channel is repeated and, if
    ``size`` is given, the images are resampled to ``size`` x ``size``.
    """
    g = np.asarray(gray)
    if g.ndim != 3:
        raise ValueError(f"gray must have shape (n, H, W), got {g.shape}")
    if not np.isfinite(g).all() or g.min() < 0 or g.max() > max_value:
        raise ValueError(f"gray values must be finite and lie in [0, {max_value}]")
    g8 = np.rint(g.astype(np.float64) * (255.0 / max_value)).astype(np.uint8)
    rgb = np.repeat(g8[..., None], 3, axis=-1)
    return rgb if size is None else resize(rgb, size)


def load_fashion_images(n=None, *, split: str = "test", seed=0, size: int | None = None, root=None,
                        download: bool = True) -> ImageSet:
    """Fashion-MNIST images as RGB ``uint8`` (a seeded subset of ``n`` from ``split``).

    ``split``: ``"test"`` (10,000 images) or ``"train"`` (60,000). ``size``: side in pixels
    (``None``: the original 28). ``root``/``download``: as for
    :func:`alignbook.data.fashion_mnist.load_fashion_mnist` (explicit ``root`` is authoritative).
    """
    from .fashion_mnist import CLASSES, load_raw

    if split not in ("train", "test"):
        raise ValueError(f"split={split!r} must be 'train' or 'test'")
    X, y = load_raw(split, root=root, download=download)
    idx = select(X.shape[0], n, seed, f"{split} images")
    return ImageSet(images=to_rgb(X[idx], size), labels=y[idx].astype(np.int64), label_names=CLASSES,
                    name="fashion-mnist", ids=[f"{split}{int(i)}" for i in idx])


def load_digit_images(n=None, *, seed=0, size: int | None = None) -> ImageSet:
    """scikit-learn's 1,797 digits as RGB ``uint8`` images (a seeded subset of ``n``)."""
    from sklearn.datasets import load_digits

    d = load_digits()
    idx = select(d.images.shape[0], n, seed, "digits")
    return ImageSet(images=to_rgb(d.images[idx], size, max_value=16.0), labels=d.target[idx].astype(np.int64),
                    label_names=tuple(str(i) for i in range(10)), name="digits", ids=[f"digit{int(i)}" for i in idx])
