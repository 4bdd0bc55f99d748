"""Trade-off chapter, sections *The setting*, *Perfect alignment keeps only what both modalities share*
and *The price of alignment* (``def-alignment-regression``, ``thm-tradeoff-perfect``,
``thm-tradeoff-inequality``)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ...data import TwoModalityModel
from ...device import REDUCTION_DTYPE, pick, rng
from ...experiments.tradeoff import alignment_loss, lin_mmse, lin_r2, lin_residual
from .._registry import Comparisons, check
from ._routes import _cond_mean, _mmse, _finite_joint

F64 = REDUCTION_DTYPE

__all__ = ["TradeoffDraws"]


@dataclass
class TradeoffDraws:
    """Prediction risk and alignment loss of random linear encoders (``thm-tradeoff-inequality``'s payload).

    Attributes
    ----------
    risk, align : numpy.ndarray
        Risk of ``Y1`` and alignment loss of each drawn encoder (empirical measure).
    mmse_x1, mmse_x2 : float
        Linear mmse of ``Y1`` given ``X1`` and given ``X2``.
    var_y : float
        Variance of ``Y1``.

    Examples
    --------
    >>> from alignbook.theory import run
    >>> draws = run("thm-tradeoff-inequality", scale="test", device="cpu").payload
    >>> draws.risk.shape == draws.align.shape, draws.mmse_x1 < draws.mmse_x2
    (True, True)
    """

    risk: np.ndarray
    align: np.ndarray
    mmse_x1: float
    mmse_x2: float
    var_y: float



# ----------------------------------------------------------------------------------------------
# D4.3: alignment as regression
# ----------------------------------------------------------------------------------------------
@check("def-alignment-regression", title="Alignment loss minimised over the second encoder is a regression residual",
       kind="definition")
def _def_alignment_regression(scale, seed, device):
    c = Comparisons()
    r = rng(seed)
    draws = 200
    best, rand_gap, closed = [], [], []
    for _ in range(draws):  # exact finite laws, arbitrary encoders
        P, x1, x2, _ = _finite_joint(r, common=False)
        width = int(r.integers(1, 4))
        table = r.standard_normal((x1.max() + 1, width)) * 10 ** r.uniform(-1, 1)
        Z = table[x1]
        resid = Z - _cond_mean(P, Z, x2)
        best.append(float(P @ (resid ** 2).sum(1)))
        # E tr Cov(Z | X2) by a second route: E||Z||^2 - E||E[Z|X2]||^2
        m = _cond_mean(P, Z, x2)
        closed.append(float(P @ (Z ** 2).sum(1) - P @ (m ** 2).sum(1)))
        h2 = m + r.standard_normal(m.shape)[np.unique(x2, return_inverse=True)[1]] * 0.3  # another function of X2
        rand_gap.append(float(P @ ((Z - h2) ** 2).sum(1)))
    c.close("min_h2 E||Z-h2(X2)||^2 = E tr Cov(Z|X2) (finite laws)", np.array(best), np.array(closed), tol=1e-10,
            draws=draws)
    c.leq("regression <= any other h2(X2) (finite laws)", np.array(best), np.array(rand_gap), draws=draws)
    # linear version on a sample: least-squares residual vs the covariance formula
    model = TwoModalityModel.make(seed=seed, device=device)
    d = model.sample(pick(scale, test=2000, book=5000, full=50000), seed=seed + 1)
    W = torch.as_tensor(r.standard_normal((model.p1, 3)), dtype=F64, device=model.device)
    Z = d.X1 @ W
    lhs = alignment_loss(Z, d.X2)
    Zc, Xc = Z - Z.mean(0), d.X2 - d.X2.mean(0)
    n = Z.shape[0]
    Szz, Sz2, S22 = Zc.T @ Zc / n, Zc.T @ Xc / n, Xc.T @ Xc / n
    rhs = float(torch.trace(Szz - Sz2 @ torch.linalg.solve(S22, Sz2.T)))
    c.close("linear: least-squares residual = tr(Szz - Sz2 S22^-1 S2z)", lhs, rhs, tol=1e-10)
    return c


# ----------------------------------------------------------------------------------------------
# T4.1: perfect alignment keeps only common information
# ----------------------------------------------------------------------------------------------
@check("thm-tradeoff-perfect", title="Perfect alignment keeps only common information", kind="theorem")
def _thm_tradeoff_perfect(scale, seed, device):
    c = Comparisons()
    r = rng(seed)
    draws = 200
    lhs, rhs, gaps = [], [], []
    for _ in range(draws):  # exact finite laws, nonlinear perfectly aligned encoders h(C)
        P, x1, x2, C = _finite_joint(r, common=True)
        Y = r.standard_normal((P.size, 1)) * 3 + r.standard_normal() * (x1 % 3)[:, None]
        phi = r.integers(0, int(r.integers(1, C.max() + 2)), size=C.max() + 1)  # possibly not injective
        z1 = phi[C]  # h1(X1) = phi(C) is a function of X1 (C is read off X1) ...
        z2 = phi[C]  # ... and h2(X2) = phi(C) a function of X2, so h1(X1) = h2(X2) everywhere
        gaps.append(float(P @ (z1 - z2) ** 2))
        lhs.append(max(_mmse(P, Y, x1), _mmse(P, Y, x2)))
        rhs.append(_mmse(P, Y, z1))
    c.close("alignment loss of the pair (finite laws)", max(gaps), 0.0, tol=1e-15, draws=draws)
    c.leq("max(mmse(Y|X1), mmse(Y|X2)) <= mmse(Y|Z) (finite laws)", np.array(lhs), np.array(rhs), draws=draws)
    # linear-Gaussian model without noise: s is read off exactly from X1 and from X2
    model = TwoModalityModel.make(p1=4, p2=4, ks=2, k1=2, k2=2, noise=0.0, redundancy=0.3, seed=seed,
                                     device=device)
    d = model.sample(pick(scale, test=1000, book=5000, full=50000), seed=seed + 1)
    ks = model.ks
    S1 = torch.linalg.solve(model.A1, d.X1.T).T[:, :ks]  # (A1^{-1} X1)_{shared} = s
    S2 = torch.linalg.solve(model.A2, d.X2.T).T[:, :ks]
    r2z, r2x2, mis = [], [], []
    for _ in range(draws // 8):
        M = torch.as_tensor(r.standard_normal((ks, int(r.integers(1, 4)))), dtype=F64, device=model.device)
        Z1, Z2 = S1 @ M, S2 @ M
        mis.append(float(((Z1 - Z2) ** 2).sum(1).mean() / (Z1 ** 2).sum(1).mean()))
        r2z.append(lin_r2(d.Y1, Z1))
        r2x2.append(lin_r2(d.Y1, d.X2))
    c.close("relative misalignment of W1'X1 and W2'X2 (linear)", max(mis), 0.0, tol=1e-10, draws=len(mis))
    c.leq("R^2(Y1|Z) <= R^2(Y1|X2) (linear, perfectly aligned)", np.array(r2z), np.array(r2x2) + 1e-10,
          draws=len(mis))
    r2x1 = lin_r2(d.Y1, d.X1)
    c.true(f"Y1 is readable from X1 (R^2 = {r2x1:.3f}) but not from Z", r2x1 > 0.95 and max(r2z) < 0.5,
           value=max(r2z))
    return c


# ----------------------------------------------------------------------------------------------
# T4.2: the quantitative trade-off inequality
# ----------------------------------------------------------------------------------------------
@check("thm-tradeoff-inequality", title="The alignment/prediction trade-off inequality", kind="theorem")
def _thm_tradeoff_inequality(scale, seed, device):
    c = Comparisons()
    r = rng(seed)
    draws = 200
    # (a) exact finite laws, arbitrary encoders h1 and read-outs v
    L, Rt = [], []
    for _ in range(draws):
        P, x1, x2, _ = _finite_joint(r, common=False)
        Y = r.standard_normal((P.size, 1))
        width = int(r.integers(1, 4))
        Z = (r.standard_normal((x1.max() + 1, width)) * 10 ** r.uniform(-1, 1))[x1]
        v = r.standard_normal(width) * 10 ** r.uniform(-1, 1)
        risk = float(P @ (Y[:, 0] - Z @ v) ** 2)
        lal = float(P @ ((Z - _cond_mean(P, Z, x2)) ** 2).sum(1))
        L.append(math.sqrt(risk))
        Rt.append(math.sqrt(_mmse(P, Y, x2)) - np.linalg.norm(v) * math.sqrt(lal))
    c.geq("sqrt(risk) >= sqrt(mmse(Y|X2)) - |v| sqrt(L*) (finite laws)", np.array(L), np.array(Rt), draws=draws)
    # (b) the linear-Gaussian model, empirical measure, linear encoders; best and random read-outs
    model = TwoModalityModel.make(redundancy=0.0, seed=seed, device=device)
    d = model.sample(pick(scale, test=2000, book=5000, full=50000), seed=seed + 1)
    X1, X2, Y1 = d.X1, d.X2, d.Y1
    mm2 = lin_mmse(Y1, X2)
    R12 = lin_residual(X1, X2)  # residual of Z = X1 W on X2 is R12 W (least squares is linear)
    lhs, rhs, lal_all, risk_all = [], [], [], []
    for i in range(draws):
        W = torch.as_tensor(r.standard_normal((model.p1, int(r.integers(1, 6)))) * 10 ** r.uniform(-2, 2),
                            dtype=F64, device=model.device)
        Z = X1 @ W
        Zc, Yc = Z - Z.mean(0), Y1 - Y1.mean(0)
        if i % 2 == 0:  # least-squares read-out
            v = torch.linalg.lstsq(Zc.cpu(), Yc.cpu(), driver="gelsd").solution.to(Z.device)[:, 0]
        else:  # a random read-out
            v = torch.as_tensor(r.standard_normal(W.shape[1]), dtype=F64, device=Z.device) * 10 ** r.uniform(-2, 1)
        risk = float(((Yc[:, 0] - Zc @ v) ** 2).mean())  # the intercept is optimal for this v
        lal = float(((R12 @ W) ** 2).sum(1).mean()) if i else alignment_loss(Z, X2)
        lhs.append(math.sqrt(risk))
        rhs.append(math.sqrt(mm2) - float(torch.linalg.vector_norm(v)) * math.sqrt(lal))
        lal_all.append(lal)
        risk_all.append(risk)
    c.geq("same, linear encoders, empirical measure", np.array(lhs), np.array(rhs), draws=draws)
    mm1 = lin_mmse(Y1, X1)
    vy = float(Y1.var(unbiased=False))
    c.true(f"specific target: mmse(Y1|X1) = {mm1:.3f} << mmse(Y1|X2) = {mm2:.3f} (Var {vy:.3f})", mm1 < 0.1 * mm2,
           value=mm1 / mm2)
    c.attach(TradeoffDraws(risk=np.array(risk_all), align=np.array(lal_all), mmse_x1=mm1, mmse_x2=mm2, var_y=vy))
    return c
