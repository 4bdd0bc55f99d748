"""Kernel-alignment chapter, section *Invariances*: what CKA ignores, and why an index invariant to
invertible maps says nothing when width >= n (``prop-cka-invariance``, ``thm-invertible-width``)."""
from __future__ import annotations

import numpy as np
from scipy import linalg as sla

from ...device import pick, rng
from ...measures import cca_similarity, cka, kernel_alignment
from .._registry import Comparisons, check
from ._routes import _pair, _random_orthogonal



# ============================================================================================
# Invariances (Kornblith et al. 2019)
# ============================================================================================

@check("prop-cka-invariance", title="CKA is invariant to orthogonal maps, isotropic scaling and translation",
       kind="proposition")
def _prop_cka_invariance(scale, seed, device):
    r, c = rng(seed), Comparisons()
    n = pick(scale, test=60, book=200, full=1000)
    X, F1, F2 = _pair(r, n, d1=8)
    Q = _random_orthogonal(r, 8)
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
       kind="theorem")
def _thm_invertible_width(scale, seed, device):
    r, c = rng(seed), Comparisons()
    n, draws = pick(scale, test=20, book=40, full=100), pick(scale, test=10, book=30, full=100)
    fit, conds, cca_wide, cca_narrow, cka_wide, lib_wide = [], [], [], [], [], []
    for _ in range(draws):
        p = n + int(r.integers(0, 10))
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
    c.leq("T is invertible: cond(T) < 1e10", conds, 1e10, draws=draws)
    c.close("width >= n: mean squared canonical correlation = 1 for independent X, Y", cca_wide, np.ones(draws),
            tol=1e-9, draws=draws)
    c.close("width >= n: library CCA R^2 = 1 for independent X, Y", lib_wide, np.ones(draws), tol=1e-9, draws=draws)
    c.true("width < n: mean squared canonical correlation varies (std > 0.01)", float(np.std(cca_narrow)) > 0.01,
           value=float(np.std(cca_narrow)), draws=draws)
    c.true("width >= n: linear CKA still varies (std > 0.005), it is not invariant to GL(p)",
           float(np.std(cka_wide)) > 0.005, value=float(np.std(cka_wide)), draws=draws)
    return c
