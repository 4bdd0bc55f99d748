"""Kernel-alignment chapter, section *Invariances*: what CKA ignores, and why an index invariant to
invertible maps says nothing when width >= n (``prop-cka-invariance``, ``thm-invertible-width``)."""
from __future__ import annotations

import math

import numpy as np
from scipy import linalg as sla

from ...device import pick, rng
from ...measures import cca, cca_similarity, cka, kernel_alignment
from .._registry import Comparisons, check
from ._routes import _pair, _random_orthogonal



# ============================================================================================
# Invariances (Kornblith et al. 2019)
# ============================================================================================

@check("prop-cka-invariance", title="CKA is invariant to orthogonal maps, isotropic scaling and translation",
       kind="proposition", status="standard", source="Kornblith et al. 2019, Sec. 3")
def _prop_cka_invariance(scale, seed, device):
    r, c = rng(seed), Comparisons()
    # false variant: a map 2 % off orthogonal in one direction (Q diag(1.02, 1, ..., 1)): the invariance rows
    # must fail, since CKA is not invariant to anisotropic maps
    aniso = c.constant("the orthogonal map's first singular value (1)", 1.0, nudges=(1.02,))
    n = pick(scale, test=60, book=200, full=1000)
    X, F1, F2 = _pair(r, n, d1=8)
    Q = _random_orthogonal(r, 8) @ np.diag([aniso] + [1.0] * 7)
    b = r.standard_normal(8)
    base = cka(F1, F2)
    c.close("linear CKA(X Q, Y) vs CKA(X, Y)", cka(F1 @ Q, F2), base, tol=1e-12)
    c.close("linear CKA(3.7 X + b, Y) vs CKA(X, Y)", cka(3.7 * F1 + b, F2), base, tol=1e-12)
    c.close("RBF CKA (median bandwidth)(2 X Q + b, Y) vs CKA(X, Y)", cka(2.0 * F1 @ Q + b, F2, kernel="rbf"),
            cka(F1, F2, kernel="rbf"), tol=1e-10)
    D = np.diag(np.linspace(0.1, 5.0, 8))
    c.differ("linear CKA(X D, Y), D anisotropic diagonal, vs CKA(X, Y)", cka(F1 @ D, F2), base, tol=1e-3)
    c.differ("uncentred KA(X + b, Y) vs KA(X, Y) (not translation invariant)", kernel_alignment(F1 + b, F2),
             kernel_alignment(F1, F2), tol=1e-3)
    return c


@check("thm-invertible-width", title="An index invariant to invertible linear maps is constant when width >= n",
       kind="theorem", status="standard", source="Kornblith et al. 2019, Theorem 1")
def _thm_invertible_width(scale, seed, device):
    r, c = rng(seed), Comparisons()
    # false variant: width n - 3 < n - 1 (the hypothesis violated): the CCA rows must then fail
    short = c.alternative("width n - 3 in place of width >= n", False, True)
    n, draws = pick(scale, test=20, book=40, full=100), pick(scale, test=10, book=30, full=100)
    fit, conds, cca_wide, cca_narrow, cka_wide, lib_wide = [], [], [], [], [], []
    for _ in range(draws):
        p = n - 3 if short else n + int(r.integers(0, 10))
        X, Y = r.standard_normal((n, p)), r.standard_normal((n, p))
        Xp = np.linalg.pinv(X)
        T = Xp @ Y + (np.eye(p) - Xp @ X) @ r.standard_normal((p, p))  # X T = Y and T generic
        fit.append(np.max(np.abs(X @ T - Y)))
        conds.append(np.linalg.cond(T))
        # CCA through principal angles between column spaces of the centred data (scipy)
        Xc, Yc = X - X.mean(0), Y - Y.mean(0)
        cca_wide.append(np.mean(np.cos(sla.subspace_angles(Xc, Yc)) ** 2))
        Xn, Yn = Xc[:, : n // 4], Yc[:, : n // 4]
        cca_narrow.append(np.mean(np.cos(sla.subspace_angles(Xn - Xn.mean(0), Yn - Yn.mean(0))) ** 2))
        cka_wide.append(cka(X, Y))
        lib_wide.append(cca_similarity(X, Y, summary="mean_squared"))
    c.close("X T = Y with T = X^+ Y + (I - X^+ X) Z", np.array(fit), np.zeros(draws), tol=1e-9, draws=draws)
    c.true("T is invertible: cond(T) < 1e10 on every draw", max(conds) < 1e10, value=max(conds), draws=draws)
    c.close("width >= n: mean squared canonical correlation = 1 for independent X, Y", cca_wide, np.ones(draws),
            tol=1e-9, draws=draws)
    c.close("width >= n: library CCA R^2 = 1 for independent X, Y", lib_wide, np.ones(draws), tol=1e-9, draws=draws)
    c.true("width < n: mean squared canonical correlation varies (std > 0.01)", float(np.std(cca_narrow)) > 0.01,
           value=float(np.std(cca_narrow)), draws=draws)
    c.true("width >= n: linear CKA still varies (std > 0.005), it is not invariant to GL(p)",
           float(np.std(cka_wide)) > 0.005, value=float(np.std(cka_wide)), draws=draws)
    return c


@check("prop-cka-cca-whitened", title="For whitened inputs linear CKA is the normalised sum of squared canonical "
       "correlations", kind="proposition", status="standard", source="Kornblith et al. 2019, Sec. 3 and Table 1")
def _prop_cka_cca_whitened(scale, seed, device):
    r, c = rng(seed), Comparisons()
    # CKA(X W_X, Y W_Y) with whitened X W_X, Y W_Y equals sum rho_i^2 / sqrt(p q) = R2_CCA min(p, q)/sqrt(p q),
    # with rho from the library's cca and from scipy's principal angles. False variant: sum rho_i (no square).
    sq = c.constant("the square in sum rho_i^2", 2.0)
    draws = pick(scale, test=12, book=60, full=300)
    lhs, rhs, rhs_sp, r2 = [], [], [], []
    for _ in range(draws):
        n, p, q = int(r.integers(30, 120)), int(r.integers(2, 7)), int(r.integers(2, 7))
        Z = r.standard_normal((n, 4))
        X = Z @ r.standard_normal((4, p)) + r.standard_normal((n, p)) + 2.0
        Y = np.tanh(Z @ r.standard_normal((4, q))) + 0.5 * r.standard_normal((n, q))
        white = lambda A: (A - A.mean(0)) @ np.linalg.inv(np.linalg.cholesky(np.cov(A.T, bias=True))).T  # noqa: E731
        lhs.append(cka(white(X), white(Y)))
        rho = np.asarray(cca(X, Y).rho)
        rhs.append(np.sum(np.abs(rho) ** sq) / math.sqrt(p * q))
        ang = sla.subspace_angles(X - X.mean(0), Y - Y.mean(0))
        rhs_sp.append(np.sum(np.cos(ang) ** sq) / math.sqrt(p * q))
        r2.append(cca_similarity(X, Y, kind="mean_squared") * min(p, q) / math.sqrt(p * q))
    c.close("CKA of whitened inputs = sum rho^2 / sqrt(pq) (alignbook.cca)", lhs, rhs, tol=1e-10, draws=draws)
    c.close("same, rho from scipy's principal angles", lhs, rhs_sp, tol=1e-9, draws=draws)
    c.close("= mean squared CCA (alignbook.cca_similarity) min(p, q)/sqrt(pq)", lhs, r2, tol=1e-10, draws=draws)
    return c
