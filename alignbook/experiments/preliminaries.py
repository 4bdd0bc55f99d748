"""The Preliminaries chapter's running example: two representations of the same digit images.

:func:`digits_representations` gives the pixels of scikit-learn's digits and a random ReLU
feature map of them; :func:`digits_gram_matrices` their Gram matrices, rows sorted by class.
"""
from __future__ import annotations

import functools
import math

import torch

from ..device import REDUCTION_DTYPE, generator, get_device
from ..measures import center_gram, gram

DT = REDUCTION_DTYPE


def _randn(g: torch.Generator, *shape, device) -> torch.Tensor:
    return torch.randn(*shape, generator=g, device=device, dtype=DT)


@functools.lru_cache(maxsize=1)
def _digits_train() -> tuple[torch.Tensor, torch.Tensor]:
    """The standardised training split of the digits, loaded once per process (CPU)."""
    from ..data import load_digits

    split = load_digits(seed=0)
    return split.X_train.clone(), split.y_train.clone()


def digits_representations(n: int | None = None, width: int = 256, seed: int = 0,
                           device=None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Two representations of the same digit images: ``(X, Y, labels)``.

    ``X`` (n x 64) holds the standardised pixels; ``Y`` (n x width) = ReLU(X W / 8 + b) with a
    Gaussian ``W`` (64 x width) and ``b`` drawn from ``seed`` -- an untrained one-layer network.
    Row i of X and row i of Y describe the same image. Rows are the training split of
    :func:`alignbook.data.load_digits` (1,347 images), truncated to the first ``n``; float64 on
    ``device``.
    """
    dev = get_device(device)
    X_cpu, labels_cpu = _digits_train()
    X = X_cpu.to(device=dev, dtype=DT)
    labels = labels_cpu.to(dev)
    if n is not None:
        X, labels = X[:n], labels[:n]
    g = generator(seed, dev)
    W = _randn(g, X.shape[1], width, device=dev)
    b = _randn(g, width, device=dev)
    Y = torch.relu(X @ W / math.sqrt(X.shape[1]) + b)
    return X, Y, labels


def digits_gram_matrices(n: int = 300, seed: int = 0, device=None) -> tuple[dict, torch.Tensor]:
    """Gram matrices of the two digit representations, rows sorted by class: ``(mats, labels)``.

    ``mats`` maps a title to an n x n float64 matrix: the linear and RBF Grams of the pixels, and
    the uncentred and centred linear Grams of the ReLU features (:func:`digits_representations`).
    """
    X, Y, labels = digits_representations(n, seed=seed, device=device)
    order = torch.argsort(labels, stable=True)
    X, Y, labels = X[order], Y[order], labels[order]
    KY = gram(Y, "linear")
    mats = {
        "pixels: linear $XX^\\top$": gram(X, "linear"),
        "pixels: RBF (median bandwidth)": gram(X, "rbf"),
        "ReLU features: $YY^\\top$ (uncentred)": KY,
        "ReLU features: $HYY^\\top H$ (centred)": center_gram(KY),
    }
    return mats, labels
