r"""Representational similarity analysis (Kriegeskorte et al. 2008).

An RDM holds one dissimilarity per pair of samples ``i < j``; RSA correlates the two RDMs'
upper triangles (Pearson or Spearman). Cost :math:`O(n^2 d)` time and :math:`O(n^2)` memory.
"""
from __future__ import annotations

import torch

from .._validate import as_matrix, as_pair, check_choice, finish, finish_array
from .kernels import pairwise_distances, sq_distances

__all__ = ["rdm", "rsa"]

RDMS = ("euclidean", "sqeuclidean", "correlation", "cosine")
COMPARES = ("pearson", "spearman")


def _unit_rows(X: torch.Tensor, name: str, why: str) -> torch.Tensor:
    nrm = torch.linalg.vector_norm(X, dim=1, keepdim=True)
    if not bool((nrm > 0).all()):
        bad = int((nrm == 0).sum())
        raise ValueError(f"{bad} row(s) of {name} are {why}, so the {why.split()[0]} RDM divides by 0.")
    return X / nrm


def _rdm_full(X: torch.Tensor, kind: str, name: str) -> torch.Tensor:
    if kind == "euclidean":
        return pairwise_distances(X)
    if kind == "sqeuclidean":
        return sq_distances(X)
    if kind == "correlation":
        if X.shape[1] < 2:
            raise ValueError(f"rdm='correlation' needs at least 2 features per row; {name} has 1.")
        Z = _unit_rows(X - X.mean(dim=1, keepdim=True), name, "constant across features")
    else:
        Z = _unit_rows(X, name, "zero")
    return 1.0 - Z @ Z.T


def _upper(M: torch.Tensor) -> torch.Tensor:
    n = M.shape[0]
    iu = torch.triu_indices(n, n, offset=1, device=M.device)
    return M[iu[0], iu[1]]


def rdm(X, kind="euclidean", *, condensed=True, dtype=None):
    r"""Representational dissimilarity matrix of one representation.

    ``kind``: ``"euclidean"`` :math:`\|x_i-x_j\|`; ``"sqeuclidean"`` :math:`\|x_i-x_j\|^2`
    (rsatoolbox's ``"euclidean"`` up to the factor :math:`1/d`); ``"correlation"``
    :math:`1-\mathrm{corr}(x_i, x_j)` across features; ``"cosine"``
    :math:`1-\cos(x_i, x_j)`. Returns the condensed upper triangle (``i < j``, row-major, as
    SciPy's ``pdist``) or the full ``(n, n)`` matrix.
    """
    Xt, ctx = as_matrix(X, "X", dtype=dtype)
    check_choice(kind, "kind", RDMS)
    M = _rdm_full(Xt, kind, "X")
    return finish_array(_upper(M) if condensed else M, ctx)


def _ranks(v: torch.Tensor) -> torch.Tensor:
    """Ranks 1..m with ties given their average rank (as scipy.stats.rankdata)."""
    s, idx = torch.sort(v, stable=True)
    _, inv, counts = torch.unique_consecutive(s, return_inverse=True, return_counts=True)
    ends = torch.cumsum(counts, 0).to(v.dtype)
    avg = ends - (counts.to(v.dtype) - 1.0) / 2.0
    r = torch.empty_like(v)
    r[idx] = avg[inv]
    return r


def _pearson(a: torch.Tensor, b: torch.Tensor, names) -> torch.Tensor:
    a = a - a.mean()
    b = b - b.mean()
    na, nb = torch.linalg.vector_norm(a), torch.linalg.vector_norm(b)
    for nrm, nm in ((na, names[0]), (nb, names[1])):
        if not bool(nrm > 0):
            raise ValueError(
                f"all entries of the RDM of {nm} are equal, so its correlation with the other RDM "
                "is 0/0 (undefined); this happens for n = 2, a constant representation, or "
                "equidistant samples."
            )
    return (a * b).sum() / (na * nb)


def rsa(X, Y, rdm="euclidean", compare="pearson", *, dtype=None):
    r"""Representational similarity analysis: the correlation between two RDMs.

    .. math:: \mathrm{RSA}(X, Y) = \mathrm{corr}\big(\{D^X_{ij}\}_{i<j}, \{D^Y_{ij}\}_{i<j}\big)

    with ``rdm`` one of ``"euclidean"``, ``"sqeuclidean"``, ``"correlation"``, ``"cosine"``
    (see :func:`rdm`) and ``compare`` ``"pearson"`` or ``"spearman"`` (Pearson on ranks, ties
    averaged; not differentiable). Needs :math:`n\ge 3`; raises when an RDM is constant.
    """
    X, Y, ctx = as_pair(X, Y, dtype=dtype, min_n=3, rescale=True)
    check_choice(rdm, "rdm", RDMS)
    check_choice(compare, "compare", COMPARES)
    a = _upper(_rdm_full(X, rdm, "X"))
    b = _upper(_rdm_full(Y, rdm, "Y"))
    if compare == "spearman":
        a, b = _ranks(a.detach()), _ranks(b.detach())
    return finish(_pearson(a, b, ("X", "Y")), ctx)
