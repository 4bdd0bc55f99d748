r"""HSIC, CKA, kernel alignment, distance correlation and distance alignment.

Estimators (:math:`n` paired rows, Gram matrices :math:`K, L`, :math:`H = I - \tfrac1n\mathbf 1\mathbf 1^\top`):

* ``"biased"`` (Gretton et al. 2005; also Kornblith et al. 2019):
  :math:`\mathrm{HSIC}_b = \operatorname{tr}(KHLH)/(n-1)^2`.
* ``"unbiased"`` (Song et al. 2012), with :math:`\tilde K, \tilde L` the Grams with zeroed diagonal:

  .. math::
     \mathrm{HSIC}_u = \frac{1}{n(n-3)}\Big[\operatorname{tr}(\tilde K\tilde L)
     + \frac{\mathbf 1^\top\tilde K\mathbf 1\,\mathbf 1^\top\tilde L\mathbf 1}{(n-1)(n-2)}
     - \frac{2}{n-2}\mathbf 1^\top\tilde K\tilde L\mathbf 1\Big].

Routes for the linear kernel (``route="features"``; chosen by ``route="auto"`` when
:math:`n > d_1 + d_2`). :math:`X, Y` are first column-centred (no estimator changes: both are
translation invariant for the linear kernel), :math:`r_i = \|x_i\|^2`, :math:`s_i = \|y_i\|^2`,
:math:`a = X^\top\mathbf 1`, :math:`b = Y^\top\mathbf 1`. Then, without any :math:`n\times n` matrix,

* :math:`\operatorname{tr}(KHLH) = \|X^\top Y\|_F^2` (for centred :math:`X, Y`);
* :math:`\operatorname{tr}(\tilde K\tilde L) = \sum_{i\ne j}K_{ij}L_{ij} = \|X^\top Y\|_F^2 - \sum_i r_is_i`;
* :math:`\mathbf 1^\top\tilde K\mathbf 1 = \|a\|^2 - \sum_i r_i`, and
  :math:`\mathbf 1^\top\tilde L\mathbf 1 = \|b\|^2 - \sum_i s_i`;
* :math:`\tilde K\mathbf 1 = Xa - r` and :math:`\tilde L\mathbf 1 = Yb - s`, so
  :math:`\mathbf 1^\top\tilde K\tilde L\mathbf 1 = (Xa - r)^\top(Yb - s)`.

That costs :math:`O(nd_1d_2)` time and :math:`O(d_1d_2)` extra memory instead of
:math:`O(n^2(d_1+d_2))` and :math:`O(n^2)`.
"""
from __future__ import annotations

import torch

from .._validate import as_pair, check_choice, finish
from ._linalg import cross_fro2, gram_fro2
from .kernels import _center, _gram, sq_distances

__all__ = [
    "cka",
    "cka_permutation_mean",
    "distance_alignment",
    "distance_correlation",
    "hsic",
    "kernel_alignment",
]

ESTIMATORS = ("biased", "unbiased")
ROUTES = ("auto", "features", "samples")


def _fro2(A: torch.Tensor) -> torch.Tensor:
    return (A * A).sum()


def _is_constant(X: torch.Tensor) -> bool:
    return bool((X == X[0:1]).all())


def _raise_constant(name: str, what: str) -> None:
    raise ValueError(
        f"{name} is constant (all {name}.shape[0] rows are identical), so its centred Gram matrix "
        f"is zero and {what} is 0/0, i.e. undefined. A constant representation carries no "
        "information about the samples; check the layer or drop it (a constant column is fine)."
    )


class _Rep:
    """One prepared input: centred features (linear kernel) and/or a Gram matrix."""

    def __init__(self, feats=None, K=None):
        self.feats = feats
        self.K = K

    def gram(self) -> torch.Tensor:
        if self.K is None:
            self.K = self.feats @ self.feats.T
        return self.K


