"""The Preliminaries chapter's running example: two representations of the same digit images.

:func:`digits_representations` gives the pixels of scikit-learn's digits and a random ReLU
feature map of them (:class:`PairedRepresentations`); :func:`digits_gram_matrices` their Gram
matrices, rows sorted by class (:class:`GramMatrices`).
"""
from __future__ import annotations

import functools
import math
from typing import NamedTuple

import torch

from ..data import load_digits
from ..device import REDUCTION_DTYPE, generator, get_device
from ..measures import center_gram, gram

DT = REDUCTION_DTYPE

__all__ = ["GramMatrices", "PairedRepresentations", "digits_gram_matrices", "digits_representations"]


class PairedRepresentations(NamedTuple):
    """Two representations of the same images, row ``i`` of each describing image ``i``.

    Attributes
    ----------
    X : torch.Tensor
        First representation ``(n, d1)``, float64.
    Y : torch.Tensor
        Second representation ``(n, d2)``, float64.
    labels : torch.Tensor
        Class of each row.

    Examples
    --------
    >>> import torch
    >>> from alignbook.experiments.preliminaries import PairedRepresentations
    >>> X, Y, labels = PairedRepresentations(torch.zeros(3, 2), torch.ones(3, 4), torch.arange(3))
    >>> tuple(Y.shape)
    (3, 4)
    """

    X: torch.Tensor
    Y: torch.Tensor
    labels: torch.Tensor


class GramMatrices(NamedTuple):
    """Titled n-by-n matrices of the same examples in one display order, with the examples' classes.

    Attributes
    ----------
    matrices : dict of str to torch.Tensor
        Panel title to matrix (titles may contain LaTeX).
    labels : torch.Tensor
        Class of each row, sorted.

    Examples
    --------
    >>> import torch
    >>> from alignbook.experiments.preliminaries import GramMatrices
    >>> grams = GramMatrices({"identity": torch.eye(3)}, torch.tensor([0, 1, 1]))
    >>> list(grams.matrices)
    ['identity']
    """

    matrices: dict
    labels: torch.Tensor


@functools.lru_cache(maxsize=1)
def _digits_train() -> tuple[torch.Tensor, torch.Tensor]:
    """The standardised training split of the digits, loaded once per process (CPU)."""
    split = load_digits(seed=0)
    return split.X_train.clone(), split.y_train.clone()


def digits_representations(n: int | None = None, width: int = 256, seed: int = 0,
                           device=None) -> PairedRepresentations:
    """Two representations of the same digit images: ``(X, Y, labels)``.

    ``X`` (n x 64) holds the standardised pixels; ``Y`` (n x width) = ReLU(X W / 8 + b) with a
    Gaussian ``W`` (64 x width) and ``b`` drawn from ``seed`` -- an untrained one-layer network.
    Row i of X and row i of Y describe the same image. Rows are the training split of
    :func:`alignbook.data.load_digits` (1,347 images), truncated to the first ``n``; float64 on
    ``device``.

    Examples
    --------
    >>> from alignbook.experiments.preliminaries import digits_representations
    >>> X, Y, labels = digits_representations(100, width=32, device="cpu")
    >>> tuple(X.shape), tuple(Y.shape), bool((Y >= 0).all())
    ((100, 64), (100, 32), True)
    """
    dev = get_device(device)
    X_cpu, labels_cpu = _digits_train()
    X = X_cpu.to(device=dev, dtype=DT)
    labels = labels_cpu.to(dev)
    if n is not None:
        X, labels = X[:n], labels[:n]
    g = generator(seed, dev)
    W = torch.randn(X.shape[1], width, generator=g, device=dev, dtype=DT)
    b = torch.randn(width, generator=g, device=dev, dtype=DT)
    Y = torch.relu(X @ W / math.sqrt(X.shape[1]) + b)
    return PairedRepresentations(X, Y, labels)


def digits_gram_matrices(n: int = 300, seed: int = 0, device=None) -> GramMatrices:
    """Gram matrices of the two digit representations, rows sorted by class: ``(matrices, labels)``.

    ``matrices`` maps a title to an n x n float64 matrix: the linear and RBF Grams of the pixels,
    and the uncentred and centred linear Grams of the ReLU features (:func:`digits_representations`).

    Examples
    --------
    >>> from alignbook.experiments.preliminaries import digits_gram_matrices
    >>> grams = digits_gram_matrices(40, device="cpu")
    >>> len(grams.matrices), tuple(grams.labels.shape), bool((grams.labels.diff() >= 0).all())
    (4, (40,), True)
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
    return GramMatrices(mats, labels)
