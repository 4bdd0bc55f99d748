"""Linear-algebra helpers shared by every route: symmetric products, row norms, numerical rank.

On the CPU, BLAS's symmetric rank-k update (``dsyrk`` in float64, ``ssyrk`` in float32) computes
only one triangle of ``A^T A``: half the flops of ``A.T @ A``. It is used when no gradient is
needed; otherwise (and on GPUs) the plain product is used. Both give the same value to rounding.
The final sums of squares over the d-by-d products accumulate in float64 whatever the dtype.

Examples
--------
>>> import torch
>>> from alignbook.core.linalg import gram_fro2
>>> A = torch.arange(6.0, dtype=torch.float64).reshape(3, 2)
>>> float(gram_fro2(A)), float(((A.T @ A) ** 2).sum())
(2977.0, 2977.0)
"""
from __future__ import annotations

import numpy as np
import torch

try:  # SciPy is a dependency; stay importable without it all the same
    from scipy.linalg.blas import dsyrk as _dsyrk
    from scipy.linalg.blas import ssyrk as _ssyrk
except Exception:  # pragma: no cover
    _dsyrk = _ssyrk = None

__all__ = [
    "cross_fro2",
    "gram_fro2",
    "numerical_rank",
    "pivoted_cholesky",
    "psd_factor",
    "row_sq_norms",
    "same_tensor",
    "sumsq",
    "symmetric_gram",
    "syrk_",
    "thin_svd",
]

_SYRK = {torch.float64: _dsyrk, torch.float32: _ssyrk}


def _fast(A: torch.Tensor) -> bool:
    return (_SYRK.get(A.dtype) is not None and A.device.type == "cpu"
            and not (torch.is_grad_enabled() and A.requires_grad))


def sumsq(M: torch.Tensor) -> torch.Tensor:
    """Sum of squares accumulated in float64 (differentiable), returned in ``M``'s dtype."""
    if M.dtype == torch.float64:
        return (M * M).sum()
    return (M.double() * M.double()).sum().to(M.dtype)


def row_sq_norms(A: torch.Tensor) -> torch.Tensor:
    r"""Squared row norms :math:`\|a_i\|^2` in one pass (no ``n x d`` temporary when no gradient
    is needed; differentiable at zero rows otherwise)."""
    if torch.is_grad_enabled() and A.requires_grad:
        return (A * A).sum(dim=1)
    return torch.linalg.vector_norm(A, dim=1).square()


def syrk_(G: torch.Tensor, A: torch.Tensor) -> bool:
    """``G += A^T A`` in place. Returns True when the CPU fast path filled only G's lower triangle
    (the caller then treats G as lower-triangular), False when all of G was updated."""
    if _fast(A) and G.is_contiguous() and G.dtype == A.dtype and G.device.type == "cpu":
        a = A.detach().contiguous().numpy()  # C-order (n, d) is F-order (d, n) = A^T
        g = G.numpy()  # C-order (d, d) is the F-order view of G^T: G^T's upper = G's lower
        out = _SYRK[A.dtype](1.0, a.T, beta=1.0, c=g.T, trans=0, lower=0, overwrite_c=1)
        if not np.shares_memory(out, g):  # pragma: no cover - SciPy copied; copy back
            g.T[...] = out
        return True
    G.add_(A.T @ A)
    return False


def symmetric_gram(A: torch.Tensor) -> torch.Tensor:
    """``A^T A`` as a full symmetric matrix (one triangle computed on the CPU fast path)."""
    d = A.shape[1]
    G = torch.zeros((d, d), dtype=A.dtype, device=A.device)
    if syrk_(G, A):
        G = torch.tril(G) + torch.tril(G, -1).T
    return G


def gram_fro2(A: torch.Tensor) -> torch.Tensor:
    """``||A^T A||_F^2`` (= ``||A A^T||_F^2``), via one triangle of ``A^T A`` when possible."""
    d = A.shape[1]
    if _fast(A):
        G = torch.zeros((d, d), dtype=A.dtype)
        syrk_(G, A)
        G = G.double()
        low = torch.tril(G, -1)
        return (2.0 * (low * low).sum() + (torch.diagonal(G) ** 2).sum()).to(A.dtype)
    return sumsq(A.T @ A)


