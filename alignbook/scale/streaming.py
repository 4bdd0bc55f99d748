r"""Streaming (mini-batch) accumulators for the linear-kernel measures.

:class:`LinearAccumulator` keeps additive sufficient statistics of paired mini-batches
``(X_b, Y_b)`` and finalises to **the same number as the full-data computation** (not a
mini-batch average): biased and unbiased HSIC / CKA with the linear kernel, kernel alignment
(centred or not), and the centred covariance blocks that Procrustes and CCA need. Two
accumulators merge exactly (adding statistics), so they reduce across processes with
``torch.distributed`` (:meth:`LinearAccumulator.all_reduce`).

Derivation
----------
Write :math:`K = XX^\top`, :math:`L = YY^\top` for the linear kernels of the ``n`` rows seen,
:math:`a_i = \|x_i\|^2 = K_{ii}`, :math:`b_i = \|y_i\|^2 = L_{ii}`,
:math:`s_x = X^\top\mathbf 1`, :math:`s_y = Y^\top\mathbf 1`. Every statistic below is a sum over
rows, hence additive over batches:

=================  =============================================  ===========
name               definition                                     shape
=================  =============================================  ===========
``n``              number of rows                                 scalar
``sx``, ``sy``     :math:`\sum_i x_i`, :math:`\sum_i y_i`         d1, d2
``gxx``, ``gyy``   :math:`X^\top X`, :math:`Y^\top Y`             d1², d2²
``cxy``            :math:`X^\top Y`                               d1 × d2
``sa``, ``sb``     :math:`\sum_i a_i`, :math:`\sum_i b_i`         scalar
``saa``, ``sbb``,  :math:`\sum a_i^2`, :math:`\sum b_i^2`,        scalar
``sab``            :math:`\sum a_i b_i`
``xa``, ``xb``     :math:`X^\top a`, :math:`X^\top b`             d1
``ya``, ``yb``     :math:`Y^\top a`, :math:`Y^\top b`             d2
=================  =============================================  ===========

*Biased HSIC.* With :math:`H = I - \mathbf 1\mathbf 1^\top/n`,
:math:`\operatorname{tr}(KHLH) = \|(HX)^\top HY\|_F^2` and
:math:`(HX)^\top(HY) = X^\top Y - s_x s_y^\top / n`, so

.. math:: \mathrm{HSIC}_b = \frac{\|C_{xy} - s_x s_y^\top/n\|_F^2}{(n-1)^2}.

*Unbiased HSIC* (Song et al. 2012). With :math:`\tilde K = K - \operatorname{diag}(a)`,
:math:`\tilde L = L - \operatorname{diag}(b)`,

.. math::
   \mathrm{HSIC}_u = \frac{1}{n(n-3)}\Big[\operatorname{tr}(\tilde K\tilde L)
   + \frac{\mathbf 1^\top\tilde K\mathbf 1\;\mathbf 1^\top\tilde L\mathbf 1}{(n-1)(n-2)}
   - \frac{2}{n-2}\,\mathbf 1^\top\tilde K\tilde L\mathbf 1\Big].

Each term is a function of the statistics above:

* :math:`\operatorname{tr}(\tilde K\tilde L) = \sum_{i\ne j}K_{ij}L_{ij}
  = \operatorname{tr}(KL) - \sum_i a_ib_i = \|X^\top Y\|_F^2 - s_{ab}`;
* :math:`\mathbf 1^\top\tilde K\mathbf 1 = \|s_x\|^2 - s_a`,
  :math:`\mathbf 1^\top\tilde L\mathbf 1 = \|s_y\|^2 - s_b`;
* :math:`\tilde K\mathbf 1 = Xs_x - a` and :math:`\tilde L\mathbf 1 = Ys_y - b`, so
  :math:`\mathbf 1^\top\tilde K\tilde L\mathbf 1 = (Xs_x - a)^\top(Ys_y - b)
  = s_x^\top C_{xy}s_y - s_x^\top X^\top b - s_y^\top Y^\top a + s_{ab}`.

The same formulas with :math:`Y = X` (``gxx``, ``xa``, ``saa``) give :math:`\mathrm{HSIC}_u(X, X)`,
the denominator of unbiased CKA. No :math:`n\times n` matrix is ever formed: an update costs
:math:`O(b(d_1+d_2)^2)` for a batch of ``b`` rows and the state is :math:`O((d_1+d_2)^2)`.

*Shifts.* Both estimators are invariant to translating ``X`` or ``Y`` (centring removes a
shift from :math:`HKH`; U-centring removes any :math:`f_i + f_j + c` added to :math:`K`), but
uncentred sums of large-mean data cancel catastrophically. Each accumulator therefore subtracts
a fixed shift ``(u, v)`` from every row before accumulating (by default the mean of the first
batch it sees). All statistics are polynomials of degree at most four in the rows, so the
statistics of :math:`x - u'` follow exactly from those of :math:`x - u` (:func:`_reshift`,
formulas in its body); :meth:`~LinearAccumulator.merge` uses this to bring two accumulators to a
common shift before adding. Uncentred kernel alignment is not translation invariant; it is
computed from the statistics shifted back to the origin.

Numbers: the statistics are kept in float64 (``REDUCTION_DTYPE``) whatever the batch dtype. On
CPU, :math:`X^\top X` and :math:`Y^\top Y` use the symmetric rank-k update of BLAS (``dsyrk``,
half the flops of a general product); elsewhere plain matrix products.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from .._validate import _check_2d, _check_finite, _to_tensor, as_pair, check_choice
from ..device import REDUCTION_DTYPE
from ..measures._linalg import syrk_ as _syrk_  # CPU float64: BLAS dsyrk
from ._progress import progress_bar

__all__ = ["LinearAccumulator", "linear_cka", "linear_hsic"]

_VEC = ("sx", "sy", "xa", "xb", "ya", "yb")
_MAT = ("gxx", "gyy", "cxy")
_SCA = ("sa", "sb", "saa", "sbb", "sab")
_STATS = ("n", *_SCA, *_VEC, *_MAT)


def _batch(X, Y):
    """Convert and check one batch without a separate pass over it for finiteness."""
    as_pair(X[:1], Y[:1])  # kind, device and 2-D checks (and a clear message) on one row
    Xt = _to_tensor(X, "X", REDUCTION_DTYPE)
    Yt = _to_tensor(Y, "Y", REDUCTION_DTYPE)
    _check_2d(Xt, "X")
    _check_2d(Yt, "Y")
    if Xt.shape[0] != Yt.shape[0]:
        raise ValueError(
            f"X has {Xt.shape[0]} rows but Y has {Yt.shape[0]}; the rows are paired samples, so a "
            "batch needs the same number of rows in both."
        )
    return Xt, Yt


def _sym_from_lower(G: torch.Tensor) -> torch.Tensor:
    return torch.tril(G) + torch.tril(G, -1).T


def _reshift(s: dict, du: torch.Tensor, dv: torch.Tensor) -> dict:
    r"""Statistics of ``(x - du, y - dv)`` from those of ``(x, y)`` (exact algebra).

    With :math:`\alpha_i = -2u^\top x_i + \|u\|^2` and :math:`\beta_i = -2v^\top y_i + \|v\|^2`
    the new squared norms are :math:`a_i + \alpha_i` and :math:`b_i + \beta_i`; every new sum
    expands into old sums. ``gxx``/``gyy`` must be full (symmetric) matrices here.
    """
    u, v = du, dv
    n = s["n"]
    uu, vv = float(u @ u), float(v @ v)
    sx, sy, gxx, gyy, cxy = s["sx"], s["sy"], s["gxx"], s["gyy"], s["cxy"]
    usx, vsy = float(u @ sx), float(v @ sy)
    Gu, Gv, Cv, Ctu = gxx @ u, gyy @ v, cxy @ v, cxy.T @ u
    uCv = float(u @ Cv)
    sum_alpha = -2.0 * usx + n * uu  # sum_i alpha_i
    sum_beta = -2.0 * vsy + n * vv
    alpha_x = -2.0 * Gu + uu * sx  # sum_i alpha_i x_i
    alpha_y = -2.0 * Ctu + uu * sy  # sum_i alpha_i y_i
    beta_x = -2.0 * Cv + vv * sx  # sum_i beta_i x_i
    beta_y = -2.0 * Gv + vv * sy  # sum_i beta_i y_i
    sum_a_alpha = -2.0 * float(u @ s["xa"]) + uu * s["sa"]
    sum_b_beta = -2.0 * float(v @ s["yb"]) + vv * s["sb"]
    sum_alpha2 = 4.0 * float(u @ Gu) - 4.0 * uu * usx + n * uu * uu
    sum_beta2 = 4.0 * float(v @ Gv) - 4.0 * vv * vsy + n * vv * vv
    sum_a_beta = -2.0 * float(v @ s["ya"]) + vv * s["sa"]
    sum_alpha_b = -2.0 * float(u @ s["xb"]) + uu * s["sb"]
    sum_alpha_beta = 4.0 * uCv - 2.0 * vv * usx - 2.0 * uu * vsy + n * uu * vv

    out = {"n": n}
    out["sa"] = s["sa"] + sum_alpha
    out["sb"] = s["sb"] + sum_beta
    out["saa"] = s["saa"] + 2.0 * sum_a_alpha + sum_alpha2
    out["sbb"] = s["sbb"] + 2.0 * sum_b_beta + sum_beta2
    out["sab"] = s["sab"] + sum_a_beta + sum_alpha_b + sum_alpha_beta
    # sum_i a'_i (x_i - u) etc. with a'_i = a_i + alpha_i
    out["xa"] = s["xa"] + alpha_x - u * (s["sa"] + sum_alpha)
    out["xb"] = s["xb"] + beta_x - u * (s["sb"] + sum_beta)
    out["ya"] = s["ya"] + alpha_y - v * (s["sa"] + sum_alpha)
    out["yb"] = s["yb"] + beta_y - v * (s["sb"] + sum_beta)
    out["sx"] = sx - n * u
    out["sy"] = sy - n * v
    out["gxx"] = gxx - torch.outer(sx, u) - torch.outer(u, sx) + n * torch.outer(u, u)
    out["gyy"] = gyy - torch.outer(sy, v) - torch.outer(v, sy) + n * torch.outer(v, v)
    out["cxy"] = cxy - torch.outer(sx, v) - torch.outer(u, sy) + n * torch.outer(u, v)
    return out


def _hsic_u(n, T_cross_sq, s_ab, sx, sa, sy, sb, sx_C_sy, sx_xb, sy_ya):
    """Song et al.'s unbiased HSIC from the scalar pieces (see the module docstring)."""
    tr = T_cross_sq - s_ab
    kk = float(sx @ sx) - sa
    ll = float(sy @ sy) - sb
    kl = sx_C_sy - sx_xb - sy_ya + s_ab
    return (tr + kk * ll / ((n - 1) * (n - 2)) - 2.0 * kl / (n - 2)) / (n * (n - 3))


