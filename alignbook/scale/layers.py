r"""All layer pairs at once: the L1-by-L2 matrix of a measure between two models' layers.

:func:`.layer_matrix` takes lists of per-layer representations (each ``(n, d_l)``, the same
``n`` rows everywhere) and returns the matrix :math:`M_{lm} = \mathrm{measure}(X_l, Y_m)`.

Per-layer work is done once per layer, not once per pair, and every entry is finished by the
CKA core of :mod:`alignbook.core.hsic` (the same sums, guards and messages as
:func:`~alignbook.measures.cka`):

* ``"linear_cka"`` (biased or unbiased): each layer is rescaled (exact powers of two), centred
  once, and its row norms and self-HSIC computed once; a pair then costs one product
  :math:`\|X_l^\top Y_m\|_F^2` (:math:`O(n d_l d_m)`) plus :math:`O(n)`, so the unbiased matrix
  costs what the biased one does. When ``n`` is small next to the widths, the centred Grams
  :math:`X_lX_l^\top` are formed once per layer instead and all pairs come from one matrix
  product of the stacked, flattened Grams.
* ``"rbf_cka"`` / ``"distance_cka"``: each layer's centred HSIC-equivalent Gram matrix is formed
  once (this route holds ``L1 + L2`` matrices of size ``n x n``; it refuses when they exceed
  ``max_bytes``); all pairs are one matrix product of the flattened Grams.
* any callable ``measure(X, Y) -> float``: evaluated per pair (with a progress bar).

With ``Ys=None`` the matrix of ``Xs`` against itself is computed, using symmetry.
"""
from __future__ import annotations

import numpy as np
import torch

from ..core.guards import (
    as_matrix,
    check_choice,
    check_estimator,
    check_positive,
    check_progress,
    pow2_rescale,
    refuse_constant,
)
from ..core.hsic import FeatureRep, HSICSums, center, centered_sums, cka_from_sums, feature_sums
from ..core.kernels import Kernel
from ..core.linalg import cross_fro2
from ._progress import progress_bar

__all__ = ["layer_matrix"]

NAMED = ("linear_cka", "rbf_cka", "distance_cka")


def _as_layers(layers, name):
    if isinstance(layers, (torch.Tensor, np.ndarray)) and getattr(layers, "ndim", 0) == 3:
        layers = list(layers)
    if not isinstance(layers, (list, tuple)) or len(layers) == 0:
        raise TypeError(f"{name} must be a non-empty list of (n, d) arrays (one per layer), got {type(layers).__name__}.")
    out = []
    for i, L in enumerate(layers):
        t, _ = as_matrix(L, f"{name}[{i}]")
        out.append(t.detach())
    n = out[0].shape[0]
    for i, t in enumerate(out):
        if t.shape[0] != n:
            raise ValueError(f"{name}[{i}] has {t.shape[0]} rows but {name}[0] has {n}; every layer must have the same rows.")
    return out