def same_tensor(A: torch.Tensor, B: torch.Tensor) -> bool:
    """Whether ``B`` is ``A`` or holds exactly the same values (an O(nd) comparison)."""
    return B is A or (A.shape == B.shape and A.dtype == B.dtype and A.device == B.device and torch.equal(A, B))


def cross_fro2(A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    """``||A^T B||_F^2``; the symmetric route when ``B`` equals ``A``.

    Equal inputs take exactly the route of :func:`.gram_fro2`, so a measure's numerator and
    denominator are bit-identical and self-similarity is exactly 1.
    """
    if same_tensor(A, B):
        return gram_fro2(A)
    return sumsq(A.T @ B)


def numerical_rank(s: torch.Tensor, size: int) -> int:
    """Number of values of ``s`` above rounding: ``s > max(s) * size * eps`` (NumPy's rank rule).

    ``s`` holds the singular values of a matrix whose largest dimension is ``size``, or the
    eigenvalues of a ``size x size`` Gram matrix; for the latter the same rule sits at the
    Gram's rounding level, so singular values below ``sqrt(size * eps)`` relative are not resolved.
    """
    if s.numel() == 0:
        return 0
    top = s.max()
    if not bool(top > 0):
        return 0
    eps = torch.finfo(s.dtype).eps
    return int((s > top * size * eps).sum())


def thin_svd(A: torch.Tensor):
    """Thin SVD ``A = U diag(S) V^T`` restricted to the numerical rank: ``(U, S, V)``.

    Costs ``O(n d min(n, d))`` for an ``(n, d)`` matrix, so it is the n-by-n route when d > n.
    """
    U, S, Vh = torch.linalg.svd(A, full_matrices=False)
    r = numerical_rank(S, max(A.shape))
    return U[:, :r], S[:r], Vh[:r].T


def pivoted_cholesky(G: torch.Tensor, rank_hint: int | None = None) -> torch.Tensor:
    r"""A factor ``F`` (d x r) with ``G = F F^T`` to rounding, for a PSD ``G`` of low rank.

    Greedy diagonal pivoting stops when the largest remaining diagonal entry is at rounding level
    (``d * eps`` relative to the largest diagonal of ``G``); ``rank_hint`` bounds the rank (for
    example ``n - 1`` for a centred cross-product of ``n`` rows). Costs ``O(d r^2)``, far less
    than an eigendecomposition when ``r << d``.
    """
    d = G.shape[0]
    diag = torch.diagonal(G).clone()
    top = float(diag.max()) if d else 0.0
    cap = d if rank_hint is None else min(d, max(int(rank_hint), 0))
    F = torch.zeros((d, cap), dtype=G.dtype, device=G.device)
    tol = top * d * torch.finfo(G.dtype).eps
    r = 0
    while r < cap:
        j = int(torch.argmax(diag))
        pivot = float(diag[j])
        if not pivot > tol:
            break
        col = G[:, j] - F[:, :r] @ F[j, :r]
        col = col / pivot**0.5
        F[:, r] = col
        diag = diag - col * col
        diag[j] = 0.0
        r += 1
    return F[:, :r]


def psd_factor(G: torch.Tensor, n_rows: int | None = None) -> torch.Tensor:
    """A factor ``F`` with ``G = F F^T`` at numerical rank, chosen by size.

    When ``G`` (d x d) is known to come from ``n_rows`` centred rows and ``d > n_rows`` its rank is
    at most ``n_rows - 1``: a pivoted Cholesky factorisation costs ``O(d n^2)``. Otherwise an
    eigendecomposition (``O(d^3)``) gives ``F = V diag(sqrt(w))`` on the eigenvalues above
    rounding (:func:`.numerical_rank`).
    """
    d = G.shape[0]
    if n_rows is not None and d > n_rows:
        return pivoted_cholesky(G, rank_hint=max(n_rows - 1, 0))
    w, V = torch.linalg.eigh(G)
    r = numerical_rank(w, d)
    keep = torch.argsort(w, descending=True)[:r]
    return V[:, keep] * torch.sqrt(w[keep])