def _prepare(X, Y, kernel, route, bandwidth, sigma, median, names=("X", "Y"), centre=True):
    """Return two _Rep objects and the chosen route ("features" or "samples")."""
    check_choice(route, "route", ROUTES)
    n, d1, d2 = X.shape[0], X.shape[1], Y.shape[1]
    if isinstance(kernel, str) and kernel == "precomputed":
        for M, nm in ((X, names[0]), (Y, names[1])):
            if M.shape[0] != M.shape[1]:
                raise ValueError(
                    f"kernel='precomputed' needs square (n, n) Gram matrices; {nm} has shape "
                    f"{tuple(M.shape)}."
                )
            if not torch.allclose(M, M.T, rtol=1e-10, atol=1e-12 * float(M.abs().max())):
                raise ValueError(f"kernel='precomputed' needs a symmetric Gram matrix; {nm} is not symmetric.")
        if route == "features":
            raise ValueError("route='features' needs kernel='linear'; precomputed Grams use route='samples'.")
        return _Rep(K=X), _Rep(K=Y), "samples"
    if isinstance(kernel, str) and kernel == "linear":
        if route == "auto":
            route = "features" if n > d1 + d2 else "samples"
        Xc = X - X.mean(dim=0, keepdim=True) if centre else X
        Yc = Y - Y.mean(dim=0, keepdim=True) if centre else Y
        return _Rep(feats=Xc), _Rep(feats=Yc), route
    if route == "features":
        raise ValueError(f"route='features' needs kernel='linear', not kernel={kernel!r}; use route='auto'.")
    return (
        _Rep(K=_gram(X, kernel, bandwidth, sigma, median, names[0])),
        _Rep(K=_gram(Y, kernel, bandwidth, sigma, median, names[1])),
        "samples",
    )


def _hsic_biased(a: _Rep, b: _Rep, route: str) -> torch.Tensor:
    if route == "features":
        n = a.feats.shape[0]
        return cross_fro2(a.feats, b.feats) / (n - 1) ** 2
    K, L = a.gram(), b.gram()
    n = K.shape[0]
    if a.feats is not None and b.feats is not None:  # Grams of centred features are centred
        return (K * L).sum() / (n - 1) ** 2
    return (_center(K) * _center(L)).sum() / (n - 1) ** 2


def _hsic_unbiased(a: _Rep, b: _Rep, route: str, with_scale: bool = False):
    if route == "features":
        X, Y = a.feats, b.feats
        n = X.shape[0]
        r, s = (X * X).sum(dim=1), (Y * Y).sum(dim=1)
        ax, by = X.sum(dim=0), Y.sum(dim=0)
        tr = cross_fro2(X, Y) - (r * s).sum()
        sk = (ax * ax).sum() - r.sum()
        sl = (by * by).sum() - s.sum()
        k1 = X @ ax - r
        l1 = Y @ by - s
        kl = (k1 * l1).sum()
    else:
        K, L = a.gram(), b.gram()
        n = K.shape[0]
        Kt = K - torch.diag(torch.diagonal(K))
        Lt = L - torch.diag(torch.diagonal(L))
        tr = (Kt * Lt).sum()
        k1, l1 = Kt.sum(dim=1), Lt.sum(dim=1)
        sk, sl = k1.sum(), l1.sum()
        kl = (k1 * l1).sum()
    value = (tr + sk * sl / ((n - 1) * (n - 2)) - 2.0 * kl / (n - 2)) / (n * (n - 3))
    if with_scale:  # the size of the summed terms, to tell a rounding-level zero from a value
        scale = (tr.abs() + (sk * sl).abs() / ((n - 1) * (n - 2)) + 2.0 * kl.abs() / (n - 2)) / (n * (n - 3))
        return value, scale
    return value


def _hsic(a, b, route, estimator):
    return _hsic_biased(a, b, route) if estimator == "biased" else _hsic_unbiased(a, b, route)


#: an unbiased self-HSIC smaller than this times the size of its terms is zero up to rounding
_ZERO_REL = 1e-12


def _check_estimator(estimator, n, names=("X", "Y")):
    check_choice(estimator, "estimator", ESTIMATORS)
    if estimator == "unbiased" and n < 4:
        raise ValueError(
            f"estimator='unbiased' needs n >= 4 paired rows (it divides by n(n-3)(n-2)); "
            f"{names[0]} and {names[1]} have n={n}. Use more samples or estimator='biased'."
        )
    if n < 2:
        raise ValueError(f"{names[0]} and {names[1]} have n={n} rows; HSIC needs n >= 2.")


