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
       kind="theorem")
def _thm_gauss_cancorr(scale, seed, device):
    r, c = rng(seed), Comparisons()
    draws = pick(scale, test=20, book=100, full=500)
    mi_a, mi_b, w_a, w_b, h_a, h_b, cost_a, cost_b, rand_cost, best = ([] for _ in range(10))
    hsic_changes = []
    for t in range(draws):
        p, q = int(r.integers(1, 5)), int(r.integers(1, 5))
        S11, S12, S22, rho = _random_joint_cov(r, p, q, whitened=False)
        rho_hat = _canonical_correlations(S11, S12, S22)
        mi_a.append(_gaussian_mi_logdet(S11, S12, S22))
        mi_b.append(-0.5 * np.sum(np.log1p(-rho_hat**2)))
        # whiten: x -> S11^{-1/2} x, y -> S22^{-1/2} y (canonical correlations unchanged)
        Cw = _inv_sqrt(S11) @ S12 @ _inv_sqrt(S22)
        Sw = np.block([[np.eye(p), Cw], [Cw.T, np.eye(q)]])
        w_a.append(_w2_sq_gaussian(Sw, np.eye(p + q)))           # W2^2(joint, product of marginals)
        w_b.append(_w2_corrected(rho_hat))
        h_a.append(np.sum(Cw**2))                                 # linear HSIC of whitened variables
        h_b.append(np.sum(rho_hat**2))
        hsic_changes.append(abs(np.sum(S12**2) - np.sum(rho_hat**2)))
        # CCA cost min E|U^T x - V^T y|^2 s.t. U^T S11 U = I_k = V^T S22 V
        k = len(rho_hat)
        A, s, Bt = np.linalg.svd(Cw)
        U, V = _inv_sqrt(S11) @ A[:, :k], _inv_sqrt(S22) @ Bt.T[:, :k]
        cost = np.trace(U.T @ S11 @ U) + np.trace(V.T @ S22 @ V) - 2.0 * np.trace(U.T @ S12 @ V)
        cost_a.append(cost)
        cost_b.append(2.0 * np.sum(1.0 - rho_hat))
        for _ in range(5):  # any feasible (U, V) costs at least as much
            O1 = np.linalg.qr(r.standard_normal((p, k)))[0]
            O2 = np.linalg.qr(r.standard_normal((q, k)))[0]
            U2, V2 = _inv_sqrt(S11) @ O1, _inv_sqrt(S22) @ O2
            rand_cost.append(np.trace(U2.T @ S11 @ U2) + np.trace(V2.T @ S22 @ V2) - 2 * np.trace(U2.T @ S12 @ V2))
            best.append(cost)
    c.close("MI: (1/2) log(det S11 det S22 / det S) vs -(1/2) sum log(1 - rho^2)", mi_a, mi_b, tol=1e-10, draws=draws)
    c.close("W2^2(joint, product), whitened: sqrtm vs 2 sum(2 - sqrt(1+rho) - sqrt(1-rho))", w_a, w_b, tol=1e-8,
            draws=draws)
    c.close("linear HSIC of whitened (x, y) vs sum rho^2", h_a, h_b, tol=1e-10, draws=draws)
    c.close("CCA cost at canonical directions vs 2 sum (1 - rho)", cost_a, cost_b, tol=1e-10, draws=draws)
    c.leq("CCA cost at canonical directions <= cost of random feasible (U, V)", best, rand_cost, slack=1e-10)
    c.true("unwhitened HSIC ‖S12‖_F^2 differs from sum rho^2 (rho are not its singular values)",
           bool(np.median(hsic_changes) > 1e-3), value=float(np.median(hsic_changes)), draws=draws)
    # the same identities hold exactly for the sample covariance, with the library's CCA
    n = pick(scale, test=200, book=1000, full=10000)
    S11, S12, S22, _ = _random_joint_cov(r, 4, 3, whitened=False)
    Z = r.standard_normal((n, 7)) @ np.linalg.cholesky(np.block([[S11, S12], [S12.T, S22]])).T
    Sh = np.cov(Z.T)
    rho_lib = cca(Z[:, :4], Z[:, 4:]).rho
    c.close("sample: MI of the sample covariance vs -(1/2) sum log(1 - rho^2), rho from library cca",
            _gaussian_mi_logdet(Sh[:4, :4], Sh[:4, 4:], Sh[4:, 4:]), -0.5 * np.sum(np.log1p(-rho_lib**2)), tol=1e-10)
    rho = np.array([0.9, 0.5, 0.1])
    S11, S12, S22, _ = _random_joint_cov(r, 3, 3, whitened=False, rho=rho)
    c.close("rho = (.9, .5, .1): MI (logdet) vs 0.979231807563467 [V]", _gaussian_mi_logdet(S11, S12, S22),
            0.979231807563467, tol=1e-12)
    grid = np.linspace(0.0, 0.999, 200)
    c.attach(GaussianNotions(rho=grid, hsic=grid**2, mi=-0.5 * np.log1p(-grid**2),
                             w2=2 * (2 - np.sqrt(1 + grid) - np.sqrt(1 - grid)),
                             w2_printed=2 * (1 - np.sqrt(1 - grid**2)), cca_cost=2 * (1 - grid)))
    return c


