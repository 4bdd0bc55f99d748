r"""HSIC, CKA, kernel alignment, distance correlation and distance misalignment.

Estimators (:math:`n` paired rows, Gram matrices :math:`K, L`, :math:`H = I - \tfrac1n\mathbf 1\mathbf 1^\top`):

* ``"biased"`` (Gretton et al. 2005; also Kornblith et al. 2019):
  :math:`\mathrm{HSIC}_b = \operatorname{tr}(KHLH)/(n-1)^2`.
* ``"unbiased"`` (Song et al. 2012), with :math:`\tilde K, \tilde L` the Grams with zeroed diagonal:

  .. math::
     \mathrm{HSIC}_u = \frac{1}{n(n-3)}\Big[\operatorname{tr}(\tilde K\tilde L)
     + \frac{\mathbf 1^\top\tilde K\mathbf 1\,\mathbf 1^\top\tilde L\mathbf 1}{(n-1)(n-2)}
     - \frac{2}{n-2}\mathbf 1^\top\tilde K\tilde L\mathbf 1\Big].

Both are computed by the one core of :mod:`alignbook.core.hsic` (sufficient statistics ->
finish), which every route shares: this module's dense routes, and the chunked, streamed and
layer-matrix routes of :mod:`alignbook.scale`.

Routes for the linear kernel (``route="features"``; chosen by ``route="auto"`` when
:math:`n > d_1 + d_2`). :math:`X, Y` are first column-centred (no estimator changes: both are
translation invariant), :math:`r_i = \|x_i\|^2`, :math:`s_i = \|y_i\|^2`. Since
:math:`K\mathbf 1 = X(X^\top\mathbf 1) = 0` for centred features, without any :math:`n\times n` matrix,

* :math:`\operatorname{tr}(KHLH) = \|X^\top Y\|_F^2`;
* :math:`\operatorname{tr}(\tilde K\tilde L) = \|X^\top Y\|_F^2 - \sum_i r_is_i`;
* :math:`\mathbf 1^\top\tilde K\mathbf 1 = -\sum_i r_i`, :math:`\mathbf 1^\top\tilde L\mathbf 1 = -\sum_i s_i`;
* :math:`\tilde K\mathbf 1 = -r`, so :math:`\mathbf 1^\top\tilde K\tilde L\mathbf 1 = r^\top s`.

So the unbiased estimator needs the same three products as the biased one (:math:`X^\top Y`,
:math:`X^\top X`, :math:`Y^\top Y`) plus the row norms, computed once per input: :math:`O(nd_1d_2)`
time and :math:`O(d_1d_2)` extra memory instead of :math:`O(n^2(d_1+d_2))` and :math:`O(n^2)`.

Other kernels (and ``route="samples"``) form the two :math:`n\times n` Grams, in the
HSIC-equivalent form of :class:`~alignbook.Kernel` (e.g. :math:`e^{-d^2/2\sigma^2} - 1`), centre
them and sum. Inputs of a kernel with a homogeneity degree are rescaled by exact powers of two
first, so every scale from 1e-300 to 1e300 gives the right value.
"""
from __future__ import annotations

import warnings

import torch

from ..core.guards import (
    as_pair,
    check_bool,
    check_choice,
    check_estimator,
    finish,
    pow2_exponent,
    pow2_scaled,
    refuse_constants,
    scale_back,
)
from ..core.hsic import (
    FeatureRep,
    alignment_from_sums,
    center,
    cka_from_sums,
    dcor_finish,
    feature_sums,
    gram_sums,
    hsic_from_sums,
    permutation_mean_from_sums,
)
from ..core.kernels import Kernel, SqDistances
from ..core.linalg import cross_fro2, gram_fro2, sumsq

__all__ = [
    "cka",
    "cka_permutation_mean",
    "distance_correlation",
    "distance_misalignment",
    "hsic",
    "kernel_alignment",
]

ROUTES = ("auto", "features", "samples")


def _route(spec: Kernel, route, n: int, d1: int, d2: int) -> str:
    check_choice(route, "route", ROUTES)
    if spec.name == "linear":
        if route == "auto":
            return "features" if n > d1 + d2 else "samples"
        return route
    if route == "features":
        raise ValueError(
            f"route='features' needs kernel='linear', not kernel={spec!r}; use route='auto' "
            "(the other kernels need the n x n Gram matrices)."
        )
    return "samples"


