r"""Streaming (mini-batch) accumulators for the linear-kernel measures.

:class:`.LinearAccumulator` keeps additive sufficient statistics of paired mini-batches
``(X_b, Y_b)`` and finalises to **the same number as the full-data computation** (not a
mini-batch average): biased and unbiased HSIC / CKA with the linear kernel, kernel alignment
(centred or not), the centred covariance blocks, the Procrustes distance and the canonical
correlations. Two accumulators merge exactly, so they reduce across processes with
``torch.distributed`` (:meth:`.LinearAccumulator.all_reduce`). Every result goes through the
finish of :mod:`alignbook.core` that the dense measures use.

Derivation
----------
Write :math:`K = XX^\top`, :math:`L = YY^\top` for the linear kernels of the ``n`` rows seen
(taken relative to a centre :math:`(u, v)`), :math:`a_i = \|x_i\|^2 = K_{ii}`,
:math:`b_i = \|y_i\|^2 = L_{ii}`, :math:`s_x = X^\top\mathbf 1`, :math:`s_y = Y^\top\mathbf 1`.
Every statistic below is a sum over rows, hence additive over batches:

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

They give the sums of :class:`alignbook.core.hsic.HSICSums`: :math:`\sum K\circ L = \|X^\top Y\|_F^2`,
:math:`\sum_i K_{ii}L_{ii} = s_{ab}`, :math:`\mathbf 1^\top K\mathbf 1 = \|s_x\|^2`,
:math:`(K\mathbf 1)^\top(L\mathbf 1) = s_x^\top X^\top Y s_y` and
:math:`(\tilde K\mathbf 1)^\top(\tilde L\mathbf 1) = s_x^\top X^\top Ys_y - s_x^\top X^\top b
- s_y^\top Y^\top a + s_{ab}`; the same with :math:`Y = X` give the self-HSIC. No
:math:`n\times n` matrix is ever formed: an update costs :math:`O(b(d_1+d_2)^2)` for a batch of
``b`` rows and the state is :math:`O((d_1+d_2)^2)`.

*Centring without cancellation.* All statistics are polynomials of degree at most four in the
rows, so those of :math:`x - u'` follow exactly from those of :math:`x - u` (``_reshift``).
The accumulator keeps its statistics about the **running mean** (the parallel-moments scheme
of Chan, Golub and LeVeque): each batch is summarised about its own mean, and both summaries are
moved *outward* to the combined mean before they are added. Moving statistics away from their
own mean never cancels, so data far from the origin (an offset of 1e5, or data that drift) give
the full-data values to rounding, whatever order the batches come in.

*Extreme magnitudes.* Each input's statistics are those of :math:`2^{-e}X` with the exponent
:math:`e` of the largest entry seen (0 while it stays within :math:`2^{\pm100}`), so fourth
powers never overflow or underflow; scale-invariant results need nothing more, and HSIC and the
covariances are scaled back exactly (a value outside float64 raises a scaling error).

Numbers: the statistics are kept in float64 (``REDUCTION_DTYPE``) whatever the batch dtype. On
CPU, :math:`X^\top X` and :math:`Y^\top Y` use the symmetric rank-k update of BLAS (``dsyrk``,
half the flops of a general product); elsewhere plain matrix products.
"""
from __future__ import annotations

import warnings

import numpy as np
import torch

from ..core.guards import (
    Ctx,
    as_matrix,
    check_2d,
    check_choice,
    check_estimator,
    check_finite,
    check_int,
    check_paired,
    check_progress,
    check_same_kind,
    finish,
    refuse_constant,
    scale_back,
    to_tensor,
)
from ..core.hsic import HSICSums, alignment_from_sums, cka_from_sums, hsic_from_sums
from ..core.linalg import pivoted_cholesky, psd_factor, row_sq_norms, same_tensor, symmetric_gram
from ..core.linear import PROCRUSTES_METRICS, cca_finish, procrustes_from_cosine
from ..device import REDUCTION_DTYPE
from ._progress import progress_bar

__all__ = ["LinearAccumulator", "linear_cka", "linear_hsic"]

