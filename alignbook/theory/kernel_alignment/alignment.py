"""Kernel-alignment chapter, section *Kernel alignment*: the definition, its three forms, the spectral form,
alignment with a target (``def-ka``, ``prop-ka-forms``, ``thm-ka-spectral``, ``err-spectral-square``,
``prop-kta-spectral``, ``err-kta-sqrt``)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import linalg as sla

from ...device import pick, rng
from ...measures import gram, kernel_alignment
from .._registry import Comparisons, check
from ._routes import _ka_direct, _pair, _rbf

__all__ = ["SpectralCoupling"]


@dataclass
class SpectralCoupling:
    r"""Normalised spectra of two kernels and their coupling matrix (``thm-ka-spectral``'s payload).

    Attributes
    ----------
    eta1, eta2 : numpy.ndarray
        The first ``k`` eigenvalues of ``K1/n`` and ``K2/n``, descending, divided by the norm of
        the whole spectrum.
    C : numpy.ndarray
        ``(k, k)`` block of :math:`C_{12} = U_1^\top U_2` (inner products of eigenvectors).
    ka : float
        The kernel alignment of the two kernels.

    Examples
    --------
    >>> from alignbook.theory import run
    >>> sc = run("thm-ka-spectral", scale="test", device="cpu").payload
    >>> sc.eta1.shape, sc.C.shape, 0.0 < sc.ka < 1.0
    ((25,), (25, 25), True)
    """

    eta1: np.ndarray
    eta2: np.ndarray
    C: np.ndarray
    ka: float




# ============================================================================================
# Kernel alignment: definition and its forms
# ============================================================================================

@check("def-ka", title="Kernel alignment lies in [0, 1]; population KA on a discrete law", kind="definition")
def _def_ka(scale, seed, device):
    r, c = rng(seed), Comparisons()
    draws = pick(scale, test=40, book=200, full=1000)
    lib, direct = [], []
    for t in range(draws):
        n = int(r.integers(5, 40))
        X, F1, F2 = _pair(r, n)
        K1 = _rbf(X, sigma=float(r.uniform(0.5, 3.0))) if t % 2 else F1 @ F1.T
        K2 = F2 @ F2.T
        lib.append(kernel_alignment(K1, K2, kernel="precomputed"))
        direct.append(_ka_direct(K1, K2))
    lib = np.array(lib)
    c.close("library KA vs ⟨K1,K2⟩/(‖K1‖‖K2‖), every draw", lib, direct, tol=1e-12, draws=draws)
    c.leq("0 <= KA (PSD kernels), every draw", np.zeros(draws), lib, slack=0.0)
    c.leq("KA <= 1 (Cauchy-Schwarz), every draw", lib, np.ones(draws))
    # population KA on a discrete law with weights w: (L_K g)(x_i) = sum_j K(x_i, x_j) w_j g(x_j)
    m = 30
    X, F1, F2 = _pair(r, m)
    K1, K2 = _rbf(X, 1.5), F2 @ F2.T
    w = r.dirichlet(np.ones(m))
    L1, L2 = K1 * w[None, :], K2 * w[None, :]
    tr12 = float(np.trace(L1 @ L2))
    double_integral = float(w @ (K1 * K2) @ w)
    c.close("Tr(L_K1 L_K2) vs double integral of K1 K2", tr12, double_integral, tol=1e-12)
    lam1 = np.linalg.eigvals(L1).real  # L is similar to diag(w)^1/2 K diag(w)^1/2, so Tr L^2 = sum eig^2
    c.close("Tr(L_K1^2) vs sum of squared eigenvalues", float(np.trace(L1 @ L1)), float(np.sum(lam1**2)), tol=1e-10)
    u = np.full(m, 1.0 / m)
    A_unif = float(u @ (K1 * K2) @ u) / math.sqrt(float(u @ (K1 * K1) @ u) * float(u @ (K2 * K2) @ u))
    c.close("uniform law: population KA = empirical KA", A_unif, kernel_alignment(K1, K2, kernel="precomputed"),
            tol=1e-12)
    return c


@check("prop-ka-forms", title="Kernel, representation and operator forms of KA agree", kind="proposition")
def _prop_ka_forms(scale, seed, device):
    r, c = rng(seed), Comparisons()
    n, p = pick(scale, test=60, book=200, full=1000), 5
    X = r.standard_normal((n, p))
    F1 = np.tanh(X @ r.standard_normal((p, 7)))                     # kernel 1: linear on tanh features
    F2 = np.einsum("ni,nj->nij", X, X).reshape(n, p * p)            # kernel 2: (x.x')^2 via vec(x x^T)
    K1 = F1 @ F1.T
    K2 = (X @ X.T) ** 2                                             # built without the feature map
    c.close("quadratic kernel: (x.x')^2 = ⟨vec xx^T, vec x'x'^T⟩", F2 @ F2.T, K2, tol=1e-10)
    gram_form = kernel_alignment(K1, K2, kernel="precomputed")
    S = [F1.T @ F1 / n, F1.T @ F2 / n, F2.T @ F2 / n]               # uncentred second moments
    rep_form = np.sum(S[1] ** 2) / math.sqrt(np.sum(S[0] ** 2) * np.sum(S[2] ** 2))
    # sampling operators S_q: R^{d_q} -> (R^n, <u,v> = u.v/n); adjoint S_q^* = F_q^T / n
    S1, S2 = F1, F2
    S1s, S2s = F1.T / n, F2.T / n
    c.close("S_1 S_1^* = K_1 / n (the 1/n sits in the inner product)", S1 @ S1s, K1 / n, tol=1e-12)
    hs12 = np.sum(sla.svdvals(S1s @ S2) ** 2)                       # |S1^* S2|_HS^2 from singular values
    hs11 = math.sqrt(np.sum(np.linalg.eigvalsh(S1s @ S1) ** 2))
    hs22 = math.sqrt(np.sum(np.linalg.eigvalsh(S2s @ S2) ** 2))
    op_form = hs12 / (hs11 * hs22)
    c.close("Gram form vs representation form", gram_form, rep_form, tol=1e-10)
    c.close("Gram form vs operator form", gram_form, op_form, tol=1e-10)
    c.close("library KA on features (feature route) vs Gram form", kernel_alignment(F1, F2), gram_form, tol=1e-10)
    return c


def _spectral_parts(K1, K2):
    n = K1.shape[0]
    e1, U1 = np.linalg.eigh(K1 / n)
    e2, U2 = np.linalg.eigh(K2 / n)
    e1, U1, e2, U2 = e1[::-1], U1[:, ::-1], e2[::-1], U2[:, ::-1]
    C = U1.T @ U2  # [C]_ij = <phi_1i, phi_2j>_{L2(empirical)} with phi = sqrt(n) u
    return e1, U1, e2, U2, C


@check("thm-ka-spectral", title="Spectral form of kernel alignment", kind="theorem")
def _thm_ka_spectral(scale, seed, device):
    r, c = rng(seed), Comparisons()
    n = pick(scale, test=80, book=200, full=600)
    X, F1, F2 = _pair(r, n)
    K1 = gram(X, "rbf", sigma=2.0)
    K2 = F2 @ F2.T
    e1, U1, e2, U2, C = _spectral_parts(K1, K2)
    h1, h2 = e1 / np.linalg.norm(e1), e2 / np.linalg.norm(e2)
    ka = kernel_alignment(K1, K2, kernel="precomputed")
    double_sum = float(np.sum(h1[:, None] * h2[None, :] * C**2))
    c.close("KA vs sum_ij eta1_i eta2_j C_ij^2 (normalised spectra)", ka, double_sum, tol=1e-10)
    c.close("⟨eta1,(C o C) eta2⟩ vs Tr[C diag(eta2) C^T diag(eta1)]", float(h1 @ (C * C) @ h2),
            float(np.trace(C @ np.diag(h2) @ C.T @ np.diag(h1))), tol=1e-12)
    c.close("phi orthonormal in L2(empirical): U^T U = I", U1.T @ U1, np.eye(n), tol=1e-10)
    # population, Gaussian features with linear kernels: Mercer pairs from the second moments
    d1, d2 = 4, 3
    G = r.standard_normal((d1 + d2, d1 + d2))
    S = G @ G.T
    S11, S12, S22 = S[:d1, :d1], S[:d1, d1:], S[d1:, d1:]
    A_rep = np.sum(S12**2) / math.sqrt(np.sum(S11**2) * np.sum(S22**2))  # Tr(L1L2) = |E f1 f2^T|_F^2
    w1, V1 = np.linalg.eigh(S11)
    w2, V2 = np.linalg.eigh(S22)
    Cp = (V1.T @ S12 @ V2) / np.sqrt(np.outer(w1, w2))               # E[phi_1i phi_2j]
    A_spec = float((w1 / np.linalg.norm(w1)) @ (Cp**2) @ (w2 / np.linalg.norm(w2)))
    c.close("population (Gaussian, linear kernels): representation vs spectral", A_rep, A_spec, tol=1e-12)
    # special case 1: constant spectra (whitened features) -> KA = |C|_F^2 / sqrt(r1 r2)
    r1, r2 = 4, 6
    Q1 = np.linalg.qr(r.standard_normal((n, r1)))[0]
    Q2 = np.linalg.qr(Q1 @ r.standard_normal((r1, r2)) + 0.7 * r.standard_normal((n, r2)))[0]
    Kw1, Kw2 = 3.0 * Q1 @ Q1.T, 0.5 * Q2 @ Q2.T
    c.close("constant spectra: KA = ‖C_12‖_F^2 / sqrt(r1 r2)", kernel_alignment(Kw1, Kw2, kernel="precomputed"),
            np.sum((Q1.T @ Q2) ** 2) / math.sqrt(r1 * r2), tol=1e-10)
    # special case 2: shared eigenvectors (C_12 = I) -> KA = <eta1_hat, eta2_hat>
    Q = np.linalg.qr(r.standard_normal((n, 8)))[0]
    s1, s2 = r.uniform(0.1, 2.0, 8), r.uniform(0.1, 2.0, 8)
    c.close("C_12 = I: KA = ⟨eta1_hat, eta2_hat⟩",
            kernel_alignment((Q * s1) @ Q.T, (Q * s2) @ Q.T, kernel="precomputed"),
            float(s1 @ s2 / (np.linalg.norm(s1) * np.linalg.norm(s2))), tol=1e-10)
    k = 25
    c.attach(SpectralCoupling(eta1=h1[:k], eta2=h2[:k], C=C[:k, :k], ka=float(ka)))
    return c


@check("err-spectral-square", title="Erratum: the two-kernel spectral sum needs a square", kind="erratum")
def _err_spectral_square(scale, seed, device):
    r, c = rng(seed), Comparisons()
    n = pick(scale, test=60, book=150, full=400)
    X, F1, F2 = _pair(r, n)
    K1, K2 = gram(X, "rbf", sigma=2.0), F2 @ F2.T
    e1, U1, e2, U2, C = _spectral_parts(K1, K2)
    ka = kernel_alignment(K1, K2, kernel="precomputed")
    norm = np.linalg.norm(e1) * np.linalg.norm(e2)
    inner = np.sqrt(np.abs(np.outer(e1, e2))) * np.sign(np.outer(e1, e2)) * C  # <f_1i, f_2j>
    printed = float(np.sum(inner) / norm)
    corrected = float(np.sum(inner**2 * np.sign(np.outer(e1, e2))) / norm)
    c.differ("printed sum_ij ⟨f1i,f2j⟩ / (‖eta1‖‖eta2‖) vs KA", printed, ka, tol=1e-3)
    c.close("corrected sum_ij ⟨f1i,f2j⟩^2 / (‖eta1‖‖eta2‖) vs KA", corrected, ka, tol=1e-10)
    # the printed sum is not even well defined: flipping the sign of an eigenfunction changes it
    flip = np.ones(n)
    flip[0] = -1.0
    printed_flip = float(np.sum(inner * flip[:, None]) / norm)
    corrected_flip = float(np.sum((inner * flip[:, None]) ** 2 * np.sign(np.outer(e1, e2))) / norm)
    c.differ("printed sum after flipping the sign of phi_11", printed_flip, printed, tol=1e-3)
    c.close("corrected sum after flipping the sign of phi_11", corrected_flip, corrected, tol=1e-12)
    return c


def _kta_setup(r, n):
    X = r.standard_normal((n, 5))
    K = _rbf(X, 2.0)
    eta, U = np.linalg.eigh(K / n)
    return K, eta[::-1], U[:, ::-1]


def _kta_draws(r, K, eta, U, draws, r_modes=10):
    """Targets h = sum_i w_i sqrt(eta_i) phi_i with w supported on the top ``r_modes`` modes."""
    n = K.shape[0]
    out = []
    for _ in range(draws):
        w = np.zeros(n)
        w[:r_modes] = r.standard_normal(r_modes) * (r.random(r_modes) < 0.6)
        if not np.any(w):
            w[0] = 1.0
        t = r.choice([r.uniform(0.05, 0.5), r.uniform(2.0, 6.0)])
        w *= t / math.sqrt(np.sum(eta * w**2))                      # so that sum_i eta_i w_i^2 = t^2 != 1
        h = math.sqrt(n) * U[:, :r_modes] @ (np.sqrt(eta[:r_modes]) * w[:r_modes])
        out.append((w, h))
    return out


@check("prop-kta-spectral", title="Spectral form of kernel-target alignment", kind="proposition")
def _prop_kta_spectral(scale, seed, device):
    r, c = rng(seed), Comparisons()
    n, draws = pick(scale, test=60, book=150, full=400), pick(scale, test=40, book=200, full=1000)
    K, eta, U = _kta_setup(r, n)
    direct, formula, tripled = [], [], []
    for w, h in _kta_draws(r, K, eta, U, draws):
        direct.append(kernel_alignment(K, np.outer(h, h), kernel="precomputed"))
        formula.append(np.sum(eta**2 * w**2) / (np.linalg.norm(eta) * np.sum(eta * w**2)))
        w3 = 3.0 * w
        tripled.append(np.sum(eta**2 * w3**2) / (np.linalg.norm(eta) * np.sum(eta * w3**2)))
    c.close("A(K, h h^T) direct vs sum eta^2 w^2 / (‖eta‖ sum eta w^2)", direct, formula, tol=1e-10, draws=draws)
    c.close("formula is scale invariant in h (w -> 3w)", tripled, formula, tol=1e-12, draws=draws)
    c.leq("A(K, h h^T) <= 1 on every draw", formula, np.ones(draws))
    return c


@check("err-kta-sqrt", title="Erratum: square-root placement in spectral kernel-target alignment",
       kind="erratum")
def _err_kta_sqrt(scale, seed, device):
    r, c = rng(seed), Comparisons()
    n, draws = pick(scale, test=60, book=150, full=400), pick(scale, test=40, book=200, full=1000)
    K, eta, U = _kta_setup(r, n)
    direct, printed, corrected = [], [], []
    for w, h in _kta_draws(r, K, eta, U, draws):
        direct.append(kernel_alignment(K, np.outer(h, h), kernel="precomputed"))
        printed.append(np.sum(eta**2 * w**2) / math.sqrt(np.sum(eta**2) * np.sum(eta * w**2)))
        corrected.append(np.sum(eta**2 * w**2) / (math.sqrt(np.sum(eta**2)) * np.sum(eta * w**2)))
    printed = np.array(printed)
    c.differ("printed sum eta^2w^2 / sqrt(sum eta^2 sum eta w^2) vs direct", printed, direct, tol=1e-4, draws=draws)
    c.true("printed formula exceeds 1 on some draw (an alignment cannot)", bool(np.max(printed) > 1.0),
           value=float(np.max(printed)), draws=draws)
    c.close("corrected formula vs direct", corrected, direct, tol=1e-10, draws=draws)
    return c
