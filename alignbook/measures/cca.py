r"""Canonical correlation analysis: linear CCA, SVCCA and regularised kernel CCA.

Linear CCA (Hotelling 1936). With the thin SVDs :math:`X_c = U_XS_XV_X^\top`,
:math:`Y_c = U_YS_YV_Y^\top` of the centred inputs at numerical rank, the canonical correlations
are the singular values of

.. math:: M = \operatorname{diag}(c_X)\,U_X^\top U_Y\,\operatorname{diag}(c_Y),
   \qquad c = \frac{S}{\sqrt{S^2 + (n-1)\lambda}},

so with ``reg`` :math:`\lambda = 0` the cosines of the principal angles between the column spaces,
and with :math:`\lambda > 0` the singular values of
:math:`(\Sigma_{XX}+\lambda I)^{-1/2}\Sigma_{XY}(\Sigma_{YY}+\lambda I)^{-1/2}`,
:math:`\Sigma = \tfrac1{n-1}X_c^\top Y_c` (ridge CCA). The SVDs cost :math:`O(nd\min(n, d))`, so
the same formula is the n-by-n route when :math:`d > n` (no :math:`d\times d` matrix is formed).
When a representation has width :math:`\ge n - 1` its centred column space is all of
:math:`\mathbf 1^\perp`, so every canonical correlation is 1 (Kornblith et al. 2019, Thm 1).
"""
from __future__ import annotations

from typing import NamedTuple

import torch

from ..core.guards import (
    as_pair,
    check_bool,
    check_choice,
    check_int,
    check_positive,
    finish,
    finish_array,
    pow2_scaled,
    ldexp_float,
    refuse_constants,
    renamed_keywords,
    scale_back,
)
from ..core.hsic import center
from ..core.kernels import Kernel
from ..core.linalg import numerical_rank, thin_svd
from ..core.linear import cca_finish, ridge_shrink

__all__ = ["CCAResult", "cca", "cca_similarity", "kernel_cca", "svcca"]

SUMMARIES = ("mean", "mean_squared")


class CCAResult(NamedTuple):
    """Canonical correlations (descending) and the canonical weights/scores (unit-variance scores).

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> X = np.random.default_rng(0).normal(size=(50, 3))
    >>> res = ab.cca(X, X @ np.diag([1.0, 2.0, 3.0]))
    >>> res.rho.round(8), res.x_scores.shape
    (array([1., 1., 1.]), (50, 3))
    """

    rho: object
    x_weights: object
    y_weights: object
    x_scores: object
    y_scores: object


def _cca(X, Y, k, reg_x, reg_y):
    """The one CCA route: thin SVDs of the centred inputs, shrinkage, the SVD of the whitened cross matrix."""
    n = X.shape[0]
    Xc = X - X.mean(dim=0, keepdim=True)
    Yc = Y - Y.mean(dim=0, keepdim=True)
    Ux, Sx, Vx = thin_svd(Xc)
    Uy, Sy, Vy = thin_svd(Yc)
    cx, cy = ridge_shrink(Sx, n, reg_x), ridge_shrink(Sy, n, reg_y)
    rho, A, B = cca_finish(cx[:, None] * (Ux.T @ Uy) * cy[None, :], k)
    # weights: (Sigma + reg I)^(-1/2) applied to the singular vectors, in the row space V
    wx = Vx @ (A / torch.sqrt(Sx * Sx / (n - 1) + reg_x)[:, None])
    wy = Vy @ (B / torch.sqrt(Sy * Sy / (n - 1) + reg_y)[:, None])
    return rho, wx, wy, Xc @ wx, Yc @ wy


def _prepare(X, Y, reg, dtype, what):
    X, Y, ctx = as_pair(X, Y, dtype=dtype, min_n=2)
    refuse_constants(((X, "X"), (Y, "Y")), what)
    reg = check_positive(reg, "reg", allow_zero=True)
    (X, ex), (Y, ey) = pow2_scaled(X), pow2_scaled(Y)
    # ridge CCA of (2^-e X) with reg 2^-2e equals ridge CCA of X with reg (exact powers of two)
    return X, Y, ctx, ldexp_float(reg, -2 * ex), ldexp_float(reg, -2 * ey), ex, ey


