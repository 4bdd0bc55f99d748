"""Small independent routes shared by the kernel-alignment checks (explicit formulas; not the library's code paths)."""
from __future__ import annotations

import itertools
import math

import numpy as np
from scipy import linalg as sla
from scipy.spatial.distance import cdist


# --------------------------------------------------------------------------------------------
# small independent routes (explicit formulas; not the library's code paths)
# --------------------------------------------------------------------------------------------

def _H(n: int) -> np.ndarray:
    """The centring matrix, built explicitly."""
    return np.eye(n) - np.ones((n, n)) / n


def _ka_direct(K1: np.ndarray, K2: np.ndarray) -> float:
    """<K1, K2>_F / (|K1|_F |K2|_F) from the entries."""
    return float(np.sum(K1 * K2) / math.sqrt(np.sum(K1 * K1) * np.sum(K2 * K2)))


def _unit_rows(F: np.ndarray) -> np.ndarray:
    return F / np.linalg.norm(F, axis=1, keepdims=True)


def _pair(r: np.random.Generator, n: int, p: int = 6, d1: int = 7, d2: int = 5):
    """Inputs X and two nonlinearly related representations F1 (linear map) and F2 (tanh features)."""
    X = r.standard_normal((n, p))
    F1 = X @ r.standard_normal((p, d1))
    F2 = np.tanh(X @ r.standard_normal((p, d2)) / math.sqrt(p) + 0.5)
    return X, F1, F2


def _rbf(X: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian kernel from scipy's pairwise distances (an independent route to the library's gram)."""
    return np.exp(-cdist(X, X, "sqeuclidean") / (2.0 * sigma**2))


def _random_orthogonal(r: np.random.Generator, d: int) -> np.ndarray:
    Q, R = np.linalg.qr(r.standard_normal((d, d)))
    return Q * np.sign(np.diag(R))


def _inv_sqrt(S: np.ndarray) -> np.ndarray:
    w, V = np.linalg.eigh(S)
    return (V / np.sqrt(w)) @ V.T


def _canonical_correlations(S11, S12, S22) -> np.ndarray:
    """Population canonical correlations: singular values of S11^{-1/2} S12 S22^{-1/2}."""
    return sla.svdvals(_inv_sqrt(S11) @ S12 @ _inv_sqrt(S22))


def _random_joint_cov(r: np.random.Generator, p: int, q: int, whitened: bool, rho=None):
    """A joint covariance of (x, y) with canonical correlations ``rho`` (random in (0, 0.95) if None)."""
    k = min(p, q)
    if rho is None:
        rho = np.sort(r.uniform(0.05, 0.95, size=k))[::-1]
    rho = np.asarray(rho, dtype=np.float64)
    A = _random_orthogonal(r, p)[:, : len(rho)]
    B = _random_orthogonal(r, q)[:, : len(rho)]
    C = (A * rho) @ B.T  # whitened cross-covariance
    if whitened:
        S11, S22 = np.eye(p), np.eye(q)
    else:
        G1 = r.standard_normal((p, p)) + 2 * np.eye(p)
        G2 = r.standard_normal((q, q)) + 2 * np.eye(q)
        S11, S22 = G1 @ G1.T, G2 @ G2.T
    R1, R2 = np.real(sla.sqrtm(S11)), np.real(sla.sqrtm(S22))
    S12 = R1 @ C @ R2
    return S11, S12, S22, rho


def _w2_sq_gaussian(A: np.ndarray, B: np.ndarray) -> float:
    """Squared Wasserstein-2 distance between N(0, A) and N(0, B) (Bures formula, scipy sqrtm)."""
    RA = np.real(sla.sqrtm(A))
    cross = np.real(sla.sqrtm(RA @ B @ RA))
    return float(np.trace(A) + np.trace(B) - 2.0 * np.trace(cross))


def _w2_corrected(rho) -> float:
    rho = np.asarray(rho, dtype=np.float64)
    return float(2.0 * np.sum(2.0 - np.sqrt(1.0 + rho) - np.sqrt(1.0 - rho)))


def _w2_printed(rho) -> float:
    """The formula printed by Insulla et al. (2025): 2 sum_i (1 - sqrt(1 - rho_i^2))."""
    rho = np.asarray(rho, dtype=np.float64)
    return float(2.0 * np.sum(1.0 - np.sqrt(1.0 - rho**2)))


def _gaussian_mi_logdet(S11, S12, S22) -> float:
    S = np.block([[S11, S12], [S12.T, S22]])
    return 0.5 * (np.linalg.slogdet(S11)[1] + np.linalg.slogdet(S22)[1] - np.linalg.slogdet(S)[1])


def _enumerate(m, n, p):
    """All m^n index tuples with their probabilities."""
    idx = np.array(list(itertools.product(range(m), repeat=n)))
    prob = np.prod(p[idx], axis=1)
    return idx, prob