class LinearAccumulator:
    """Additive sufficient statistics of paired batches for the linear-kernel measures.

    Parameters
    ----------
    shift : ``"first"`` (default), ``None`` or a pair ``(u, v)`` of 1-D arrays
        What to subtract from every row before accumulating: the mean of the first batch
        (``"first"``), nothing (``None``), or fixed vectors. It never changes a result (the
        measures are translation invariant and the shift is undone exactly for uncentred kernel
        alignment); it only protects against cancellation for data far from the origin.
    device : where the statistics live (default: the device of the first batch).

    Use :meth:`update` with mini-batches (NumPy arrays or tensors, any float dtype), then
    :meth:`hsic`, :meth:`cka`, :meth:`kernel_alignment`, :meth:`covariances`. Combine two
    accumulators with :meth:`merge` (or ``+``) and across processes with :meth:`all_reduce`.
    Results are Python floats.
    """

    def __init__(self, shift="first", device=None):
        if not (shift is None or (isinstance(shift, str) and shift == "first") or isinstance(shift, (tuple, list))):
            raise ValueError(
                f"shift={shift!r} must be 'first', None, or a pair (u, v) of 1-D arrays of lengths d1, d2."
            )
        self._shift_mode = shift
        self._device = torch.device(device) if device is not None else None
        self.d_x = self.d_y = None
        self.u = self.v = None
        self.stats = None
        self._tri = False  # gxx/gyy hold only their lower triangle (CPU syrk path)

    # ------------------------------------------------------------------ state
    @property
    def n(self) -> int:
        return 0 if self.stats is None else int(self.stats["n"])

    def _init(self, X: torch.Tensor, Y: torch.Tensor) -> None:
        dev = self._device or X.device
        f = dict(dtype=REDUCTION_DTYPE, device=dev)
        self.d_x, self.d_y = X.shape[1], Y.shape[1]
        if self._shift_mode is None:
            self.u, self.v = torch.zeros(self.d_x, **f), torch.zeros(self.d_y, **f)
        elif isinstance(self._shift_mode, str):
            self.u, self.v = X.to(**f).mean(0), Y.to(**f).mean(0)
        else:
            u, v = (torch.as_tensor(t).to(**f).reshape(-1) for t in self._shift_mode)
            if u.numel() != self.d_x or v.numel() != self.d_y:
                raise ValueError(
                    f"shift vectors have lengths {u.numel()}, {v.numel()} but the batches have "
                    f"d1={self.d_x}, d2={self.d_y} columns; pass vectors of those lengths."
                )
            self.u, self.v = u, v
        self.stats = {"n": 0, **{k: 0.0 for k in _SCA}}
        self.stats.update({k: torch.zeros(self.d_x if k[0] == "x" or k == "sx" else self.d_y, **f) for k in _VEC})
        self.stats["gxx"] = torch.zeros(self.d_x, self.d_x, **f)
        self.stats["gyy"] = torch.zeros(self.d_y, self.d_y, **f)
        self.stats["cxy"] = torch.zeros(self.d_x, self.d_y, **f)

    def update(self, X, Y) -> "LinearAccumulator":
        """Add a batch of paired rows ``X`` (b, d1) and ``Y`` (b, d2); returns ``self``."""
        Xt, Yt = _batch(X, Y)  # float64, 2-D, paired; finiteness is checked on the row norms below
        if self.stats is None:
            self._init(Xt, Yt)
        elif Xt.shape[1] != self.d_x or Yt.shape[1] != self.d_y:
            raise ValueError(
                f"this accumulator holds d1={self.d_x}, d2={self.d_y} columns but the batch has "
                f"X: {Xt.shape[1]}, Y: {Yt.shape[1]}; every batch must have the same widths."
            )
        dev = self.u.device
        x = Xt.to(dev) - self.u
        y = Yt.to(dev) - self.v
        s = self.stats
        a = (x * x).sum(1)
        b = (y * y).sum(1)
        for v, t, nm in ((a, Xt, "X"), (b, Yt, "Y")):
            if not bool(torch.isfinite(v).all()):
                _check_finite(t, nm)  # raises for NaN / infinite entries
                raise ValueError(
                    f"{nm} has entries so large that their squares overflow float64 "
                    f"(max |{nm}| = {float(t.abs().max()):.3g}); rescale it (CKA is scale invariant)."
                )
        s["n"] += x.shape[0]
        s["sa"] += float(a.sum())
        s["sb"] += float(b.sum())
        s["saa"] += float(a @ a)
        s["sbb"] += float(b @ b)
        s["sab"] += float(a @ b)
        s["sx"] += x.sum(0)
        s["sy"] += y.sum(0)
        s["xa"] += x.T @ a
        s["xb"] += x.T @ b
        s["ya"] += y.T @ a
        s["yb"] += y.T @ b
        tri_x = _syrk_(s["gxx"], x)
        tri_y = _syrk_(s["gyy"], y)
        if tri_x != tri_y:  # pragma: no cover - both take the same path
            raise RuntimeError("internal: inconsistent Gram update paths")
        if self.n == x.shape[0]:
            self._tri = tri_x
        elif tri_x != self._tri:  # pragma: no cover
            raise RuntimeError("internal: Gram update path changed between batches")
        s["cxy"] += x.T @ y
        return self

    def _full_stats(self) -> dict:
        """The statistics with symmetric ``gxx``/``gyy`` (a shallow copy)."""
        if self.stats is None:
            raise ValueError("the accumulator is empty; call update(X, Y) with at least one batch first.")
        s = dict(self.stats)
        if self._tri:
            s["gxx"] = _sym_from_lower(s["gxx"])
            s["gyy"] = _sym_from_lower(s["gyy"])
        return s

    def _symmetrize_(self) -> None:
        if self._tri:
            self.stats["gxx"] = _sym_from_lower(self.stats["gxx"])
            self.stats["gyy"] = _sym_from_lower(self.stats["gyy"])
            self._tri = False

    def copy(self) -> "LinearAccumulator":
        new = LinearAccumulator(shift=self._shift_mode, device=self._device)
        new.d_x, new.d_y, new._tri = self.d_x, self.d_y, self._tri
        if self.stats is not None:
            new.u, new.v = self.u.clone(), self.v.clone()
            new.stats = {k: (v.clone() if isinstance(v, torch.Tensor) else v) for k, v in self.stats.items()}
        return new

    def to_shift(self, u, v) -> "LinearAccumulator":
        """Return a copy whose statistics refer to the shift ``(u, v)`` (exact re-expansion)."""
        new = self.copy()
        new._symmetrize_()
        u = torch.as_tensor(u).to(self.u)
        v = torch.as_tensor(v).to(self.v)
        new.stats = _reshift(new.stats, u - self.u, v - self.v)
        new.u, new.v = u.clone(), v.clone()
        return new

    def merge(self, other: "LinearAccumulator") -> "LinearAccumulator":
        """A new accumulator holding the rows of both (exact; ``self`` and ``other`` unchanged)."""
        if not isinstance(other, LinearAccumulator):
            raise TypeError(f"other must be a LinearAccumulator, got {type(other).__name__}.")
        if other.stats is None:
            return self.copy()
        if self.stats is None:
            return other.copy()
        if (self.d_x, self.d_y) != (other.d_x, other.d_y):
            raise ValueError(
                f"cannot merge accumulators of widths ({self.d_x}, {self.d_y}) and "
                f"({other.d_x}, {other.d_y}); they must see the same representations."
            )
        new = self.copy()
        new._symmetrize_()
        o = other.to_shift(new.u, new.v) if not (torch.equal(other.u, new.u) and torch.equal(other.v, new.v)) else other.copy()
        o._symmetrize_()
        for k in _STATS:
            new.stats[k] = new.stats[k] + o.stats[k]
        return new

    __add__ = merge

    def all_reduce(self, group=None) -> "LinearAccumulator":
        """Sum the statistics over all processes of ``group`` (``torch.distributed``), in place.

        Every rank must have seen at least one batch. Rank 0's shift is broadcast, each rank
        re-expresses its statistics at that shift, and the statistics are summed with
        ``all_reduce``; afterwards every rank holds the statistics of all rows. Without an
        initialised process group this is a no-op (a single process already holds everything).
        """
        import torch.distributed as dist

        if not (dist.is_available() and dist.is_initialized()):
            return self
        if self.stats is None:
            raise ValueError("all_reduce needs every rank to have called update() at least once.")
        self._symmetrize_()
        u, v = self.u.clone(), self.v.clone()
        dist.broadcast(u, src=0, group=group)
        dist.broadcast(v, src=0, group=group)
        moved = self.to_shift(u, v)
        flat = torch.cat([
            torch.tensor([float(moved.stats["n"]), *[float(moved.stats[k]) for k in _SCA]], dtype=REDUCTION_DTYPE, device=u.device),
            *[moved.stats[k].reshape(-1) for k in (*_VEC, *_MAT)],
        ])
        dist.all_reduce(flat, op=dist.ReduceOp.SUM, group=group)
        out, i = {}, 0
        out["n"] = int(round(float(flat[0])))
        for j, k in enumerate(_SCA):
            out[k] = float(flat[1 + j])
        i = 1 + len(_SCA)
        for k in (*_VEC, *_MAT):
            t = moved.stats[k]
            out[k] = flat[i:i + t.numel()].reshape(t.shape).clone()
            i += t.numel()
        self.stats, self.u, self.v = out, u, v
        return self

    def state_dict(self) -> dict:
        """Plain dict of tensors/floats (for saving, or for a custom reduction)."""
        s = self._full_stats()
        return {"u": self.u, "v": self.v, **s}

    # ------------------------------------------------------------------ results
    def _need(self, n_min: int, what: str):
        if self.n < n_min:
            raise ValueError(f"{what} needs at least n={n_min} rows; this accumulator has seen n={self.n}.")

    def covariances(self):
        r"""Centred blocks :math:`(X_c^\top X_c,\ Y_c^\top Y_c,\ X_c^\top Y_c)` as float64 tensors.

        (:math:`X_c = HX`; divide by ``n - 1`` for sample covariances.) Procrustes and CCA are
        functions of these three blocks alone.
        """
        self._need(1, "covariances")
        s = self._full_stats()
        n = s["n"]
        gxx = s["gxx"] - torch.outer(s["sx"], s["sx"]) / n
        gyy = s["gyy"] - torch.outer(s["sy"], s["sy"]) / n
        cxy = s["cxy"] - torch.outer(s["sx"], s["sy"]) / n
        return gxx, gyy, cxy

    def procrustes_distance(self, kind: str = "angular") -> float:
        r"""Procrustes distance of the centred, unit-Frobenius inputs, from the covariance blocks.

        :math:`\nu = \|X_c^\top Y_c\|_* / (\|X_c\|_F\|Y_c\|_F)`; ``"angular"`` gives
        :math:`\arccos\nu`, ``"euclidean"`` :math:`\sqrt{2-2\nu}`, ``"disparity"`` :math:`1-\nu^2`
        (the conventions of ``alignbook.procrustes_distance``). Computed from :math:`\nu`, so for
        nearly identical shapes (:math:`\nu \to 1`) it keeps fewer digits than the measure, which
        forms the residual from the rows; for the same reason a :math:`\nu` that rounding puts
        above 1 by at most ``1e-12`` is taken as 1 (a larger excess raises).
        """
        check_choice(kind, "kind", ("angular", "euclidean", "disparity"))
        self._need(2, "the Procrustes distance")
        gxx, gyy, cxy = self.covariances()
        tx, ty = float(torch.trace(gxx)), float(torch.trace(gyy))
        for t, nm in ((tx, "X"), (ty, "Y")):
            if not t > 0:
                raise ValueError(f"{nm} is constant over the rows seen, so the Procrustes distance is undefined.")
        nu = float(torch.linalg.svdvals(cxy).sum()) / math.sqrt(tx * ty)
        nu = min(nu, 1.0) if nu <= 1.0 + 1e-12 else nu  # rounding above 1 only; larger is a bug
        if nu > 1.0:  # pragma: no cover
            raise RuntimeError(f"internal: Procrustes cosine {nu} > 1")
        if kind == "angular":
            return math.acos(nu)
        if kind == "euclidean":
            return math.sqrt(2.0 - 2.0 * nu)
        return 1.0 - nu * nu

    def canonical_correlations(self) -> torch.Tensor:
        r"""Canonical correlations (descending) from the covariance blocks.

        Singular values of :math:`Q_X^\top Q_Y` where :math:`Q` are whitened bases of the
        numerical column spaces (eigenvectors of :math:`X_c^\top X_c` with eigenvalues above
        ``max(w) * d * eps``, NumPy's rank rule on the squared singular values). Equals
        ``alignbook.cca(X, Y).rho`` for well-conditioned inputs.
        """
        self._need(2, "CCA")
        gxx, gyy, cxy = self.covariances()

        def basis(G, nm):
            w, V = torch.linalg.eigh(G)
            if not bool(w[-1] > 0):
                raise ValueError(f"{nm} is constant over the rows seen, so CCA is undefined.")
            keep = w > w[-1] * G.shape[0] * torch.finfo(G.dtype).eps
            return V[:, keep] / torch.sqrt(w[keep])

        Wx, Wy = basis(gxx, "X"), basis(gyy, "Y")
        return torch.linalg.svdvals(Wx.T @ cxy @ Wy)

    def _hsic_parts(self, estimator: str):
        check_choice(estimator, "estimator", ("biased", "unbiased"))
        s = self._full_stats()
        n = s["n"]
        if estimator == "biased":
            self._need(2, "biased HSIC (it divides by (n - 1)^2)")
            gxx, gyy, cxy = self.covariances()
            den = (n - 1) ** 2
            return (float((cxy * cxy).sum()) / den, float((gxx * gxx).sum()) / den, float((gyy * gyy).sum()) / den)
        self._need(4, "unbiased HSIC (it divides by n(n - 3))")
        sx, sy, C, gxx, gyy = s["sx"], s["sy"], s["cxy"], s["gxx"], s["gyy"]
        xy = _hsic_u(n, float((C * C).sum()), s["sab"], sx, s["sa"], sy, s["sb"],
                     float(sx @ (C @ sy)), float(sx @ s["xb"]), float(sy @ s["ya"]))
        xx = _hsic_u(n, float((gxx * gxx).sum()), s["saa"], sx, s["sa"], sx, s["sa"],
                     float(sx @ (gxx @ sx)), float(sx @ s["xa"]), float(sx @ s["xa"]))
        yy = _hsic_u(n, float((gyy * gyy).sum()), s["sbb"], sy, s["sb"], sy, s["sb"],
                     float(sy @ (gyy @ sy)), float(sy @ s["yb"]), float(sy @ s["yb"]))
        return xy, xx, yy

    def hsic(self, estimator: str = "biased") -> float:
        """Linear-kernel HSIC of all rows seen: ``"biased"`` tr(KHLH)/(n-1)² or ``"unbiased"`` (Song)."""
        return self._hsic_parts(estimator)[0]

    def cka(self, estimator: str = "biased") -> float:
        """Linear CKA of all rows seen, HSIC(X,Y)/sqrt(HSIC(X,X) HSIC(Y,Y)), same estimator throughout.

        Raises ``ValueError`` when a denominator HSIC is not positive (a constant input, or
        an unbiased self-HSIC that is <= 0 at tiny n), where CKA is undefined.
        """
        xy, xx, yy = self._hsic_parts(estimator)
        for val, name in ((xx, "X"), (yy, "Y")):
            if not val > 0:
                raise ValueError(
                    f"CKA is undefined: the {estimator} HSIC of {name} with itself is {val!r} (not > 0); "
                    f"{name} is constant over the rows seen"
                    + (" or n is too small for the unbiased estimator" if estimator == "unbiased" else "")
                    + "."
                )
        return xy / math.sqrt(xx * yy)

    def kernel_alignment(self, centered: bool = False) -> float:
        r"""Kernel alignment :math:`\langle K, L\rangle_F / (\|K\|_F\|L\|_F)` of the linear kernels.

        ``centered=True`` uses :math:`HKH, HLH` (equal to biased linear CKA); ``centered=False``
        the raw Grams :math:`XX^\top`, :math:`YY^\top` (computed at the origin, not the shift).
        """
        if centered:
            return self.cka("biased")
        raw = self.to_shift(torch.zeros_like(self.u), torch.zeros_like(self.v)).stats
        kl, kk, ll = (float((m * m).sum()) for m in (raw["cxy"], raw["gxx"], raw["gyy"]))
        if not (kk > 0 and ll > 0):
            raise ValueError("kernel alignment is undefined: X or Y is all zeros over the rows seen.")
        return kl / math.sqrt(kk * ll)


