r"""Canonical correlation analysis: linear CCA, SVCCA and regularised kernel CCA.

Linear CCA (Hotelling 1936). With centred :math:`X, Y` and orthonormal bases
:math:`Q_X, Q_Y` of their column spaces (thin SVD, numerical rank), the canonical correlations
are the singular values of :math:`Q_X^\top Q_Y` (cosines of the principal angles between the
column spaces). With ``reg > 0`` they are the singular values of
:math:`(\Sigma_{XX}+\lambda I)^{-1/2}\Sigma_{XY}(\Sigma_{YY}+\lambda I)^{-1/2}`,
:math:`\Sigma = \tfrac1{n-1}X^\top Y` etc. (ridge CCA; no longer scale invariant).
When a representation has width :math:`\ge n - 1` its centred column space is all of
:math:`\mathbf 1^\perp`, so every canonical correlation is 1 (Kornblith et al. 2019, Thm 1).
"""
from __future__ import annotations

from typing import NamedTuple

import torch

from .._validate import as_pair, check_choice, check_int, check_positive, finish, finish_array
from .hsic import _is_constant, _raise_constant
from .kernels import _center, _gram

__all__ = ["CCAResult", "cca", "cca_similarity", "kernel_cca", "svcca"]


class CCAResult(NamedTuple):
    """Canonical correlations (descending) and the canonical weights/scores (unit-variance scores)."""

    rho: object
    x_weights: object
    y_weights: object
    x_scores: object
    y_scores: object


def _rank_basis(Xc: torch.Tensor):
    """Thin SVD of Xc restricted to its numerical rank (NumPy's matrix_rank tolerance)."""
    U, S, Vh = torch.linalg.svd(Xc, full_matrices=False)
    tol = S[0] * max(Xc.shape) * torch.finfo(Xc.dtype).eps
    r = int((S > tol).sum())
    return U[:, :r], S[:r], Vh[:r].T


def _inv_sqrt(C: torch.Tensor) -> torch.Tensor:
    w, V = torch.linalg.eigh(C)
    return (V / torch.sqrt(w)) @ V.T


def _cca(X, Y, k, reg):
    for M, nm in ((X, "X"), (Y, "Y")):
        if _is_constant(M):
            _raise_constant(nm, "CCA")
    n = X.shape[0]
    Xc = X - X.mean(dim=0, keepdim=True)
    Yc = Y - Y.mean(dim=0, keepdim=True)
    if reg == 0.0:
        Ux, Sx, Vx = _rank_basis(Xc)
        Uy, Sy, Vy = _rank_basis(Yc)
        A, rho, Bh = torch.linalg.svd(Ux.T @ Uy, full_matrices=False)
        kmax = rho.shape[0]
        k = kmax if k is None else min(k, kmax)
        A, B, rho = A[:, :k], Bh[:k].T, rho[:k]
        c = (n - 1) ** 0.5
        wx = (Vx / Sx) @ A * c
        wy = (Vy / Sy) @ B * c
    else:
        Cxx = Xc.T @ Xc / (n - 1) + reg * torch.eye(X.shape[1], dtype=X.dtype, device=X.device)
        Cyy = Yc.T @ Yc / (n - 1) + reg * torch.eye(Y.shape[1], dtype=Y.dtype, device=Y.device)
        Ix, Iy = _inv_sqrt(Cxx), _inv_sqrt(Cyy)
        A, rho, Bh = torch.linalg.svd(Ix @ (Xc.T @ Yc / (n - 1)) @ Iy, full_matrices=False)
        kmax = rho.shape[0]
        k = kmax if k is None else min(k, kmax)
        wx, wy, rho = Ix @ A[:, :k], Iy @ Bh[:k].T, rho[:k]
    return rho, wx, wy, Xc @ wx, Yc @ wy


def cca(X, Y, k=None, reg=0.0, *, dtype=None):
    r"""Canonical correlation analysis of paired representations.

    Returns a :class:`CCAResult` ``(rho, x_weights, y_weights, x_scores, y_scores)``:
    ``rho`` holds the top ``k`` canonical correlations :math:`\rho_1\ge\rho_2\ge\dots`
    (all :math:`\min(\operatorname{rank}X_c, \operatorname{rank}Y_c)` when ``k`` is None),
    the weights map centred inputs to the scores :math:`X_cW_X` (unit sample variance for
    ``reg=0``). With ``reg=0`` the correlations are the singular values of
    :math:`Q_X^\top Q_Y` (orthonormal bases of the centred column spaces at numerical rank);
    with ``reg=`` :math:`\lambda > 0`, of
    :math:`(\Sigma_{XX}+\lambda I)^{-1/2}\Sigma_{XY}(\Sigma_{YY}+\lambda I)^{-1/2}`.
    Invariant to invertible linear maps and translations (``reg=0``); if a width is
    :math:`\ge n-1` all correlations are 1. Cost :math:`O(n(d_1^2 + d_2^2))`.
    """
    X, Y, ctx = as_pair(X, Y, dtype=dtype, min_n=2)
    if k is not None:
        k = check_int(k, "k", 1)
    reg = check_positive(reg, "reg", allow_zero=True)
    out = _cca(X, Y, k, reg)
    return CCAResult(*(finish_array(t, ctx) for t in out))


