"""scikit-learn's handwritten digits (1,797 images of 8x8 pixels, 10 classes), shipped in the wheel."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class Split:
    """A labelled train/test split as torch tensors (features float32, labels int64)."""

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor
    n_classes: int
    name: str

    @property
    def in_dim(self) -> int:
        return int(self.X_train.shape[1])

    def to(self, device) -> "Split":
        return Split(self.X_train.to(device), self.y_train.to(device), self.X_test.to(device),
                     self.y_test.to(device), self.n_classes, self.name)

    def __repr__(self) -> str:
        return (f"Split({self.name}: train {tuple(self.X_train.shape)}, test {tuple(self.X_test.shape)}, "
                f"{self.n_classes} classes)")


def make_split(X: np.ndarray, y: np.ndarray, test_fraction: float, seed: int, standardize: bool,
               name: str, n_classes: int) -> Split:
    """Shuffle with ``seed``, split off ``test_fraction`` (stratified), optionally standardise.

    Standardisation uses the training split's per-feature mean and standard deviation; a feature
    that is constant on the training split is only centred (its scale is left at 1), which keeps
    the map exact and invertible on the other features.
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction={test_fraction} must lie strictly between 0 and 1")
    gen = np.random.default_rng(int(seed))
    train_idx, test_idx = [], []
    for c in np.unique(y):  # stratified: the same fraction of every class in the test split
        idx = gen.permutation(np.flatnonzero(y == c))
        k = int(round(test_fraction * len(idx)))
        test_idx.append(idx[:k])
        train_idx.append(idx[k:])
    tr = gen.permutation(np.concatenate(train_idx))
    te = gen.permutation(np.concatenate(test_idx))
    X = X.astype(np.float64)
    Xtr, Xte = X[tr], X[te]
    if standardize:
        constant = np.all(Xtr == Xtr[:1], axis=0)  # exact test; a computed std may be ~1e-17, not 0
        mu = np.where(constant, Xtr[0], Xtr.mean(axis=0))
        sd = np.where(constant, 1.0, Xtr.std(axis=0))
        Xtr, Xte = (Xtr - mu) / sd, (Xte - mu) / sd
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))  # noqa: E731
    return Split(t(Xtr), torch.from_numpy(y[tr].astype(np.int64)), t(Xte),
                 torch.from_numpy(y[te].astype(np.int64)), n_classes, name)


def load_digits(test_fraction: float = 0.25, seed: int = 0, standardize: bool = True) -> Split:
    """Load scikit-learn's digits (no download: the data ship inside scikit-learn).

    Features are the 64 pixel intensities (0..16) of the 8x8 image, flattened row-major; with
    ``standardize=True`` each pixel is standardised with training-split statistics.
    """
    try:
        from sklearn.datasets import load_digits as _sk_load_digits
    except ImportError as err:  # pragma: no cover
        raise ImportError("load_digits needs scikit-learn: pip install scikit-learn") from err
    d = _sk_load_digits()
    return make_split(d.data, d.target, test_fraction, seed, standardize, "digits", 10)
