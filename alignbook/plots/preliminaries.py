"""Figures for the Preliminaries chapter (they draw results; they compute nothing of substance).

Each function takes a typed result and returns a matplotlib ``Figure`` with labelled axes:

* :func:`spectrum_plot`: a :class:`~alignbook.theory.preliminaries.SingularSpectra`
  (``run("thm-eckart-young").payload``);
* :func:`gram_heatmaps`: a :class:`~alignbook.experiments.preliminaries.GramMatrices`;
* :func:`convergence_plot`: a :class:`~alignbook.theory.preliminaries.SpectrumConvergence`
  (``run("prop-empirical-operator").payload``).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from ..experiments.preliminaries import GramMatrices
from ..theory.preliminaries import SingularSpectra, SpectrumConvergence
from ._checks import expect

__all__ = ["convergence_plot", "gram_heatmaps", "spectrum_plot"]


def _np(a) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        return a.detach().double().cpu().numpy()
    return np.asarray(a, dtype=np.float64)


def spectrum_plot(result: SingularSpectra, k_mark: int = 10):
    """Two panels from the singular values of each representation in ``result``.

    Left: the share of energy ``sigma_i^2 / sum_j sigma_j^2`` carried by direction ``i`` (log
    scale). Right: the Eckart-Young relative error of the best rank-k approximation,
    ``sum_{i>k} sigma_i^2 / sum_i sigma_i^2``, against ``k``, with ``k_mark`` marked.

    Examples
    --------
    >>> import numpy as np
    >>> from alignbook.plots.preliminaries import spectrum_plot
    >>> from alignbook.theory.preliminaries import SingularSpectra
    >>> fig = spectrum_plot(SingularSpectra({"toy": np.array([3.0, 2.0, 1.0])}, n=3), k_mark=1)
    >>> [ax.get_xlabel() for ax in fig.axes]
    ['index $i$ of the singular value', 'rank $k$ of the approximation']
    """
    expect(result, SingularSpectra, "result", 'run("thm-eckart-young").payload')
    spectra, n = result.spectra, result.n
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8), constrained_layout=True)
    for name, s in spectra.items():
        s2 = _np(s) ** 2
        share = s2 / s2.sum()
        rank = int((s2 > 1e-20 * s2[0]).sum())  # zero singular values (constant pixels) are not drawn
        idx = np.arange(1, rank + 1)
        ax1.semilogy(idx, share[:rank], marker=".", ms=3, lw=1, label=f"{name} (d={len(s2)}, rank {rank})")
        tail = np.concatenate([s2[::-1].cumsum()[::-1], [0.0]]) / s2.sum()  # tail[k] = sum_{i>k}
        ks = np.arange(0, len(s2) + 1)
        line, = ax2.plot(ks[:-1], tail[:-1], lw=1.5, label=name)
        if k_mark < len(s2):
            ax2.plot([k_mark], [tail[k_mark]], "o", color=line.get_color())
            ax2.annotate(f"{tail[k_mark]:.2f}", (k_mark, tail[k_mark]), textcoords="offset points",
                         xytext=(6, 4), fontsize=8, color=line.get_color())
    ax1.set_xlabel("index $i$ of the singular value")
    ax1.set_ylabel(r"energy share $\sigma_i^2 / \sum_j \sigma_j^2$")
    ax1.set_title("Spectra" + (f" (n = {n} digit images)" if n else ""))
    ax1.legend(fontsize=8)
    ax2.axvline(k_mark, color="0.6", ls=":", lw=1)
    ax2.set_xlabel("rank $k$ of the approximation")
    ax2.set_ylabel(r"$\min_{\mathrm{rank}\,B\leq k}\|X-B\|_F^2 \,/\, \|X\|_F^2$")
    ax2.set_title("Eckart–Young: best rank-$k$ relative error")
    ax2.set_xlim(0, max(len(_np(s)) for s in spectra.values()))
    ax2.set_ylim(0, 1.02)
    ax2.legend(fontsize=8)
    return fig


def gram_heatmaps(grams: GramMatrices, cmap: str = "RdBu_r"):
    """Side-by-side heat maps of the titled n x n matrices of ``grams`` (rows already in display order).

    ``grams.labels`` (class of each row, in the same order) draws thin lines between classes. Each
    panel uses a colour scale symmetric about 0 (clipped at the 99th percentile of |K|), so that
    positive and negative entries are comparable.

    Examples
    --------
    >>> import torch
    >>> from alignbook.experiments.preliminaries import GramMatrices
    >>> from alignbook.plots.preliminaries import gram_heatmaps
    >>> fig = gram_heatmaps(GramMatrices({"identity": torch.eye(4)}, torch.tensor([0, 0, 1, 1])))
    >>> fig.axes[0].get_title()
    'identity'
    """
    expect(grams, GramMatrices, "grams", "digits_gram_matrices(...)")
    mats, labels = grams.matrices, grams.labels
    k = len(mats)
    cols = min(k, 2)
    rows = (k + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.7 * rows), constrained_layout=True)
    axes = np.atleast_1d(axes).reshape(-1)
    for ax in axes[k:]:
        ax.set_visible(False)
    lab = None if labels is None else _np(labels)
    for ax, (title, K) in zip(axes, mats.items()):
        K = _np(K)
        v = float(np.quantile(np.abs(K), 0.99)) or 1.0  # robust scale: a few outliers saturate
        im = ax.imshow(K, cmap=cmap, vmin=-v, vmax=v, interpolation="nearest")
        if lab is not None:
            cuts = np.flatnonzero(np.diff(lab)) + 0.5
            for t in cuts:
                ax.axhline(t, color="k", lw=0.3)
                ax.axvline(t, color="k", lw=0.3)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("example $j$ (sorted by class)")
        ax.set_ylabel("example $i$ (sorted by class)")
        fig.colorbar(im, ax=ax, shrink=0.75, label="$K_{ij}$")
    return fig


def convergence_plot(result: SpectrumConvergence):
    """Log-log plot of the mean eigenvalue error against the sample size n, with an ``n^{-1/2}`` guide line.

    Examples
    --------
    >>> import numpy as np
    >>> from alignbook.plots.preliminaries import convergence_plot
    >>> from alignbook.theory.preliminaries import SpectrumConvergence
    >>> fig = convergence_plot(SpectrumConvergence([50, 200], [0.2, 0.1], np.ones(2), slope=-0.5))
    >>> fig.axes[0].get_xlabel()
    'sample size $n$'
    """
    expect(result, SpectrumConvergence, "result", 'run("prop-empirical-operator").payload')
    n = _np(result.sizes)
    e = _np(result.mean_error)
    slope = result.slope
    fig, ax = plt.subplots(figsize=(5, 3.6), constrained_layout=True)
    lab = "measured" + (f" (fitted slope {slope:.2f})" if slope is not None else "")
    ax.loglog(n, e, "o-", label=lab)
    ax.loglog(n, e[0] * np.sqrt(n[0] / n), "k--", lw=1, label=r"$\propto n^{-1/2}$")
    ax.set_xlabel("sample size $n$")
    ax.set_ylabel(r"mean $\max_j |\lambda_j(K/n) - \lambda_j(L_k)|$")
    ax.set_title("Empirical spectrum → population spectrum")
    ax.legend(fontsize=8)
    return fig