_VEC = ("sx", "sy", "xa", "xb", "ya", "yb")
_MAT = ("gxx", "gyy", "cxy")
_SCA = ("sa", "sb", "saa", "sbb", "sab")
_STATS = (*_SCA, *_VEC, *_MAT)
#: degree of each statistic in (X, Y): how it scales when X -> cX, Y -> c'Y
_DEGREE = {"sx": (1, 0), "sy": (0, 1), "gxx": (2, 0), "gyy": (0, 2), "cxy": (1, 1), "sa": (2, 0),
           "sb": (0, 2), "saa": (4, 0), "sbb": (0, 4), "sab": (2, 2), "xa": (3, 0), "xb": (1, 2),
           "ya": (2, 1), "yb": (0, 3)}
_SAFE = 100
_F64 = dict(dtype=REDUCTION_DTYPE)
_NUMPY_CTX = Ctx(numpy=True, device=torch.device("cpu"), dtype=REDUCTION_DTYPE)


def _exponent(T: torch.Tensor, name: str):
    """One pass: refuse non-finite entries, return the binary exponent of max|T| (None if T is 0)."""
    lo, hi = torch.aminmax(T)
    if not (bool(torch.isfinite(lo)) and bool(torch.isfinite(hi))):
        check_finite(T, name)  # raises, counting the bad entries
    m = torch.maximum(lo.abs(), hi.abs())
    return int(torch.frexp(m).exponent) if bool(m > 0) else None


def _batch(X, Y):
    """Convert and check one batch: float64, 2-D, paired, finite; returns the tensors and their exponents."""
    check_same_kind(X, Y)
    Xt, _ = to_tensor(X, "X", REDUCTION_DTYPE)
    Yt, _ = to_tensor(Y, "Y", REDUCTION_DTYPE)
    check_2d(Xt, "X")
    check_2d(Yt, "Y")
    check_paired(Xt.shape[0], Yt.shape[0])
    Xt, Yt = Xt.detach(), Yt.detach()
    return Xt, Yt, _exponent(Xt, "X"), _exponent(Yt, "Y")


def _target_exponent(e_max: int | None) -> int:
    return 0 if e_max is None or -_SAFE <= e_max <= _SAFE else e_max


def _reshift(s: dict, n: int, u: torch.Tensor, v: torch.Tensor) -> dict:
    r"""Statistics of ``(x - u, y - v)`` from those of ``(x, y)`` (exact algebra).

    With :math:`\alpha_i = -2u^\top x_i + \|u\|^2` and :math:`\beta_i = -2v^\top y_i + \|v\|^2`
    the new squared norms are :math:`a_i + \alpha_i` and :math:`b_i + \beta_i`; every new sum
    expands into old sums.
    """
    uu, vv = u @ u, v @ v
    sx, sy, gxx, gyy, cxy = s["sx"], s["sy"], s["gxx"], s["gyy"], s["cxy"]
    usx, vsy = u @ sx, v @ sy
    Gu, Gv, Cv, Ctu = gxx @ u, gyy @ v, cxy @ v, cxy.T @ u
    uCv = u @ Cv
    sum_alpha = -2.0 * usx + n * uu
    sum_beta = -2.0 * vsy + n * vv
    alpha_x = -2.0 * Gu + uu * sx  # sum_i alpha_i x_i
    alpha_y = -2.0 * Ctu + uu * sy  # sum_i alpha_i y_i
    beta_x = -2.0 * Cv + vv * sx  # sum_i beta_i x_i
    beta_y = -2.0 * Gv + vv * sy  # sum_i beta_i y_i
    sum_a_alpha = -2.0 * (u @ s["xa"]) + uu * s["sa"]
    sum_b_beta = -2.0 * (v @ s["yb"]) + vv * s["sb"]
    sum_alpha2 = 4.0 * (u @ Gu) - 4.0 * uu * usx + n * uu * uu
    sum_beta2 = 4.0 * (v @ Gv) - 4.0 * vv * vsy + n * vv * vv
    sum_a_beta = -2.0 * (v @ s["ya"]) + vv * s["sa"]
    sum_alpha_b = -2.0 * (u @ s["xb"]) + uu * s["sb"]
    sum_alpha_beta = 4.0 * uCv - 2.0 * vv * usx - 2.0 * uu * vsy + n * uu * vv
    out = {}
    out["sa"] = s["sa"] + sum_alpha
    out["sb"] = s["sb"] + sum_beta
    out["saa"] = s["saa"] + 2.0 * sum_a_alpha + sum_alpha2
    out["sbb"] = s["sbb"] + 2.0 * sum_b_beta + sum_beta2
    out["sab"] = s["sab"] + sum_a_beta + sum_alpha_b + sum_alpha_beta
    # sum_i a'_i (x_i - u) etc. with a'_i = a_i + alpha_i
    out["xa"] = s["xa"] + alpha_x - u * out["sa"]
    out["xb"] = s["xb"] + beta_x - u * out["sb"]
    out["ya"] = s["ya"] + alpha_y - v * out["sa"]
    out["yb"] = s["yb"] + beta_y - v * out["sb"]
    out["sx"] = sx - n * u
    out["sy"] = sy - n * v
    out["gxx"] = gxx - torch.outer(sx, u) - torch.outer(u, sx) + n * torch.outer(u, u)
    out["gyy"] = gyy - torch.outer(sy, v) - torch.outer(v, sy) + n * torch.outer(v, v)
    out["cxy"] = cxy - torch.outer(sx, v) - torch.outer(u, sy) + n * torch.outer(u, v)
    return out


