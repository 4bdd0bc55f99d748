r"""Representational similarity analysis (Kriegeskorte et al. 2008).

An RDM holds one dissimilarity per pair of samples ``i < j``; RSA correlates the two RDMs'
upper triangles (Pearson or Spearman) with the Pearson finish of :mod:`alignbook.core.correlation`,
which the chunked route shares. An RDM whose entries are equal to within their rounding error
(for instance a cosine RDM of rows that are all parallel) is refused: the correlation with it
would be a correlation of rounding noise. Cost :math:`O(n^2 d)` time and :math:`O(n^2)` memory.
"""
from __future__ import annotations

import torch

from ..core.correlation import check_rdm_spread, pearson_finish, pearson_sums, ranks, rdm_tolerance, unit_rows
from ..core.guards import (
    as_matrix,
    as_pair,
    check_bool,
    check_choice,
    finish,
    finish_array,
    pow2_scaled,
    renamed_keywords,
    scale_back,
)
from ..core.kernels import SqDistances

__all__ = ["rdm", "rsa"]

RDMS = ("euclidean", "sqeuclidean", "correlation", "cosine")
COMPARES = ("pearson", "spearman")


def _rdm_full(X: torch.Tensor, metric: str, name: str) -> torch.Tensor:
    if metric == "euclidean":
        return torch.cdist(X, X, compute_mode="donot_use_mm_for_euclid_dist")
    if metric == "sqeuclidean":
        return SqDistances(X).block()
    return 0.5 * SqDistances(unit_rows(X, metric, name)).block()  # = 1 - z_i'z_j for unit rows


def _upper(M: torch.Tensor) -> torch.Tensor:
    n = M.shape[0]
    iu = torch.triu_indices(n, n, offset=1, device=M.device)
    return M[iu[0], iu[1]]


#: homogeneity degree of each RDM in the input scale (for the exact rescaling)
_DEGREE = {"euclidean": 1, "sqeuclidean": 2, "correlation": 0, "cosine": 0}


@renamed_keywords(kind="metric")
def rdm(X, metric="euclidean", *, condensed=True, dtype=None):
    r"""Representational dissimilarity matrix of one representation.

    ``metric``: ``"euclidean"`` :math:`\|x_i-x_j\|`; ``"sqeuclidean"`` :math:`\|x_i-x_j\|^2`
    (rsatoolbox's ``"euclidean"`` up to the factor :math:`1/d`); ``"correlation"``
    :math:`1-\mathrm{corr}(x_i, x_j)` across features; ``"cosine"``
    :math:`1-\cos(x_i, x_j)`. Returns the condensed upper triangle (``i < j``, row-major, as
    SciPy's ``pdist``) or the full ``(n, n)`` matrix.


    Parameters
    ----------
    X : array-like or torch.Tensor
        One representation ``(n, d)``, ``n >= 2``.
    metric : {"euclidean", "sqeuclidean", "correlation", "cosine"}
        The dissimilarity.
    condensed : bool
        Return the ``n(n-1)/2`` upper-triangle entries (else the full matrix).
    dtype : None or "float32"
        Computation precision (float64 by default).

    Returns
    -------
    array or torch.Tensor
        Non-negative dissimilarities.

    Examples
    --------
    >>> import alignbook as ab
    >>> ab.rdm([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]])
    array([ 5., 10.,  5.])
    """
    condensed = check_bool(condensed, "condensed")
    check_choice(metric, "metric", RDMS)
    Xt, ctx = as_matrix(X, "X", dtype=dtype, min_n=2)
    Xs, e = pow2_scaled(Xt)
    M = _rdm_full(Xs, metric, "X")
    M = scale_back(M, _DEGREE[metric] * e)
    return finish_array(_upper(M) if condensed else M, ctx, "rdm")


def rsa(X, Y, rdm="euclidean", compare="pearson", *, dtype=None):
    r"""Representational similarity analysis: the correlation between two RDMs.

    .. math:: \mathrm{RSA}(X, Y) = \mathrm{corr}\big(\{D^X_{ij}\}_{i<j}, \{D^Y_{ij}\}_{i<j}\big)

    with ``rdm`` one of ``"euclidean"``, ``"sqeuclidean"``, ``"correlation"``, ``"cosine"``
    (see :func:`~alignbook.measures.rdm`) and ``compare`` ``"pearson"`` or ``"spearman"`` (Pearson
    on ranks, ties averaged, where entries equal to within their rounding error are tied; not
    differentiable). Needs :math:`n\ge 3`; raises when an RDM is constant (to within the
    rounding error of its entries).


    Parameters
    ----------
    X, Y : array-like or torch.Tensor
        Paired representations, shapes ``(n, d1)`` and ``(n, d2)`` (both NumPy-like or both tensors
        on one device).
    rdm : {"euclidean", "sqeuclidean", "correlation", "cosine"}
        The dissimilarity of each representation.
    compare : {"pearson", "spearman"}
        How the two RDMs are correlated.
    dtype : None or "float32"
        Computation precision (float64 by default).

    Returns
    -------
    float or torch.Tensor
        In [-1, 1].

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> X = np.random.default_rng(0).normal(size=(20, 3))
    >>> round(ab.rsa(X, 2 * X + 1), 12), round(ab.rsa(X, X**3, compare="spearman"), 2)
    (1.0, 0.81)
    """
    X, Y, ctx = as_pair(X, Y, dtype=dtype, min_n=3, rescale=True)
    check_choice(rdm, "rdm", RDMS)
    check_choice(compare, "compare", COMPARES)
    a = _upper(_rdm_full(X, rdm, "X"))
    b = _upper(_rdm_full(Y, rdm, "Y"))
    eps = torch.finfo(X.dtype).eps
    ta = rdm_tolerance(rdm, X.shape[1], a.detach().abs().max(), eps)
    tb = rdm_tolerance(rdm, Y.shape[1], b.detach().abs().max(), eps)
    if compare == "spearman":
        check_rdm_spread(a.detach().var(correction=0), ta, "X")
        check_rdm_spread(b.detach().var(correction=0), tb, "Y")
        a, b, ta, tb = ranks(a.detach(), ta), ranks(b.detach(), tb), 0.0, 0.0
    return finish(pearson_finish(pearson_sums(a, b), ("X", "Y"), ta, tb), ctx, "RSA")