def hsic(X, Y, kernel="linear", estimator="biased", *, bandwidth=1.0, sigma=None, median="all",
         route="auto", dtype=None):
    r"""Hilbert–Schmidt independence criterion between paired representations.

    ``estimator="biased"``: :math:`\operatorname{tr}(KHLH)/(n-1)^2` (Gretton et al. 2005).
    ``estimator="unbiased"``: Song et al. (2012)'s U-statistic (see the module docstring; may be
    negative; needs :math:`n \ge 4`). ``kernel`` is ``"linear"``, ``"rbf"``, ``"distance"``, a
    callable or ``"precomputed"`` (see :func:`~alignbook.measures.gram`). For the linear kernel
    ``route="features"`` uses only :math:`d\times d` products (the default when
    :math:`n > d_1 + d_2`), ``"samples"`` the :math:`n\times n` Grams; both agree to rounding.

    NumPy in: a Python float. torch in: a 0-d tensor on the input's device, differentiable.
    """
    X, Y, ctx = as_pair(X, Y, dtype=dtype)
    _check_estimator(estimator, X.shape[0])
    a, b, route = _prepare(X, Y, kernel, route, bandwidth, sigma, median)
    return finish(_hsic(a, b, route, estimator), ctx)


def _scale_free(kernel, sigma) -> bool:
    """Whether the kernel makes CKA/KA invariant to rescaling each input (so inputs may be
    rescaled by exact powers of two against overflow): linear, distance, precomputed (each Gram
    may be rescaled), and RBF with the median bandwidth (not with a fixed ``sigma``)."""
    if callable(kernel):
        return False
    return kernel in ("linear", "distance", "precomputed") or (kernel == "rbf" and sigma is None)


def _refuse_constant(X, Y, kernel, what):
    """A constant input has a zero centred Gram for every kernel computed from features."""
    if not (isinstance(kernel, str) and kernel == "precomputed") and not callable(kernel):
        for M, nm in ((X, "X"), (Y, "Y")):
            if _is_constant(M):
                _raise_constant(nm, what)


def _normalised(X, Y, kernel, estimator, route, bandwidth, sigma, median, what):
    _refuse_constant(X, Y, kernel, what)
    a, b, route = _prepare(X, Y, kernel, route, bandwidth, sigma, median)
    hxy = _hsic(a, b, route, estimator)
    if estimator == "unbiased":
        (hxx, sx), (hyy, sy) = _hsic_unbiased(a, a, route, True), _hsic_unbiased(b, b, route, True)
    else:
        hxx, hyy = _hsic(a, a, route, estimator), _hsic(b, b, route, estimator)
        sx = sy = torch.zeros((), dtype=hxx.dtype, device=hxx.device)
    for h, sc, nm in ((hxx, sx, "X"), (hyy, sy, "Y")):
        if not bool(h > _ZERO_REL * sc):
            if estimator == "unbiased":
                raise ValueError(
                    f"the unbiased self-HSIC of {nm} is {float(h):.3g}, i.e. <= 0 up to rounding "
                    f"(its terms are of size {float(sc):.3g}), so unbiased {what} (which divides by "
                    "its square root) is undefined for these samples. Use estimator='biased' or "
                    "more samples."
                )
            if float(h) == 0.0:
                raise ValueError(
                    f"the centred Gram matrix of {nm} is zero, so {what} is 0/0 (undefined); "
                    f"{nm} carries no information about the samples."
                )
            raise ValueError(
                f"the biased self-HSIC of {nm} is {float(h):.3g} < 0, so its Gram matrix is not "
                "positive semi-definite; pass a valid (PSD) kernel."
            )
    return hxy / torch.sqrt(hxx * hyy)


