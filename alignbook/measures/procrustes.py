r"""Orthogonal Procrustes alignment and the Procrustes (shape) distances.

For centred :math:`X\in\mathbb R^{n\times d_1}`, :math:`Y\in\mathbb R^{n\times d_2}` let
:math:`X^\top Y = U\Sigma V^\top` be a thin SVD (:math:`k = \min(d_1, d_2)` columns). Then
:math:`W = UV^\top` (:math:`d_1\times d_2`) solves

.. math:: \min_{W}\ \|XW - Y\|_F \quad\text{over } W\text{ with orthonormal rows }(d_1\le d_2)
   \text{ or columns }(d_1 > d_2),

and the narrower input embedded isometrically in the wider space (zero-padding, as in
Williams et al. 2021) gives :math:`\min_Q\|XQ - Y\|_F^2 = \|X\|_F^2 + \|Y\|_F^2 - 2\|X^\top Y\|_*`
(Schönemann 1966). With unit-Frobenius inputs :math:`\hat X, \hat Y` the nuclear norm
:math:`\nu = \|\hat X^\top\hat Y\|_*\in[0,1]` is the cosine of the Procrustes angle.
"""
from __future__ import annotations

import torch

from .._validate import as_matrix, as_pair, check_choice, finish, finish_array

__all__ = ["Procrustes", "procrustes_distance"]

KINDS = ("angular", "euclidean", "disparity")


def _stiefel(M: torch.Tensor) -> torch.Tensor:
    """W = U V^T from the thin SVD of M (the orthonormal polar factor, d1 x d2)."""
    U, _, Vh = torch.linalg.svd(M, full_matrices=False)
    return U @ Vh


def _unit(X: torch.Tensor, name: str, center: bool) -> torch.Tensor:
    Xc = X - X.mean(dim=0, keepdim=True) if center else X
    nrm = torch.linalg.matrix_norm(Xc)
    if not bool(nrm > 0):
        raise ValueError(
            f"{name} is {'constant (all rows identical)' if center else 'all zeros'}, so it cannot "
            "be normalised to unit Frobenius norm and the Procrustes distance is undefined."
        )
    return Xc / nrm


def procrustes_distance(X, Y, kind="angular", *, center=True, dtype=None):
    r"""Procrustes distance between two representations (the shape metric of Williams et al. 2021).

    Inputs are centred (``center=True``) and scaled to unit Frobenius norm; with
    :math:`e = \min_Q\|\hat XQ - \hat Y\|_F = \sqrt{2 - 2\nu}` and :math:`\nu = \|\hat X^\top\hat Y\|_*`:

    * ``"angular"``: :math:`\arccos\nu = 2\arcsin(e/2)` (a metric on shapes, in :math:`[0, \pi/2]`);
    * ``"euclidean"``: :math:`e` (in :math:`[0, \sqrt2]`);
    * ``"disparity"``: :math:`1 - \nu^2` (SciPy's ``procrustes`` disparity).

    :math:`e` is computed as the norm of the fitted residual (the narrower input mapped into the
    wider space by the Procrustes map), never as :math:`\sqrt{2-2\nu}`, which loses half the
    digits near 0 and can be the root of a rounding-negative number. Invariant to orthogonal
    maps, isotropic scaling and (with centring) translation of either input; symmetric.
    Cost :math:`O(n d_1 d_2 + d_1 d_2\min(d_1, d_2))`.
    """
    X, Y, ctx = as_pair(X, Y, dtype=dtype, rescale=True)
    check_choice(kind, "kind", KINDS)
    Xh, Yh = _unit(X, "X", center), _unit(Y, "Y", center)
    if Xh.shape[1] > Yh.shape[1]:
        Xh, Yh = Yh, Xh
    W = _stiefel(Xh.T @ Yh)  # d1 <= d2: orthonormal rows, so ||Xh W|| = ||Xh|| = 1
    e = torch.linalg.matrix_norm(Xh @ W - Yh)
    if kind == "euclidean":
        out = e
    elif kind == "angular":
        out = 2.0 * torch.arcsin(e / 2.0)
    else:
        out = e * e * (1.0 - e * e / 4.0)  # 1 - nu^2 with nu = 1 - e^2/2
    return finish(out, ctx)