def _batch_stats(x: torch.Tensor, y: torch.Tensor) -> dict:
    """The statistics of rows ``x``, ``y`` (already centred on the batch mean).

    Equal inputs share every computation, so the statistics of (X, X) are bit-identical to those
    of X with itself and self-similarity is exactly 1.
    """
    if same_tensor(x, y):
        a = row_sq_norms(x)
        xa = x.T @ a
        G = symmetric_gram(x)
        sa, saa = a.sum(), a @ a
        return {"sa": sa, "sb": sa, "saa": saa, "sbb": saa, "sab": saa, "sx": x.sum(0), "sy": x.sum(0),
                "xa": xa, "xb": xa, "ya": xa, "yb": xa, "gxx": G, "gyy": G, "cxy": G}
    a, b = row_sq_norms(x), row_sq_norms(y)
    ab = torch.stack([a, b], dim=1)
    xab, yab = x.T @ ab, y.T @ ab  # one pass over each input for both norm vectors
    return {"sa": a.sum(), "sb": b.sum(), "saa": a @ a, "sbb": b @ b, "sab": a @ b,
            "sx": x.sum(0), "sy": y.sum(0), "xa": xab[:, 0], "xb": xab[:, 1], "ya": yab[:, 0], "yb": yab[:, 1],
            "gxx": symmetric_gram(x), "gyy": symmetric_gram(y), "cxy": x.T @ y}