def cka(X, Y, kernel="linear", estimator="biased", *, bandwidth=1.0, sigma=None, median="all",
        route="auto", dtype=None):
    r"""Centred kernel alignment (Kornblith et al. 2019; Cortes et al. 2012).

    .. math:: \mathrm{CKA}(X, Y) = \frac{\mathrm{HSIC}(K, L)}{\sqrt{\mathrm{HSIC}(K, K)\,\mathrm{HSIC}(L, L)}}

    with the same estimator in numerator and denominator. With the biased estimator it equals
    :math:`\langle HKH, HLH\rangle_F / (\|HKH\|_F\|HLH\|_F)`; for the linear kernel
    :math:`\|X^\top Y\|_F^2/(\|X^\top X\|_F\|Y^\top Y\|_F)` on centred inputs (the RV
    coefficient). The unbiased ("debiased") version can be negative and is not clamped.
    ``kernel``: ``"linear"``, ``"rbf"`` (:math:`\sigma` = ``bandwidth`` x median distance of
    each input, Kornblith's convention; see :func:`~alignbook.measures.median_bandwidth`),
    ``"distance"``, a callable, or ``"precomputed"``. Self-similarity is exactly 1.

    Raises ``ValueError`` for a constant input (0/0), for ``n < 4`` with
    ``estimator="unbiased"``, and when an unbiased self-HSIC is :math:`\le 0`.
    NumPy in: a float; torch in: a differentiable 0-d tensor on the input's device.
    """
    X, Y, ctx = as_pair(X, Y, dtype=dtype, rescale=_scale_free(kernel, sigma))
    _check_estimator(estimator, X.shape[0])
    return finish(_normalised(X, Y, kernel, estimator, route, bandwidth, sigma, median, "CKA"), ctx)


def cka_permutation_mean(X, Y, kernel="linear", estimator="biased", *, bandwidth=1.0, sigma=None,
                         median="all", route="auto", dtype=None):
    r"""Exact mean of CKA over all :math:`n!` row permutations of ``Y``: the permutation null's centre.

    With :math:`\bar K = HKH`, :math:`\bar L = HLH` and :math:`P` a uniformly random permutation,

    .. math:: \mathbb E_P\,\mathrm{CKA}_b(K, PLP^\top) = \frac{\operatorname{tr}\bar K\,\operatorname{tr}\bar L}
              {(n-1)\,\|\bar K\|_F\,\|\bar L\|_F},
       \qquad \mathbb E_P\,\mathrm{CKA}_u(K, PLP^\top) = 0

    (book: ``prop-cka-permutation-null``). For the linear kernel the first is
    :math:`\sqrt{\beta_X\beta_Y}/(n-1)` with :math:`\beta = (\sum\lambda_i)^2/\sum\lambda_i^2` the
    effective rank of the centred covariance, computed from :math:`d\times d` products. So
    ``cka(X, Y) - cka_permutation_mean(X, Y)`` is the calibrated score of
    :func:`alignbook.scale.calibrated_score` in the limit of infinitely many permutations, at the
    cost of one CKA. Same options, validation and errors as :func:`cka` (the RBF median
    bandwidth does not change under permutation).
    """
    X, Y, ctx = as_pair(X, Y, dtype=dtype, rescale=_scale_free(kernel, sigma))
    _check_estimator(estimator, X.shape[0])
    if estimator == "unbiased":  # defined exactly when the unbiased CKA is; its null mean is 0
        value = _normalised(X, Y, kernel, estimator, route, bandwidth, sigma, median, "CKA")
        return finish(torch.zeros_like(value), ctx)
    _refuse_constant(X, Y, kernel, "CKA")
    a, b, route = _prepare(X, Y, kernel, route, bandwidth, sigma, median)
    n = X.shape[0]
    parts = []
    for rep, nm in ((a, "X"), (b, "Y")):
        if route == "features":
            tr, fro = (rep.feats * rep.feats).sum(), torch.sqrt(gram_fro2(rep.feats))
        else:
            Kc = rep.gram() if rep.feats is not None else _center(rep.gram())
            tr, fro = torch.diagonal(Kc).sum(), torch.sqrt((Kc * Kc).sum())
        if not bool(fro > 0):
            raise ValueError(f"the centred Gram matrix of {nm} is zero, so CKA is 0/0 (undefined).")
        parts.append(tr / fro)
    return finish(parts[0] * parts[1] / (n - 1), ctx)