class Procrustes:
    r"""Fitted orthogonal Procrustes map from ``X``'s space to ``Y``'s (sklearn-style).

    ``fit(X, Y)`` stores the means :math:`\mu_X, \mu_Y` (if ``center``), the map
    :math:`W = UV^\top` from the thin SVD :math:`X_c^\top Y_c = U\Sigma V^\top` (orthonormal rows
    when :math:`d_1 \le d_2`, an isometric embedding; orthonormal columns otherwise, the
    zero-padding solution), and with ``scale=True`` the optimal isotropic scale
    :math:`s = \|X_c^\top Y_c\|_*/\|X_c\|_F^2` (else :math:`s = 1`).

    ``transform(X)`` returns :math:`s(X - \mu_X)W + \mu_Y`; ``score(X, Y)`` returns the
    alignment cosine :math:`\langle (X-\mu_X)W, Y-\mu_Y\rangle_F/(\|X-\mu_X\|_F\|Y-\mu_Y\|_F)`
    (higher is better; on the fitting data it equals :math:`\nu` in
    :func:`procrustes_distance`), so the fitted map can be scored on held-out rows;
    ``residual(X, Y)`` returns :math:`\|\mathrm{transform}(X) - Y\|_F` (for :math:`d_1 \le d_2`
    and ``scale=False`` its square is the optimum :math:`\|X_c\|^2+\|Y_c\|^2-2\|X_c^\top Y_c\|_*`;
    for :math:`d_1 > d_2` the map is the zero-padding solution and the residual leaves out the
    part of :math:`X` it projects away).
    Fitted attributes: ``W_``, ``mean_x_``, ``mean_y_``, ``scale_``, ``singular_values_``.
    """

    def __init__(self, center: bool = True, scale: bool = False, *, dtype=None):
        self.center = bool(center)
        self.scale = bool(scale)
        self.dtype = dtype

    def fit(self, X, Y):
        Xt, Yt, ctx = as_pair(X, Y, dtype=self.dtype)
        mx = Xt.mean(dim=0, keepdim=True) if self.center else torch.zeros_like(Xt[:1])
        my = Yt.mean(dim=0, keepdim=True) if self.center else torch.zeros_like(Yt[:1])
        Xc, Yc = Xt - mx, Yt - my
        if not bool(torch.linalg.matrix_norm(Xc) > 0):
            raise ValueError("X is constant (centred X is zero); the Procrustes map is undefined.")
        U, S, Vh = torch.linalg.svd(Xc.T @ Yc, full_matrices=False)
        self._W = U @ Vh
        self._scale = S.sum() / (Xc * Xc).sum() if self.scale else torch.ones((), dtype=Xt.dtype, device=Xt.device)
        self._mx, self._my = mx, my
        # public fitted attributes follow the input type (NumPy arrays / floats, or tensors)
        self.W_ = finish_array(self._W, ctx)
        self.singular_values_ = finish_array(S, ctx)
        self.scale_ = finish(self._scale, ctx)
        self.mean_x_, self.mean_y_ = finish_array(mx[0], ctx), finish_array(my[0], ctx)
        self._d = (Xt.shape[1], Yt.shape[1])
        return self

    def _check_fitted(self):
        if not hasattr(self, "_W"):
            raise RuntimeError("this Procrustes object is not fitted yet; call fit(X, Y) first.")

    def _as(self, X, name, d):
        Xt, ctx = as_matrix(X, name, dtype=self.dtype)
        if Xt.shape[1] != d:
            raise ValueError(f"{name} has {Xt.shape[1]} columns but the map was fitted with {d}.")
        if Xt.device != self._W.device:
            raise ValueError(f"{name} is on {Xt.device} but the map was fitted on {self._W.device}.")
        return Xt, ctx

    def transform(self, X):
        self._check_fitted()
        Xt, ctx = self._as(X, "X", self._d[0])
        return finish_array(self._scale * (Xt - self._mx) @ self._W + self._my, ctx)

    def fit_transform(self, X, Y):
        return self.fit(X, Y).transform(X)

    def score(self, X, Y):
        self._check_fitted()
        Xt, ctx = self._as(X, "X", self._d[0])
        Yt, _ = self._as(Y, "Y", self._d[1])
        A = (Xt - self._mx) @ self._W
        B = Yt - self._my
        den = torch.linalg.matrix_norm(Xt - self._mx) * torch.linalg.matrix_norm(B)
        if not bool(den > 0):
            raise ValueError("X or Y is constant after removing the fitted means; the score is 0/0.")
        return finish((A * B).sum() / den, ctx)

    def residual(self, X, Y):
        self._check_fitted()
        Yt, _ = self._as(Y, "Y", self._d[1])
        Xt, ctx = self._as(X, "X", self._d[0])
        return finish(torch.linalg.matrix_norm(self._scale * (Xt - self._mx) @ self._W + self._my - Yt), ctx)