class _Pair:
    """Validated, rescaled inputs with their kernel and route."""

    def __init__(self, X, Y, kernel, bandwidth, sigma, median, route, dtype, estimator=None, min_n=1):
        self.spec = Kernel.resolve(kernel, bandwidth=bandwidth, sigma=sigma, median=median)
        X, Y, self.ctx = as_pair(X, Y, dtype=dtype, min_n=min_n)
        self.n = X.shape[0]
        if estimator is not None:
            check_estimator(estimator, self.n)
        self.route = _route(self.spec, route, self.n, X.shape[1], Y.shape[1])
        self.ex = self.ey = 0
        if self.spec.rescalable:
            (X, self.ex), (Y, self.ey) = pow2_scaled(X), pow2_scaled(Y)
        self.X, self.Y = X, Y

    def refuse_constant(self, what: str) -> None:
        """A constant input has a zero centred Gram for every kernel computed from features."""
        if self.spec.name not in ("precomputed", "callable"):
            refuse_constants(((self.X, "X"), (self.Y, "Y")), what)

    def sums(self, unbiased: bool, traces: bool = False):
        """The HSIC sums of (X, Y), (X, X) and (Y, Y) by this pair's route."""
        if self.route == "features":
            a, b = FeatureRep(self.X), FeatureRep(self.Y)
            return (feature_sums(a, b, unbiased, traces), feature_sums(a, a, unbiased, traces),
                    feature_sums(b, b, unbiased, traces))
        src = self.ctx.source_dtype
        kx, ky = self.spec.bind(self.X, "X", source_dtype=src), self.spec.bind(self.Y, "Y", source_dtype=src)
        K, L = kx.hsic_gram(), ky.hsic_gram()
        if not kx.hsic_gram_centered:
            K, L = center(K), center(L)
        return gram_sums(K, L, unbiased, traces), gram_sums(K, K, unbiased, traces), gram_sums(L, L, unbiased, traces)


def hsic(X, Y, kernel="linear", estimator="biased", *, bandwidth=None, sigma=None, median=None,
         route="auto", dtype=None):
    r"""Hilbert–Schmidt independence criterion between paired representations.

    ``estimator="biased"``: :math:`\operatorname{tr}(KHLH)/(n-1)^2` (Gretton et al. 2005).
    ``estimator="unbiased"``: Song et al. (2012)'s U-statistic (see the module docstring; may be
    negative; needs :math:`n \ge 4`). ``kernel`` is a :class:`~alignbook.Kernel`, ``"linear"``,
    ``"rbf"`` (with the shorthands ``bandwidth``, ``sigma``, ``median``), ``"distance"``, a
    callable or ``"precomputed"`` (see :func:`~alignbook.measures.gram`). For the linear kernel
    ``route="features"`` uses only :math:`d\times d` products (the default when
    :math:`n > d_1 + d_2`), ``"samples"`` the :math:`n\times n` Grams; both agree to rounding.
    HSIC is not scale invariant: a result beyond the float64 range raises a scaling error.

    NumPy in: a Python float. torch in: a 0-d tensor on the input's device, differentiable.


    Parameters
    ----------
    X, Y : array-like or torch.Tensor
        Paired representations, shapes ``(n, d1)`` and ``(n, d2)`` (both NumPy-like or both tensors
        on one device).
    kernel : Kernel, str or callable
        ``"linear"`` (default), ``"rbf"``, ``"distance"``, ``"precomputed"``, a callable
        ``kernel(X) -> K`` or an :class:`~alignbook.Kernel`.
    bandwidth, sigma, median : optional
        Shorthands for ``Kernel.rbf(bandwidth, sigma=..., median=...)``; refused with other kernels.
    estimator : {"biased", "unbiased"}
        Gretton et al.'s V-statistic or Song et al.'s U-statistic (``n >= 4``).
    route : {"auto", "features", "samples"}
        Linear kernel only: d-by-d products or n-by-n Grams (``"auto"``: features when ``n > d1 + d2``).
    dtype : None or "float32"
        Computation precision (float64 by default).

    Returns
    -------
    float or torch.Tensor
        The HSIC estimate (a float for NumPy input, a 0-d tensor for torch input).

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> ab.hsic(X, 2 * X) == 4 * ab.hsic(X, X)  # HSIC is bilinear in the Grams: not scale invariant
    True
    >>> ab.hsic(X, np.ones((100, 2)))  # a constant representation is independent of anything
    0.0
    """
    p = _Pair(X, Y, kernel, bandwidth, sigma, median, route, dtype, estimator)
    sxy, _, _ = p.sums(estimator == "unbiased")
    value = hsic_from_sums(sxy, estimator)
    if p.spec.degree:
        value = scale_back(value, p.spec.degree * (p.ex + p.ey))
    return finish(value, p.ctx, "HSIC")