def kernel_alignment(X, Y, kernel="linear", centered=False, *, bandwidth=1.0, sigma=None,
                     median="all", route="auto", dtype=None):
    r"""Kernel alignment of Cristianini et al. (2001).

    .. math:: \mathrm{KA}(K, L) = \frac{\langle K, L\rangle_F}{\|K\|_F\,\|L\|_F}

    uncentred by default; ``centered=True`` gives CKA (biased estimator). For the linear kernel
    the feature route uses :math:`\langle K, L\rangle_F = \|X^\top Y\|_F^2` and
    :math:`\|K\|_F = \|X^\top X\|_F` on the raw (uncentred) inputs. Uncentred KA is not
    translation invariant. Raises ``ValueError`` when a Gram matrix is zero.
    """
    X, Y, ctx = as_pair(X, Y, dtype=dtype, rescale=_scale_free(kernel, sigma))
    if centered:
        _check_estimator("biased", X.shape[0])
        return finish(_normalised(X, Y, kernel, "biased", route, bandwidth, sigma, median, "CKA"), ctx)
    a, b, route = _prepare(X, Y, kernel, route, bandwidth, sigma, median, centre=False)
    if route == "features":
        kxy, kxx, kyy = cross_fro2(a.feats, b.feats), gram_fro2(a.feats), gram_fro2(b.feats)
    else:
        K, L = a.gram(), b.gram()
        kxy, kxx, kyy = (K * L).sum(), _fro2(K), _fro2(L)
    for k, nm in ((kxx, "X"), (kyy, "Y")):
        if not bool(k > 0):
            raise ValueError(f"the Gram matrix of {nm} is zero (e.g. {nm} is all zeros), so KA is 0/0, undefined.")
    return finish(kxy / torch.sqrt(kxx * kyy), ctx)


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
    """
    X, Y, ctx = as_pair(X, Y, dtype=dtype, rescale=True)
    _check_estimator(estimator, X.shape[0])
    r2 = _normalised(X, Y, "distance", estimator, "samples", 1.0, None, "all", "distance correlation")
    return dcor_from_squared(r2, estimator, squared, ctx)


def dcor_from_squared(r2, estimator, squared, ctx):
    """Finish a distance correlation from its square (shared with the chunked route)."""
    if squared:
        return finish(r2, ctx)
    if not bool(r2 >= 0):
        raise ValueError(
            f"the {estimator} squared distance correlation is {float(r2):.3g} < 0, so its square "
            "root is undefined; pass squared=True to get the (legitimately negative) value."
        )
    return finish(torch.sqrt(r2), ctx)


def distance_alignment(X, Y, *, route="auto", dtype=None):
    r"""Distance alignment of Insulla et al. (2025) on the empirical measure.

    .. math:: D(X, Y) = \frac1{n^2}\sum_{i,j}\big(\|x_i - x_j\|^2 - \|y_i - y_j\|^2\big)^2

    (0 when the two point clouds have identical squared distances; a distance, not
    scale invariant). Feature route (:math:`n > d_1 + d_2`), on centred inputs with
    :math:`a_i = \|x_i\|^2 - \|y_i\|^2` and :math:`G = XX^\top - YY^\top`:
    :math:`n^2 D = 2n\sum_i a_i^2 + 2(\sum_i a_i)^2 - 8a^\top G\mathbf 1
    + 4(\|X^\top X\|_F^2 + \|Y^\top Y\|_F^2 - 2\|X^\top Y\|_F^2)`, with
    :math:`G\mathbf 1 = X(X^\top\mathbf 1) - Y(Y^\top\mathbf 1)`. That route subtracts terms of
    size :math:`\|X^\top X\|_F^2`, so its absolute error is about
    :math:`10^{-16}\|X^\top X\|_F^2/n^2`; force ``route="samples"`` for small D on large inputs.
    """
    X, Y, ctx = as_pair(X, Y, dtype=dtype)
    check_choice(route, "route", ROUTES)
    n, d1, d2 = X.shape[0], X.shape[1], Y.shape[1]
    if route == "auto":
        route = "features" if n > d1 + d2 else "samples"
    Xc = X - X.mean(dim=0, keepdim=True)
    Yc = Y - Y.mean(dim=0, keepdim=True)
    if route == "samples":
        diff = sq_distances(Xc) - sq_distances(Yc)
        return finish(_fro2(diff) / n**2, ctx)
    a = (Xc * Xc).sum(dim=1) - (Yc * Yc).sum(dim=1)
    g1 = Xc @ Xc.sum(dim=0) - Yc @ Yc.sum(dim=0)
    total = (
        2 * n * (a * a).sum()
        + 2 * a.sum() ** 2
        - 8 * (a * g1).sum()
        + 4 * (_fro2(Xc.T @ Xc) + _fro2(Yc.T @ Yc) - 2 * _fro2(Xc.T @ Yc))
    )
    return finish(total / n**2, ctx)