def layer_matrix(Xs, Ys=None, measure="linear_cka", *, estimator: str = "biased", bandwidth=None,
                 route: str = "auto", max_bytes: float = 2 * 2**30, progress=None) -> np.ndarray:
    """The ``(len(Xs), len(Ys))`` matrix of ``measure`` over all layer pairs (a float64 NumPy array).

    ``measure``: ``"linear_cka"``, ``"rbf_cka"`` (``bandwidth`` (default 1) x median distance per
    layer), ``"distance_cka"`` (= dCor²), a :class:`~alignbook.Kernel` (CKA with it: linear, RBF
    or distance), or any callable ``measure(X, Y) -> float``.
    ``estimator``: ``"biased"`` or ``"unbiased"`` for the named measures. ``route`` (linear only):
    ``"features"``, ``"samples"`` (stacked Grams) or ``"auto"``. Each entry equals
    ``alignbook.cka`` on that pair; a constant layer is refused with the same message.


    Parameters
    ----------
    Xs, Ys : list of array-like
        Per-layer representations ``(n, d_l)`` with the same rows (``Ys=None``: ``Xs`` against itself).
    measure : str, Kernel or callable
        ``"linear_cka"``, ``"rbf_cka"``, ``"distance_cka"`` or ``measure(X, Y) -> float``.
    estimator : {"biased", "unbiased"}
        Gretton et al.'s V-statistic or Song et al.'s U-statistic (``n >= 4``).
    bandwidth : float or None
        ``"rbf_cka"`` only (default 1).
    route : {"auto", "features", "samples"}
        Linear only.
    max_bytes : float
        Memory budget of the Gram routes.
    progress : None or bool
        A progress bar.

    Returns
    -------
    numpy.ndarray
        The ``(len(Xs), len(Ys))`` float64 matrix.

    Examples
    --------
    >>> import numpy as np, alignbook as ab
    >>> from alignbook.scale import layer_matrix
    >>> g = np.random.default_rng(0)
    >>> X = g.normal(size=(50, 4))
    >>> M = layer_matrix([X, X**2], [2 * X, np.tanh(X)], estimator="unbiased")
    >>> M.shape, float(M[0, 0]), bool(abs(M[1, 1] - ab.cka(X**2, np.tanh(X), estimator="unbiased")) < 1e-12)
    ((2, 2), 1.0, True)
    """
    check_progress(progress)
    sym = Ys is None
    Xl = _as_layers(Xs, "Xs")
    Yl = Xl if sym else _as_layers(Ys, "Ys")
    n = Xl[0].shape[0]
    if Yl[0].shape[0] != n:
        raise ValueError(f"Xs have n={n} rows but Ys have n={Yl[0].shape[0]}; the rows must be the same examples.")
    L1, L2 = len(Xl), len(Yl)
    if callable(measure) and not isinstance(measure, Kernel):
        if bandwidth is not None:
            raise ValueError("bandwidth= applies to measure='rbf_cka' only; put it in the callable instead.")
        M = np.empty((L1, L2))
        pairs = [(i, j) for i in range(L1) for j in range(L2) if not sym or j >= i]
        for i, j in progress_bar(pairs, progress, desc="layer pairs"):
            v = measure(Xs[i], (Xs if sym else Ys)[j])
            M[i, j] = float(v.detach().cpu().item() if isinstance(v, torch.Tensor) else v)
            if not np.isfinite(M[i, j]):
                raise ValueError(f"measure returned {M[i, j]} for the pair ({i}, {j}); it must return finite values.")
            if sym:
                M[j, i] = M[i, j]
        return M
    if isinstance(measure, Kernel):
        spec = measure.require(("linear", "rbf", "distance"), "layer_matrix (callables and precomputed "
                               "Grams: pass measure=functools.partial(alignbook.cka, kernel=...))")
        if bandwidth is not None:
            raise ValueError("bandwidth= cannot be combined with a Kernel object; put it in Kernel.rbf(...).")
    else:
        check_choice(measure, "measure", NAMED)
        if bandwidth is not None and measure != "rbf_cka":
            raise ValueError(f"bandwidth= applies to measure='rbf_cka' only, not measure={measure!r}.")
        spec = {"linear_cka": Kernel.linear(), "distance_cka": Kernel.distance()}.get(measure) or \
            Kernel.rbf(1.0 if bandwidth is None else bandwidth)
    check_choice(route, "route", ("auto", "features", "samples"))
    max_bytes = check_positive(max_bytes, "max_bytes")
    check_estimator(estimator, n, ("Xs", "Ys"))
    for t, nm in [(t, f"Xs[{i}]") for i, t in enumerate(Xl)] + ([] if sym else [(t, f"Ys[{i}]") for i, t in enumerate(Yl)]):
        refuse_constant(t, nm, "CKA")
    if spec.rescalable:  # CKA with this kernel is scale invariant: exact powers of two per layer
        Xl = [pow2_rescale(t) for t in Xl]
        Yl = Xl if sym else [pow2_rescale(t) for t in Yl]
    if spec.name == "linear":
        return _linear(Xl, Yl, sym, n, estimator, route, max_bytes, progress)
    return _kernel(Xl, Yl, sym, n, spec, estimator, max_bytes, progress)


def _fill(M, pairs, sxy, sx, sy, est, sym, names, progress):
    for i, j in progress_bar(pairs, progress, desc="layer pairs"):
        M[i, j] = float(cka_from_sums(sxy(i, j), sx[i], sy[j], est, (names[0](i), names[1](j))))
        if sym:
            M[j, i] = M[i, j]
    return M