def cka(X, Y, kernel="linear", estimator="biased", *, bandwidth=None, sigma=None, median=None,
        route="auto", dtype=None):
    r"""Centred kernel alignment (Kornblith et al. 2019; Cortes et al. 2012).

    .. math:: \mathrm{CKA}(X, Y) = \frac{\mathrm{HSIC}(K, L)}{\sqrt{\mathrm{HSIC}(K, K)\,\mathrm{HSIC}(L, L)}}

    with the same estimator in numerator and denominator. With the biased estimator it equals
    :math:`\langle HKH, HLH\rangle_F / (\|HKH\|_F\|HLH\|_F)`; for the linear kernel
    :math:`\|X^\top Y\|_F^2/(\|X^\top X\|_F\|Y^\top Y\|_F)` on centred inputs (the RV
    coefficient). The unbiased ("debiased") version can be negative and is not clamped.
    ``kernel``: a :class:`~alignbook.Kernel`, ``"linear"`` (default), ``"rbf"`` (:math:`\sigma` =
    ``bandwidth`` x median distance of each input, Kornblith's convention; see
    :func:`~alignbook.measures.median_bandwidth`), ``"distance"``, a callable, or ``"precomputed"``.
    Self-similarity is exactly 1.

    Raises ``ValueError`` for a constant input (0/0), for ``n < 4`` with
    ``estimator="unbiased"``, and when an unbiased self-HSIC is :math:`\le 0`.
    NumPy in: a float; torch in: a differentiable 0-d tensor on the input's device.


    Parameters
    ----------
    X, Y : array-like or torch.Tensor
        Paired representations, shapes ``(n, d1)`` and ``(n, d2)`` (both NumPy-like or both tensors
        on one device).
    kernel : Kernel, str or callable
        ``"linear"`` (default), ``"rbf"``, ``"distance"``, ``"precomputed"``, a callable
        ``kernel(X) -> K`` or an :class:`~alignbook.Kernel`.
    bandwidth, sigma, median : optional
        Shorthands for ``Kernel.rbf(bandwidth, sigma=..., median=...)``; refused with other kernels.
    estimator : {"biased", "unbiased"}
        Gretton et al.'s V-statistic or Song et al.'s U-statistic (``n >= 4``).
    route : {"auto", "features", "samples"}
        Linear kernel only: d-by-d products or n-by-n Grams (``"auto"``: features when ``n > d1 + d2``).
    dtype : None or "float32"
        Computation precision (float64 by default).

    Returns
    -------
    float or torch.Tensor
        CKA in [0, 1] (biased) or [-1, 1] (unbiased).

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> np.random.seed(1337)
    >>> X = np.random.randn(100, 10)
    >>> Y = X + np.random.randn(100, 10)
    >>> round(ab.cka(X, Y), 5), round(ab.cka(X, Y, kernel="rbf", bandwidth=0.5), 5)
    (0.55761, 0.65483)
    >>> round(ab.cka(X, Y, estimator="unbiased"), 5)
    0.51346
    >>> ab.cka(X, X)
    1.0
    """
    p = _Pair(X, Y, kernel, bandwidth, sigma, median, route, dtype, estimator)
    p.refuse_constant("CKA")
    return finish(cka_from_sums(*p.sums(estimator == "unbiased"), estimator), p.ctx, "CKA")


