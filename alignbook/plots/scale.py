"""Figures for :mod:`alignbook.scale`: the layer-pair heat map and the permutation null."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["layer_heatmap", "null_histogram"]


def layer_heatmap(M, *, ax=None, xlabel: str = "layer of model B", ylabel: str = "layer of model A",
                  title: str | None = None, vmin=None, vmax=None, annotate: bool | None = None,
                  cmap: str = "viridis", colorbar_label: str = "similarity"):
    """Heat map of an L1-by-L2 layer matrix (e.g. from :func:`alignbook.scale.layer_matrix`).

    Row ``i`` is layer ``i`` of model A (drawn top to bottom), column ``j`` layer ``j`` of model
    B. ``annotate`` writes the values in the cells (default: when the matrix has at most 100
    cells). Returns the matplotlib ``Axes``.

    Examples
    --------
    >>> import numpy as np
    >>> from alignbook.plots.scale import layer_heatmap
    >>> ax = layer_heatmap(np.array([[1.0, 0.5], [0.4, 0.9]]), title="CKA")
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('layer of model B', 'layer of model A')
    """
    M = np.asarray(M, dtype=float)
    if M.ndim != 2 or M.size == 0:
        raise ValueError(f"M must be a non-empty 2-D matrix (layers of A x layers of B); got shape {M.shape}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(1.0 + 0.45 * M.shape[1], 0.8 + 0.45 * M.shape[0]))
    im = ax.imshow(M, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto", interpolation="nearest")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_xticks(range(M.shape[1]))
    ax.set_yticks(range(M.shape[0]))
    if title:
        ax.set_title(title)
    ax.figure.colorbar(im, ax=ax, label=colorbar_label)
    if annotate is None:
        annotate = M.size <= 100
    if annotate:
        lo, hi = np.nanmin(M), np.nanmax(M)
        mid = (lo + hi) / 2
        for i in range(M.shape[0]):
            for j in range(M.shape[1]):
                ax.text(j, i, f"{M[i, j]:.2f}", ha="center", va="center", fontsize=8,
                        color="black" if M[i, j] > mid else "white")
    return ax


def null_histogram(result, *, ax=None, bins: int = 30, xlabel: str = "measure value"):
    """Histogram of a permutation null with the observed value marked.

    ``result`` is a :class:`~alignbook.scale.PermutationResult` or
    :class:`~alignbook.scale.CalibratedScore`. Returns the ``Axes``.

    Examples
    --------
    >>> import torch
    >>> from alignbook import cka
    >>> from alignbook.plots.scale import null_histogram
    >>> from alignbook.scale import permutation_test
    >>> from alignbook.device import generator
    >>> g = generator(0, "cpu")
    >>> X = torch.randn(40, 3, generator=g, dtype=torch.float64)
    >>> ax = null_histogram(permutation_test(cka, X, X + 0.5 * torch.randn(40, 3, generator=g, dtype=torch.float64),
    ...                                      n_permutations=50))
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('measure value', 'count')
    """
    if not hasattr(result, "null") or not hasattr(result, "statistic"):
        raise TypeError("result must come from permutation_test or calibrated_score (it needs .null and .statistic).")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3))
    ax.hist(result.null, bins=bins, color="0.7", label=f"permutation null ({result.null.size})")
    ax.axvline(result.statistic, color="C3", lw=2, label=f"observed, p = {result.p_value:.3g}")
    ax.axvline(float(np.mean(result.null)), color="0.3", ls="--", lw=1, label="null mean")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("count")
    ax.legend(fontsize=8)
    return ax
