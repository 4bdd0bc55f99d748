r"""All layer pairs at once: the L1-by-L2 matrix of a measure between two models' layers.

:func:`layer_matrix` takes lists of per-layer representations (each ``(n, d_l)``, the same
``n`` rows everywhere) and returns the matrix :math:`M_{lm} = \mathrm{measure}(X_l, Y_m)`.

Per-layer work is done once per layer, not once per pair:

* ``"linear_cka"`` (biased or unbiased): each layer is centred once and its self-HSIC and the
  vectors of Song et al.'s estimator (:math:`r = \operatorname{diag}K`,
  :math:`\tilde K\mathbf 1`) computed once; a pair then costs one product
  :math:`\|X_l^\top Y_m\|_F^2` (:math:`O(n d_l d_m)`) plus :math:`O(n)`. When ``n`` is small
  next to the widths, the centred Grams :math:`X_lX_l^\top` are formed once per layer instead
  and all pairs come from one matrix product of the stacked, flattened Grams.
* ``"rbf_cka"`` / ``"distance_cka"``: each layer's centred (or U-centred) Gram matrix is
  formed once (this route holds ``L1 + L2`` matrices of size ``n x n``; it refuses when they
  exceed ``max_bytes``); all pairs are one matrix product of the flattened Grams.
* any callable ``measure(X, Y) -> float``: evaluated per pair (with a progress bar).

With ``Ys=None`` the matrix of ``Xs`` against itself is computed, using symmetry.
"""
from __future__ import annotations

import numpy as np
import torch

from .._validate import as_matrix, check_choice
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


class _Lin:
    """Per-layer prepared quantities for linear CKA."""

    def __init__(self, X):
        self.Xc = X - X.mean(0, keepdim=True)
        self.r = (self.Xc * self.Xc).sum(1)
        s = self.Xc.sum(0)
        self.k1 = self.Xc @ s - self.r  # (K~ 1)
        self.sk = float(s @ s) - float(self.r.sum())  # 1' K~ 1
        self.K = None


def _hsic_pair(a: _Lin, b: _Lin, cross2: float, n: int, est: str) -> float:
    if est == "biased":
        return cross2 / (n - 1) ** 2
    tr = cross2 - float(a.r @ b.r)
    return (tr + a.sk * b.sk / ((n - 1) * (n - 2)) - 2.0 * float(a.k1 @ b.k1) / (n - 2)) / (n * (n - 3))


def layer_matrix(Xs, Ys=None, measure="linear_cka", *, estimator: str = "biased", bandwidth: float = 1.0,
                 route: str = "auto", max_bytes: float = 2 * 2**30, progress=None) -> np.ndarray:
    """The ``(len(Xs), len(Ys))`` matrix of ``measure`` over all layer pairs (a float64 NumPy array).

    ``measure``: ``"linear_cka"``, ``"rbf_cka"`` (bandwidth x median distance per layer),
    ``"distance_cka"`` (= dCor²), or any callable ``measure(X, Y) -> float``. ``estimator``:
    ``"biased"`` or ``"unbiased"`` for the named measures. ``route`` (linear only): ``"features"``,
    ``"samples"`` (stacked Grams) or ``"auto"``. Each entry equals ``alignbook.cka`` on that pair.
    """
    Xl = _as_layers(Xs, "Xs")
    sym = Ys is None
    Yl = Xl if sym else _as_layers(Ys, "Ys")
    n = Xl[0].shape[0]
    if Yl[0].shape[0] != n:
        raise ValueError(f"Xs have n={n} rows but Ys have n={Yl[0].shape[0]}; the rows must be the same examples.")
    L1, L2 = len(Xl), len(Yl)
    if callable(measure):
        M = np.empty((L1, L2))
        pairs = [(i, j) for i in range(L1) for j in range(L2) if not sym or j >= i]
        for i, j in progress_bar(pairs, progress, desc="layer pairs"):
            v = measure(Xs[i], (Xs if sym else Ys)[j])
            M[i, j] = float(v.detach().cpu().item() if isinstance(v, torch.Tensor) else v)
            if sym:
                M[j, i] = M[i, j]
        return M
    check_choice(measure, "measure", NAMED)
    check_choice(estimator, "estimator", ("biased", "unbiased"))
    check_choice(route, "route", ("auto", "features", "samples"))
    if n < (4 if estimator == "unbiased" else 2):
        raise ValueError(f"the layers have n={n} rows; estimator={estimator!r} needs at least {4 if estimator == 'unbiased' else 2}.")
    for t, nm in [(t, f"Xs[{i}]") for i, t in enumerate(Xl)] + ([] if sym else [(t, f"Ys[{i}]") for i, t in enumerate(Yl)]):
        if bool((t == t[0:1]).all()):
            raise ValueError(f"{nm} is constant (all rows identical), so CKA with it is 0/0, undefined.")
    if measure == "linear_cka":
        return _linear(Xl, Yl, sym, n, estimator, route, max_bytes, progress)
    return _kernel(Xl, Yl, sym, n, "rbf" if measure == "rbf_cka" else "distance", estimator, bandwidth, max_bytes, progress)