class LinearAccumulator:
    """Additive sufficient statistics of paired batches for the linear-kernel measures.

    Parameters
    ----------
    shift : deprecated
        Kept for compatibility and ignored: the statistics are always kept about the running
        mean, which never cancels (module docstring), so no shift is needed for data far from
        the origin.
    device : where the statistics live (default: the device of the first batch).

    Use :meth:`.update` with mini-batches (NumPy arrays or tensors, any float dtype), then
    :meth:`.hsic`, :meth:`.cka`, :meth:`.kernel_alignment`, :meth:`.covariances`,
    :meth:`.procrustes_distance`, :meth:`.canonical_correlations`. Combine two accumulators with
    :meth:`.merge` (or ``+``) and across processes with :meth:`.all_reduce`. Scalar results are
    Python floats.

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> from alignbook.scale import LinearAccumulator
    >>> g = np.random.default_rng(0)
    >>> X = g.normal(size=(1000, 8)) + 1e5
    >>> Y = np.tanh(X - 1e5) + 0.1 * g.normal(size=(1000, 8))
    >>> acc = LinearAccumulator()
    >>> for i in range(0, 1000, 300):
    ...     _ = acc.update(X[i:i + 300], Y[i:i + 300])
    >>> abs(acc.cka("unbiased") - ab.cka(X, Y, estimator="unbiased")) < 1e-10
    True
    """

    def __init__(self, shift="first", device=None):
        if not (shift is None or (isinstance(shift, str) and shift == "first") or isinstance(shift, (tuple, list))):
            raise ValueError(
                f"shift={shift!r} must be 'first', None, or a pair (u, v) of 1-D arrays of lengths d1, d2 "
                "(it is deprecated and ignored: the statistics are kept about the running mean)."
            )
        if not (isinstance(shift, str) and shift == "first"):
            warnings.warn("LinearAccumulator(shift=...) is deprecated and ignored: the statistics are kept "
                          "about the running mean, which is exact for data far from the origin.",
                          DeprecationWarning, stacklevel=2)
        self._device = torch.device(device) if device is not None else None
        self.d_x = self.d_y = None
        self.u = self.v = None  # the running means of 2^-e X, 2^-f Y
        self.stats = None
        self._n = 0
        self._ex = self._ey = 0  # the exponents e, f of the stored statistics
        self._emax = [None, None]  # largest exponents seen
        self._first = None  # the first rows (to tell a constant stream)
        self._const = [True, True]

    # ------------------------------------------------------------------ state
    @property
    def n(self) -> int:
        """Number of rows seen."""
        return self._n

    def _rescale_to(self, ex: int, ey: int) -> None:
        """Re-express the stored statistics for exponents ``(ex, ey)`` (exact powers of two)."""
        dx, dy = self._ex - ex, self._ey - ey
        if self.stats is not None and (dx or dy):
            for k in _STATS:
                p, q = _DEGREE[k]
                self.stats[k] = scale_back(self.stats[k], p * dx + q * dy)
            self.u, self.v = scale_back(self.u, dx), scale_back(self.v, dy)
        self._ex, self._ey = ex, ey

    def update(self, X, Y) -> "LinearAccumulator":
        """Add a batch of paired rows ``X`` (b, d1) and ``Y`` (b, d2); returns ``self``."""
        Xt, Yt, ex_b, ey_b = _batch(X, Y)
        if self.stats is None:
            self.d_x, self.d_y = Xt.shape[1], Yt.shape[1]
            self._first = (Xt[0].to(self._device or Xt.device).clone(), Yt[0].to(self._device or Xt.device).clone())
        elif Xt.shape[1] != self.d_x or Yt.shape[1] != self.d_y:
            raise ValueError(
                f"this accumulator holds d1={self.d_x}, d2={self.d_y} columns but the batch has "
                f"X: {Xt.shape[1]}, Y: {Yt.shape[1]}; every batch must have the same widths."
            )
        dev = self._device or (self.u.device if self.u is not None else Xt.device)
        Xt, Yt = Xt.to(dev), Yt.to(dev)
        self._const[0] = self._const[0] and bool((Xt == self._first[0]).all())
        self._const[1] = self._const[1] and bool((Yt == self._first[1]).all())
        for i, e in enumerate((ex_b, ey_b)):
            if e is not None and (self._emax[i] is None or e > self._emax[i]):
                self._emax[i] = e
        self._rescale_to(_target_exponent(self._emax[0]), _target_exponent(self._emax[1]))
        x, y = scale_back(Xt, -self._ex), scale_back(Yt, -self._ey)
        mx, my = x.mean(0), y.mean(0)
        batch = _batch_stats(x - mx, y - my)
        nb = x.shape[0]
        if self.stats is None:
            self.stats, self.u, self.v, self._n = batch, mx, my, nb
            return self
        self._add(batch, nb, mx, my)
        return self

    def _add(self, other: dict, n_o: int, u_o: torch.Tensor, v_o: torch.Tensor) -> None:
        """Add statistics kept about ``(u_o, v_o)`` to ours: both move outward to the combined mean."""
        n = self._n + n_o
        M = (self._n * self.u + n_o * u_o) / n
        N = (self._n * self.v + n_o * v_o) / n
        mine = _reshift(self.stats, self._n, M - self.u, N - self.v)
        theirs = _reshift(other, n_o, M - u_o, N - v_o)
        self.stats = {k: mine[k] + theirs[k] for k in _STATS}
        self.u, self.v, self._n = M, N, n

    def copy(self) -> "LinearAccumulator":
        """An independent copy."""
        new = LinearAccumulator(device=self._device)
        new.d_x, new.d_y, new._n = self.d_x, self.d_y, self._n
        new._ex, new._ey, new._emax, new._const = self._ex, self._ey, list(self._emax), list(self._const)
        if self.stats is not None:
            new.u, new.v = self.u.clone(), self.v.clone()
            new.stats = {k: v.clone() for k, v in self.stats.items()}
            new._first = tuple(t.clone() for t in self._first)
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
        new, o = self.copy(), other.copy()
        for i in range(2):
            es = [e for e in (new._emax[i], o._emax[i]) if e is not None]
            new._emax[i] = max(es) if es else None
        ex, ey = _target_exponent(new._emax[0]), _target_exponent(new._emax[1])
        new._rescale_to(ex, ey)
        o._rescale_to(ex, ey)
        dev = new.u.device
        new._const = [new._const[i] and o._const[i] and bool((new._first[i] == o._first[i].to(dev)).all())
                      for i in range(2)]
        new._add({k: v.to(dev) for k, v in o.stats.items()}, o._n, o.u.to(dev), o.v.to(dev))
        return new

    __add__ = merge

    def all_reduce(self, group=None) -> "LinearAccumulator":
        """Sum the statistics over all processes of ``group`` (``torch.distributed``), in place.

        Every rank must have seen at least one batch. The ranks agree on the exponents (the
        largest), then on the global mean, move their statistics outward to it and sum them with
        ``all_reduce``; afterwards every rank holds the statistics of all rows. Without an
        initialised process group this is a no-op (a single process already holds everything).
        """
        import torch.distributed as dist

        if not (dist.is_available() and dist.is_initialized()):
            return self
        if self.stats is None:
            raise ValueError("all_reduce needs every rank to have called update() at least once.")
        dev = self.u.device
        big = -(2**30)
        emax = torch.tensor([big if e is None else e for e in self._emax], dtype=torch.float64, device=dev)
        dist.all_reduce(emax, op=dist.ReduceOp.MAX, group=group)
        self._emax = [None if float(e) == big else int(e) for e in emax]
        self._rescale_to(_target_exponent(self._emax[0]), _target_exponent(self._emax[1]))
        tot = torch.cat([torch.tensor([float(self._n)], **_F64, device=dev), self._n * self.u, self._n * self.v])
        dist.all_reduce(tot, op=dist.ReduceOp.SUM, group=group)
        n = int(round(float(tot[0])))
        M, N = tot[1:1 + self.d_x] / n, tot[1 + self.d_x:] / n
        moved = _reshift(self.stats, self._n, M - self.u, N - self.v)
        flat = torch.cat([torch.stack([moved[k] for k in _SCA]), *[moved[k].reshape(-1) for k in (*_VEC, *_MAT)]])
        dist.all_reduce(flat, op=dist.ReduceOp.SUM, group=group)
        out, i = {}, len(_SCA)
        for j, k in enumerate(_SCA):
            out[k] = flat[j].clone()
        for k in (*_VEC, *_MAT):
            t = moved[k]
            out[k] = flat[i:i + t.numel()].reshape(t.shape).clone()
            i += t.numel()
        first = torch.cat(self._first)
        ref = first.clone()
        dist.broadcast(ref, src=0, group=group)
        c = torch.tensor([float(self._const[0] and bool((first[:self.d_x] == ref[:self.d_x]).all())),
                          float(self._const[1] and bool((first[self.d_x:] == ref[self.d_x:]).all()))], **_F64, device=dev)
        dist.all_reduce(c, op=dist.ReduceOp.MIN, group=group)
        self._const = [bool(c[0] > 0), bool(c[1] > 0)]
        self.stats, self.u, self.v, self._n = out, M, N, n
        return self

    def state_dict(self) -> dict:
        """Plain dict of tensors and numbers (for saving, or for a custom reduction)."""
        if self.stats is None:
            raise ValueError("the accumulator is empty; call update(X, Y) with at least one batch first.")
        return {"n": self._n, "u": self.u, "v": self.v, "exponents": (self._ex, self._ey), **self.stats}

    # ------------------------------------------------------------------ results
    def _need(self, n_min: int, what: str):
        if self.stats is None:
            raise ValueError("the accumulator is empty; call update(X, Y) with at least one batch first.")
        if self._n < n_min:
            raise ValueError(f"X and Y have n={self._n} rows (all this accumulator has seen); {what} needs "
                             f"at least {n_min}.")

    def _refuse_constant(self, what: str) -> None:
        for i, nm in enumerate(("X", "Y")):
            if self._const[i]:
                refuse_constant(self._first[i].reshape(1, -1).expand(self._n, -1), nm, what)

    def _sums(self):
        """The HSIC sums of (X, Y), (X, X), (Y, Y) from the statistics (module docstring)."""
        s, n = self.stats, self._n
        sx, sy, C, G, H = s["sx"], s["sy"], s["cxy"], s["gxx"], s["gyy"]
        sCs, sGs, sHs = sx @ (C @ sy), sx @ (G @ sx), sy @ (H @ sy)

        def sums(kl, k_sum, l_sum, k_dot_l, diag, kt, lt, ktlt):
            return HSICSums(n=n, kl=kl, k_sum=k_sum, l_sum=l_sum, k_dot_l=k_dot_l, diag=diag, k_trace=kt,
                            l_trace=lt, kt_dot_lt=ktlt)

        xx2, yy2 = sx @ sx, sy @ sy
        sxy = sums((C * C).sum(), xx2, yy2, sCs, s["sab"], s["sa"], s["sb"], sCs - sx @ s["xb"] - sy @ s["ya"] + s["sab"])
        sxx = sums((G * G).sum(), xx2, xx2, sGs, s["saa"], s["sa"], s["sa"], sGs - 2.0 * (sx @ s["xa"]) + s["saa"])
        syy = sums((H * H).sum(), yy2, yy2, sHs, s["sbb"], s["sb"], s["sb"], sHs - 2.0 * (sy @ s["yb"]) + s["sbb"])
        return sxy, sxx, syy

    def hsic(self, estimator: str = "biased") -> float:
        """Linear-kernel HSIC of all rows seen: ``"biased"`` tr(KHLH)/(n-1)² or ``"unbiased"`` (Song).

        >>> import numpy as np, alignbook as ab
        >>> X = np.random.default_rng(0).normal(size=(50, 3))
        >>> acc = LinearAccumulator().update(X[:20], X[:20] ** 2).update(X[20:], X[20:] ** 2)
        >>> abs(acc.hsic() - ab.hsic(X, X**2)) < 1e-12
        True
        """
        self._need(1, "HSIC")
        check_estimator(estimator, self._n)
        value = hsic_from_sums(self._sums()[0], estimator)
        return finish(scale_back(value, 2 * (self._ex + self._ey)), _NUMPY_CTX, "HSIC")

    def cka(self, estimator: str = "biased") -> float:
        """Linear CKA of all rows seen, HSIC(X,Y)/sqrt(HSIC(X,X) HSIC(Y,Y)), same estimator throughout.

        Raises ``ValueError`` for a constant stream and when a denominator HSIC is not positive
        (an unbiased self-HSIC that is <= 0 at tiny n), where CKA is undefined.

        >>> import numpy as np
        >>> X = np.random.default_rng(0).normal(size=(50, 3))
        >>> LinearAccumulator().update(X, X).cka(), round(LinearAccumulator().update(X, 2 * X + 1).cka(), 12)
        (1.0, 1.0)
        """
        self._need(1, "CKA")
        check_estimator(estimator, self._n)
        self._refuse_constant("CKA")
        return finish(cka_from_sums(*self._sums(), estimator), _NUMPY_CTX, "CKA")

    def kernel_alignment(self, centered: bool = False) -> float:
        r"""Kernel alignment :math:`\langle K, L\rangle_F / (\|K\|_F\|L\|_F)` of the linear kernels.

        ``centered=True`` uses :math:`HKH, HLH` (equal to biased linear CKA); ``centered=False``
        the raw Grams :math:`XX^\top`, :math:`YY^\top` (the statistics moved to the origin).

        >>> import numpy as np
        >>> X = np.random.default_rng(0).normal(size=(50, 3))
        >>> round(LinearAccumulator().update(X, 3 * X).kernel_alignment(), 12)
        1.0
        """
        from ..core.guards import check_bool

        if check_bool(centered, "centered"):
            return self.cka("biased")
        self._need(1, "kernel alignment")
        raw = _reshift(self.stats, self._n, -self.u, -self.v)
        kl, kk, ll = ((raw[k] * raw[k]).sum() for k in ("cxy", "gxx", "gyy"))
        return finish(alignment_from_sums(kl, kk, ll), _NUMPY_CTX, "KA")

    def covariances(self):
        r"""Centred blocks :math:`(X_c^\top X_c,\ Y_c^\top Y_c,\ X_c^\top Y_c)` as float64 tensors.

        (:math:`X_c = HX`; divide by ``n - 1`` for sample covariances.) Procrustes and CCA are
        functions of these three blocks alone.

        >>> import numpy as np
        >>> X = np.random.default_rng(0).normal(size=(50, 2))
        >>> gxx, gyy, cxy = LinearAccumulator().update(X, X).covariances()
        >>> bool(np.allclose(gxx.numpy(), (X - X.mean(0)).T @ (X - X.mean(0))))
        True
        """
        self._need(1, "covariances")
        gxx, gyy, cxy = self._centered_blocks()
        out = (scale_back(gxx, 2 * self._ex), scale_back(gyy, 2 * self._ey), scale_back(cxy, self._ex + self._ey))
        for t in out:
            if not bool(torch.isfinite(t).all()):
                finish(t.sum(), _NUMPY_CTX, "covariances")  # raises the scaling message
        return out

    def _centered_blocks(self):
        s, n = self.stats, self._n
        gxx = s["gxx"] - torch.outer(s["sx"], s["sx"]) / n
        gyy = s["gyy"] - torch.outer(s["sy"], s["sy"]) / n
        cxy = s["cxy"] - torch.outer(s["sx"], s["sy"]) / n
        return gxx, gyy, cxy

    def _ranges(self, what: str, route: str):
        """Orthonormal bases ``O`` and triangular ``T`` with ``G = (O T)(O T)^T`` for both inputs, and ``C``.

        ``route="features"``: an eigendecomposition of each d-by-d block; ``"samples"``: a pivoted
        Cholesky factorisation of rank at most ``n - 1`` (``O(d n^2)``); ``"auto"`` takes the latter
        when ``d > n``. Same values to rounding.
        """
        check_choice(route, "route", ("auto", "features", "samples"))
        self._need(2, what)
        self._refuse_constant(what)
        gxx, gyy, cxy = self._centered_blocks()
        out = []
        for G, nm in ((gxx, "X"), (gyy, "Y")):
            G = 0.5 * (G + G.T)
            if route == "samples":
                F = pivoted_cholesky(G, rank_hint=self._n - 1)
            elif route == "features":
                F = psd_factor(G)
            else:
                F = psd_factor(G, self._n)
            if F.shape[1] == 0:  # pragma: no cover - a non-constant stream has a nonzero Gram
                raise ValueError(f"{nm} is constant over the rows seen, so {what} is undefined.")
            O, T = torch.linalg.qr(F)
            out.append((O, T))
        return out, cxy

    def procrustes_distance(self, metric: str = "angular", *, route: str = "auto") -> float:
        r"""Procrustes distance of the centred, unit-Frobenius inputs, from the covariance blocks.

        :math:`\nu = \|X_c^\top Y_c\|_* / (\|X_c\|_F\|Y_c\|_F)`; ``"angular"`` gives
        :math:`\arccos\nu`, ``"euclidean"`` :math:`\sqrt{2-2\nu}`, ``"disparity"`` :math:`1-\nu^2`
        (the conventions of ``alignbook.procrustes_distance``). Computed from :math:`\nu`, so for
        nearly identical shapes (:math:`\nu \to 1`) it keeps fewer digits than the measure, which
        forms the residual from the rows; for the same reason a :math:`\nu` that rounding puts
        above 1 by at most ``1e-12`` is taken as 1. When the widths exceed the number of rows the
        nuclear norm comes from the rank-``n`` factors (no ``d x d`` SVD).

        >>> import numpy as np
        >>> X = np.random.default_rng(0).normal(size=(50, 3))
        >>> LinearAccumulator().update(X, 2 * X).procrustes_distance("euclidean") < 1e-6
        True
        """
        check_choice(metric, "metric", PROCRUSTES_METRICS)
        ((Ox, Tx), (Oy, Ty)), cxy = self._ranges("the Procrustes distance", route)
        nuc = torch.linalg.svdvals(Ox.T @ cxy @ Oy).sum()
        nu = nuc / torch.sqrt((Tx * Tx).sum() * (Ty * Ty).sum())  # ||F||_F^2 = tr G
        return finish(procrustes_from_cosine(nu, metric), _NUMPY_CTX, "the Procrustes distance")

    def canonical_correlations(self, *, route: str = "auto") -> torch.Tensor:
        r"""Canonical correlations (descending) from the covariance blocks.

        With factors :math:`G_{XX} = F_XF_X^\top` at numerical rank (eigenvalues above
        ``max(w) * d * eps``, NumPy's rank rule on the squared singular values) and
        :math:`F = OT` (QR), the correlations are the singular values of
        :math:`T_X^{-1}O_X^\top C_{XY}O_YT_Y^{-\top}` (the whitened cross matrix of
        :mod:`alignbook.core.linear`). Equals ``alignbook.cca(X, Y).rho`` for well-conditioned
        inputs; the factors come from a pivoted Cholesky factorisation when the widths exceed
        the number of rows (``route="auto"``; ``"features"`` / ``"samples"`` force one).

        >>> import numpy as np
        >>> X = np.random.default_rng(0).normal(size=(50, 3))
        >>> LinearAccumulator().update(X, X @ np.diag([1.0, 2.0, 3.0])).canonical_correlations().numpy().round(8)
        array([1., 1., 1.])
        """
        ((Ox, Tx), (Oy, Ty)), cxy = self._ranges("CCA", route)
        B = Ox.T @ cxy @ Oy
        M = torch.linalg.solve_triangular(Tx, B, upper=True)  # Tx^-1 B
        M = torch.linalg.solve_triangular(Ty.T, M, upper=False, left=False)  # ... Ty^-T
        return cca_finish(M)[0]


