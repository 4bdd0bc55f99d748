"""Independent routes shared by the trade-off checks: exact finite laws and population CCA by whitening."""
from __future__ import annotations

import numpy as np
import torch

from ...device import REDUCTION_DTYPE

F64 = REDUCTION_DTYPE


# ----------------------------------------------------------------------------------------------
# exact finite distributions
# ----------------------------------------------------------------------------------------------
def _cond_mean(P: np.ndarray, V: np.ndarray, key: np.ndarray) -> np.ndarray:
    """E[V | key] evaluated at every cell: P (N,) probabilities, V (N, d) values, key (N,) labels."""
    _, inv = np.unique(key, return_inverse=True)
    mass = np.bincount(inv, weights=P)
    out = np.empty_like(V)
    for j in range(V.shape[1]):
        out[:, j] = (np.bincount(inv, weights=P * V[:, j]) / mass)[inv]
    return out


def _mmse(P, Y, key) -> float:
    """Exact mmse(Y | key) = E||Y - E[Y|key]||^2 under the probability vector P."""
    R = Y - _cond_mean(P, Y, key)
    return float(P @ (R ** 2).sum(1))


def _finite_joint(r: np.random.Generator, common: bool):
    """A random joint law of (X1, X2) on a grid, flattened: returns P, x1, x2 and the common label.

    With ``common=True`` X1 = (C, A) and X2 = (C, B) share the component C, so non-constant
    perfectly aligned encoders exist (functions of C); otherwise the table is arbitrary.
    """
    nc, na, nb = (int(v) for v in r.integers(2, 5, size=3))
    C, A, B = np.meshgrid(np.arange(nc), np.arange(na), np.arange(nb), indexing="ij")
    C, A, B = C.ravel(), A.ravel(), B.ravel()
    P = r.dirichlet(np.full(C.size, 0.5))
    if common:
        return P, C * na + A, C * nb + B, C
    # arbitrary table: relabel so that x1 = (C, A) and x2 = B mix freely
    return P, C * na + A, B + nb * (A % 2), None


def _finite_joint_common(r: np.random.Generator):
    """A random joint law of (C, A, B, D) on a grid, flattened: X1 = C na + A, X2 = C nb + B share C, and D
    is independent of (C, A, B) and seen by neither modality (targets may depend on it).

    Returns P, x1, x2, C, D.
    """
    nc, na, nb, nd = (int(v) for v in r.integers(2, 5, size=4))
    C, A, B = np.meshgrid(np.arange(nc), np.arange(na), np.arange(nb), indexing="ij")
    C, A, B = C.ravel(), A.ravel(), B.ravel()
    Pcab = r.dirichlet(np.full(C.size, 0.5))
    q = r.dirichlet(np.full(nd, 1.0))
    P = np.outer(Pcab, q).ravel()
    rep = lambda v: np.repeat(v, nd)  # noqa: E731
    D = np.tile(np.arange(nd), C.size)
    return P, rep(C * na + A), rep(C * nb + B), rep(C), D


# ----------------------------------------------------------------------------------------------
# R4.3: CCA recovers the shared subspace in the linear-Gaussian model
# ----------------------------------------------------------------------------------------------
def _whitened_svd(S11, S12, S22):
    """Independent route to population CCA: eigen-whitening and a full SVD."""
    def inv_sqrt(S):
        w, V = torch.linalg.eigh(S)
        return (V / torch.sqrt(w)) @ V.T
    I1, I2 = inv_sqrt(S11), inv_sqrt(S22)
    U, rho, Vh = torch.linalg.svd(I1 @ S12 @ I2, full_matrices=True)
    return I1, I2, U, rho, Vh


def _projector(B):
    Q, _ = torch.linalg.qr(B)
    return Q @ Q.T


# ----------------------------------------------------------------------------------------------
# R4.4: the penalised objective and its Pareto front
# ----------------------------------------------------------------------------------------------
def _canonical_data(S11, S12, S22, c1y):
    """c = U' S11^{-1/2} c1y and kappa = 1 - rho^2 (rho padded with zeros to p1)."""
    I1, _, U, rho, _ = _whitened_svd(S11, S12, S22)
    p1 = S11.shape[0]
    full = torch.zeros(p1, dtype=F64, device=S11.device)
    full[:rho.numel()] = rho[:p1]
    return (U.T @ I1 @ c1y).cpu().numpy(), (1 - full ** 2).cpu().numpy(), full.cpu().numpy()
