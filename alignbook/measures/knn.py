r"""Mutual nearest-neighbour alignment (Huh et al. 2024, "the platonic representation hypothesis").

.. math:: \mathrm{mKNN}_k(X, Y) = \frac1n\sum_{i=1}^n\frac{|N^X_k(i)\cap N^Y_k(i)|}{k}

where :math:`N^X_k(i)` is the set of the ``k`` nearest neighbours of sample ``i`` among the
other samples in ``X``'s space. Computed in row blocks, so memory is :math:`O(bn)` for a block
of ``b`` rows (never :math:`n\times n`); time :math:`O(n^2(d_1+d_2) + n^2\log n)`.
"""
from __future__ import annotations

import torch

from .._validate import as_matrix, as_pair, check_choice, check_int, finish, finish_array

__all__ = ["knn_indices", "mutual_knn"]

METRICS = ("cosine", "euclidean")


def _prep(X: torch.Tensor, metric: str, name: str) -> torch.Tensor:
    if metric == "cosine":
        nrm = torch.linalg.vector_norm(X, dim=1, keepdim=True)
        if not bool((nrm > 0).all()):
            raise ValueError(
                f"{int((nrm == 0).sum())} row(s) of {name} are zero, so their cosine similarity is "
                "undefined; use metric='euclidean' or drop them."
            )
        return X / nrm
    return X - X.mean(dim=0, keepdim=True)


def _knn(Z: torch.Tensor, k: int, metric: str, block: int) -> torch.Tensor:
    n = Z.shape[0]
    sq = (Z * Z).sum(dim=1)
    out = torch.empty((n, k), dtype=torch.long, device=Z.device)
    for start in range(0, n, block):
        stop = min(start + block, n)
        S = Z[start:stop] @ Z.T  # similarity: larger is nearer
        if metric == "euclidean":
            S = 2.0 * S - sq[None, :]  # = -||z_i - z_j||^2 + ||z_i||^2 (row constant dropped)
        rows = torch.arange(start, stop, device=Z.device)
        S[rows - start, rows] = -torch.inf
        # stable sort: ties are broken by the smaller sample index, deterministically
        idx = torch.sort(S, dim=1, descending=True, stable=True).indices[:, :k]
        out[start:stop] = idx
    return out


def knn_indices(X, k=10, metric="cosine", *, block=1024):
    """Indices ``(n, k)`` of each row's ``k`` nearest other rows (ties: smaller index first)."""
    Xt, ctx = as_matrix(X, "X")
    k = check_int(k, "k", 1, Xt.shape[0] - 1, " (the other samples available)")
    check_choice(metric, "metric", METRICS)
    idx = _knn(_prep(Xt, metric, "X"), k, metric, block)
    return finish_array(idx, ctx)


def mutual_knn(X, Y, k=10, metric="cosine", *, block=1024, dtype=None):
    r"""Mutual k-nearest-neighbour alignment (Huh et al. 2024): the mean fraction of shared
    ``k``-NN between the two spaces.

    ``metric="cosine"`` (rows L2-normalised, as platonic-rep does) or ``"euclidean"``. The
    query point itself is excluded; ties are broken by the smaller index. Values lie in
    :math:`\{0, \frac1{nk}, \dots, 1\}`; not differentiable. Needs ``1 <= k <= n - 1``.
    """
    X, Y, ctx = as_pair(X, Y, dtype=dtype, min_n=2, rescale=True)
    k = check_int(k, "k", 1, X.shape[0] - 1, " (the number of other samples, n - 1)")
    check_choice(metric, "metric", METRICS)
    block = check_int(block, "block", 1)
    for M, nm in ((X, "X"), (Y, "Y")):
        if bool((M == M[0:1]).all()):
            raise ValueError(
                f"{nm} is constant (all rows identical): every sample is equally near every other, "
                "so its k-NN sets are arbitrary and mutual k-NN is undefined."
            )
    ix = _knn(_prep(X.detach(), metric, "X"), k, metric, block)
    iy = _knn(_prep(Y.detach(), metric, "Y"), k, metric, block)
    shared = torch.zeros((), dtype=torch.float64, device=X.device)
    for start in range(0, ix.shape[0], block):
        a, b = ix[start:start + block], iy[start:start + block]
        shared = shared + (a[:, :, None] == b[:, None, :]).sum().to(torch.float64)
    return finish((shared / (ix.shape[0] * k)).to(X.dtype), ctx)