@check("prop-mi-hsic-coco", title="MI >= HSIC/2 and COCO^2 <= HSIC <= r COCO^2 for Gaussians", kind="proposition")
def _prop_mi_hsic_coco(scale, seed, device):
    r, c = rng(seed), Comparisons()
    draws = pick(scale, test=60, book=200, full=2000)
    mi, hs, coco2, rk = [], [], [], []
    probe, top = [], []
    for t in range(draws):
        p, q = int(r.integers(1, 6)), int(r.integers(1, 6))
        rho = np.sort(r.uniform(0.0, 0.999, min(p, q)))[::-1] if t % 4 else np.full(min(p, q), 0.999)
        S11, S12, S22, _ = _random_joint_cov(r, p, q, whitened=True, rho=rho)
        sv = sla.svdvals(S12)
        mi.append(_gaussian_mi_logdet(S11, S12, S22))
        hs.append(np.sum(S12**2))
        coco2.append(sv[0] ** 2)
        rk.append(np.linalg.matrix_rank(S12))
        a = r.standard_normal((50, p))
        b = r.standard_normal((50, q))
        a /= np.linalg.norm(a, axis=1, keepdims=True)
        b /= np.linalg.norm(b, axis=1, keepdims=True)
        probe.extend(np.einsum("ip,pq,iq->i", a, S12, b))   # cov(a.x, b.y) over the unit balls
        top.extend([sv[0]] * 50)
    hs, coco2, rk = np.array(hs), np.array(coco2), np.array(rk)
    c.leq("HSIC / 2 <= MI, every draw", hs / 2, mi, draws=draws)
    c.leq("COCO^2 <= HSIC, every draw", coco2, hs, draws=draws)
    c.leq("HSIC <= rank(C12) COCO^2, every draw", hs, rk * coco2, slack=1e-10, draws=draws)
    c.leq("COCO is the sup: cov(a.x, b.y) <= COCO over random unit a, b", probe, top, draws=len(probe))
    return c


@check("err-w2-gaussian", title="Erratum: the Gaussian Wasserstein-2 independence formula", kind="erratum")
def _err_w2_gaussian(scale, seed, device):
    r, c = rng(seed), Comparisons()
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
        printed.append(_w2_printed(rho))
        corrected.append(_w2_corrected(rho))
    c.differ("printed 2 sum(1 - sqrt(1 - rho^2)) vs sqrtm W2^2", printed, truth, tol=1e-3, draws=draws)
    c.close("corrected 2 sum(2 - sqrt(1+rho) - sqrt(1-rho)) vs sqrtm W2^2", corrected, truth, tol=1e-8, draws=draws)
    return c


@check("prop-coco-kcca-linear", title="COCO and kernel CCA with linear kernels; KCCA needs regularisation",
       kind="proposition")
def _prop_coco_kcca_linear(scale, seed, device):
    r, c = rng(seed), Comparisons()
    n = pick(scale, test=60, book=200, full=1000)
    X = r.standard_normal((n, 4))
    Y = np.tanh(X @ r.standard_normal((4, 3))) + 0.5 * r.standard_normal((n, 3))
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    S11, S12, S22 = Xc.T @ Xc / n, Xc.T @ Yc / n, Yc.T @ Yc / n     # 1/n (empirical-measure) moments
    coco = sla.svdvals(S12)[0]
    a = r.standard_normal((2000, 4))
    b = r.standard_normal((2000, 3))
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    b /= np.linalg.norm(b, axis=1, keepdims=True)
    covs = np.mean((Xc @ a.T) * (Yc @ b.T), axis=0)                  # empirical cov(a.x, b.y)
    c.leq("COCO: cov(a.x, b.y) <= sigma_max(C_12) over 2000 random unit a, b", covs, np.full(2000, coco),
          draws=2000)
    U, sv, Vt = np.linalg.svd(S12)
    c.close("COCO attained at the top singular vectors", np.mean((Xc @ U[:, 0]) * (Yc @ Vt[0])), coco, tol=1e-12)
    kappas = np.array([1.0, 0.3, 0.1, 0.03, 0.01])
    kcc = np.array([kernel_cca(X, Y, kernel="linear", reg=k) for k in kappas])
    formula = [sla.svdvals(_inv_sqrt(S11 + k * np.eye(4)) @ S12 @ _inv_sqrt(S22 + k * np.eye(3)))[0] for k in kappas]
    c.close("KCC_kappa (library, linear kernel) vs sigma_max((S11+kI)^-1/2 S12 (S22+kI)^-1/2)", kcc, formula,
            tol=1e-10, draws=len(kappas))
    c.leq("KCC_kappa increases as kappa decreases", kcc[:-1], kcc[1:], draws=len(kappas) - 1)
    c.leq("KCC_kappa <= first canonical correlation", kcc, np.full(len(kappas), cca(X, Y).rho[0]),
          draws=len(kappas))
    # no regularisation and width >= n: independent data look perfectly correlated
    m = pick(scale, test=20, book=30, full=60)
    Xw, Yw = r.standard_normal((m, m + 5)), r.standard_normal((m, m + 5))
    c.close("kappa = 0, width >= n, independent X, Y: KCC = 1", kernel_cca(Xw, Yw, kernel="linear", reg=0.0), 1.0,
            tol=1e-9)
    return c