def cca(X, Y, k=None, reg=0.0, *, dtype=None):
    r"""Canonical correlation analysis of paired representations.

    Returns a :class:`.CCAResult` ``(rho, x_weights, y_weights, x_scores, y_scores)``:
    ``rho`` holds the top ``k`` canonical correlations :math:`\rho_1\ge\rho_2\ge\dots`
    (all :math:`\min(\operatorname{rank}X_c, \operatorname{rank}Y_c)` when ``k`` is None),
    the weights map centred inputs to the scores :math:`X_cW_X` (unit sample variance for
    ``reg=0``; :math:`W_X^\top(\Sigma_{XX} + \lambda I)W_X = I` for ``reg`` :math:`=\lambda`).
    With ``reg=0`` the correlations are the cosines of the principal angles between the centred
    column spaces (at numerical rank); with :math:`\lambda > 0`, the singular values of
    :math:`(\Sigma_{XX}+\lambda I)^{-1/2}\Sigma_{XY}(\Sigma_{YY}+\lambda I)^{-1/2}`.
    Invariant to invertible linear maps and translations (``reg=0``); if a width is
    :math:`\ge n-1` all correlations are 1. Cost :math:`O(nd\min(n, d))` (an n-by-n route when
    :math:`d > n`).


    Parameters
    ----------
    X, Y : array-like or torch.Tensor
        Paired representations, shapes ``(n, d1)`` and ``(n, d2)`` (both NumPy-like or both tensors
        on one device).
    k : int or None
        Number of correlations to return (all by default).
    reg : float
        Ridge :math:`\lambda \ge 0`.
    dtype : None or "float32"
        Computation precision (float64 by default).

    Returns
    -------
    CCAResult
        ``(rho, x_weights, y_weights, x_scores, y_scores)``.

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> g = np.random.default_rng(0)
    >>> X = g.normal(size=(200, 3))
    >>> Y = np.c_[X[:, 0] + 0.1 * g.normal(size=200), g.normal(size=200)]
    >>> rho = ab.cca(X, Y).rho
    >>> bool(rho[0] > 0.99 > 0.2 > rho[1])
    True
    """
    if k is not None:
        k = check_int(k, "k", 1)
    X, Y, ctx, rx, ry, ex, ey = _prepare(X, Y, reg, dtype, "CCA")
    rho, wx, wy, sx, sy = _cca(X, Y, k, rx, ry)
    # weights of the original inputs: W_X for X = 2^e X' is 2^-e W_X'
    wx, wy = scale_back(wx, -ex), scale_back(wy, -ey)
    return CCAResult(*(finish_array(t, ctx, "CCA") for t in (rho, wx, wy, sx, sy)))


@renamed_keywords(kind="summary")
def cca_similarity(X, Y, summary="mean", k=None, reg=0.0, *, dtype=None):
    r"""A scalar summary of CCA: ``summary="mean"`` gives :math:`\frac1k\sum_i\rho_i` (mean CCA
    similarity, Raghu et al. 2017); ``"mean_squared"`` gives :math:`\frac1k\sum_i\rho_i^2`
    (Yanai's GCD / :math:`R^2_{CCA}`), over the :math:`k` canonical correlations of :func:`.cca`
    (the numerical rank, for every ``reg``).


    Parameters
    ----------
    X, Y : array-like or torch.Tensor
        Paired representations, shapes ``(n, d1)`` and ``(n, d2)`` (both NumPy-like or both tensors
        on one device).
    summary : {"mean", "mean_squared"}
        How the correlations are averaged.
    k : int or None
        Average over the top ``k`` only.
    reg : float
        Ridge :math:`\lambda \ge 0`.
    dtype : None or "float32"
        Computation precision (float64 by default).

    Returns
    -------
    float or torch.Tensor
        In [0, 1].

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> X = np.random.default_rng(0).normal(size=(100, 4))
    >>> round(ab.cca_similarity(X, X @ np.random.default_rng(1).normal(size=(4, 4))), 12)
    1.0
    """
    check_choice(summary, "summary", SUMMARIES)
    if k is not None:
        k = check_int(k, "k", 1)
    X, Y, ctx, rx, ry, _, _ = _prepare(X, Y, reg, dtype, "CCA")
    rho = _cca(X, Y, k, rx, ry)[0]
    return finish(rho.mean() if summary == "mean" else (rho * rho).mean(), ctx, "CCA")