def cca_similarity(X, Y, kind="mean", k=None, reg=0.0, *, dtype=None):
    r"""A scalar summary of CCA: ``kind="mean"`` gives :math:`\frac1k\sum_i\rho_i` (mean CCA
    similarity, Raghu et al. 2017); ``"mean_squared"`` gives :math:`\frac1k\sum_i\rho_i^2`
    (Yanai's GCD / :math:`R^2_{CCA}`)."""
    X, Y, ctx = as_pair(X, Y, dtype=dtype, min_n=2, rescale=(reg == 0))
    check_choice(kind, "kind", ("mean", "mean_squared"))
    if k is not None:
        k = check_int(k, "k", 1)
    rho = _cca(X, Y, k, check_positive(reg, "reg", allow_zero=True))[0]
    return finish(rho.mean() if kind == "mean" else (rho * rho).mean(), ctx)


def _svd_reduce(Xc, keep, name):
    U, S, _ = torch.linalg.svd(Xc, full_matrices=False)
    if isinstance(keep, float):
        var = S * S
        frac = torch.cumsum(var, 0) / var.sum()
        m = int((frac < keep).sum()) + 1
    else:
        m = min(keep, S.shape[0])
    return U[:, :m] * S[:m]


def svcca(X, Y, keep=0.99, *, dtype=None):
    r"""SVCCA (Raghu et al. 2017): reduce each centred input to its top singular directions,
    then return the mean canonical correlation of the reduced inputs.

    ``keep`` is a fraction in (0, 1] (keep the fewest directions whose variance reaches that
    fraction of the total, 0.99 as in the paper) or an integer number of directions.
    """
    X, Y, ctx = as_pair(X, Y, dtype=dtype, min_n=2, rescale=True)
    if isinstance(keep, bool) or not isinstance(keep, (int, float)):
        raise TypeError(f"keep must be a fraction in (0, 1] or a positive integer; got {keep!r}.")
    if isinstance(keep, float) and not 0.0 < keep <= 1.0:
        raise ValueError(f"keep={keep} must be in (0, 1] (a fraction of variance) or an integer.")
    if isinstance(keep, int):
        check_int(keep, "keep", 1)
    for M, nm in ((X, "X"), (Y, "Y")):
        if _is_constant(M):
            _raise_constant(nm, "SVCCA")
    Xr = _svd_reduce(X - X.mean(dim=0, keepdim=True), keep, "X")
    Yr = _svd_reduce(Y - Y.mean(dim=0, keepdim=True), keep, "Y")
    return finish(_cca(Xr, Yr, None, 0.0)[0].mean(), ctx)


def _eig_range(K: torch.Tensor):
    w, V = torch.linalg.eigh(K)
    tol = w[-1] * K.shape[0] * torch.finfo(K.dtype).eps
    keep = w > tol
    return w[keep], V[:, keep]


def kernel_cca(X, Y, kernel="rbf", reg=0.02, *, return_all=False, bandwidth=1.0, sigma=None,
               median="all", dtype=None):
    r"""Regularised kernel CCA (Bach & Jordan 2002).

    .. math:: \rho_\kappa = \sup_{f,g}\frac{\widehat{\mathrm{cov}}(f(x), g(y))}
       {\sqrt{(\widehat{\mathrm{var}} f + \kappa\|f\|^2_{\mathcal H})(\widehat{\mathrm{var}} g + \kappa\|g\|^2_{\mathcal H})}}

    over :math:`f = \sum_i\alpha_ik(x_i,\cdot)`. With the centred Gram
    :math:`K_c = HKH = U\Lambda U^\top` (positive part) and :math:`L_c = VMV^\top`, the
    correlations are exactly the singular values of
    :math:`\operatorname{diag}\big(\sqrt{\lambda_i/(\lambda_i+n\kappa)}\big)\,U^\top V\,
    \operatorname{diag}\big(\sqrt{\mu_j/(\mu_j+n\kappa)}\big)`, with
    :math:`\widehat{\mathrm{var}} f = \alpha^\top K_c^2\alpha/n`. ``reg`` is :math:`\kappa`
    (``0.02`` as Bach & Jordan use for :math:`n<1000`); ``reg=0`` gives the cosines of the
    principal angles between the two ranges (all 1 when both Grams have full centred rank,
    which is why the regularisation is needed). Returns the largest correlation, or all of them
    (descending) with ``return_all=True``. Cost :math:`O(n^3)` time, :math:`O(n^2)` memory.
    """
    X, Y, ctx = as_pair(X, Y, dtype=dtype, min_n=2, rescale=(kernel == "rbf" and sigma is None))
    reg = check_positive(reg, "reg", allow_zero=True)
    if not (isinstance(kernel, str) and kernel == "precomputed"):
        for M, nm in ((X, "X"), (Y, "Y")):
            if _is_constant(M):
                _raise_constant(nm, "kernel CCA")
        K = _gram(X, kernel, bandwidth, sigma, median, "X")
        L = _gram(Y, kernel, bandwidth, sigma, median, "Y")
    else:
        for M, nm in ((X, "X"), (Y, "Y")):
            if M.shape[0] != M.shape[1]:
                raise ValueError(f"kernel='precomputed' needs (n, n) Gram matrices; {nm} has shape {tuple(M.shape)}.")
        K, L = X, Y
    n = K.shape[0]
    out = []
    for G, nm in ((K, "X"), (L, "Y")):
        w, V = _eig_range(_center(G))
        if w.numel() == 0:
            raise ValueError(f"the centred Gram matrix of {nm} is zero; kernel CCA is undefined.")
        out.append((V, torch.sqrt(w / (w + n * reg))))
    (U, cx), (V, cy) = out
    rho = torch.linalg.svdvals(cx[:, None] * (U.T @ V) * cy[None, :])
    return finish_array(rho, ctx) if return_all else finish(rho[0], ctx)