def cka_permutation_mean(X, Y, kernel="linear", estimator="biased", *, bandwidth=None, sigma=None,
                         median=None, route="auto", dtype=None):
    r"""Exact mean of CKA over all :math:`n!` row permutations of ``Y``: the permutation null's centre.

    With :math:`\bar K = HKH`, :math:`\bar L = HLH` and :math:`P` a uniformly random permutation,

    .. math:: \mathbb E_P\,\mathrm{CKA}_b(K, PLP^\top) = \frac{\operatorname{tr}\bar K\,\operatorname{tr}\bar L}
              {(n-1)\,\|\bar K\|_F\,\|\bar L\|_F},
       \qquad \mathbb E_P\,\mathrm{CKA}_u(K, PLP^\top) = 0

    (book: ``prop-cka-permutation-null``). For the linear kernel the first is
    :math:`\sqrt{\beta_X\beta_Y}/(n-1)` with :math:`\beta = (\sum\lambda_i)^2/\sum\lambda_i^2` the
    effective rank of the centred covariance, computed from :math:`d\times d` products. So
    ``cka(X, Y) - cka_permutation_mean(X, Y)`` is the calibrated score of
    :func:`~alignbook.scale.calibrated_score` in the limit of infinitely many permutations, at the
    cost of one CKA. Same options, validation and errors as :func:`.cka` (the RBF median
    bandwidth does not change under permutation).


    Parameters
    ----------
    X, Y : array-like or torch.Tensor
        Paired representations, shapes ``(n, d1)`` and ``(n, d2)`` (both NumPy-like or both tensors
        on one device).
    kernel : Kernel, str or callable
        ``"linear"`` (default), ``"rbf"``, ``"distance"``, ``"precomputed"``, a callable
        ``kernel(X) -> K`` or an :class:`~alignbook.Kernel`.
    bandwidth, sigma, median : optional
        Shorthands for ``Kernel.rbf(bandwidth, sigma=..., median=...)``; refused with other kernels.
    estimator : {"biased", "unbiased"}
        Gretton et al.'s V-statistic or Song et al.'s U-statistic (``n >= 4``).
    route : {"auto", "features", "samples"}
        Linear kernel only: d-by-d products or n-by-n Grams (``"auto"``: features when ``n > d1 + d2``).
    dtype : None or "float32"
        Computation precision (float64 by default).

    Returns
    -------
    float or torch.Tensor
        The mean of CKA over all row permutations of ``Y``.

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> g = np.random.default_rng(0)
    >>> X, Y = g.normal(size=(40, 30)), g.normal(size=(40, 20))
    >>> 0.3 < ab.cka_permutation_mean(X, Y) < 0.6  # width alone makes unrelated data look aligned
    True
    >>> ab.cka_permutation_mean(X, Y, estimator="unbiased")
    0.0
    """
    p = _Pair(X, Y, kernel, bandwidth, sigma, median, route, dtype, estimator)
    p.refuse_constant("CKA")
    if estimator == "unbiased":  # defined exactly when the unbiased CKA is; its null mean is 0
        value = cka_from_sums(*p.sums(True), "unbiased")
        return finish(torch.zeros_like(value), p.ctx, "CKA")
    _, sxx, syy = p.sums(False, traces=True)
    return finish(permutation_mean_from_sums(sxx, syy), p.ctx, "CKA")


