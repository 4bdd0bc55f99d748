"""Kernel-alignment chapter, section *Distance alignment*: distance alignment as a function of kernel
alignment (``thm-ka-da``, ``err-ka-da-constant``)."""
from __future__ import annotations

import numpy as np
from scipy.spatial.distance import cdist

from ...device import pick, rng
from ...measures import distance_misalignment, kernel_alignment
from .._registry import Comparisons, check
from ._routes import _unit_rows, _pair, _random_orthogonal



# ============================================================================================
# Distance alignment
# ============================================================================================

@check("thm-ka-da", title="Distance alignment as a function of kernel alignment", kind="theorem",
       status="corrected", source="Insulla et al. 2025, Sec. 3.1 (unit sphere, not ball)")
def _thm_ka_da(scale, seed, device):
    r, c = rng(seed), Comparisons()
    four = c.constant("4 in D = 4(||K1||^2 + ||K2||^2 - 2||K1|| ||K2|| A)", 4.0)
    draws = pick(scale, test=10, book=50, full=200)
    lib, explicit, formula = [], [], []
    for _ in range(draws):
        n = int(r.integers(10, 80))
        X, F1, F2 = _pair(r, n)
        G1, G2 = _unit_rows(F1), _unit_rows(F2)
        d1, d2 = cdist(G1, G1, "sqeuclidean"), cdist(G2, G2, "sqeuclidean")
        K1, K2 = G1 @ G1.T, G2 @ G2.T
        explicit.append(np.mean((d1 - d2) ** 2))
        lib.append(distance_misalignment(G1, G2, route="samples"))
        c1, c2 = np.linalg.norm(K1) / n, np.linalg.norm(K2) / n
        A = kernel_alignment(G1, G2)
        formula.append(four * (c1**2 + c2**2 - 2.0 * c1 * c2 * A))
    c.close("library D vs explicit mean of (d1^2 - d2^2)^2", lib, explicit, tol=1e-12, draws=draws)
    c.close("D vs 4(‖K1‖^2 + ‖K2‖^2 - 2‖K1‖‖K2‖ KA), unit-norm features", explicit, formula, tol=1e-12, draws=draws)
    c.close("unit sphere: d^2 = 2(1 - K)", d1, 2.0 * (1.0 - K1), tol=1e-12)
    return c


def _equal_norm_pair(r, n, frac):
    """Unit-norm F1 and F2 = F1 Q with a fraction of rows permuted: |K2|_F = |K1|_F exactly."""
    X, F1, _ = _pair(r, n)
    G1 = _unit_rows(F1)
    Q = _random_orthogonal(r, G1.shape[1])
    idx = r.choice(n, size=int(frac * n), replace=False)
    order = np.arange(n)
    order[idx] = r.permutation(idx)
    return G1, (G1 @ Q)[order]


@check("err-ka-da-constant", title="Erratum: the constant in the KA-distance-alignment equivalence",
       kind="erratum", status="corrected", source="Insulla et al. 2025, Sec. 3.1")
def _err_ka_da_constant(scale, seed, device):
    r, c = rng(seed), Comparisons()
    # false variants: the corrected 8 C^2 in the printed slot (the disagreement row must fail), and the
    # unit sphere in place of the "ball" (the last row must fail)
    fix = c.alternative("8 C^2 (corrected) in place of the printed 8 C", 1, 2)
    sphere = c.alternative("features on the sphere in place of the ball", False, True)
    draws = pick(scale, test=10, book=50, full=200)
    D, printed, corrected, norms1, norms2 = [], [], [], [], []
    for _ in range(draws):
        n = int(r.integers(20, 80))
        G1, G2 = _equal_norm_pair(r, n, frac=float(r.uniform(0.2, 0.8)))
        C1, C2 = np.linalg.norm(G1 @ G1.T) / n, np.linalg.norm(G2 @ G2.T) / n
        norms1.append(C1)
        norms2.append(C2)
        A = kernel_alignment(G1, G2)
        D.append(distance_misalignment(G1, G2, route="samples"))
        printed.append(8.0 * C1**fix * (1.0 - A))
        corrected.append(8.0 * C1**2 * (1.0 - A))
    c.close("equal norms ‖K1‖ = ‖K2‖ = C (construction)", norms1, norms2, tol=1e-12, draws=draws)
    c.differ("printed 8 C (1 - KA) vs D", printed, D, tol=1e-4, draws=draws)
    c.close("corrected 8 C^2 (1 - KA) vs D", corrected, D, tol=1e-12, draws=draws)
    # the paper's "ball": inside the ball (norms < 1) the identity fails
    n = 40
    _, F1, F2 = _pair(r, n)
    B1 = _unit_rows(F1) * (1.0 if sphere else r.uniform(0.3, 0.9, (n, 1)))
    B2 = _unit_rows(F2) * (1.0 if sphere else r.uniform(0.3, 0.9, (n, 1)))
    c1, c2 = np.linalg.norm(B1 @ B1.T) / n, np.linalg.norm(B2 @ B2.T) / n
    c.differ("features inside the ball (not on the sphere): identity fails",
             4 * (c1**2 + c2**2 - 2 * c1 * c2 * kernel_alignment(B1, B2)),
             distance_misalignment(B1, B2, route="samples"), tol=1e-4)
    return c
