"""Figures for the model-zoo appendix: alignment heat maps with their null levels.

Takes the :class:`~alignbook.experiments.zoo.AlignmentMatrix` results of the model-zoo appendix.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..experiments.zoo import LABELS, AlignmentMatrix

__all__ = ["alignment_heatmaps"]


def alignment_heatmaps(results, titles=None):
    """Heat maps of :class:`~alignbook.experiments.zoo.AlignmentMatrix` results: one row per result,
    one panel per measure.

    Each cell shows the value and, below it, the permutation-null level in brackets; the
    diagonal (self-similarity, exactly 1) is left blank. Colour runs from 0 to 1 in every panel,
    so panels and rows can be compared.
    """
    if isinstance(results, AlignmentMatrix):
        results = [results]
    results = list(results)
    bad = sorted({type(r).__name__ for r in results if not isinstance(r, AlignmentMatrix)})
    if not results or bad:
        raise TypeError("results must be an AlignmentMatrix (or a list of them) from "
                        f"alignbook.experiments.zoo.alignment_matrix; got {bad or 'nothing'}")
    if titles is None:
        titles = [f"{r.dataset}: n = {r.n}" for r in results]
    elif isinstance(titles, str):
        titles = [titles]
    if len(titles) != len(results):
        raise ValueError(f"titles: {len(titles)} given for {len(results)} results")
    measures = list(results[0].value)
    m_max = max(len(r.models) for r in results)
    fig, axes = plt.subplots(len(results), len(measures), squeeze=False,
                             figsize=(4.4 * len(measures) + 0.6, len(results) * (0.55 * m_max + 2.4)))
    for row, (result, title) in enumerate(zip(results, titles)):
        names = result.models
        m = len(names)
        for ax, s in zip(axes[row], measures):
            V = np.array(result.value[s], dtype=float)
            shown = V.copy()
            np.fill_diagonal(shown, np.nan)
            im = ax.imshow(shown, vmin=0.0, vmax=1.0, cmap="viridis")
            for i in range(m):
                for j in range(m):
                    if i != j:
                        ax.text(j, i, f"{V[i, j]:.2f}\n[{result.null[s][i, j]:.2f}]", ha="center", va="center",
                                fontsize=7, color="black" if V[i, j] > 0.6 else "white")
            ax.set_xticks(range(m), names, rotation=45, ha="right", fontsize=8)
            ax.set_yticks(range(m), names, fontsize=8)
            ax.set_xlabel("encoder B")
            ax.set_ylabel("encoder A")
            label = LABELS[s] + (f" (k={result.k})" if s == "mutual_knn" else "")
            ax.set_title(f"{title}\n{label}", fontsize=9)
            fig.colorbar(im, ax=ax, fraction=0.046, pad=0.03, label="value [permutation null]")
    fig.tight_layout()
    return fig