def _iter_batches(n: int, batch_size: int):
    for i in range(0, n, batch_size):
        yield slice(i, min(i + batch_size, n))


def linear_hsic(X, Y, estimator: str = "biased", *, batch_size: int = 8192, progress=None) -> float:
    """Linear HSIC of two (n, d) arrays through :class:`LinearAccumulator` (memory O(d^2 + batch*d))."""
    return _stream(X, Y, batch_size, progress).hsic(estimator)


def linear_cka(X, Y, estimator: str = "biased", *, batch_size: int = 8192, progress=None) -> float:
    """Linear CKA through :class:`LinearAccumulator`: the O(n d^2) feature-space route, never n-by-n.

    Equals ``alignbook.cka(X, Y, kernel="linear", estimator=estimator)`` (to rounding), in
    float64 whatever the input dtype, processing ``batch_size`` rows at a time (a tqdm bar
    appears when it runs for more than 2 s; ``progress=False`` hides it).
    """
    return _stream(X, Y, batch_size, progress).cka(estimator)


def _stream(X, Y, batch_size: int, progress=None) -> LinearAccumulator:
    from .._validate import check_int

    check_int(batch_size, "batch_size", 1)
    if isinstance(X, torch.Tensor) != isinstance(Y, torch.Tensor):
        as_pair(X, Y)  # raises the standard TypeError
    if not isinstance(X, torch.Tensor):
        X, Y = np.asarray(X), np.asarray(Y)
    if X.ndim != 2 or Y.ndim != 2:
        as_pair(X, Y)  # raises the standard shape message
    n = X.shape[0]
    if Y.shape[0] != n:
        as_pair(X[:1], Y[:1])  # shape checks on tiny slices
        raise ValueError(
            f"X has {n} rows but Y has {Y.shape[0]}; the rows are paired samples, so both need the same n."
        )
    acc = LinearAccumulator()
    batches = list(_iter_batches(n, batch_size))
    for sl in progress_bar(batches, progress, desc="batches"):
        acc.update(X[sl], Y[sl])
    return acc