def _iter_batches(n: int, batch_size: int):
    for i in range(0, n, batch_size):
        yield slice(i, min(i + batch_size, n))


def linear_hsic(X, Y, estimator: str = "biased", *, batch_size: int = 8192, progress=None) -> float:
    """Linear HSIC of two (n, d) arrays through :class:`.LinearAccumulator` (memory O(d^2 + batch*d)).

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> abs(linear_hsic(X, X**2, batch_size=7) - ab.hsic(X, X**2)) < 1e-12
    True
    """
    return _stream(X, Y, batch_size, progress).hsic(estimator)


def linear_cka(X, Y, estimator: str = "biased", *, batch_size: int = 8192, progress=None) -> float:
    """Linear CKA through :class:`.LinearAccumulator`: the O(n d^2) feature-space route, never n-by-n.

    Equals ``alignbook.cka(X, Y, kernel="linear", estimator=estimator)`` (to rounding), in
    float64 whatever the input dtype, processing ``batch_size`` rows at a time (a tqdm bar
    appears when it runs for more than 2 s; ``progress=False`` hides it).


    Parameters
    ----------
    X, Y : array-like or torch.Tensor
        Paired representations, shapes ``(n, d1)`` and ``(n, d2)`` (both NumPy-like or both tensors
        on one device).
    estimator : {"biased", "unbiased"}
        Gretton et al.'s V-statistic or Song et al.'s U-statistic (``n >= 4``).
    batch_size : int
        Rows per batch.
    progress : None or bool
        A progress bar.

    Returns
    -------
    float
        Equal to ``alignbook.cka(X, Y, estimator=estimator)`` to rounding.

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> X = np.random.default_rng(0).normal(size=(100, 3)) * 1e200
    >>> abs(linear_cka(X, X[:, :2], batch_size=30) - ab.cka(X, X[:, :2])) < 1e-12
    True
    """
    return _stream(X, Y, batch_size, progress).cka(estimator)


def _stream(X, Y, batch_size: int, progress=None) -> LinearAccumulator:
    batch_size = check_int(batch_size, "batch_size", 1)
    check_progress(progress)
    check_same_kind(X, Y)
    if not isinstance(X, torch.Tensor):  # lists and friends: the standard conversion and its messages
        X, Y = to_tensor(X, "X", None)[0], to_tensor(Y, "Y", None)[0]
    if X.ndim != 2 or Y.ndim != 2 or 0 in X.shape or 0 in Y.shape:
        as_matrix(X, "X")
        as_matrix(Y, "Y")  # raises the standard shape message
    check_paired(X.shape[0], Y.shape[0])
    acc = LinearAccumulator()
    for sl in progress_bar(list(_iter_batches(X.shape[0], batch_size)), progress, desc="batches"):
        acc.update(X[sl], Y[sl])
    return acc
