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

**n-by-n route** (chosen automatically when both widths exceed :math:`n`): with the thin SVDs
:math:`X = U_XS_XV_X^\top`, :math:`Y = U_YS_YV_Y^\top` (rank :math:`\le n`),
:math:`X^\top Y = V_X(S_XU_X^\top U_YS_Y)V_Y^\top`, so the SVD of the small matrix
:math:`B = S_XU_X^\top U_YS_Y = P\Sigma Q^\top` gives :math:`\Sigma` and the map on the span of the
data, :math:`V_XPQ^\top V_Y^\top`, in :math:`O(n^2(d_1 + d_2))` instead of
:math:`O(nd_1d_2 + d_1d_2\min(d_1, d_2))`. Where :math:`X^\top Y` has rank below
:math:`\min(d_1, d_2)` (always when :math:`d > n`) the optimal map is unique only on that span;
:class:`.Procrustes` completes it to an isometry by pairing the Householder bases of the two
complements (any completion is optimal; this one is canonical and cheap).
"""
from __future__ import annotations

import torch

from ..core.guards import (
    as_matrix,
    as_pair,
    check_bool,
    check_choice,
    finish,
    finish_array,
    pow2_scaled,
    refuse_constants,
    renamed_keywords,
    scale_back,
)
from ..core.linalg import numerical_rank, thin_svd
from ..core.linear import PROCRUSTES_METRICS, procrustes_finish

__all__ = ["Procrustes", "procrustes_distance"]


def _unit(X: torch.Tensor, name: str, center: bool) -> torch.Tensor:
    Xc = X - X.mean(dim=0, keepdim=True) if center else X
    nrm = torch.linalg.matrix_norm(Xc)
    if not bool(nrm > 0):
        raise ValueError(
            f"{name} is all zeros, so it cannot be normalised to unit Frobenius norm and the "
            "Procrustes distance is undefined."
        )
    return Xc / nrm


ROUTES = ("auto", "features", "samples")


def _n_route(route: str, n: int, d1: int, d2: int) -> bool:
    """Whether to take the n-by-n route: ``route="samples"``, or ``"auto"`` with both widths above n."""
    check_choice(route, "route", ROUTES)
    return route == "samples" or (route == "auto" and min(d1, d2) > n)


def _residual(Xh: torch.Tensor, Yh: torch.Tensor, route: str) -> torch.Tensor:
    """``min ||Xh W - Yh||_F`` over admissible W, computed from the fitted residual (not from nu)."""
    n, d1, d2 = Xh.shape[0], Xh.shape[1], Yh.shape[1]
    if _n_route(route, n, d1, d2):
        Ux, Sx, _ = thin_svd(Xh)
        Uy, Sy, _ = thin_svd(Yh)
        if Sx.numel() > Sy.numel():  # the distance is symmetric: embed the lower-rank one
            Ux, Sx, Uy, Sy = Uy, Sy, Ux, Sx
        P, _, Qh = torch.linalg.svd(Sx[:, None] * (Ux.T @ Uy) * Sy[None, :], full_matrices=False)
        return torch.linalg.matrix_norm((Ux * Sx) @ (P @ Qh) - Uy * Sy)
    if d1 > d2:
        Xh, Yh = Yh, Xh
    U, _, Vh = torch.linalg.svd(Xh.T @ Yh, full_matrices=False)
    return torch.linalg.matrix_norm(Xh @ (U @ Vh) - Yh)  # orthonormal rows: ||Xh W|| = ||Xh|| = 1


@renamed_keywords(kind="metric")
def procrustes_distance(X, Y, metric="angular", *, center=True, route="auto", dtype=None):
    r"""Procrustes distance between two representations (the shape metric of Williams et al. 2021).

    Inputs are centred (``center=True``) and scaled to unit Frobenius norm; with
    :math:`e = \min_Q\|\hat XQ - \hat Y\|_F = \sqrt{2 - 2\nu}` and :math:`\nu = \|\hat X^\top\hat Y\|_*`:

    * ``metric="angular"``: :math:`\arccos\nu = 2\arcsin(e/2)` (a metric on shapes, in :math:`[0, \pi/2]`);
    * ``"euclidean"``: :math:`e` (in :math:`[0, \sqrt2]`);
    * ``"disparity"``: :math:`1 - \nu^2` (SciPy's ``procrustes`` disparity).

    :math:`e` is computed as the norm of the fitted residual (the narrower input mapped into the
    wider space by the Procrustes map), never as :math:`\sqrt{2-2\nu}`, which loses half the
    digits near 0 and can be the root of a rounding-negative number. Invariant to orthogonal
    maps, isotropic scaling and (with centring) translation of either input; symmetric.
    Cost :math:`O(n d_1 d_2 + d_1 d_2\min(d_1, d_2))` (``route="features"``), or
    :math:`O(n^2(d_1 + d_2))` by the n-by-n route (``"samples"``); ``"auto"`` takes the latter when
    both widths exceed :math:`n`. Both give the same value to rounding.


    Parameters
    ----------
    X, Y : array-like or torch.Tensor
        Paired representations, shapes ``(n, d1)`` and ``(n, d2)`` (both NumPy-like or both tensors
        on one device).
    metric : {"angular", "euclidean", "disparity"}
        Which distance (see above).
    center : bool
        Remove the column means first.
    route : {"auto", "features", "samples"}
        The d-by-d SVD or the n-by-n route.
    dtype : None or "float32"
        Computation precision (float64 by default).

    Returns
    -------
    float or torch.Tensor
        In [0, pi/2] (angular), [0, sqrt 2] (euclidean) or [0, 1] (disparity).

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> g = np.random.default_rng(0)
    >>> X = g.normal(size=(50, 4))
    >>> Q, _ = np.linalg.qr(g.normal(size=(4, 4)))
    >>> ab.procrustes_distance(X, 3 * X @ Q + 1) < 1e-7
    True
    >>> from scipy.spatial import procrustes
    >>> Z = g.normal(size=(50, 4))
    >>> bool(abs(ab.procrustes_distance(X, Z, metric="disparity") - procrustes(X, Z)[2]) < 1e-12)
    True
    """
    center = check_bool(center, "center")
    X, Y, ctx = as_pair(X, Y, dtype=dtype, rescale=True)
    if metric not in PROCRUSTES_METRICS:
        procrustes_finish(torch.zeros(()), metric)  # raises the standard message
    check_choice(route, "route", ROUTES)
    if center:
        refuse_constants(((X, "X"), (Y, "Y")), "the Procrustes distance")
    e = _residual(_unit(X, "X", center), _unit(Y, "Y", center), route)
    return finish(procrustes_finish(e, metric), ctx, "the Procrustes distance")


def _polar_map(Xc: torch.Tensor, Yc: torch.Tensor, route: str):
    """``(W, singular values)`` of the orthogonal Procrustes map from the centred inputs."""
    n, d1, d2 = Xc.shape[0], Xc.shape[1], Yc.shape[1]
    if not _n_route(route, n, d1, d2):
        U, S, Vh = torch.linalg.svd(Xc.T @ Yc, full_matrices=False)
        return U @ Vh, S
    # n-by-n route: the SVD of X'Y from the thin SVDs of X and Y, then an isometric completion
    Ux, Sx, Vx = thin_svd(Xc)
    Uy, Sy, Vy = thin_svd(Yc)
    P, S, Qh = torch.linalg.svd(Sx[:, None] * (Ux.T @ Uy) * Sy[None, :], full_matrices=False)
    A, B = Vx @ P, Vy @ Qh.T  # X'Y = A diag(S) B^T with orthonormal A (d1 x k), B (d2 x k)
    k = A.shape[1]
    m = min(d1, d2)
    Hx, Dx = _householder_basis(A, d1)
    Hy, Dy = _householder_basis(B, d2)
    c = torch.ones(m, dtype=Xc.dtype, device=Xc.device)
    c[:k] = Dx * Dy  # first k columns of Hx, Hy are A, B up to signs
    W = (Hx[:, :m] * c) @ Hy[:, :m].T
    S_full = torch.zeros(m, dtype=Xc.dtype, device=Xc.device)
    S_full[:k] = S[:k]
    return W, S_full


def _householder_basis(A: torch.Tensor, d: int):
    """An orthogonal ``d x d`` matrix whose first columns are ``A`` (orthonormal) up to the signs ``D``."""
    a, tau = torch.geqrf(A)
    H = torch.linalg.householder_product(
        torch.cat([a, torch.zeros((d, d - a.shape[1]), dtype=a.dtype, device=a.device)], dim=1),
        torch.cat([tau, torch.zeros(d - tau.shape[0], dtype=tau.dtype, device=tau.device)]),
    )
    D = torch.sign(torch.diagonal(a[: a.shape[1]]))  # A = H[:, :k] R with R = diag(+-1) for orthonormal A
    return H, D


class Procrustes:
    r"""Fitted orthogonal Procrustes map from ``X``'s space to ``Y``'s (sklearn-style).

    ``fit(X, Y)`` stores the means :math:`\mu_X, \mu_Y` (if ``center``), the map
    :math:`W = UV^\top` from the thin SVD :math:`X_c^\top Y_c = U\Sigma V^\top` (orthonormal rows
    when :math:`d_1 \le d_2`, an isometric embedding; orthonormal columns otherwise, the
    zero-padding solution), and with ``scaling=True`` the optimal isotropic scale
    :math:`s = \|X_c^\top Y_c\|_*/\|X_c\|_F^2` (else :math:`s = 1`). When both widths exceed the
    number of rows, the n-by-n route of the module docstring is used (``route="auto"``; force it
    with ``"samples"`` or the d-by-d SVD with ``"features"``; same fitted values to rounding, and
    where the map is not unique outside the span of the data, a canonical completion).

    ``transform(X)`` returns :math:`s(X - \mu_X)W + \mu_Y`; ``score(X, Y)`` returns the
    alignment cosine :math:`\langle (X-\mu_X)W, Y-\mu_Y\rangle_F/(\|X-\mu_X\|_F\|Y-\mu_Y\|_F)`
    (higher is better; on the fitting data it equals :math:`\nu` in
    :func:`.procrustes_distance`), so the fitted map can be scored on held-out rows;
    ``residual(X, Y)`` returns :math:`\|\mathrm{transform}(X) - Y\|_F` (for :math:`d_1 \le d_2`
    and ``scaling=False`` its square is the optimum :math:`\|X_c\|^2+\|Y_c\|^2-2\|X_c^\top Y_c\|_*`;
    for :math:`d_1 > d_2` the map is the zero-padding solution and the residual leaves out the
    part of :math:`X` it projects away).
    Fitted attributes: ``W_``, ``mean_x_``, ``mean_y_``, ``scaling_``, ``singular_values_``.

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> g = np.random.default_rng(0)
    >>> X = g.normal(size=(40, 3))
    >>> Q, _ = np.linalg.qr(g.normal(size=(3, 3)))
    >>> p = ab.Procrustes(scaling=True).fit(X, 2.5 * X @ Q + 1.0)
    >>> bool(np.allclose(p.W_, Q)), round(p.scaling_, 12), round(p.score(X, 2.5 * X @ Q + 1.0), 12)
    (True, 2.5, 1.0)
    """

    @renamed_keywords(scale="scaling")
    def __init__(self, center: bool = True, scaling: bool = False, *, route: str = "auto", dtype=None):
        self.center = check_bool(center, "center")
        self.scaling = check_bool(scaling, "scaling")
        self.route = check_choice(route, "route", ROUTES)
        self.dtype = dtype

    def fit(self, X, Y):
        """Fit the map on paired rows ``X`` (n, d1), ``Y`` (n, d2); returns ``self``."""
        Xt, Yt, ctx = as_pair(X, Y, dtype=self.dtype)
        mx = Xt.mean(dim=0, keepdim=True) if self.center else torch.zeros_like(Xt[:1])
        my = Yt.mean(dim=0, keepdim=True) if self.center else torch.zeros_like(Yt[:1])
        Xc, Yc = Xt - mx, Yt - my
        if self.center:
            refuse_constants(((Xt, "X"),), "the Procrustes map")
        Xs, ex = pow2_scaled(Xc)
        Ys, ey = pow2_scaled(Yc)
        if not bool(torch.linalg.matrix_norm(Xs) > 0):
            raise ValueError("X is all zeros; the Procrustes map is undefined.")
        W, S = _polar_map(Xs, Ys, self.route)
        self._W = W
        if self.scaling:  # s = ||Xc'Yc||_* / ||Xc||^2, exactly rescaled
            self._scale = scale_back(S.sum() / (Xs * Xs).sum(), ey - ex)
        else:
            self._scale = torch.ones((), dtype=Xt.dtype, device=Xt.device)
        self._mx, self._my = mx, my
        # public fitted attributes follow the input type (NumPy arrays / floats, or tensors)
        self.W_ = finish_array(self._W, ctx, "the Procrustes map")
        self._S, self._S_exponent, self._ctx = S, ex + ey, ctx
        self.scaling_ = finish(self._scale, ctx, "the Procrustes scale")
        self.mean_x_, self.mean_y_ = finish_array(mx[0], ctx), finish_array(my[0], ctx)
        self._d = (Xt.shape[1], Yt.shape[1])
        self._numpy = ctx.numpy
        return self

    @property
    def singular_values_(self):
        r"""Singular values of :math:`X_c^\top Y_c` (raises a scaling error when they leave float64)."""
        self._check_fitted()
        return finish_array(scale_back(self._S, self._S_exponent), self._ctx, "the Procrustes singular values")

    def _check_fitted(self):
        if not hasattr(self, "_W"):
            raise RuntimeError("this Procrustes object is not fitted yet; call fit(X, Y) first.")

    def _as(self, X, name, d):
        if isinstance(X, torch.Tensor) == self._numpy:
            raise TypeError(f"{name} must be of the kind the map was fitted on "
                            f"({'NumPy arrays' if self._numpy else 'torch tensors'}).")
        Xt, ctx = as_matrix(X, name, dtype=self.dtype)
        if Xt.shape[1] != d:
            raise ValueError(f"{name} has {Xt.shape[1]} columns but the map was fitted with {d}.")
        if Xt.device != self._W.device:
            raise ValueError(f"{name} is on {Xt.device} but the map was fitted on {self._W.device}.")
        return Xt, ctx

    def transform(self, X):
        r"""Map rows of ``X`` into ``Y``'s space: :math:`s(X - \mu_X)W + \mu_Y`."""
        self._check_fitted()
        Xt, ctx = self._as(X, "X", self._d[0])
        return finish_array(self._scale * (Xt - self._mx) @ self._W + self._my, ctx, "Procrustes.transform")

    def fit_transform(self, X, Y):
        """``fit(X, Y).transform(X)``."""
        return self.fit(X, Y).transform(X)

    def score(self, X, Y):
        """The alignment cosine of the fitted map on rows ``X``, ``Y`` (in [-1, 1], higher is better)."""
        self._check_fitted()
        Xt, ctx = self._as(X, "X", self._d[0])
        Yt, _ = self._as(Y, "Y", self._d[1])
        if Xt.shape[0] != Yt.shape[0]:
            raise ValueError(f"X has {Xt.shape[0]} rows but Y has {Yt.shape[0]}; score needs paired rows.")
        A, _ = pow2_scaled(Xt - self._mx)
        B, _ = pow2_scaled(Yt - self._my)
        den = torch.linalg.matrix_norm(A) * torch.linalg.matrix_norm(B)
        if not bool(den > 0):
            raise ValueError("X or Y is constant after removing the fitted means; the score is 0/0.")
        return finish(((A @ self._W) * B).sum() / den, ctx, "Procrustes.score")

    def residual(self, X, Y):
        r""":math:`\|\mathrm{transform}(X) - Y\|_F` on paired rows."""
        self._check_fitted()
        Yt, _ = self._as(Y, "Y", self._d[1])
        Xt, ctx = self._as(X, "X", self._d[0])
        if Xt.shape[0] != Yt.shape[0]:
            raise ValueError(f"X has {Xt.shape[0]} rows but Y has {Yt.shape[0]}; residual needs paired rows.")
        R = self._scale * (Xt - self._mx) @ self._W + self._my - Yt
        Rs, e = pow2_scaled(R)
        return finish(scale_back(torch.linalg.matrix_norm(Rs), e), ctx, "Procrustes.residual")
