r"""Mutual nearest-neighbour alignment (Huh et al. 2024, "the platonic representation hypothesis").

.. math:: \mathrm{mKNN}_k(X, Y) = \frac1n\sum_{i=1}^n\frac{|N^X_k(i)\cap N^Y_k(i)|}{k}

where :math:`N^X_k(i)` is the set of the ``k`` nearest neighbours of sample ``i`` among the
other samples in ``X``'s space. **Ties** are counted fractionally (the rule of
:mod:`alignbook.core.knn`): samples tied with the :math:`k`-th neighbour (to within rounding)
each count as the fraction of a neighbour that uniform random tie-breaking would give them, so
the value depends only on the similarities, never on the order of the rows or on ``block``.
Computed in row blocks, so memory is :math:`O(bn)` for a block of ``b`` rows (never
:math:`n\times n`); time :math:`O(n^2(d_1+d_2))`. The chunked route
:func:`~alignbook.scale.mutual_knn_chunked` runs the same core with a memory budget.
"""
from __future__ import annotations

import torch

from ..core.guards import as_matrix, as_pair, check_choice, check_int, finish, finish_array, pow2_rescale, refuse_constants
from ..core.knn import METRICS, knn_block_indices, knn_space, mutual_knn_finish, shared_neighbours, similarity_block

__all__ = ["knn_indices", "mutual_knn"]


def knn_indices(X, k=10, metric="cosine", *, block=1024):
    """Indices ``(n, k)`` of each row's ``k`` nearest other rows.

    ``metric``: ``"cosine"`` or ``"euclidean"``. Rows are listed by decreasing similarity. A tie
    at the ``k``-th place (similarities equal to within rounding) is resolved towards the smaller
    index: the only index-dependent rule in the package (:func:`.mutual_knn` counts tied
    neighbours fractionally instead). Scale-invariant inputs are rescaled exactly, so any
    magnitude gives the same neighbours.


    Parameters
    ----------
    X : array-like or torch.Tensor
        One representation ``(n, d)``.
    k : int
        Neighbours per sample, ``1 <= k <= n - 1``.
    metric : {"cosine", "euclidean"}
        The similarity.
    block : int
        Rows per block.

    Returns
    -------
    array or torch.Tensor
        ``(n, k)`` integer indices.

    Examples
    --------
    >>> import alignbook as ab
    >>> ab.knn_indices([[0.0], [1.0], [3.0], [7.0]], k=1, metric="euclidean").ravel()
    array([1, 0, 1, 2])
    """
    Xt, ctx = as_matrix(X, "X", min_n=2)
    k = check_int(k, "k", 1, Xt.shape[0] - 1, " (the other samples available)")
    check_choice(metric, "metric", METRICS)
    block = check_int(block, "block", 1)
    Z = knn_space(pow2_rescale(Xt.detach()), metric, "X")
    sq = (Z * Z).sum(dim=1)
    n = Z.shape[0]
    out = torch.empty((n, k), dtype=torch.long, device=Z.device)
    for r0 in range(0, n, block):
        r1 = min(r0 + block, n)
        S, tol = similarity_block(Z, metric, r0, r1, sq)
        out[r0:r1] = knn_block_indices(S, k, tol)
    return finish_array(out, ctx)


def mutual_knn(X, Y, k=10, metric="cosine", *, block=1024, dtype=None):
    r"""Mutual k-nearest-neighbour alignment (Huh et al. 2024): the mean fraction of shared
    ``k``-NN between the two spaces.

    ``metric="cosine"`` (rows L2-normalised, as platonic-rep does) or ``"euclidean"``. The
    query point itself is excluded. Ties at the ``k``-th neighbour count fractionally (the rule
    of :mod:`alignbook.core.knn`), so the value is deterministic and invariant to permuting the samples; without
    ties it lies in :math:`\{0, \frac1{nk}, \dots, 1\}`. Not differentiable. Needs
    ``1 <= k <= n - 1``; a constant input is refused.


    Parameters
    ----------
    X, Y : array-like or torch.Tensor
        Paired representations, shapes ``(n, d1)`` and ``(n, d2)`` (both NumPy-like or both tensors
        on one device).
    k : int
        Neighbours per sample, ``1 <= k <= n - 1``.
    metric : {"cosine", "euclidean"}
        The similarity.
    block : int
        Rows per block (memory ``O(block * n)``); does not change the value.
    dtype : None or "float32"
        Computation precision (float64 by default).

    Returns
    -------
    float or torch.Tensor
        In [0, 1].

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> X = np.random.default_rng(0).normal(size=(30, 3))
    >>> ab.mutual_knn(X, 3 * X, k=5), ab.mutual_knn(X, X, k=29)
    (1.0, 1.0)
    >>> ab.mutual_knn(np.eye(4), np.eye(4), k=1)  # all tied: each of the 3 others counts 1/3
    0.3333333333333333
    """
    X, Y, ctx = as_pair(X, Y, dtype=dtype, min_n=2, rescale=True)
    k = check_int(k, "k", 1, X.shape[0] - 1, " (the number of other samples, n - 1)")
    check_choice(metric, "metric", METRICS)
    block = check_int(block, "block", 1)
    refuse_constants(((X, "X"), (Y, "Y")), "mutual k-NN", "every sample is equally near every other, so its neighbour sets carry no information")
    Zx, Zy = knn_space(X.detach(), metric, "X"), knn_space(Y.detach(), metric, "Y")
    n = Zx.shape[0]
    shared = shared_neighbours(Zx, Zy, k, metric, range(0, n, block), block)
    return finish(mutual_knn_finish(shared, n, k).to(X.dtype), ctx, "mutual k-NN")
