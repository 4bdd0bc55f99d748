"""Figures for the model-zoo appendix: alignment heat maps with their null levels.

matplotlib is imported inside the functions, so importing this module stays cheap.
"""
from __future__ import annotations

import numpy as np

from .compare import LABELS

__all__ = ["alignment_heatmaps"]


def alignment_heatmaps(result, title: str | None = None):
    """One heat map per measure of an :class:`~alignbook.zoo.compare.AlignmentMatrix`.

    Each cell shows the value and, below it, the permutation-null level in brackets; the
    diagonal (self-similarity, exactly 1) is left blank. Colour runs from 0 to 1 for every panel,
    so panels can be compared.
    """
    import matplotlib.pyplot as plt

    measures = list(result.value)
    names = result.models
    m = len(names)
    fig, axes = plt.subplots(1, len(measures), figsize=(4.4 * len(measures) + 0.6, 0.55 * m + 2.2), squeeze=False)
    for ax, s in zip(axes[0], measures):
        V = np.array(result.value[s], dtype=float)
        shown = V.copy()
        np.fill_diagonal(shown, np.nan)
        im = ax.imshow(shown, vmin=0.0, vmax=1.0, cmap="viridis")
        for i in range(m):
            for j in range(m):
                if i == j:
                    continue
                colour = "black" if V[i, j] > 0.6 else "white"
                ax.text(j, i, f"{V[i, j]:.2f}\n[{result.null[s][i, j]:.2f}]", ha="center", va="center",
                        fontsize=7, color=colour)
        ax.set_xticks(range(m), names, rotation=45, ha="right", fontsize=8)
        ax.set_yticks(range(m), names, fontsize=8)
        ax.set_xlabel("encoder B")
        ax.set_ylabel("encoder A")
        label = LABELS[s] + (f" (k={result.k})" if s == "mutual_knn" else "")
        ax.set_title(label, fontsize=10)
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.03, label=f"{label}: value [null level]")
    fig.suptitle(title or f"{result.dataset}: n = {result.n}", fontsize=11)
    fig.tight_layout()
    return fig