def _svd_reduce(Xc, keep):
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

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> X = np.random.default_rng(0).normal(size=(100, 5))
    >>> round(ab.svcca(X, 2 * X + 1, keep=3), 12)
    1.0
    """
    if isinstance(keep, bool) or not isinstance(keep, (int, float)):
        raise TypeError(f"keep must be a fraction in (0, 1] or a positive integer; got {keep!r}.")
    if isinstance(keep, float) and not 0.0 < keep <= 1.0:
        raise ValueError(f"keep={keep} must be in (0, 1] (a fraction of variance) or an integer.")
    if isinstance(keep, int):
        check_int(keep, "keep", 1)
    X, Y, ctx, _, _, _, _ = _prepare(X, Y, 0.0, dtype, "SVCCA")
    Xr = _svd_reduce(X - X.mean(dim=0, keepdim=True), keep)
    Yr = _svd_reduce(Y - Y.mean(dim=0, keepdim=True), keep)
    return finish(_cca(Xr, Yr, None, 0.0, 0.0)[0].mean(), ctx, "SVCCA")


def _eig_range(K: torch.Tensor):
    w, V = torch.linalg.eigh(K)
    r = numerical_rank(w, K.shape[0])
    return w[w.shape[0] - r:], V[:, w.shape[0] - r:]


def kernel_cca(X, Y, kernel="rbf", reg=0.02, *, return_all=False, bandwidth=None, sigma=None,
               median=None, dtype=None):
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
    which is why the regularisation is needed). ``kernel`` as in :func:`~alignbook.measures.cka`
    (default RBF with the median bandwidth). Returns the largest correlation, or all of them
    (descending) with ``return_all=True``. Cost :math:`O(n^3)` time, :math:`O(n^2)` memory.


    Parameters
    ----------
    X, Y : array-like or torch.Tensor
        Paired representations, shapes ``(n, d1)`` and ``(n, d2)`` (both NumPy-like or both tensors
        on one device).
    kernel : Kernel, str or callable
        ``"rbf"`` (default), ``"linear"``, ``"distance"``, ``"precomputed"``, a callable
        ``kernel(X) -> K`` or an :class:`~alignbook.Kernel`.
    bandwidth, sigma, median : optional
        Shorthands for ``Kernel.rbf(bandwidth, sigma=..., median=...)``; refused with other kernels.
    reg : float
        :math:`\kappa \ge 0`.
    return_all : bool
        Return every correlation (descending) instead of the largest.
    dtype : None or "float32"
        Computation precision (float64 by default).

    Returns
    -------
    float, or an array / tensor with ``return_all``
        In [0, 1].

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> X = np.random.default_rng(0).normal(size=(60, 2))
    >>> ab.kernel_cca(X, X**2) > 0.7 > 0.4 > ab.kernel_cca(X, np.random.default_rng(1).normal(size=(60, 2)))
    True
    """
    return_all = check_bool(return_all, "return_all")
    spec = Kernel.resolve(kernel, bandwidth=bandwidth, sigma=sigma, median=median)
    X, Y, ctx = as_pair(X, Y, dtype=dtype, min_n=2)
    reg = check_positive(reg, "reg", allow_zero=True)
    if spec.name not in ("precomputed", "callable"):
        refuse_constants(((X, "X"), (Y, "Y")), "kernel CCA")
    regs = [reg, reg]
    if spec.rescalable:  # K(2^-e X) = 2^(-e deg) K(X): rescale and move kappa with it (exact)
        (X, ex), (Y, ey) = pow2_scaled(X), pow2_scaled(Y)
        regs = [ldexp_float(reg, -spec.degree * ex), ldexp_float(reg, -spec.degree * ey)]
    n = X.shape[0]
    out = []
    for M, nm, kap in ((X, "X", regs[0]), (Y, "Y", regs[1])):
        bound = spec.bind(M, nm, source_dtype=ctx.source_dtype)
        Kc = bound.hsic_gram() if bound.hsic_gram_centered else center(bound.hsic_gram())
        w, V = _eig_range(0.5 * (Kc + Kc.T))
        if w.numel() == 0:
            raise ValueError(
                f"the centred Gram matrix of {nm} is zero in floating point, so kernel CCA is undefined: "
                f"the kernel cannot tell the samples of {nm} apart (for a non-constant {nm} a scaling "
                f"problem: a fixed bandwidth far from the scale of {nm}, or entries that underflow)."
            )
        out.append((V, torch.sqrt(w / (w + n * kap))))
    (U, cx), (V, cy) = out
    rho = torch.linalg.svdvals(cx[:, None] * (U.T @ V) * cy[None, :])
    return finish_array(rho, ctx, "kernel CCA") if return_all else finish(rho[0], ctx, "kernel CCA")
