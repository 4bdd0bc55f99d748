"""Kernel-alignment chapter, section *Gaussians*: every notion is a function of the canonical
correlations; COCO and kernel CCA (``thm-gauss-cancorr``, ``prop-mi-hsic-coco``, ``prop-coco-kcca-linear``,
``err-w2-gaussian``)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg as sla

from ...device import pick, rng
from ...measures import cca, kernel_cca
from .._registry import Comparisons, check
from ._routes import _inv_sqrt, _canonical_correlations, _random_joint_cov, _w2_sq_gaussian, _w2_corrected, _w2_printed, _gaussian_mi_logdet

__all__ = ["GaussianNotions"]


@dataclass
class GaussianNotions:
    r"""Every Gaussian notion of dependence for one canonical pair, on a grid of rho (``thm-gauss-cancorr``'s payload).

    Attributes
    ----------
    rho : numpy.ndarray
        Canonical correlations in [0, 1).
    hsic, mi, w2, w2_printed, cca_cost : numpy.ndarray
        Linear HSIC of the whitened pair :math:`\rho^2`, mutual information
        :math:`-\frac12\log(1-\rho^2)`, the correct :math:`W_2^2`, the printed (wrong) one, and
        the CCA cost :math:`2(1-\rho)`.

    Examples
    --------
    >>> from alignbook.theory import run
    >>> g = run("thm-gauss-cancorr", scale="test", device="cpu").payload
    >>> g.rho.shape == g.mi.shape == g.w2.shape
    True
    """

    rho: np.ndarray
    hsic: np.ndarray
    mi: np.ndarray
    w2: np.ndarray
    w2_printed: np.ndarray
    cca_cost: np.ndarray




# ============================================================================================
# Gaussians: everything is a function of the canonical correlations
# ============================================================================================

@check("thm-gauss-cancorr", title="Gaussian MI, W2, HSIC and CCA cost through canonical correlations",
       kind="theorem", status="corrected", source="Insulla et al. 2025, Sec. 3.4 (W2 corrected; rho are canonical correlations)")
def _thm_gauss_cancorr(scale, seed, device):
    r, c = rng(seed), Comparisons()
    # false variants: the 1/2 of the Gaussian MI nudged, and the paper's W2 formula in place of the corrected
    # one. Near equality for the CCA-cost bound: feasible pairs close to the canonical directions.
    half = c.constant("1/2 in MI = -1/2 sum log(1 - rho^2)", 0.5)
    w2f = c.alternative("the printed W2 formula 2 sum(1 - sqrt(1 - rho^2))", _w2_corrected, _w2_printed)
    draws = pick(scale, test=20, book=100, full=500)
    mi_a, mi_b, w_a, w_b, h_a, h_b, cost_a, cost_b, rand_cost, best = ([] for _ in range(10))
    hsic_changes = []
    for t in range(draws):
        p, q = int(r.integers(1, 5)), int(r.integers(1, 5))
        S11, S12, S22, rho = _random_joint_cov(r, p, q, whitened=False)
        rho_hat = _canonical_correlations(S11, S12, S22)
        mi_a.append(_gaussian_mi_logdet(S11, S12, S22))
        mi_b.append(-half * np.sum(np.log1p(-rho_hat**2)))
        # whiten: x -> S11^{-1/2} x, y -> S22^{-1/2} y (canonical correlations unchanged)
        Cw = _inv_sqrt(S11) @ S12 @ _inv_sqrt(S22)
        Sw = np.block([[np.eye(p), Cw], [Cw.T, np.eye(q)]])
        w_a.append(_w2_sq_gaussian(Sw, np.eye(p + q)))           # W2^2(joint, product of marginals)
        w_b.append(w2f(rho_hat))
        h_a.append(np.sum(Cw**2))                                 # linear HSIC of whitened variables
        # an independent route to sum rho^2: the generalised eigenproblem S12 S22^-1 S21 v = rho^2 S11 v
        h_b.append(float(np.sum(sla.eigh(S12 @ np.linalg.solve(S22, S12.T), S11, eigvals_only=True))))
        hsic_changes.append(abs(np.sum(S12**2) - np.sum(rho_hat**2)))
        # CCA cost min E|U^T x - V^T y|^2 s.t. U^T S11 U = I_k = V^T S22 V
        k = len(rho_hat)
        A, s, Bt = np.linalg.svd(Cw)
        U, V = _inv_sqrt(S11) @ A[:, :k], _inv_sqrt(S22) @ Bt.T[:, :k]
        cost = np.trace(U.T @ S11 @ U) + np.trace(V.T @ S22 @ V) - 2.0 * np.trace(U.T @ S12 @ V)
        cost_a.append(cost)
        cost_b.append(2.0 * np.sum(1.0 - rho_hat))
        for j in range(5):  # any feasible (U, V) costs at least as much; some are near the optimum
            O1 = np.linalg.qr(r.standard_normal((p, k)))[0]
            O2 = np.linalg.qr(r.standard_normal((q, k)))[0]
            if j >= 3:
                e = 10.0 ** (-3 - 2 * (j - 3))
                O1 = np.linalg.qr(A[:, :k] + e * r.standard_normal((p, k)))[0]
                O2 = np.linalg.qr(Bt.T[:, :k] + e * r.standard_normal((q, k)))[0]
                O1, O2 = O1 * np.sign(np.sum(O1 * A[:, :k], 0)), O2 * np.sign(np.sum(O2 * Bt.T[:, :k], 0))
            U2, V2 = _inv_sqrt(S11) @ O1, _inv_sqrt(S22) @ O2
            rand_cost.append(np.trace(U2.T @ S11 @ U2) + np.trace(V2.T @ S22 @ V2) - 2 * np.trace(U2.T @ S12 @ V2))
            best.append(cost)
    c.close("MI: (1/2) log(det S11 det S22 / det S) vs -(1/2) sum log(1 - rho^2)", mi_a, mi_b, tol=1e-10, draws=draws)
    c.close("W2^2(joint, product), whitened: sqrtm vs 2 sum(2 - sqrt(1+rho) - sqrt(1-rho))", w_a, w_b, tol=1e-8,
            draws=draws)
    c.close("linear HSIC of whitened (x, y) vs sum rho^2 (generalised eigenvalues)", h_a, h_b, tol=1e-10, draws=draws)
    c.close("CCA cost at canonical directions vs 2 sum (1 - rho)", cost_a, cost_b, tol=1e-10, draws=draws)
    c.leq("CCA cost at canonical directions <= cost of feasible (U, V) (some within 1e-5 of them)", best, rand_cost,
          slack=1e-10, tight=True, scale=np.maximum(np.abs(rand_cost), 1.0))
    c.true("unwhitened HSIC ‖S12‖_F^2 differs from sum rho^2 (rho are not its singular values)",
           bool(np.median(hsic_changes) > 1e-3), value=float(np.median(hsic_changes)), draws=draws)
    # the same identities hold exactly for the sample covariance, with the library's CCA
    n = pick(scale, test=200, book=1000, full=10000)
    S11, S12, S22, _ = _random_joint_cov(r, 4, 3, whitened=False)
    Z = r.standard_normal((n, 7)) @ np.linalg.cholesky(np.block([[S11, S12], [S12.T, S22]])).T
    Sh = np.cov(Z.T)
    rho_lib = cca(Z[:, :4], Z[:, 4:]).rho
    c.close("sample: MI of the sample covariance vs -(1/2) sum log(1 - rho^2), rho from library cca",
            _gaussian_mi_logdet(Sh[:4, :4], Sh[:4, 4:], Sh[4:, 4:]), -half * np.sum(np.log1p(-rho_lib**2)), tol=1e-10)
    rho = np.array([0.9, 0.5, 0.1])
    S11, S12, S22, _ = _random_joint_cov(r, 3, 3, whitened=False, rho=rho)
    c.close("rho = (.9, .5, .1): MI (logdet) vs 0.979231807563467 [V]", _gaussian_mi_logdet(S11, S12, S22),
            0.979231807563467, tol=1e-12)
    grid = np.linspace(0.0, 0.999, 200)
    c.attach(GaussianNotions(rho=grid, hsic=grid**2, mi=-0.5 * np.log1p(-grid**2),
                             w2=2 * (2 - np.sqrt(1 + grid) - np.sqrt(1 - grid)),
                             w2_printed=2 * (1 - np.sqrt(1 - grid**2)), cca_cost=2 * (1 - grid)))
    return c


@check("prop-mi-hsic-coco", title="MI >= HSIC/2 and COCO^2 <= HSIC <= r COCO^2 for Gaussians", kind="proposition",
       status="new", source="")
def _prop_mi_hsic_coco(scale, seed, device):
    r, c = rng(seed), Comparisons()
    # Equality cases: MI/HSIC -> 1/2 as rho -> 0 (draws with rho ~ 1e-3); COCO^2 = HSIC for one non-zero rho;
    # HSIC = r COCO^2 for equal rho; cov(a.x, b.y) = COCO at the top singular pair. False variants: each
    # bound 1 % stronger.
    k_mi = c.constant("1/2 in MI >= HSIC/2", 1.0, stronger="larger")
    k_c = c.constant("1 in COCO^2 <= HSIC", 1.0, stronger="larger")
    k_r = c.constant("r in HSIC <= r COCO^2", 1.0, stronger="smaller")
    k_s = c.constant("COCO as the sup of cov(a.x, b.y)", 1.0, stronger="smaller")
    draws = pick(scale, test=60, book=200, full=2000)
    mi, hs, coco2, rk = [], [], [], []
    probe, top = [], []
    for t in range(draws):
        p, q = int(r.integers(1, 6)), int(r.integers(1, 6))
        kind = t % 4
        if kind == 0:
            rho = np.full(min(p, q), 0.999)
        elif kind == 1:
            rho = np.zeros(min(p, q))
            rho[0] = 10.0 ** r.uniform(-3.5, -2.5)  # one small non-zero canonical correlation
        else:
            rho = np.sort(r.uniform(0.0, 0.999, min(p, q)))[::-1]
        S11, S12, S22, _ = _random_joint_cov(r, p, q, whitened=True, rho=rho)
        sv = sla.svdvals(S12)
        mi.append(_gaussian_mi_logdet(S11, S12, S22))
        hs.append(np.sum(S12**2))
        coco2.append(sv[0] ** 2)
        rk.append(np.linalg.matrix_rank(S12))
        a = r.standard_normal((50, p))
        b = r.standard_normal((50, q))
        Us, _, Vst = np.linalg.svd(S12)
        a[0], b[0] = Us[:, 0], Vst[0]  # the top singular pair attains the sup
        a /= np.linalg.norm(a, axis=1, keepdims=True)
        b /= np.linalg.norm(b, axis=1, keepdims=True)
        probe.extend(np.einsum("ip,pq,iq->i", a, S12, b))   # cov(a.x, b.y) over the unit balls
        top.extend([sv[0]] * 50)
    hs, coco2, rk = np.array(hs), np.array(coco2), np.array(rk)
    c.leq("HSIC / 2 <= MI, every draw (ratio -> 1 as rho -> 0)", k_mi * hs / 2, mi, draws=draws, tight=True)
    c.leq("COCO^2 <= HSIC, every draw (equality: one non-zero rho)", k_c * coco2, hs, draws=draws, tight=True)
    c.leq("HSIC <= rank(C12) COCO^2, every draw (equality: equal rho)", hs, k_r * rk * coco2, slack=1e-10, draws=draws,
          tight=True)
    c.leq("COCO is the sup: cov(a.x, b.y) <= COCO over unit a, b (equality: top singular pair)", probe,
          k_s * np.array(top), draws=len(probe), tight=True)
    return c


@check("err-w2-gaussian", title="Erratum: the Gaussian Wasserstein-2 independence formula", kind="erratum",
       status="corrected", source="Insulla et al. 2025, Sec. 3.4")
def _err_w2_gaussian(scale, seed, device):
    r, c = rng(seed), Comparisons()
    fix = c.alternative("the corrected formula in the printed slot", _w2_printed, _w2_corrected)
    rho = np.array([0.9, 0.5, 0.1])
    Sw = np.block([[np.eye(3), np.diag(rho)], [np.diag(rho), np.eye(3)]])
    exact = _w2_sq_gaussian(Sw, np.eye(6))
    c.close("rho = (.9,.5,.1): sqrtm W2^2 vs 0.752047 [V]", exact, 0.752047, tol=1e-6)
    c.close("rho = (.9,.5,.1): printed formula vs 1.406195 [V]", _w2_printed(rho), 1.406195, tol=1e-6)
    draws = pick(scale, test=30, book=100, full=500)
    truth, printed, corrected = [], [], []
    for _ in range(draws):
        p, q = int(r.integers(1, 5)), int(r.integers(1, 5))
        rho = r.uniform(0.2, 0.99, min(p, q))
        S11, S12, S22, _ = _random_joint_cov(r, p, q, whitened=True, rho=rho)
        truth.append(_w2_sq_gaussian(np.block([[S11, S12], [S12.T, S22]]), np.eye(p + q)))
        printed.append(fix(rho))
        corrected.append(_w2_corrected(rho))
    c.differ("printed 2 sum(1 - sqrt(1 - rho^2)) vs sqrtm W2^2", printed, truth, tol=1e-3, draws=draws)
    c.close("corrected 2 sum(2 - sqrt(1+rho) - sqrt(1-rho)) vs sqrtm W2^2", corrected, truth, tol=1e-8, draws=draws)
    return c


@check("prop-coco-kcca-linear", title="COCO and kernel CCA with linear kernels; KCCA needs regularisation",
       kind="proposition", status="standard", source="Gretton et al. 2005 (COCO); Bach and Jordan 2002 (KCCA)")
def _prop_coco_kcca_linear(scale, seed, device):
    r, c = rng(seed), Comparisons()
    # false variants: the regulariser inside without square roots ((S + k I)^-1 on one side), and the bound
    # KCC <= rho_1 1 % stronger (approached as kappa -> 0). COCO's sup is attained at the top singular pair.
    nosqrt = c.alternative("(S11 + kI)^-1 (no square root) in the KCC formula", False, True)
    k_r = c.constant("rho_1 as the bound on KCC", 1.0, stronger="smaller")
    n = pick(scale, test=60, book=200, full=1000)
    X = r.standard_normal((n, 4))
    Y = np.tanh(X @ r.standard_normal((4, 3))) + 0.5 * r.standard_normal((n, 3))
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    S11, S12, S22 = Xc.T @ Xc / n, Xc.T @ Yc / n, Yc.T @ Yc / n     # 1/n (empirical-measure) moments
    coco = sla.svdvals(S12)[0]
    a = r.standard_normal((2000, 4))
    b = r.standard_normal((2000, 3))
    Ut, _, Vtt = np.linalg.svd(S12)
    a[0], b[0] = Ut[:, 0], Vtt[0]
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    b /= np.linalg.norm(b, axis=1, keepdims=True)
    covs = np.mean((Xc @ a.T) * (Yc @ b.T), axis=0)                  # empirical cov(a.x, b.y)
    c.leq("COCO: cov(a.x, b.y) <= sigma_max(C_12) over unit a, b (equality: top singular pair)", covs,
          np.full(2000, coco), draws=2000, tight=True)
    U, sv, Vt = np.linalg.svd(S12)
    c.close("COCO attained at the top singular vectors", np.mean((Xc @ U[:, 0]) * (Yc @ Vt[0])), coco, tol=1e-12)
    kappas = np.array([1.0, 0.3, 0.1, 0.03, 0.01, 1e-6])
    kcc = np.array([kernel_cca(X, Y, kernel="linear", reg=k) for k in kappas])
    inv = (lambda M: np.linalg.inv(M)) if nosqrt else _inv_sqrt
    formula = [sla.svdvals(inv(S11 + k * np.eye(4)) @ S12 @ _inv_sqrt(S22 + k * np.eye(3)))[0] for k in kappas]
    c.close("KCC_kappa (library, linear kernel) vs sigma_max((S11+kI)^-1/2 S12 (S22+kI)^-1/2)", kcc, formula,
            tol=1e-10, draws=len(kappas))
    c.leq("KCC_kappa increases as kappa decreases", kcc[:-1], kcc[1:], draws=len(kappas) - 1)
    c.leq("KCC_kappa <= first canonical correlation (approached as kappa -> 0)", kcc,
          k_r * np.full(len(kappas), cca(X, Y).rho[0]), draws=len(kappas), tight=True)
    # no regularisation and width >= n: independent data look perfectly correlated
    m = pick(scale, test=20, book=30, full=60)
    Xw, Yw = r.standard_normal((m, m + 5)), r.standard_normal((m, m + 5))
    c.close("kappa = 0, width >= n, independent X, Y: KCC = 1", kernel_cca(Xw, Yw, kernel="linear", reg=0.0), 1.0,
            tol=1e-9)
    return c


@check("rem-two-rhos", title="The singular values of the cross-covariance are canonical correlations only for whitened "
       "variables", kind="remark", status="corrected", source="Insulla et al. 2025, Sec. 3.4 (rho used for both)")
def _rem_two_rhos(scale, seed, device):
    r, c = rng(seed), Comparisons()
    # whitened (Sigma_q = I): sigma(C12) = rho exactly; not whitened: they differ, and HSIC = sum sigma^2 is
    # not sum rho^2. False variant: whitened covariances in the "not whitened" draws (the differ row fails).
    white = c.alternative("whitened covariances in the general draws", False, True)
    draws = pick(scale, test=20, book=100, full=400)
    sv_w, rho_w, sv_g, rho_g = [], [], [], []
    for _ in range(draws):
        p, q = int(r.integers(1, 5)), int(r.integers(1, 5))
        S11, S12, S22, rho = _random_joint_cov(r, p, q, whitened=True)
        sv_w.append(np.sort(sla.svdvals(S12))[::-1])
        rho_w.append(np.sort(_canonical_correlations(S11, S12, S22))[::-1])
        S11, S12, S22, _ = _random_joint_cov(r, p, q, whitened=white)
        sv_g.append(float(np.sum(sla.svdvals(S12) ** 2)))
        rho_g.append(float(np.sum(_canonical_correlations(S11, S12, S22) ** 2)))
    c.close("whitened: singular values of Sigma_12 = canonical correlations", np.concatenate(sv_w),
            np.concatenate(rho_w), tol=1e-12, draws=draws)
    c.differ("not whitened: sum sigma_i(Sigma_12)^2 (HSIC) vs sum rho_i^2", sv_g, rho_g, tol=1e-6, draws=draws)
    return c