def _linear(Xl, Yl, sym, n, est, route, max_bytes, progress):
    unb = est == "unbiased"
    A = [FeatureRep(X) for X in Xl]
    B = A if sym else [FeatureRep(Y) for Y in Yl]
    dmean = np.mean([a.Xc.shape[1] for a in A] + [b.Xc.shape[1] for b in B])
    gram_bytes = 8 * n * n * (len(A) + (0 if sym else len(B)))
    if route == "auto":
        route = "samples" if (n < dmean and gram_bytes <= max_bytes) else "features"
    if route == "samples":
        if gram_bytes > max_bytes:
            raise ValueError(f"route='samples' needs {gram_bytes / 2**30:.1f} GiB of Grams (> max_bytes); use route='features'.")
        GA = torch.stack([(a.Xc @ a.Xc.T).reshape(-1) for a in A])
        GB = GA if sym else torch.stack([(b.Xc @ b.Xc.T).reshape(-1) for b in B])
        cross = GA @ GB.T  # <K_l, L_m> = ||X_l' Y_m||^2 for centred features
        selfA = torch.diagonal(cross) if sym else (GA * GA).sum(1)
        selfB = torch.diagonal(cross) if sym else (GB * GB).sum(1)
        sx = [centered_sums(a, a, selfA[i], unb) for i, a in enumerate(A)]
        sy = sx if sym else [centered_sums(b, b, selfB[j], unb) for j, b in enumerate(B)]

        def sxy(i, j):
            return sx[i] if (sym and i == j) else centered_sums(A[i], B[j], cross[i, j], unb)
    else:
        sx = [feature_sums(a, a, unb) for a in A]
        sy = sx if sym else [feature_sums(b, b, unb) for b in B]

        def sxy(i, j):
            return sx[i] if (sym and i == j) else centered_sums(A[i], B[j], cross_fro2(A[i].Xc, B[j].Xc), unb)
    pairs = [(i, j) for i in range(len(A)) for j in range(len(B)) if not sym or j >= i]
    names = (lambda i: f"Xs[{i}]", (lambda j: f"Xs[{j}]") if sym else (lambda j: f"Ys[{j}]"))
    return _fill(np.empty((len(A), len(B))), pairs, sxy, sx, sy, est, sym, names, progress)


def _kernel(Xl, Yl, sym, n, spec, est, max_bytes, progress):
    gram_bytes = 8 * n * n * (len(Xl) + (0 if sym else len(Yl)))
    if gram_bytes > max_bytes:
        raise ValueError(
            f"the Gram route holds {len(Xl) + (0 if sym else len(Yl))} matrices of {n} x {n} "
            f"({gram_bytes / 2**30:.1f} GiB > max_bytes={max_bytes / 2**30:.1f} GiB); raise max_bytes or pass "
            "measure=functools.partial(alignbook.scale.cka_chunked, kernel=...) to work pair by pair in blocks."
        )

    def prep(ts, nm):
        flat, parts = [], []
        for i, t in enumerate(progress_bar(ts, progress, desc=f"{nm} Grams")):
            K = center(spec.bind(t, f"{nm}[{i}]").hsic_gram())
            k, dk = K.sum(1), torch.diagonal(K).clone()
            flat.append(K.reshape(-1))
            parts.append((k, dk))
        return torch.stack(flat), parts

    GA, pa = prep(Xl, "Xs")
    GB, pb = (GA, pa) if sym else prep(Yl, "Ys")
    cross = GA @ GB.T

    def sums(kl, p, q):
        (k, dk), (l, dl) = p, q
        return HSICSums(n=n, kl=kl, k_sum=k.sum(), l_sum=l.sum(), k_dot_l=k @ l, diag=dk @ dl,
                        k_trace=dk.sum(), l_trace=dl.sum(), kt_dot_lt=(k - dk) @ (l - dl))

    sx = [sums(cross[i, i] if sym else (GA[i] * GA[i]).sum(), pa[i], pa[i]) for i in range(len(pa))]
    sy = sx if sym else [sums((GB[j] * GB[j]).sum(), pb[j], pb[j]) for j in range(len(pb))]
    pairs = [(i, j) for i in range(len(pa)) for j in range(len(pb)) if not sym or j >= i]
    names = (lambda i: f"Xs[{i}]", (lambda j: f"Xs[{j}]") if sym else (lambda j: f"Ys[{j}]"))
    return _fill(np.empty((len(pa), len(pb))), pairs, lambda i, j: sums(cross[i, j], pa[i], pb[j]),
                 sx, sy, est, sym, names, progress)
