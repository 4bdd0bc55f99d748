"""Checks for the chapter "What alignment throws away" (Thoreau, Levillain & Derksen 2025).

The paper's full statements are not public; the statements checked here are precise, provable
versions of its claims (see the chapter). Two kinds of data are used:

* exact finite distributions (a random joint probability table), where conditional
  expectations, and so the (nonlinear) mmse, are computed exactly: these test the statements
  for *arbitrary* encoders;
* the linear-Gaussian model :class:`alignbook.experiments.tradeoff.TwoModalityModel`, with its
  exact population covariance or a sample (the linear statements are exact on the empirical
  measure).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ...device import REDUCTION_DTYPE, pick, rng
from ...experiments import tradeoff as ex
from .._registry import Comparisons, check

F64 = REDUCTION_DTYPE
CH = "tradeoff"


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


def _finite_joint(g: np.random.Generator, common: bool):
    """A random joint law of (X1, X2) on a grid, flattened: returns P, x1, x2 and the common label.

    With ``common=True`` X1 = (C, A) and X2 = (C, B) share the component C, so non-constant
    perfectly aligned encoders exist (functions of C); otherwise the table is arbitrary.
    """
    nc, na, nb = (int(v) for v in g.integers(2, 5, size=3))
    C, A, B = np.meshgrid(np.arange(nc), np.arange(na), np.arange(nb), indexing="ij")
    C, A, B = C.ravel(), A.ravel(), B.ravel()
    P = g.dirichlet(np.full(C.size, 0.5))
    if common:
        return P, C * na + A, C * nb + B, C
    # arbitrary table: relabel so that x1 = (C, A) and x2 = B mix freely
    return P, C * na + A, B + nb * (A % 2), None


# ----------------------------------------------------------------------------------------------
# D4.3: alignment as regression
# ----------------------------------------------------------------------------------------------
@check("def-alignment-regression", title="Alignment loss minimised over the second encoder is a regression residual",
       kind="definition", chapter=CH)
def _def_alignment_regression(scale, seed, device):
    c = Comparisons()
    g = rng(seed)
    draws = 200
    best, rand_gap, closed = [], [], []
    for _ in range(draws):  # exact finite laws, arbitrary encoders
        P, x1, x2, _ = _finite_joint(g, common=False)
        r = int(g.integers(1, 4))
        table = g.standard_normal((x1.max() + 1, r)) * 10 ** g.uniform(-1, 1)
        Z = table[x1]
        resid = Z - _cond_mean(P, Z, x2)
        best.append(float(P @ (resid ** 2).sum(1)))
        # E tr Cov(Z | X2) by a second route: E||Z||^2 - E||E[Z|X2]||^2
        m = _cond_mean(P, Z, x2)
        closed.append(float(P @ (Z ** 2).sum(1) - P @ (m ** 2).sum(1)))
        h2 = m + g.standard_normal(m.shape)[np.unique(x2, return_inverse=True)[1]] * 0.3  # another function of X2
        rand_gap.append(float(P @ ((Z - h2) ** 2).sum(1)))
    c.close("min_h2 E||Z-h2(X2)||^2 = E tr Cov(Z|X2) (finite laws)", np.array(best), np.array(closed), tol=1e-10,
            draws=draws)
    c.leq("regression <= any other h2(X2) (finite laws)", np.array(best), np.array(rand_gap), draws=draws)
    # linear version on a sample: least-squares residual vs the covariance formula
    model = ex.TwoModalityModel.make(seed=seed, device=device)
    d = model.sample(pick(scale, test=2000, book=5000, full=50000), seed=seed + 1)
    W = torch.as_tensor(g.standard_normal((model.p1, 3)), dtype=F64, device=model.device)
    Z = d["X1"] @ W
    lhs = ex.alignment_loss(Z, d["X2"])
    Zc, Xc = Z - Z.mean(0), d["X2"] - d["X2"].mean(0)
    n = Z.shape[0]
    Szz, Sz2, S22 = Zc.T @ Zc / n, Zc.T @ Xc / n, Xc.T @ Xc / n
    rhs = float(torch.trace(Szz - Sz2 @ torch.linalg.solve(S22, Sz2.T)))
    c.close("linear: least-squares residual = tr(Szz - Sz2 S22^-1 S2z)", lhs, rhs, tol=1e-10)
    return c


# ----------------------------------------------------------------------------------------------
# T4.1: perfect alignment keeps only common information
# ----------------------------------------------------------------------------------------------
@check("thm-tradeoff-perfect", title="Perfect alignment keeps only common information", kind="theorem", chapter=CH)
def _thm_tradeoff_perfect(scale, seed, device):
    c = Comparisons()
    g = rng(seed)
    draws = 200
    lhs, rhs, gaps = [], [], []
    for _ in range(draws):  # exact finite laws, nonlinear perfectly aligned encoders h(C)
        P, x1, x2, C = _finite_joint(g, common=True)
        Y = g.standard_normal((P.size, 1)) * 3 + g.standard_normal() * (x1 % 3)[:, None]
        phi = g.integers(0, int(g.integers(1, C.max() + 2)), size=C.max() + 1)  # possibly not injective
        z1 = phi[C]  # h1(X1) = phi(C) is a function of X1 (C is read off X1) ...
        z2 = phi[C]  # ... and h2(X2) = phi(C) a function of X2, so h1(X1) = h2(X2) everywhere
        gaps.append(float(P @ (z1 - z2) ** 2))
        lhs.append(max(_mmse(P, Y, x1), _mmse(P, Y, x2)))
        rhs.append(_mmse(P, Y, z1))
    c.close("alignment loss of the pair (finite laws)", max(gaps), 0.0, tol=1e-15, draws=draws)
    c.leq("max(mmse(Y|X1), mmse(Y|X2)) <= mmse(Y|Z) (finite laws)", np.array(lhs), np.array(rhs), draws=draws)
    # linear-Gaussian model without noise: s is read off exactly from X1 and from X2
    model = ex.TwoModalityModel.make(p1=4, p2=4, ks=2, k1=2, k2=2, noise=0.0, redundancy=0.3, seed=seed,
                                     device=device)
    d = model.sample(pick(scale, test=1000, book=5000, full=50000), seed=seed + 1)
    ks = model.ks
    S1 = torch.linalg.solve(model.A1, d["X1"].T).T[:, :ks]  # (A1^{-1} X1)_{shared} = s
    S2 = torch.linalg.solve(model.A2, d["X2"].T).T[:, :ks]
    r2z, r2x2, mis = [], [], []
    for _ in range(draws // 8):
        M = torch.as_tensor(g.standard_normal((ks, int(g.integers(1, 4)))), dtype=F64, device=model.device)
        Z1, Z2 = S1 @ M, S2 @ M
        mis.append(float(((Z1 - Z2) ** 2).sum(1).mean() / (Z1 ** 2).sum(1).mean()))
        r2z.append(ex.lin_r2(d["Y1"], Z1))
        r2x2.append(ex.lin_r2(d["Y1"], d["X2"]))
    c.close("relative misalignment of W1'X1 and W2'X2 (linear)", max(mis), 0.0, tol=1e-10, draws=len(mis))
    c.leq("R^2(Y1|Z) <= R^2(Y1|X2) (linear, perfectly aligned)", np.array(r2z), np.array(r2x2) + 1e-10,
          draws=len(mis))
    r2x1 = ex.lin_r2(d["Y1"], d["X1"])
    c.true(f"Y1 is readable from X1 (R^2 = {r2x1:.3f}) but not from Z", r2x1 > 0.95 and max(r2z) < 0.5,
           value=max(r2z))
    return c


# ----------------------------------------------------------------------------------------------
# T4.2: the quantitative trade-off inequality
# ----------------------------------------------------------------------------------------------
@check("thm-tradeoff-inequality", title="The alignment/prediction trade-off inequality", kind="theorem", chapter=CH)
def _thm_tradeoff_inequality(scale, seed, device):
    c = Comparisons()
    g = rng(seed)
    draws = 200
    # (a) exact finite laws, arbitrary encoders h1 and read-outs v
    L, Rt = [], []
    for _ in range(draws):
        P, x1, x2, _ = _finite_joint(g, common=False)
        Y = g.standard_normal((P.size, 1))
        r = int(g.integers(1, 4))
        Z = (g.standard_normal((x1.max() + 1, r)) * 10 ** g.uniform(-1, 1))[x1]
        v = g.standard_normal(r) * 10 ** g.uniform(-1, 1)
        risk = float(P @ (Y[:, 0] - Z @ v) ** 2)
        lal = float(P @ ((Z - _cond_mean(P, Z, x2)) ** 2).sum(1))
        L.append(math.sqrt(risk))
        Rt.append(math.sqrt(_mmse(P, Y, x2)) - np.linalg.norm(v) * math.sqrt(lal))
    c.geq("sqrt(risk) >= sqrt(mmse(Y|X2)) - |v| sqrt(L*) (finite laws)", np.array(L), np.array(Rt), draws=draws)
    # (b) the linear-Gaussian model, empirical measure, linear encoders; best and random read-outs
    model = ex.TwoModalityModel.make(redundancy=0.0, seed=seed, device=device)
    d = model.sample(pick(scale, test=2000, book=5000, full=50000), seed=seed + 1)
    X1, X2, Y1 = d["X1"], d["X2"], d["Y1"]
    mm2 = ex.lin_mmse(Y1, X2)
    R12 = ex.lin_residual(X1, X2)  # residual of Z = X1 W on X2 is R12 W (least squares is linear)
    lhs, rhs, lal_all, risk_all = [], [], [], []
    for i in range(draws):
        W = torch.as_tensor(g.standard_normal((model.p1, int(g.integers(1, 6)))) * 10 ** g.uniform(-2, 2),
                            dtype=F64, device=model.device)
        Z = X1 @ W
        Zc, Yc = Z - Z.mean(0), Y1 - Y1.mean(0)
        if i % 2 == 0:  # least-squares read-out
            v = torch.linalg.lstsq(Zc.cpu(), Yc.cpu(), driver="gelsd").solution.to(Z.device)[:, 0]
        else:  # a random read-out
            v = torch.as_tensor(g.standard_normal(W.shape[1]), dtype=F64, device=Z.device) * 10 ** g.uniform(-2, 1)
        risk = float(((Yc[:, 0] - Zc @ v) ** 2).mean())  # the intercept is optimal for this v
        lal = float(((R12 @ W) ** 2).sum(1).mean()) if i else ex.alignment_loss(Z, X2)
        lhs.append(math.sqrt(risk))
        rhs.append(math.sqrt(mm2) - float(torch.linalg.vector_norm(v)) * math.sqrt(lal))
        lal_all.append(lal)
        risk_all.append(risk)
    c.geq("same, linear encoders, empirical measure", np.array(lhs), np.array(rhs), draws=draws)
    mm1 = ex.lin_mmse(Y1, X1)
    vy = float(Y1.var(unbiased=False))
    c.true(f"specific target: mmse(Y1|X1) = {mm1:.3f} << mmse(Y1|X2) = {mm2:.3f} (Var {vy:.3f})", mm1 < 0.1 * mm2,
           value=mm1 / mm2)
    c.note(risk=np.array(risk_all), align=np.array(lal_all), mmse_x1=mm1, mmse_x2=mm2, var_y=vy)
    return c


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


@check("thm-cca-shared-subspace", title="CCA recovers exactly the shared subspace (linear-Gaussian model)",
       kind="theorem", chapter=CH)
def _thm_cca_shared_subspace(scale, seed, device):
    c = Comparisons()
    model = ex.TwoModalityModel.make(redundancy=0.5, seed=seed, device=device)
    ks = model.ks
    S11, S12, S22, c1y, _, vy = model.blocks()
    I1, _, U, rho, _ = _whitened_svd(S11, S12, S22)
    c.close(f"population rho_{ks + 1}.. are zero", rho[ks:], torch.zeros_like(rho[ks:]), tol=1e-10)
    c.true(f"population rho_1..rho_{ks} are positive", bool((rho[:ks] > 0.5).all()), value=float(rho[ks - 1]))
    W1 = I1 @ U[:, :ks]
    target = torch.linalg.solve(S11, model.A1[:, :ks])  # E[s | X1] = (S11^{-1} A1s)' X1
    c.close("span(CCA weights) = span of E[s|X1] (projectors)", _projector(W1), _projector(target), tol=1e-10)
    # R^2 of Y1 from the CCA representation tends to the shared share as the noise vanishes
    share = model.redundancy / float(vy)
    gaps = []
    for noise in (0.3, 0.1, 0.03, 0.01):
        m = ex.TwoModalityModel(model.A1, model.A2, model.b_s, model.b_1, model.b_2, ks, noise, model.y_noise,
                                model.redundancy, model.device)
        T11, T12, T22, t1y, _, ty = m.blocks()
        J1, _, V, _, _ = _whitened_svd(T11, T12, T22)
        Wc = J1 @ V[:, :ks]  # unit-variance canonical variates: R^2 = ||Cov(Y, Z)||^2 / Var Y
        gaps.append(abs(float((t1y @ Wc).pow(2).sum() / ty) - share))
    c.true("|R^2(Y1|Z_CCA) - share| decreases as noise -> 0", bool(np.all(np.diff(gaps) < 0)), value=gaps[-1])
    c.leq("|R^2(Y1|Z_CCA) - share| at noise 0.01", gaps[-1], 1e-3)
    # noise 0, square mixing: the limit is attained exactly
    m0 = ex.TwoModalityModel.make(p1=4, p2=4, ks=2, k1=2, k2=2, noise=0.0, redundancy=0.5, seed=seed, device=device)
    T11, T12, T22, t1y, _, ty = m0.blocks()
    J1, _, V, r0, _ = _whitened_svd(T11, T12, T22)
    c.close("noise 0: rho = (1, 1, 0, 0)", r0, torch.tensor([1.0, 1.0, 0.0, 0.0], dtype=F64, device=r0.device))
    c.close("noise 0: R^2(Y1|Z_CCA) = share", float((t1y @ (J1 @ V[:, :2])).pow(2).sum() / ty),
            m0.redundancy / float(ty), tol=1e-10)
    # finite samples with the package's CCA
    from ...measures import cca

    n = pick(scale, test=5000, book=5000, full=50000)
    d = model.sample(n, seed=seed + 1)
    res = cca(d["X1"], d["X2"])
    rho_hat = torch.as_tensor(res.rho).to(F64).cpu()
    c.leq("sample rho_1..k_s vs population (|diff|)", (rho_hat[:ks] - rho[:ks].cpu()).abs().max(), 0.01)
    Zc = torch.as_tensor(res.x_scores)[:, :ks]
    r2 = ex.lin_r2(d["Y1"], Zc)
    r2_s = ex.lin_r2(d["Y1"], d["S"])
    c.leq("|R^2(Y1 | sample CCA rep) - R^2(Y1 | s)| (oracle s)", abs(r2 - r2_s), 0.005)
    c.leq("R^2(Y1 | CCA rep) stays near the shared share, far below R^2(Y1 | X1)", r2 + 0.3,
          ex.lin_r2(d["Y1"], d["X1"]))
    reps = pick(scale, test=8, book=20, full=200)
    ns = np.array(pick(scale, test=[400, 1600, 6400], book=[400, 1600, 6400], full=[200, 800, 3200, 12800]))
    floor = []
    for nn in ns:
        vals = [float(torch.as_tensor(cca(*(lambda dd: (dd["X1"], dd["X2"]))(model.sample(int(nn), seed=100 + r)))
                                      .rho)[ks:].mean()) for r in range(reps)]
        floor.append(np.mean(vals))
    slope = float(np.polyfit(np.log(ns), np.log(floor), 1)[0])
    c.true("noise-floor correlations shrink like n^-1/2 (slope in [-0.6, -0.4])", -0.6 <= slope <= -0.4, value=slope)
    c.note(rho_population=rho.cpu().numpy(), rho_sample=rho_hat.numpy(), r2_cca=r2, share=share, r2_s=r2_s,
           r2_x1=ex.lin_r2(d["Y1"], d["X1"]), floor=np.array(floor), ns=ns)
    return c


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


@check("thm-pareto-front", title="Exact minimisers of the penalised objective trace a monotone Pareto front",
       kind="theorem", chapter=CH)
def _thm_pareto_front(scale, seed, device):
    from . import symbolic as sym

    c = Comparisons()
    lambdas = np.concatenate([[0.0], np.logspace(-3, 4, pick(scale, test=29, book=57, full=113))])
    model = ex.TwoModalityModel.make(redundancy=0.5, seed=seed, device=device)
    # exact on the empirical measure: sample covariances (1/n)
    d = model.sample(pick(scale, test=2000, book=5000, full=50000), seed=seed + 1)
    X1c, X2c, Yc = (d[k] - d[k].mean(0) for k in ("X1", "X2", "Y1"))
    n = X1c.shape[0]
    S11, S12, S22 = X1c.T @ X1c / n, X1c.T @ X2c / n, X2c.T @ X2c / n
    c1y, vy = (X1c.T @ Yc / n)[:, 0], float((Yc ** 2).mean())
    path = ex.penalised_path(S11, S12, S22, c1y, vy, lambdas)
    risk, align = path["risk"].cpu().numpy(), path["align"].cpu().numpy()
    # route 2: the sympy closed form in canonical coordinates
    cc, kappa, rho = _canonical_data(S11, S12, S22, c1y)
    fr = sym.front(cc, kappa, vy, lambdas)
    c.close("risk: normal equations = sympy closed form", risk, fr["risk"], tol=1e-10, draws=lambdas.size)
    c.close("alignment: normal equations = sympy closed form", align, fr["align"], tol=1e-10, draws=lambdas.size)
    # route 3: the objective evaluated on the data at the minimiser (w, u) agrees
    w, u = path["w"], path["u"]
    emp_risk = ((Yc[:, 0:1] - X1c @ w.T) ** 2).mean(0).cpu().numpy()
    emp_al = ((X1c @ w.T - X2c @ u.T) ** 2).mean(0).cpu().numpy()
    c.close("risk recomputed on the sample at (w, u)", emp_risk, risk, tol=1e-10)
    c.close("alignment recomputed on the sample at (w, u)", emp_al, align, tol=1e-10)
    c.leq("risk is non-decreasing in lambda", risk[:-1], risk[1:] + 1e-12 * vy, draws=lambdas.size - 1)
    c.leq("alignment is non-increasing in lambda", align[1:], align[:-1] + 1e-12 * vy, draws=lambdas.size - 1)
    # the slope of the front is -lambda (envelope identity), derivatives checked by finite differences
    d_sym = sym.derive()
    c.true("sympy: d risk/d lambda + lambda d align/d lambda simplifies to 0", d_sym["envelope"] == 0)
    mid = lambdas[1:-1]
    h = 1e-6 * mid
    pp = ex.penalised_path(S11, S12, S22, c1y, vy, mid + h)
    pm = ex.penalised_path(S11, S12, S22, c1y, vy, mid - h)
    fd = ((pp["risk"] - pm["risk"]).cpu().numpy() / (2 * h))
    scale_d = np.abs(fr["drisk"][1:-1]).max()
    c.close("d risk/d lambda: sympy vs finite differences (/max)", fd / scale_d, fr["drisk"][1:-1] / scale_d, tol=1e-5)
    c.close("slope of the front: d risk = -lambda d align", fr["drisk"][1:-1] / scale_d,
            -mid * fr["dalign"][1:-1] / scale_d, tol=1e-10)
    # optimality: random (w, u) never beat the minimiser's objective at its lambda
    g = rng(seed)
    draws = 200
    gap = []
    for _ in range(draws):
        k = int(g.integers(1, lambdas.size))
        lam = lambdas[k]
        wr = path["w"][k] + torch.as_tensor(g.standard_normal(model.p1) * 10 ** g.uniform(-4, 0), dtype=F64,
                                             device=path["w"].device)
        ur = path["u"][k] + torch.as_tensor(g.standard_normal(model.p2) * 10 ** g.uniform(-4, 0), dtype=F64,
                                             device=path["w"].device)
        J = float(((Yc[:, 0] - X1c @ wr) ** 2).mean() + lam * ((X1c @ wr - X2c @ ur) ** 2).mean())
        gap.append((float(path["objective"][k]), J))
    gap = np.array(gap)
    c.leq("J(minimiser) <= J(perturbed (w, u))", gap[:, 0], gap[:, 1], slack=1e-12 * vy, draws=draws)
    # lambda -> infinity: with noise, no canonical correlation is 1, so w -> 0 (collapse); without
    # noise the limit is the best predictor from the shared latent (the intersection of the spans)
    # |risk(lam) - limit| <= sum_{kappa_i > 0} 2 c_i^2 / (lam kappa_i), since (1+2x)/(1+x)^2 <= 2/x
    lam_big = 1e8
    big = ex.penalised_path(S11, S12, S22, c1y, vy, [lam_big])
    c.leq("noisy data: |risk(1e8) - Var Y1| <= sum 2c^2/(lam kappa) (collapse)", abs(float(big["risk"][0]) - vy),
          float((2 * cc ** 2 / (lam_big * kappa)).sum()), slack=1e-9 * vy)
    m0 = ex.TwoModalityModel.make(p1=4, p2=4, noise=0.0, redundancy=0.5, seed=seed, device=device)
    T11, T12, T22, t1y, _, ty = m0.blocks()
    big0 = ex.penalised_path(T11, T12, T22, t1y, float(ty), [lam_big])
    c0, k0, _ = _canonical_data(T11, T12, T22, t1y)  # kappa = (0, 0, 1, 1) here (see the CCA check)
    # limit: the best predictor from the shared latent s, mmse(Y1 | s) = Var Y1 - redundancy
    c.leq("noise 0: |risk(1e8) - mmse(Y1|s)| <= sum 2c^2/(lam kappa)",
          abs(float(big0["risk"][0]) - (float(ty) - m0.redundancy)),
          float((2 * c0[m0.ks:] ** 2 / (lam_big * k0[m0.ks:])).sum()), slack=1e-9 * float(ty))
    c.note(lambdas=lambdas, risk=risk / vy, align=align / vy, rho=rho)
    return c


# ----------------------------------------------------------------------------------------------
# R3.6: the CCA cost
# ----------------------------------------------------------------------------------------------
@check("prop-cca-cost", title="The CCA alignment cost equals 2 * sum(1 - rho)", kind="proposition", chapter=CH)
def _prop_cca_cost(scale, seed, device):
    from ...measures import cca

    c = Comparisons()
    g = rng(seed)
    model = ex.TwoModalityModel.make(p1=8, p2=6, ks=2, k1=3, k2=2, redundancy=0.5, seed=seed, device=device)
    d = model.sample(pick(scale, test=1000, book=5000, full=50000), seed=seed + 1)
    X1c, X2c = d["X1"] - d["X1"].mean(0), d["X2"] - d["X2"].mean(0)
    n = X1c.shape[0]
    S11, S12, S22 = X1c.T @ X1c / n, X1c.T @ X2c / n, X2c.T @ X2c / n
    I1, I2, U, rho, Vh = _whitened_svd(S11, S12, S22)
    res = cca(d["X1"], d["X2"])
    rho_pkg = torch.as_tensor(res.rho).to(F64)
    c.close("canonical correlations: alignbook.cca = whitening + SVD", rho_pkg, rho.cpu(), tol=1e-10)
    draws = 200
    costs, bounds, exact, formula = [], [], [], []
    for k in range(1, rho.numel() + 1):
        # the CCA pair with unit (1/n) covariance, from the package's scores
        Z1 = torch.as_tensor(res.x_scores)[:, :k] * math.sqrt(n / (n - 1))
        Z2 = torch.as_tensor(res.y_scores)[:, :k] * math.sqrt(n / (n - 1))
        exact.append(float(((Z1 - Z2) ** 2).sum(1).mean()))
        formula.append(2 * float((1 - rho_pkg[:k]).sum()))
    c.close("E||W1'x1 - W2'x2||^2 at the CCA pair = 2 sum(1 - rho), k = 1..min(p)", np.array(exact),
            np.array(formula), tol=1e-10, draws=len(exact))
    I1c, I2c = I1.cpu(), I2.cpu()
    for _ in range(draws):  # feasible pairs: W_i' S_ii W_i = I
        k = int(g.integers(1, rho.numel() + 1))
        Q1 = torch.linalg.qr(torch.as_tensor(g.standard_normal((model.p1, k)), dtype=F64))[0]
        Q2 = torch.linalg.qr(torch.as_tensor(g.standard_normal((model.p2, k)), dtype=F64))[0]
        W1, W2 = I1c @ Q1, I2c @ Q2
        Z1, Z2 = X1c.cpu() @ W1, X2c.cpu() @ W2
        costs.append(float(((Z1 - Z2) ** 2).sum(1).mean()))
        bounds.append(2 * float((1 - rho[:k].cpu()).sum()))
    c.leq("2 sum_{l<=k}(1 - rho_l) <= cost of any feasible pair", np.array(bounds), np.array(costs), slack=1e-10,
          draws=draws)
    return c


# ----------------------------------------------------------------------------------------------
# the redundancy sweep: the predicted ordering
# ----------------------------------------------------------------------------------------------
@check("prop-tradeoff-ordering", title="Alignment costs nothing when modalities are redundant, more as they "
       "become complementary", kind="property", chapter=CH)
def _prop_tradeoff_ordering(scale, seed, device):
    c = Comparisons()
    levels = (1.0, 0.75, 0.5, 0.25, 0.0)
    lin = ex.linear_sweep(levels=levels, seed=seed, device=device)
    loss = lin["risk"] - lin["risk"][:, :1]  # risk(lambda) - risk(0), over Var Y1, one row per level
    lam = lin["lambdas"]
    j = int(np.argmin(np.abs(lam - 1.0)))
    pos = lam > 0
    c.leq("linear: loss(lambda) grows as redundancy falls, every lambda > 0", loss[:-1, pos], loss[1:, pos],
          draws=int(loss[:, pos].size))
    c.true("linear: the loss grows strictly at lambda = 1", bool(np.all(np.diff(loss[:, j]) > 0)),
           value=float(np.diff(loss[:, j]).min()))
    c.leq("linear, fully redundant: loss at lambda = 1", loss[0, j], 0.01)
    c.geq("linear, fully complementary: loss at lambda = 1", loss[-1, j], 0.2)
    c.note(linear=lin)
    if scale != "test":  # two MLP towers, symmetric InfoNCE + supervised term
        nce = ex.contrastive_sweep(levels=(1.0, 0.5, 0.0), scale=scale, seed=seed, device=device)
        kl = nce["knn_loss"]
        c.true("InfoNCE towers: loss(alpha = 1) ordered by redundancy", bool(np.all(np.diff(kl) > 0)),
               value=float(np.diff(kl).min()))
        c.leq("InfoNCE towers, fully redundant: loss at alpha = 1", kl[0], 0.1)
        c.geq("InfoNCE towers, fully complementary: loss at alpha = 1", kl[-1], 0.3)
        c.note(contrastive=nce)
    return c