def kernel_alignment(X, Y, kernel="linear", centered=False, *, bandwidth=None, sigma=None,
                     median=None, route="auto", dtype=None):
    r"""Kernel alignment of Cristianini et al. (2001).

    .. math:: \mathrm{KA}(K, L) = \frac{\langle K, L\rangle_F}{\|K\|_F\,\|L\|_F}

    uncentred by default; ``centered=True`` gives CKA (biased estimator). For the linear kernel
    the feature route uses :math:`\langle K, L\rangle_F = \|X^\top Y\|_F^2` and
    :math:`\|K\|_F = \|X^\top X\|_F` on the raw (uncentred) inputs. Uncentred KA is not
    translation invariant. Raises ``ValueError`` when a Gram matrix is zero.


    Parameters
    ----------
    X, Y : array-like or torch.Tensor
        Paired representations, shapes ``(n, d1)`` and ``(n, d2)`` (both NumPy-like or both tensors
        on one device).
    kernel : Kernel, str or callable
        ``"linear"`` (default), ``"rbf"``, ``"distance"``, ``"precomputed"``, a callable
        ``kernel(X) -> K`` or an :class:`~alignbook.Kernel`.
    bandwidth, sigma, median : optional
        Shorthands for ``Kernel.rbf(bandwidth, sigma=..., median=...)``; refused with other kernels.
    centered : bool
        Centre the Grams (then it is biased CKA).
    route : {"auto", "features", "samples"}
        Linear kernel only: d-by-d products or n-by-n Grams (``"auto"``: features when ``n > d1 + d2``).
    dtype : None or "float32"
        Computation precision (float64 by default).

    Returns
    -------
    float or torch.Tensor
        KA in [0, 1] for positive semi-definite kernels.

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> X = np.random.default_rng(0).normal(size=(50, 4))
    >>> ab.kernel_alignment(X, 3 * X)
    1.0
    >>> round(ab.kernel_alignment(X + 5, X), 3), ab.kernel_alignment(X + 5, X, centered=True)  # a shift matters
    (0.041, 1.0)
    """
    centered = check_bool(centered, "centered")
    if centered:
        return cka(X, Y, kernel, "biased", bandwidth=bandwidth, sigma=sigma, median=median, route=route, dtype=dtype)
    p = _Pair(X, Y, kernel, bandwidth, sigma, median, route, dtype)
    if p.route == "features":
        kl, kk, ll = cross_fro2(p.X, p.Y), gram_fro2(p.X), gram_fro2(p.Y)
    else:
        src = p.ctx.source_dtype
        K = p.spec.bind(p.X, "X", source_dtype=src).gram()
        L = p.spec.bind(p.Y, "Y", source_dtype=src).gram()
        kl, kk, ll = (K * L).sum(), (K * K).sum(), (L * L).sum()
    return finish(alignment_from_sums(kl, kk, ll), p.ctx, "KA")


def distance_correlation(X, Y, estimator="biased", *, squared=False, dtype=None):
    r"""Distance correlation of Székely, Rizzo & Bakirov (2007).

    With :math:`A = HDH` and :math:`B = HD'H` the doubly centred distance matrices,
    :math:`\mathrm{dCov}_n^2 = \frac1{n^2}\sum_{ij}A_{ij}B_{ij}` and
    :math:`\mathrm{dCor}^2 = \mathrm{dCov}_n^2(X,Y)/\sqrt{\mathrm{dVar}_n^2(X)\,\mathrm{dVar}_n^2(Y)}`,
    which equals CKA with the distance-induced kernel (Sejdinovic et al. 2013). Returns dCor
    (not squared, as the ``dcor`` package reports it) unless ``squared=True``.
    ``estimator="unbiased"`` gives the bias-corrected :math:`\mathrm{dCor}^2` of Székely & Rizzo
    (2014) (U-centring, equal to unbiased CKA with the distance kernel); it can be negative, in
    which case ``squared=False`` raises (its square root is undefined).

    A constant input raises ``ValueError`` (Székely et al. set dCor to 0 there by convention;
    we refuse to pick a value for 0/0). Costs :math:`O(n^2 d)` time and :math:`O(n^2)` memory.


    Parameters
    ----------
    X, Y : array-like or torch.Tensor
        Paired representations, shapes ``(n, d1)`` and ``(n, d2)`` (both NumPy-like or both tensors
        on one device).
    estimator : {"biased", "unbiased"}
        Gretton et al.'s V-statistic or Song et al.'s U-statistic (``n >= 4``).
    squared : bool
        Return dCor² instead of dCor.
    dtype : None or "float32"
        Computation precision (float64 by default).

    Returns
    -------
    float or torch.Tensor
        dCor (or dCor²) in [0, 1]; the unbiased dCor² may be negative.

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> Z = np.random.default_rng(0).normal(size=(300, 2))
    >>> ab.distance_correlation(Z, Z**2) > 0.3 > abs(ab.cka(Z, Z**2))  # dependence CKA misses
    True
    """
    squared = check_bool(squared, "squared")
    p = _Pair(X, Y, "distance", None, None, None, "auto", dtype, estimator)
    p.refuse_constant("distance correlation")
    r2 = cka_from_sums(*p.sums(estimator == "unbiased"), estimator, what="distance correlation")
    return finish(dcor_finish(r2, estimator, squared), p.ctx, "distance correlation")