def _check_self(h, what):
    if not h > 0:
        raise ValueError(f"the self-HSIC of {what} is {h:.3g} (not > 0), so CKA is undefined; use estimator='biased' or more samples.")


def _linear(Xl, Yl, sym, n, est, route, max_bytes, progress):
    A = [_Lin(X) for X in Xl]
    B = A if sym else [_Lin(Y) for Y in Yl]
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
        c = lambda i, j: float(cross[i, j])  # noqa: E731
        sa = [float(x) for x in selfA]
        sb = [float(x) for x in selfB]
    else:
        c = lambda i, j: float((A[i].Xc.T @ B[j].Xc).square().sum())  # noqa: E731
        sa = [float((a.Xc.T @ a.Xc).square().sum()) for a in A]
        sb = sa if sym else [float((b.Xc.T @ b.Xc).square().sum()) for b in B]
    hA = [_hsic_pair(a, a, s, n, est) for a, s in zip(A, sa)]
    hB = hA if sym else [_hsic_pair(b, b, s, n, est) for b, s in zip(B, sb)]
    for i, h in enumerate(hA):
        _check_self(h, f"Xs[{i}]")
    for j, h in enumerate(hB):
        _check_self(h, f"Ys[{j}]")
    M = np.empty((len(A), len(B)))
    pairs = [(i, j) for i in range(len(A)) for j in range(len(B)) if not sym or j >= i]
    for i, j in progress_bar(pairs, progress, desc="layer pairs"):
        M[i, j] = 1.0 if (sym and i == j) else _hsic_pair(A[i], B[j], c(i, j), n, est) / np.sqrt(hA[i] * hB[j])
        if sym:
            M[j, i] = M[i, j]
    return M


def _kernel(Xl, Yl, sym, n, kernel, est, bandwidth, max_bytes, progress):
    from ..measures.kernels import _center, _gram, _u_center

    gram_bytes = 8 * n * n * (len(Xl) + (0 if sym else len(Yl)))
    if gram_bytes > max_bytes:
        raise ValueError(
            f"the Gram route holds {len(Xl) + (0 if sym else len(Yl))} matrices of {n} x {n} "
            f"({gram_bytes / 2**30:.1f} GiB > max_bytes={max_bytes / 2**30:.1f} GiB); raise max_bytes or pass "
            "measure=functools.partial(alignbook.scale.cka_chunked, kernel=...) to work pair by pair in blocks."
        )
    cen = _center if est == "biased" else _u_center
    den = (n - 1) ** 2 if est == "biased" else n * (n - 3)

    def prep(ts, nm):
        return torch.stack([cen(_gram(t, kernel, bandwidth, None, "all", f"{nm}[{i}]")).reshape(-1)
                            for i, t in enumerate(progress_bar(ts, progress, desc=f"{nm} Grams"))])

    GA = prep(Xl, "Xs")
    GB = GA if sym else prep(Yl, "Ys")
    cross = (GA @ GB.T) / den
    hA = (GA * GA).sum(1) / den
    hB = hA if sym else (GB * GB).sum(1) / den
    for i, h in enumerate(hA.tolist()):
        _check_self(h, f"Xs[{i}]")
    for j, h in enumerate(hB.tolist()):
        _check_self(h, f"Ys[{j}]")
    M = (cross / torch.sqrt(hA[:, None] * hB[None, :])).cpu().numpy()
    if sym:
        np.fill_diagonal(M, 1.0)
    return M
