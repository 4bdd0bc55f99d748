r"""Alignment of a representation with a target: Imani et al.'s label alignment, its curve,
kernel–target alignment, and the spectral family that contains them.

Let :math:`\Phi = \sum_i\sigma_iu_iv_i^\top` be the thin SVD of the ``(n, k)`` representation
and :math:`y\in\mathbb R^n` the target (a 2-D ``(n, c)`` target sums over its columns:
:math:`(u_i^\top y)^2` becomes :math:`\|u_i^\top Y\|^2`). The spectral alignment family is

.. math:: \mathcal A_\omega(\Phi, y) = \sum_i \omega(\sigma_i)\,(u_i^\top y)^2 ,

* Imani et al. (2022): :math:`\omega = \mathbf 1[\sigma\ge\tau]`, no normalisation;
* kernel–target alignment (Cristianini et al. 2001): :math:`\omega = \sigma^2`, divided by
  :math:`\sqrt{\sum_i\sigma_i^4}\,\|y\|^2`;
* cumulative power (Canatar et al. 2021): :math:`\omega = \mathbf 1[i\le k]`, divided by
  :math:`\sum_i(u_i^\top y)^2`;
* Arora et al. (2019)'s complexity :math:`y^\top(\Phi\Phi^\top)^+y`: :math:`\omega = \sigma^{-2}`
  on the numerical range.

Targets are rescaled by exact powers of two (every member is homogeneous in :math:`y`), and
:math:`\Phi` too wherever the member is homogeneous in it, so extreme magnitudes give the right
value or a scaling error, never inf or NaN.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from ..core.guards import (
    as_matrix,
    as_target,
    check_bool,
    check_choice,
    check_int,
    check_positive,
    check_real,
    finish,
    finish_array,
    pow2_scaled,
    scale_back,
)
from ..core.hsic import center
from ..core.kernels import Kernel
from ..core.linalg import numerical_rank

__all__ = [
    "kernel_target_alignment",
    "label_alignment",
    "label_alignment_curve",
    "spectral_alignment",
]

CONVENTIONS = ("plain", "imani")
#: the threshold grid of the authors' demo (n = 1000, unit rows so sigma_1 <= sqrt(n))
IMANI_TAUS = np.linspace(0, 30, 62)


def _imani(Phi: torch.Tensor) -> torch.Tensor:
    """Append a constant-1 feature and L2-normalise each row (the demo's conventions)."""
    Z = torch.cat([Phi, torch.ones_like(Phi[:, :1])], dim=1)
    return Z / torch.linalg.vector_norm(Z, dim=1, keepdim=True)


def _spectrum(Phi, y, name="Phi"):
    Pt, ctx = as_matrix(Phi, name)
    yt = as_target(y, Pt.shape[0], ctx)
    ys, f = pow2_scaled(yt)
    return Pt, ys, f, replace(ctx, names=(name, "y"))


def _svd_proj(P: torch.Tensor, y: torch.Tensor):
    U, S, _ = torch.linalg.svd(P, full_matrices=False)
    proj = ((U.T @ y) ** 2).sum(dim=1)  # (u_i^T y)^2, summed over target columns
    return S, proj


def label_alignment(Phi, y, tau, *, conventions="plain", normalized=False):
    r"""Imani et al. (2022)'s representation–label alignment at threshold ``tau``:

    .. math:: \mathrm{Align}(\Phi, y, \tau) = \sum_{i:\,\sigma_i\ge\tau}(u_i^\top y)^2 .

    ``conventions="plain"`` uses :math:`\Phi` as given and the thin SVD, so
    :math:`\mathrm{Align}(\Phi, y, 0) = \|P_\Phi y\|^2`. ``conventions="imani"`` copies the
    authors' demo: append a constant-1 feature, L2-normalise each row, and count the null-space
    directions of the full SVD (:math:`\sigma = 0`) when :math:`\tau\le 0`, so that
    :math:`\mathrm{Align}(\tau = 0) = \|y\|^2`. ``normalized=True`` divides by :math:`\|y\|^2`.
    Lies in :math:`[0, \|y\|^2]`, non-increasing in :math:`\tau`, invariant to
    :math:`\Phi\mapsto\Phi Q` for orthogonal :math:`Q` (``"plain"``). Cost :math:`O(nk^2)`.


    Parameters
    ----------
    Phi : array-like or torch.Tensor
        The representation ``(n, k)``.
    y : array-like or torch.Tensor
        The target, ``(n,)`` or ``(n, c)``.
    tau : float
        The threshold on the singular values.
    conventions : {"plain", "imani"}
        As given, or the authors' demo conventions.
    normalized : bool
        Divide by :math:`\|y\|^2`.

    Returns
    -------
    float or torch.Tensor
        In :math:`[0, \|y\|^2]`.

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> Phi = np.diag([3.0, 1.0, 0.5])
    >>> ab.label_alignment(Phi, np.array([1.0, 2.0, 2.0]), tau=1.0)  # directions with sigma >= 1
    5.0
    """
    tau = check_real(tau, "tau")
    _, out = _curve(Phi, y, [tau], conventions, normalized)
    return finish(out.tensor[0], out.ctx, "label_alignment")


def _curve(Phi, y, taus, conventions, normalized):
    check_choice(conventions, "conventions", CONVENTIONS)
    normalized = check_bool(normalized, "normalized")
    P, yt, f, ctx = _spectrum(Phi, y)
    if conventions == "imani":
        P = _imani(P)
    S, proj = _svd_proj(P, yt)
    ynorm2 = (yt * yt).sum()
    t = torch.as_tensor(np.asarray(taus, dtype=np.float64), dtype=P.dtype, device=P.device).reshape(-1)
    if not bool(torch.isfinite(t).all()):
        raise ValueError("taus must be finite thresholds.")
    vals = ((S[None, :] >= t[:, None]).to(P.dtype) * proj[None, :]).sum(dim=1)
    if conventions == "imani":
        vals = torch.where(t <= 0, ynorm2.expand_as(vals), vals)
    if normalized:
        if not bool(ynorm2 > 0):
            raise ValueError("y is all zeros, so normalized=True divides by ||y||^2 = 0.")
        vals = vals / ynorm2
    else:
        vals = scale_back(vals, 2 * f)
    return t, _Out(vals, ctx)


class _Out:
    def __init__(self, vals, ctx):
        self.tensor, self.ctx = vals, ctx


def label_alignment_curve(Phi, y, taus=None, *, conventions="plain", normalized=False):
    r"""The alignment curve :math:`\tau\mapsto\mathrm{Align}(\Phi, y, \tau)` from one SVD.

    ``taus`` defaults to the demo's grid ``np.linspace(0, 30, 62)`` for
    ``conventions="imani"`` and to 50 points from 0 to :math:`\sigma_1` otherwise. Returns
    ``(taus, values)`` as NumPy arrays (NumPy in) or tensors.

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> taus, vals = ab.label_alignment_curve(np.diag([3.0, 1.0]), np.array([1.0, 1.0]), [0.0, 2.0, 4.0])
    >>> vals
    array([2., 1., 0.])
    """
    if taus is None:
        if conventions == "imani":
            taus = IMANI_TAUS
        else:
            P, _, _, _ = _spectrum(Phi, y)
            taus = np.linspace(0.0, float(torch.linalg.matrix_norm(P, ord=2)), 50)
    else:
        try:
            taus = np.asarray(taus, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise TypeError(f"taus must be a sequence of real thresholds, got {taus!r}.") from None
    t, out = _curve(Phi, y, taus, conventions, normalized)
    return finish_array(t, out.ctx), finish_array(out.tensor, out.ctx, "label_alignment_curve")


def kernel_target_alignment(Phi, y, kernel="linear", *, centered=False, bandwidth=None, sigma=None):
    r"""Kernel–target alignment (Cristianini et al. 2001):

    .. math:: A(K, yy^\top) = \frac{y^\top K y}{\|K\|_F\,\|y\|^2}

    with :math:`K` the Gram of ``Phi`` (``kernel`` as in :func:`~alignbook.measures.gram`, or
    ``"precomputed"``). For the linear kernel it uses :math:`y^\top K y = \|\Phi^\top y\|^2`
    and :math:`\|K\|_F = \|\Phi^\top\Phi\|_F` (no :math:`n\times n` matrix).
    ``centered=True`` centres both :math:`K` and :math:`y` (Cortes et al. 2012). A 2-D target
    uses :math:`\langle K, YY^\top\rangle_F/(\|K\|_F\|YY^\top\|_F)`. Invariant to rescaling
    ``y`` (and ``Phi``, for a kernel with a homogeneity degree).


    Parameters
    ----------
    Phi : array-like or torch.Tensor
        The representation ``(n, k)`` (an ``(n, n)`` Gram with ``kernel="precomputed"``).
    y : array-like or torch.Tensor
        The target, ``(n,)`` or ``(n, c)``.
    kernel : Kernel, str or callable
        ``"linear"`` (default), ``"rbf"``, ``"distance"``, ``"precomputed"``, a callable or an
        :class:`~alignbook.Kernel`.
    centered : bool
        Centre the Gram and the target (Cortes et al.).
    bandwidth, sigma : optional
        RBF shorthands.

    Returns
    -------
    float or torch.Tensor
        In [0, 1] for positive semi-definite kernels.

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> Phi = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> round(ab.kernel_target_alignment(Phi, Phi[:, 0]), 6)
    0.790569
    """
    centered = check_bool(centered, "centered")
    spec = Kernel.resolve(kernel, bandwidth=bandwidth, sigma=sigma)
    P, yt, _, ctx = _spectrum(Phi, y)
    if spec.rescalable:
        P, _ = pow2_scaled(P)
    if centered:
        yt = yt - yt.mean(dim=0, keepdim=True)
    ny = torch.linalg.matrix_norm(yt.T @ yt)
    if not bool(ny > 0):
        raise ValueError("y is " + ("constant" if centered else "all zeros") + ", so KTA is 0/0 (undefined).")
    if spec.name == "linear":
        Pc = P - P.mean(dim=0, keepdim=True) if centered else P
        num = ((Pc.T @ yt) ** 2).sum()
        nk = torch.linalg.matrix_norm(Pc.T @ Pc)
    else:
        K = spec.bind(P, "Phi", source_dtype=ctx.source_dtype).gram()
        if centered:
            K = center(K)
        num = (yt * (K @ yt)).sum()
        nk = torch.linalg.matrix_norm(K)
    if not bool(nk > 0):
        raise ValueError("the Gram matrix of Phi is zero (e.g. Phi is all zeros), so KTA is 0/0 (undefined).")
    return finish(num / (nk * ny), ctx, "KTA")


WEIGHTS = ("imani", "kta", "cumulative", "arora")


def spectral_alignment(Phi, y, weight="kta", *, tau=None, k=None):
    r"""The spectral alignment family :math:`\sum_i\omega(\sigma_i)(u_i^\top y)^2` (module docstring).

    ``weight``: ``"imani"`` (needs ``tau``; equals :func:`.label_alignment`), ``"kta"`` (equals
    :func:`.kernel_target_alignment`), ``"cumulative"`` (needs ``k``; Canatar's :math:`C(k)`),
    ``"arora"`` (:math:`y^\top(\Phi\Phi^\top)^+y`), or a callable ``omega(sigma) -> weights``
    acting on the tensor of singular values (then no normalisation is applied).


    Parameters
    ----------
    Phi : array-like or torch.Tensor
        The representation ``(n, k)``.
    y : array-like or torch.Tensor
        The target, ``(n,)`` or ``(n, c)``.
    weight : str or callable
        ``"kta"``, ``"imani"``, ``"cumulative"``, ``"arora"`` or ``omega(sigma) -> weights``.
    tau : float
        Threshold for ``"imani"``.
    k : int
        Leading modes for ``"cumulative"``.

    Returns
    -------
    float or torch.Tensor
        The weighted sum (normalised for ``"kta"`` and ``"cumulative"``).

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> Phi, y = np.diag([2.0, 1.0]), np.array([1.0, 1.0])
    >>> ab.spectral_alignment(Phi, y, "arora")  # y'(Phi Phi')^+ y = 1/4 + 1
    1.25
    >>> ab.spectral_alignment(Phi, y, "cumulative", k=1)
    0.5
    """
    P, yt, f, ctx = _spectrum(Phi, y)
    if callable(weight):
        S, proj = _svd_proj(P, yt)
        w = weight(S)
        if not isinstance(w, torch.Tensor) or w.shape != S.shape:
            raise ValueError("the weight callable must map the singular-value tensor to a tensor of the same shape.")
        return finish(scale_back((w.to(S.dtype) * proj).sum(), 2 * f), ctx, "spectral_alignment")
    check_choice(weight, "weight", WEIGHTS)
    if weight == "imani":
        if tau is None:
            raise ValueError("weight='imani' needs the threshold tau=...")
        tau = check_positive(tau, "tau", allow_zero=True)
        S, proj = _svd_proj(P, yt)
        return finish(scale_back(((S >= tau).to(S.dtype) * proj).sum(), 2 * f), ctx, "spectral_alignment")
    P, e = pow2_scaled(P)  # the other members are homogeneous in Phi
    S, proj = _svd_proj(P, yt)
    if weight == "kta":
        den = torch.sqrt((S**4).sum()) * torch.linalg.matrix_norm(yt.T @ yt)
        if not bool(den > 0):
            raise ValueError("Phi or y is all zeros, so the KTA normalisation is 0.")
        return finish((S**2 * proj).sum() / den, ctx, "spectral_alignment")
    r = numerical_rank(S, max(P.shape))
    if weight == "cumulative":
        if k is None:
            raise ValueError("weight='cumulative' needs k=... (the number of leading modes).")
        k = check_int(k, "k", 1)
        tot = proj[:r].sum()
        if not bool(tot > 0):
            raise ValueError("y is orthogonal to the column space of Phi, so C(k) is 0/0.")
        return finish(proj[:min(k, r)].sum() / tot, ctx, "spectral_alignment")
    return finish(scale_back((proj[:r] / S[:r] ** 2).sum(), 2 * f - 2 * e), ctx, "spectral_alignment")
