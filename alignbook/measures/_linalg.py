"""Symmetric products for the feature route: ``A^T A`` with half the work of a general product.

On the CPU, BLAS's symmetric rank-k update (``dsyrk`` in float64, ``ssyrk`` in float32) computes
only one triangle of ``A^T A``: half the flops of ``A.T @ A``. It is used when no gradient is
needed; otherwise (and on GPUs) the plain product is used. Both give the same value to rounding.
The final sums of squares over the d-by-d products accumulate in float64 whatever the dtype.
"""
from __future__ import annotations

import numpy as np
import torch

try:  # SciPy is a dependency; stay importable without it all the same
    from scipy.linalg.blas import dsyrk as _dsyrk
    from scipy.linalg.blas import ssyrk as _ssyrk
except Exception:  # pragma: no cover
    _dsyrk = _ssyrk = None

_SYRK = {torch.float64: _dsyrk, torch.float32: _ssyrk}


def _fast(A: torch.Tensor) -> bool:
    return (_SYRK.get(A.dtype) is not None and A.device.type == "cpu"
            and not (torch.is_grad_enabled() and A.requires_grad))


def _sumsq(M: torch.Tensor) -> torch.Tensor:
    """Sum of squares accumulated in float64 (differentiable), returned in ``M``'s dtype."""
    if M.dtype == torch.float64:
        return (M * M).sum()
    return (M.double() * M.double()).sum().to(M.dtype)


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


def gram_fro2(A: torch.Tensor) -> torch.Tensor:
    """``||A^T A||_F^2`` (= ``||A A^T||_F^2``), via one triangle of ``A^T A`` when possible."""
    d = A.shape[1]
    if _fast(A):
        G = torch.zeros((d, d), dtype=A.dtype)
        syrk_(G, A)
        G = G.double()
        low = torch.tril(G, -1)
        return (2.0 * (low * low).sum() + (torch.diagonal(G) ** 2).sum()).to(A.dtype)
    return _sumsq(A.T @ A)


def cross_fro2(A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    """``||A^T B||_F^2``; the symmetric route when ``B`` equals ``A``.

    Equal inputs take exactly the route of :func:`gram_fro2`, so a measure's numerator and
    denominator are bit-identical and self-similarity is exactly 1 (an O(nd) comparison against
    O(nd^2) work).
    """
    if B is A or (A.shape == B.shape and A.dtype == B.dtype and A.device == B.device and torch.equal(A, B)):
        return gram_fro2(A)
    return _sumsq(A.T @ B)
