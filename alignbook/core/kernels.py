r"""The kernel specification :class:`.Kernel`: what :math:`k(x, x')` is, validated once.

A :class:`.Kernel` is one of

* ``Kernel.linear()``: :math:`k(x, x') = x^\top x'`, so :math:`K = XX^\top`;
* ``Kernel.rbf(bandwidth=1.0, median="all")``: :math:`\exp(-\|x-x'\|^2/(2\sigma^2))` with
  :math:`\sigma` = ``bandwidth`` times the median pairwise distance of the input it is applied
  to (Kornblith et al.'s convention: the median of the :math:`n^2` squared distances, the zero
  diagonal included, or of the :math:`n(n-1)/2` pairs with ``median="offdiag"``), or
  ``Kernel.rbf(sigma=s)`` for a fixed :math:`\sigma`;
* ``Kernel.distance()``: the distance-induced kernel
  :math:`\tfrac12(\|x\| + \|x'\| - \|x - x'\|)` of Sejdinovic et al. (2013);
* ``Kernel.from_callable(f)``: ``f(X) -> K`` on the ``(n, d)`` float tensor;
* ``Kernel.precomputed()``: the inputs already are Gram matrices.

Every function of :mod:`alignbook.measures` and :mod:`alignbook.scale` that takes ``kernel=``
accepts the object or the strings ``"linear"``, ``"rbf"``, ``"distance"``, ``"precomputed"`` (and
a callable); the keywords ``bandwidth=``, ``sigma=``, ``median=`` are shorthands that build the
RBF object, interpreted only in :meth:`.Kernel.resolve`.

Bound to data (:meth:`.Kernel.bind`), a kernel builds its full Gram matrix, a block of rows and
columns (the chunked routes), or its features (linear), all by the same construction, and an
*HSIC-equivalent* Gram matrix: one that differs from :math:`K` by :math:`f_i + f_j + c`, which
changes neither the centred Gram :math:`HKH` nor Song et al.'s U-statistic, but is better
conditioned (centred features for the linear kernel, :math:`e^{-d^2/2\sigma^2} - 1` for the RBF
kernel, :math:`-\tfrac12\|x - x'\|` for the distance kernel).

Gram matrices given by the user (``"precomputed"``, or returned by a callable) are validated by
:func:`.check_gram`, the same way everywhere: square; symmetric to a relative tolerance
:math:`\sqrt{\varepsilon}` of the precision they were given in (then symmetrised); and positive
semi-definite within rounding: :math:`\lambda_{\min}(K) \ge -8\,n\,\varepsilon\,\|K\|_F`, tested by a
Cholesky factorisation of :math:`K + 8n\varepsilon\|K\|_F I` in float64 (cost :math:`O(n^3/3)`).

Examples
--------
>>> import numpy as np
>>> from alignbook import Kernel, cka
>>> X = np.random.default_rng(0).normal(size=(50, 3))
>>> Kernel.rbf(0.5)
Kernel.rbf(bandwidth=0.5)
>>> Kernel.resolve("rbf", bandwidth=0.5) == Kernel.rbf(0.5)
True
>>> round(cka(X, X**2, kernel=Kernel.rbf(0.5)), 6) == round(cka(X, X**2, kernel="rbf", bandwidth=0.5), 6)
True
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import torch

from .guards import check_choice, check_positive
from .linalg import row_sq_norms

__all__ = ["BoundKernel", "Kernel", "SqDistances", "check_gram", "median_of", "rbf_sigma"]

NAMES = ("linear", "rbf", "distance", "precomputed")
MEDIANS = ("all", "offdiag")


# ----------------------------------------------------------------------------- distances
def _safe_sqrt(D2: torch.Tensor) -> torch.Tensor:
    """Square root with gradient 0 (not inf) at exact zeros (duplicated rows, the diagonal)."""
    pos = D2 > 0
    return torch.where(pos, torch.sqrt(torch.where(pos, D2, torch.ones_like(D2))), torch.zeros_like(D2))


class SqDistances:
    r"""Blocks of the squared Euclidean distances of one input, one construction for every route.

    The input is centred first (distances are translation invariant, and centring keeps the
    cancellation of :math:`r_i + r_j - 2x_i^\top x_j` small); pairs where that expansion is
    unreliable (:math:`\|x_i - x_j\|^2 < 10^{-4}(\|x_i\|^2 + \|x_j\|^2)`, near-duplicates) are
    recomputed from the differences, so every entry is :math:`\ge 0`, duplicated rows give exactly
    0, and the diagonal is exactly 0.
    """

    def __init__(self, X: torch.Tensor):
        self.Xc = X - X.mean(dim=0, keepdim=True)
        self.r = row_sq_norms(self.Xc)
        self.n = X.shape[0]

    def block(self, r0: int = 0, r1: int | None = None, c0: int = 0, c1: int | None = None) -> torch.Tensor:
        """Rows ``r0:r1`` and columns ``c0:c1`` of the squared-distance matrix."""
        r1 = self.n if r1 is None else r1
        c1 = self.n if c1 is None else c1
        A, B = self.Xc[r0:r1], self.Xc[c0:c1]
        ra, rb = self.r[r0:r1, None], self.r[None, c0:c1]
        D2 = ra + rb - 2.0 * (A @ B.T)
        rows = torch.arange(r0, r1, device=D2.device)[:, None]
        cols = torch.arange(c0, c1, device=D2.device)[None, :]
        diag = rows == cols
        bad = (D2 < 1e-4 * (ra + rb)) & ~diag
        if bool(bad.any()):
            ii, jj = bad.nonzero(as_tuple=True)
            vals = []
            for s in range(0, ii.numel(), 65536):
                diff = A[ii[s:s + 65536]] - B[jj[s:s + 65536]]
                vals.append((diff * diff).sum(dim=1))
            D2 = D2.index_put((ii, jj), torch.cat(vals))
        return torch.where(diag, torch.zeros_like(D2), D2)

    def distances(self, r0: int = 0, r1: int | None = None, c0: int = 0, c1: int | None = None) -> torch.Tensor:
        """The Euclidean distances of the same block (gradient 0 at exact zeros)."""
        return _safe_sqrt(self.block(r0, r1, c0, c1))


def median_of(values: torch.Tensor) -> torch.Tensor:
    """Median of a flat tensor, averaging the two middle values for an even count (NumPy's rule)."""
    m = values.numel()
    if m % 2:
        return values.kthvalue((m + 1) // 2).values
    return 0.5 * (values.kthvalue(m // 2).values + values.kthvalue(m // 2 + 1).values)


def dense_median_sq(sd: SqDistances, include_diagonal: bool, name: str = "X") -> torch.Tensor:
    """The median of the squared distances (all n^2 entries, or the pairs i < j), from the full matrix."""
    D2 = sd.block()
    n = sd.n
    if include_diagonal:
        return median_of(D2.reshape(-1))
    if n < 2:
        raise ValueError(f"{name} needs at least 2 rows for an off-diagonal median distance.")
    iu = torch.triu_indices(n, n, offset=1, device=D2.device)
    return median_of(D2[iu[0], iu[1]])


def rbf_sigma(bandwidth: float, median_sq, name: str, median: str):
    """``bandwidth * sqrt(median_sq)``, refusing a zero median (one message for every route)."""
    m2 = median_sq if isinstance(median_sq, torch.Tensor) else torch.as_tensor(float(median_sq), dtype=torch.float64)
    if not bool(m2 > 0):
        raise ValueError(
            f"the median pairwise distance of {name} is 0 (it is constant, or more than half of "
            f"the {'n^2 entries, diagonal included,' if median == 'all' else 'pairs'} are zero "
            "distances), so the median-heuristic RBF bandwidth is undefined; pass an explicit "
            "sigma=... (Kernel.rbf(sigma=...)), or median='offdiag' if only the diagonal zeros "
            "dominate (tiny n)."
        )
    return bandwidth * torch.sqrt(m2)


# ----------------------------------------------------------------------------- Gram validation
def check_gram(K: torch.Tensor, name: str, source_dtype: torch.dtype = torch.float64) -> torch.Tensor:
    r"""Validate a user-supplied Gram matrix and return it symmetrised.

    Square; symmetric: :math:`\max|K - K^\top| \le \sqrt{\varepsilon}\max|K|`; positive
    semi-definite within rounding: :math:`\lambda_{\min}(K) \ge -8n\varepsilon\|K\|_F` (a Cholesky
    factorisation of :math:`K + 8n\varepsilon\|K\|_F I` in float64 must succeed), with
    :math:`\varepsilon` the machine epsilon of ``source_dtype``, the precision the Gram was given
    in. One message for every failure, naming ``name``.
    """
    n = K.shape[0]
    fix = ("pass a symmetric positive semi-definite Gram matrix K[i, j] = k(x_i, x_j) "
           "(e.g. alignbook.gram(X, 'rbf')), or kernel='linear' with the features themselves")
    if K.ndim != 2 or K.shape[1] != n:
        raise ValueError(f"{name} must be a square (n, n) Gram matrix for a precomputed kernel; "
                         f"got shape {tuple(K.shape)}. {fix[0].upper() + fix[1:]}.")
    eps = torch.finfo(source_dtype if source_dtype.is_floating_point else torch.float64).eps
    Kd = K.detach().to(torch.float64)
    top = float(Kd.abs().max()) if n else 0.0
    asym = float((Kd - Kd.T).abs().max()) if n else 0.0
    if asym > math.sqrt(eps) * top:
        raise ValueError(
            f"{name} is not a valid Gram matrix: it is not symmetric (max |K - K^T| = {asym:.3g} "
            f"against max |K| = {top:.3g}); {fix}."
        )
    Ks = 0.5 * (Kd + Kd.T)
    fro = float(torch.linalg.matrix_norm(Ks)) if n else 0.0
    tau = 8.0 * n * eps * fro
    if fro > 0:
        _, info = torch.linalg.cholesky_ex(Ks + tau * torch.eye(n, dtype=torch.float64, device=K.device))
        if int(info) != 0:
            low = float(torch.linalg.eigvalsh(Ks)[0])
            raise ValueError(
                f"{name} is not a valid Gram matrix: it is not positive semi-definite (smallest "
                f"eigenvalue {low:.3g}, below the rounding tolerance -{tau:.3g} = -8 n eps ||K||_F); "
                f"{fix}."
            )
    return 0.5 * (K + K.T)


# ----------------------------------------------------------------------------- the specification
@dataclass(frozen=True)
class Kernel:
    r"""A kernel specification, validated once (construct it with the class methods).

    Parameters
    ----------
    name : str
        ``"linear"``, ``"rbf"``, ``"distance"``, ``"callable"`` or ``"precomputed"``.
    bandwidth : float
        RBF only: :math:`\sigma` = ``bandwidth`` x the median distance (when ``sigma`` is None).
    sigma : float or None
        RBF only: a fixed bandwidth (then the kernel is not scale invariant).
    median : str
        RBF only: ``"all"`` (the :math:`n^2` squared distances, diagonal included) or ``"offdiag"``.
    fn : callable or None
        ``"callable"`` only: ``fn(X) -> K`` on the ``(n, d)`` tensor.

    Examples
    --------
    >>> from alignbook import Kernel
    >>> Kernel.linear().degree, Kernel.rbf().degree, Kernel.rbf(sigma=2.0).degree
    (2, 0, None)
    >>> Kernel.distance()
    Kernel.distance()
    """

    name: str
    bandwidth: float = 1.0
    sigma: float | None = None
    median: str = "all"
    fn: Callable | None = field(default=None, compare=True)

    def __post_init__(self):
        check_choice(self.name, "Kernel name", ("linear", "rbf", "distance", "callable", "precomputed"))
        if self.name == "rbf":
            object.__setattr__(self, "bandwidth", check_positive(self.bandwidth, "bandwidth"))
            if self.sigma is not None:
                object.__setattr__(self, "sigma", check_positive(self.sigma, "sigma"))
            check_choice(self.median, "median", MEDIANS)
        if self.name == "callable" and not callable(self.fn):
            raise TypeError(f"Kernel.from_callable needs a callable fn(X) -> K, got {self.fn!r}.")

    # constructors --------------------------------------------------------------------------
    @classmethod
    def linear(cls) -> "Kernel":
        """The linear kernel :math:`x^\\top x'`.

        >>> Kernel.linear()
        Kernel.linear()
        """
        return cls("linear")

    @classmethod
    def rbf(cls, bandwidth: float = 1.0, *, sigma: float | None = None, median: str = "all") -> "Kernel":
        r"""The Gaussian kernel :math:`\exp(-\|x - x'\|^2/(2\sigma^2))`.

        :math:`\sigma` = ``sigma`` if given, else ``bandwidth`` times the median distance of the
        input (``median="all"``: all :math:`n^2` squared distances, the zero diagonal included,
        as Kornblith et al.; ``"offdiag"``: the pairs :math:`i < j`).

        >>> Kernel.rbf(0.5), Kernel.rbf(sigma=2.0)
        (Kernel.rbf(bandwidth=0.5), Kernel.rbf(sigma=2.0))
        """
        return cls("rbf", bandwidth=bandwidth, sigma=sigma, median=median)

    @classmethod
    def distance(cls) -> "Kernel":
        r"""The distance-induced kernel :math:`\tfrac12(\|x\| + \|x'\| - \|x - x'\|)` (CKA with it is dCor²).

        >>> Kernel.distance().degree
        1
        """
        return cls("distance")

    @classmethod
    def from_callable(cls, fn: Callable) -> "Kernel":
        """A kernel given by ``fn(X) -> K`` on the ``(n, d)`` float tensor (validated as a Gram matrix).

        >>> import torch
        >>> Kernel.from_callable(lambda A: A @ A.T).name
        'callable'
        """
        return cls("callable", fn=fn)

    @classmethod
    def precomputed(cls) -> "Kernel":
        """The inputs are Gram matrices (validated: square, symmetric, PSD within rounding).

        >>> Kernel.precomputed().degree
        1
        """
        return cls("precomputed")

    @classmethod
    def resolve(cls, kernel="linear", *, bandwidth=None, sigma=None, median=None) -> "Kernel":
        """The one place where ``kernel=`` and the ``bandwidth/sigma/median`` shorthands are read.

        ``kernel`` is a :class:`.Kernel`, one of ``"linear"``, ``"rbf"``, ``"distance"``,
        ``"precomputed"``, or a callable. The shorthands build ``Kernel.rbf(...)`` and are refused
        with any other kernel (they would be ignored), and together with a :class:`.Kernel`.

        >>> Kernel.resolve("rbf", sigma=2.0)
        Kernel.rbf(sigma=2.0)
        >>> Kernel.resolve("linear", bandwidth=0.5)
        Traceback (most recent call last):
        ...
        ValueError: bandwidth= only applies to the RBF kernel; kernel='linear' has no bandwidth. Remove it or use kernel='rbf'.
        """
        given = {k: v for k, v in (("bandwidth", bandwidth), ("sigma", sigma), ("median", median)) if v is not None}
        if isinstance(kernel, Kernel):
            if given:
                raise ValueError(
                    f"{', '.join(k + '=' for k in given)} cannot be combined with kernel={kernel!r}; "
                    "put them inside the object, e.g. Kernel.rbf(0.5) or Kernel.rbf(sigma=2.0)."
                )
            return kernel
        if isinstance(kernel, str):
            if kernel not in NAMES:
                raise ValueError(f"kernel={kernel!r} is not one of {NAMES}; pass one of them, a callable "
                                 "kernel(X) -> K, or an alignbook.Kernel.")
            if kernel == "rbf":
                if bandwidth is not None and sigma is not None:
                    raise ValueError(
                        "pass either bandwidth= (a multiple of the median distance) or sigma= (a fixed "
                        "bandwidth) for the RBF kernel, not both."
                    )
                if median is not None and sigma is not None:
                    raise ValueError("median= selects the median rule of the bandwidth; it has no effect with a fixed sigma=.")
                return cls.rbf(1.0 if bandwidth is None else bandwidth, sigma=sigma,
                               median="all" if median is None else median)
            if given:
                k = next(iter(given))
                raise ValueError(
                    f"{k}= only applies to the RBF kernel; kernel={kernel!r} has no {k}. "
                    "Remove it or use kernel='rbf'."
                )
            return cls(kernel)
        if callable(kernel):
            if given:
                raise ValueError(f"{next(iter(given))}= only applies to the RBF kernel, not to a callable kernel.")
            return cls.from_callable(kernel)
        raise TypeError(
            f"kernel={kernel!r} is not a kernel: pass 'linear', 'rbf', 'distance', 'precomputed', a "
            "callable kernel(X) -> K, or an alignbook.Kernel."
        )

    # properties ----------------------------------------------------------------------------
    @property
    def degree(self) -> int | None:
        """Homogeneity degree of the kernel, ``K(cX) = c**degree K(X)`` for every ``c > 0`` (None if there is none).

        Linear 2, distance 1, RBF with the median bandwidth 0, precomputed 1 (in the Gram), a
        fixed-``sigma`` RBF or a callable None. A kernel with a degree lets every route rescale
        its inputs by exact powers of two (CKA and kernel alignment with it are scale invariant).
        """
        if self.name == "linear":
            return 2
        if self.name in ("distance", "precomputed"):
            return 1
        if self.name == "rbf" and self.sigma is None:
            return 0
        return None

    @property
    def rescalable(self) -> bool:
        """Whether inputs may be rescaled by powers of two (``degree`` is not None)."""
        return self.degree is not None

    def __repr__(self) -> str:
        if self.name == "rbf":
            if self.sigma is not None:
                return f"Kernel.rbf(sigma={float(self.sigma)!r})"
            extra = "" if self.median == "all" else ", median='offdiag'"
            return f"Kernel.rbf(bandwidth={float(self.bandwidth)!r}{extra})"
        if self.name == "callable":
            return f"Kernel.from_callable({getattr(self.fn, '__name__', 'fn')})"
        return f"Kernel.{self.name}()"

    def require(self, allowed, where: str) -> "Kernel":
        """Refuse a kernel that ``where`` cannot use (e.g. a chunked route and ``"precomputed"``)."""
        if self.name not in allowed:
            raise ValueError(
                f"kernel={self!r} is not supported by {where}; it takes {', '.join(map(repr, allowed))}."
            )
        return self

    def bind(self, X: torch.Tensor, name: str = "X", *, median_sq=None,
             source_dtype: torch.dtype = torch.float64) -> "BoundKernel":
        """This kernel applied to the rows of ``X`` (see :class:`.BoundKernel`).

        ``median_sq`` supplies the median squared distance of ``X`` (the chunked routes compute it
        in blocks); by default it is computed from the full squared-distance matrix.
        """
        return BoundKernel(self, X, name, median_sq=median_sq, source_dtype=source_dtype)

    def gram(self, X: torch.Tensor, name: str = "X") -> torch.Tensor:
        """The full ``(n, n)`` Gram matrix of the rows of ``X`` (a tensor)."""
        return self.bind(X, name).gram()


class BoundKernel:
    """A :class:`.Kernel` applied to one input: full Gram, blocks, features, HSIC-equivalent forms."""

    def __init__(self, spec: Kernel, X: torch.Tensor, name: str = "X", *, median_sq=None,
                 source_dtype: torch.dtype = torch.float64):
        self.spec, self.X, self.name = spec, X, name
        self.n = X.shape[0]
        self.sigma = None
        self._K = None
        self._Xc = None
        self.sd = SqDistances(X) if spec.name in ("rbf", "distance") else None
        if spec.name == "rbf":
            if spec.sigma is not None:
                self.sigma = torch.as_tensor(spec.sigma, dtype=X.dtype, device=X.device)
            else:
                m2 = dense_median_sq(self.sd, spec.median == "all", name) if median_sq is None else median_sq
                self.sigma = rbf_sigma(spec.bandwidth, m2, name, spec.median)
                if not isinstance(self.sigma, torch.Tensor) or self.sigma.device != X.device:
                    self.sigma = torch.as_tensor(self.sigma, dtype=X.dtype, device=X.device)
            self._two_s2 = 2.0 * self.sigma * self.sigma
        elif spec.name == "callable":
            K = spec.fn(X)
            if not isinstance(K, torch.Tensor) or tuple(K.shape) != (self.n, self.n):
                raise ValueError(
                    f"the kernel callable must return an (n, n) torch tensor for {name}; got "
                    f"{type(K).__name__} {tuple(getattr(K, 'shape', ()))}."
                )
            if K.is_complex() or not bool(torch.isfinite(K).all()):
                raise ValueError(f"the kernel callable returned non-finite or complex entries for {name}.")
            self._K = check_gram(K.to(X.dtype), f"the Gram matrix the kernel callable returned for {name}")
        elif spec.name == "precomputed":
            self._K = check_gram(X, name, source_dtype)

    # features --------------------------------------------------------------------------------
    def centered_features(self) -> torch.Tensor:
        """Linear kernel: ``X`` with its column means removed (computed once)."""
        if self._Xc is None:
            self._Xc = self.X - self.X.mean(dim=0, keepdim=True)
        return self._Xc

    # blocks ----------------------------------------------------------------------------------
    def block(self, r0: int = 0, r1: int | None = None, c0: int = 0, c1: int | None = None) -> torch.Tensor:
        """Rows ``r0:r1``, columns ``c0:c1`` of the Gram matrix :math:`K_{ij} = k(x_i, x_j)`."""
        r1 = self.n if r1 is None else r1
        c1 = self.n if c1 is None else c1
        name = self.spec.name
        if name == "linear":
            return self.X[r0:r1] @ self.X[c0:c1].T
        if name == "rbf":
            return torch.exp(-self.sd.block(r0, r1, c0, c1) / self._two_s2)
        if name == "distance":
            nrm = _safe_sqrt(row_sq_norms(self.X))
            return 0.5 * (nrm[r0:r1, None] + nrm[None, c0:c1] - self.sd.distances(r0, r1, c0, c1))
        return self._K[r0:r1, c0:c1]

    def hsic_block(self, r0: int = 0, r1: int | None = None, c0: int = 0, c1: int | None = None) -> torch.Tensor:
        r"""The same block of an HSIC-equivalent Gram matrix :math:`K + f\mathbf 1^\top + \mathbf 1 f^\top + c`.

        Centred features for the linear kernel (:math:`HKH` itself), :math:`K - 1` (``expm1``, exact
        for tiny distances) for the RBF kernel, :math:`-\tfrac12 D` for the distance kernel, and
        :math:`K` for the others. Both HSIC estimators (and so CKA) are unchanged.
        """
        r1 = self.n if r1 is None else r1
        c1 = self.n if c1 is None else c1
        name = self.spec.name
        if name == "linear":
            Xc = self.centered_features()
            return Xc[r0:r1] @ Xc[c0:c1].T
        if name == "rbf":
            return torch.expm1(-self.sd.block(r0, r1, c0, c1) / self._two_s2)
        if name == "distance":
            return -0.5 * self.sd.distances(r0, r1, c0, c1)
        return self._K[r0:r1, c0:c1]

    def diag(self) -> torch.Tensor:
        """The diagonal :math:`k(x_i, x_i)`."""
        name = self.spec.name
        if name == "linear":
            return row_sq_norms(self.X)
        if name == "rbf":
            return torch.ones(self.n, dtype=self.X.dtype, device=self.X.device)
        if name == "distance":
            return _safe_sqrt(row_sq_norms(self.X))
        return torch.diagonal(self._K)

    def hsic_diag(self) -> torch.Tensor:
        """The diagonal of :meth:`.hsic_block`."""
        name = self.spec.name
        if name == "linear":
            return row_sq_norms(self.centered_features())
        if name in ("rbf", "distance"):
            return torch.zeros(self.n, dtype=self.X.dtype, device=self.X.device)
        return torch.diagonal(self._K)

    def gram(self) -> torch.Tensor:
        """The full Gram matrix."""
        return self.block()

    def hsic_gram(self) -> torch.Tensor:
        """The full HSIC-equivalent Gram matrix (already centred for the linear kernel)."""
        return self.hsic_block()

    @property
    def hsic_gram_centered(self) -> bool:
        """Whether :meth:`.hsic_gram` is already doubly centred (the linear kernel)."""
        return self.spec.name == "linear"
