"""Spearman rank correlation for the experiments: one helper, average ranks for ties.

The experiments rank how alignment notions order layer pairs (``kernel_alignment``) and how
CKA orders stitching penalties (``stitching``). Both use :func:`spearman_matrix`: ranks by the
package's one rank helper, :func:`alignbook.core.correlation.ranks` (ties get their average rank,
as :func:`scipy.stats.rankdata`; the same ranks RSA's Spearman comparison uses), then the Pearson
correlation of the ranks in float64. This is the definition :func:`scipy.stats.spearmanr` uses.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ..core.correlation import ranks


def spearman_matrix(V: np.ndarray) -> np.ndarray:
    """Spearman correlations between the columns of ``V`` (n observations x k variables).

    A column that is constant (a single rank) has no rank correlation: its row and column are
    NaN, never a number made up for it.
    """
    V = np.asarray(V, dtype=np.float64)
    if V.ndim != 2 or V.shape[0] < 3:
        raise ValueError(f"V must be (n, k) with n >= 3 observations, got shape {V.shape}")
    if not np.isfinite(V).all():
        raise ValueError("V has NaN or infinite entries; drop those observations first")
    R = np.column_stack([ranks(torch.from_numpy(np.ascontiguousarray(V[:, j]))).numpy() for j in range(V.shape[1])])
    R = R - R.mean(axis=0)
    norms = np.sqrt((R * R).sum(axis=0))
    out = np.full((V.shape[1], V.shape[1]), math.nan)
    ok = norms > 0
    Rn = R[:, ok] / norms[ok]
    out[np.ix_(ok, ok)] = Rn.T @ Rn
    idx = np.flatnonzero(ok)
    out[idx, idx] = 1.0
    return out


def spearman(x, y) -> float:
    """Spearman correlation of two paired samples (NaN when fewer than 3 or one is constant)."""
    x, y = np.asarray(x, dtype=np.float64).reshape(-1), np.asarray(y, dtype=np.float64).reshape(-1)
    if x.shape != y.shape:
        raise ValueError(f"x and y must be paired, got {x.size} and {y.size} values")
    if x.size < 3:
        return math.nan
    return float(spearman_matrix(np.column_stack([x, y]))[0, 1])
