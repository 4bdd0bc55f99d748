r"""Nearest neighbours with a permutation-invariant tie rule, and the mutual-kNN finish.

The similarity of sample :math:`j` to sample :math:`i` is :math:`z_i^\top z_j` on L2-normalised
rows (``metric="cosine"``) or :math:`-\|z_i - z_j\|^2 + \|z_i\|^2` on centred rows
(``metric="euclidean"``; the dropped term is constant along a row); the query itself is excluded.

**Ties.** Let :math:`s_{(k)}` be the :math:`k`-th largest similarity in row :math:`i`. Similarities
within the rounding tolerance :math:`\delta_i` of :math:`s_{(k)}` are *tied* with it (:math:`t`
of them); the :math:`a < k` strictly larger ones are neighbours. Each tied sample counts as the
fraction :math:`(k - a)/t` of a neighbour, which is its probability of being chosen when ties are
broken uniformly at random. So the neighbour weights :math:`w_{ij}\in[0, 1]` sum to :math:`k` in
every row, depend only on the values (not on row order, block size or device), and

.. math:: \mathrm{mKNN}_k = \frac{1}{nk}\sum_{i}\sum_{j} w^X_{ij}\,w^Y_{ij}

is the expected mutual-kNN score under random tie-breaking; without ties it is the usual count.
The tolerance is :math:`\delta_i = 8(d+2)\varepsilon\,(\|z_i\|^2 + \max_j\|z_j\|^2)` (computed
similarities of tied samples differ by rounding only). :func:`.knn_block_indices` lists
neighbours with the tied ones taken in increasing index order (an index list cannot be
permutation invariant under ties; the set of strictly nearer neighbours is).

Examples
--------
>>> import torch
>>> from alignbook.core.knn import knn_space, neighbour_weights, similarity_block
>>> Z = knn_space(torch.tensor([[0.0], [1.0], [2.0], [3.0]], dtype=torch.float64), "euclidean", "X")
>>> S, tol = similarity_block(Z, "euclidean", 1, 2)
>>> neighbour_weights(S, 1, tol)  # sample 1: samples 0 and 2 are equally near, half each
tensor([[0.5000, 0.0000, 0.5000, 0.0000]], dtype=torch.float64)
"""
from __future__ import annotations

import math

import torch

__all__ = ["METRICS", "knn_block_indices", "knn_space", "mutual_knn_finish", "neighbour_masks", "neighbour_weights",
           "shared_neighbours", "similarity_block"]

METRICS = ("cosine", "euclidean")


def knn_space(X: torch.Tensor, metric: str, name: str) -> torch.Tensor:
    """The rows on which similarities are inner products: unit rows (cosine) or centred rows."""
    if metric == "cosine":
        nrm = torch.linalg.vector_norm(X, dim=1, keepdim=True)
        if not bool((nrm > 0).all()):
            raise ValueError(
                f"{int((nrm == 0).sum())} row(s) of {name} are zero, so their cosine similarity is "
                "undefined; use metric='euclidean' or drop them."
            )
        return X / nrm
    return X - X.mean(dim=0, keepdim=True)


def similarity_block(Z: torch.Tensor, metric: str, r0: int, r1: int, sq: torch.Tensor | None = None):
    """Similarities of rows ``r0:r1`` to all rows (self excluded, ``-inf``) and the tie tolerances."""
    sq = (Z * Z).sum(dim=1) if sq is None else sq
    S = Z[r0:r1] @ Z.T
    if metric == "euclidean":
        S = 2.0 * S - sq[None, :]
    rows = torch.arange(r1 - r0, device=Z.device)
    S[rows, rows + r0] = -torch.inf
    eps = torch.finfo(Z.dtype).eps
    tol = 8.0 * (Z.shape[1] + 2) * eps * (sq[r0:r1, None] + sq.max())
    return S, tol


def _kth(S: torch.Tensor, k: int) -> torch.Tensor:
    return torch.topk(S, k, dim=1, largest=True, sorted=False).values.min(dim=1, keepdim=True).values


def neighbour_masks(S: torch.Tensor, k: int, tol: torch.Tensor):
    """``(above, tied, fraction)``: the strictly nearer samples, the ones tied with the k-th, and
    the fraction ``(k - a) / t`` each tied one counts for (per row)."""
    kth = _kth(S, k)
    above = S > kth + tol
    tied = (S >= kth - tol) & ~above
    a = above.sum(dim=1)
    t = tied.sum(dim=1)
    return above, tied, (k - a).to(torch.float64) / t.to(torch.float64)


def neighbour_weights(S: torch.Tensor, k: int, tol: torch.Tensor) -> torch.Tensor:
    """Weights ``w[i, j]`` in [0, 1] summing to ``k`` per row (the tie rule of the module docstring)."""
    above, tied, frac = neighbour_masks(S, k, tol)
    return above.to(S.dtype) + tied.to(S.dtype) * frac[:, None].to(S.dtype)


def knn_block_indices(S: torch.Tensor, k: int, tol: torch.Tensor) -> torch.Tensor:
    """Indices of the ``k`` nearest: the strictly nearer ones and the first tied ones by index.

    The chosen ``k`` are listed by decreasing computed similarity (equal values by index).
    """
    kth = _kth(S, k)
    above = S > kth + tol
    tied = (S >= kth - tol) & ~above
    room = k - above.sum(dim=1, keepdim=True)
    chosen = above | (tied & (torch.cumsum(tied.to(torch.long), dim=1) <= room))
    key = torch.where(chosen, S, torch.full_like(S, -torch.inf))
    return torch.sort(key, dim=1, descending=True, stable=True).indices[:, :k]


def shared_neighbours(Zx: torch.Tensor, Zy: torch.Tensor, k: int, metric: str, starts, block: int) -> torch.Tensor:
    """Per row ``i``, ``sum_j w^X_ij w^Y_ij`` (float64): the sufficient statistic of mutual kNN.

    Computed from integer counts of the four overlaps (strictly nearer / tied in each space) and
    the rows' tie fractions, so each row's value is the same whatever the block or row order.
    """
    n = Zx.shape[0]
    sqx, sqy = (Zx * Zx).sum(dim=1), (Zy * Zy).sum(dim=1)
    out = torch.empty(n, dtype=torch.float64, device=Zx.device)
    for r0 in starts:
        r1 = min(r0 + block, n)
        Sx, tx = similarity_block(Zx, metric, r0, r1, sqx)
        ax, tix, fx = neighbour_masks(Sx, k, tx)
        del Sx
        Sy, ty = similarity_block(Zy, metric, r0, r1, sqy)
        ay, tiy, fy = neighbour_masks(Sy, k, ty)
        del Sy
        c1 = (ax & ay).sum(dim=1).to(torch.float64)
        c2 = (tix & ay).sum(dim=1).to(torch.float64)
        c3 = (ax & tiy).sum(dim=1).to(torch.float64)
        c4 = (tix & tiy).sum(dim=1).to(torch.float64)
        out[r0:r1] = c1 + fx * c2 + fy * c3 + (fx * fy) * c4
    return out


def mutual_knn_finish(shared: torch.Tensor, n: int, k: int) -> torch.Tensor:
    """The mean fraction of shared neighbours, ``sum_i shared_i / (n k)``, summed exactly (``math.fsum``),
    so the value does not depend on the order of the rows."""
    total = math.fsum(shared.detach().cpu().tolist())
    return torch.tensor(total / (n * k), dtype=torch.float64, device=shared.device)