def distance_misalignment(X, Y, *, route="auto", dtype=None):
    r"""Distance (mis)alignment of Insulla et al. (2025) on the empirical measure (a discrepancy: it falls).

    .. math:: D(X, Y) = \frac1{n^2}\sum_{i,j}\big(\|x_i - x_j\|^2 - \|y_i - y_j\|^2\big)^2

    (0 when the two point clouds have identical squared distances; a distance, not scale
    invariant: :math:`D(cX, cY) = c^4D(X, Y)`, which the power-of-two rescaling uses). Insulla et
    al. call it "distance alignment"; the name says which way it goes. Feature route
    (:math:`n > d_1 + d_2`), on centred inputs with :math:`a_i = \|x_i\|^2 - \|y_i\|^2` and
    :math:`G = XX^\top - YY^\top`: :math:`n^2 D = 2n\sum_i a_i^2 + 2(\sum_i a_i)^2 - 8a^\top G\mathbf 1
    + 4(\|X^\top X\|_F^2 + \|Y^\top Y\|_F^2 - 2\|X^\top Y\|_F^2)`, with
    :math:`G\mathbf 1 = X(X^\top\mathbf 1) - Y(Y^\top\mathbf 1)`. That route subtracts terms of
    size :math:`\|X^\top X\|_F^2`, so its absolute error is about
    :math:`10^{-16}\|X^\top X\|_F^2/n^2`; force ``route="samples"`` for small D on large inputs.


    Parameters
    ----------
    X, Y : array-like or torch.Tensor
        Paired representations, shapes ``(n, d1)`` and ``(n, d2)`` (both NumPy-like or both tensors
        on one device).
    route : {"auto", "features", "samples"}
        Linear kernel only: d-by-d products or n-by-n Grams (``"auto"``: features when ``n > d1 + d2``).
    dtype : None or "float32"
        Computation precision (float64 by default).

    Returns
    -------
    float or torch.Tensor
        D >= 0 (0 for isometric point clouds).

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> X = np.random.default_rng(0).normal(size=(30, 3))
    >>> Q, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(3, 3)))
    >>> ab.distance_misalignment(X, X @ Q + 5) < 1e-12, ab.distance_misalignment(X, 2 * X) > 1
    (True, True)
    """
    X, Y, ctx = as_pair(X, Y, dtype=dtype)
    check_choice(route, "route", ROUTES)
    n, d1, d2 = X.shape[0], X.shape[1], Y.shape[1]
    if route == "auto":
        route = "features" if n > d1 + d2 else "samples"
    e = max(pow2_exponent(X), pow2_exponent(Y))  # one common exact scale: D is homogeneous of degree 4
    if abs(e) > 100:
        c = torch.ldexp(torch.ones((), dtype=X.dtype, device=X.device), torch.tensor(-e, device=X.device))
        X, Y = X * c, Y * c
    else:
        e = 0
    if route == "samples":
        diff = SqDistances(X).block() - SqDistances(Y).block()
        return finish(scale_back(sumsq(diff) / n**2, 4 * e), ctx, "distance misalignment")
    Xc = X - X.mean(dim=0, keepdim=True)
    Yc = Y - Y.mean(dim=0, keepdim=True)
    a = (Xc * Xc).sum(dim=1) - (Yc * Yc).sum(dim=1)
    g1 = Xc @ Xc.sum(dim=0) - Yc @ Yc.sum(dim=0)
    total = (
        2 * n * (a * a).sum()
        + 2 * a.sum() ** 2
        - 8 * (a * g1).sum()
        + 4 * (sumsq(Xc.T @ Xc) + sumsq(Yc.T @ Yc) - 2 * sumsq(Xc.T @ Yc))
    )
    return finish(scale_back(total / n**2, 4 * e), ctx, "distance misalignment")


def distance_alignment(X, Y, *, route="auto", dtype=None):
    """Deprecated name of :func:`.distance_misalignment` (a discrepancy: it falls)."""
    warnings.warn("alignbook.distance_alignment is renamed distance_misalignment (it is a discrepancy: "
                  "0 for isometric point clouds); the old name will be removed.", DeprecationWarning, stacklevel=2)
    return distance_misalignment(X, Y, route=route, dtype=dtype)
