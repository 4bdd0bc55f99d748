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
from ._routes import _cond_mean, _mmse, _finite_joint, _finite_joint_common

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
       kind="definition", status="reconstructed", source="Thoreau et al. 2025 (alignment as regression)")
def _def_alignment_regression(scale, seed, device):
    c = Comparisons()
    r = rng(seed)
    # false variants: the second route E||Z||^2 - k E||M||^2 with k nudged, and the explained part
    # S_z2 S22^-1 S_2z dropped from the linear formula. Near equality: h2 = M + eps noise, eps -> 1e-4.
    k = c.constant("1 in E||Z||^2 - E||E[Z|X2]||^2", 1.0)
    draws = 200
    best, rand_gap, closed = [], [], []
    for t in range(draws):  # exact finite laws, arbitrary encoders
        P, x1, x2, _ = _finite_joint(r, common=False)
        width = int(r.integers(1, 4))
        table = r.standard_normal((x1.max() + 1, width)) * 10 ** r.uniform(-1, 1)
        Z = table[x1]
        resid = Z - _cond_mean(P, Z, x2)
        best.append(float(P @ (resid ** 2).sum(1)))
        # E tr Cov(Z | X2) by a second route: E||Z||^2 - E||E[Z|X2]||^2
        m = _cond_mean(P, Z, x2)
        closed.append(float(P @ (Z ** 2).sum(1) - k * P @ (m ** 2).sum(1)))
        eps = 10.0 ** (-4 * (t % 5) / 4) * 0.3  # from 0.3 down to 3e-5: near-optimal h2 too
        h2 = m + r.standard_normal(m.shape)[np.unique(x2, return_inverse=True)[1]] * eps  # another function of X2
        rand_gap.append(float(P @ ((Z - h2) ** 2).sum(1)))
    c.close("min_h2 E||Z-h2(X2)||^2 = E tr Cov(Z|X2) (finite laws)", np.array(best), np.array(closed), tol=1e-10,
            draws=draws)
    c.leq("regression <= any other h2(X2) (finite laws; h2 down to 3e-5 from the optimum)", np.array(best),
          np.array(rand_gap), draws=draws, tight=True)
    # linear version on a sample: least-squares residual vs the covariance formula
    model = TwoModalityModel.make(seed=seed, device=device)
    d = model.sample(pick(scale, test=2000, book=5000, full=50000), seed=seed + 1)
    W = torch.as_tensor(r.standard_normal((model.p1, 3)), dtype=F64, device=model.device)
    Z = d.X1 @ W
    lhs = alignment_loss(Z, d.X2)
    Zc, Xc = Z - Z.mean(0), d.X2 - d.X2.mean(0)
    n = Z.shape[0]
    Szz, Sz2, S22 = Zc.T @ Zc / n, Zc.T @ Xc / n, Xc.T @ Xc / n
    rhs = float(torch.trace(Szz - c.term("S_z2 S22^-1 S_2z", Sz2 @ torch.linalg.solve(S22, Sz2.T))))
    c.close("linear: least-squares residual = tr(Szz - Sz2 S22^-1 S2z)", lhs, rhs, tol=1e-10)
    return c


# ----------------------------------------------------------------------------------------------
# T4.1: perfect alignment keeps only common information
# ----------------------------------------------------------------------------------------------
@check("thm-tradeoff-perfect", title="Perfect alignment keeps only common information", kind="theorem",
       status="reconstructed", source="Thoreau et al. 2025 (perfect alignment loses modality-specific information)")
def _thm_tradeoff_perfect(scale, seed, device):
    c = Comparisons()
    r = rng(seed)
    # Equality: Y = psi(C) + eta(D) with D independent of both modalities and phi injective, so that every
    # mmse is Var eta(D). False variants: the lower bound 1 % larger, and an h2 that is not aligned
    # (phi(C) + 1 on one atom of B), which the alignment row must catch.
    up = c.constant("max(mmse(Y|X1), mmse(Y|X2)) as the lower bound", 1.0, stronger="larger")
    misalign = c.alternative("h2 not perfectly aligned (phi(C) + [B = 0])", 0.0, 1.0)
    draws = 200
    lhs, rhs, gaps = [], [], []
    for t in range(draws):  # exact finite laws, nonlinear perfectly aligned encoders h(C)
        P, x1, x2, C, D = _finite_joint_common(r)
        na, nb = x1.max() // (C.max() + 1) + 1, x2.max() // (C.max() + 1) + 1
        if t % 3 == 0:  # equality: Y depends on C and on the hidden factor D only, phi injective
            Y = (r.standard_normal(C.max() + 1)[C] + r.standard_normal(D.max() + 1)[D])[:, None]
            phi = r.permutation(C.max() + 1)
        else:
            Y = r.standard_normal((P.size, 1)) * 3 + r.standard_normal() * (x1 % 3)[:, None]
            phi = r.integers(0, int(r.integers(1, C.max() + 2)), size=C.max() + 1)  # possibly not injective
        z1 = phi[x1 // na]                               # h1 reads C off X1 = C na + A ...
        z2 = phi[x2 // nb] + misalign * (x2 % nb == 0)   # ... and h2 reads it off X2 = C nb + B
        gaps.append(float(P @ (z1 - z2) ** 2))
        lhs.append(up * max(_mmse(P, Y, x1), _mmse(P, Y, x2)))
        rhs.append(_mmse(P, Y, z1))
    c.close("alignment loss E(h1(X1) - h2(X2))^2, two encoders of different inputs (finite laws)", gaps,
            np.zeros(draws), tol=1e-15, draws=draws)
    c.leq("max(mmse(Y|X1), mmse(Y|X2)) <= mmse(Y|Z) (finite laws; equality when Y = psi(C) + eta(D))", np.array(lhs),
          np.array(rhs), slack=1e-12, draws=draws, tight=True)
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
        if _ == 0:
            M = torch.eye(ks, dtype=F64, device=model.device)  # Z = s: the cap R^2(Y1|X2) is attained
        Z1, Z2 = S1 @ M, S2 @ M
        mis.append(float(((Z1 - Z2) ** 2).sum(1).mean() / (Z1 ** 2).sum(1).mean()))
        r2z.append(lin_r2(d.Y1, Z1))
        r2x2.append(lin_r2(d.Y1, d.X2))
    c.close("relative misalignment of W1'X1 and W2'X2 (linear)", max(mis), 0.0, tol=1e-10, draws=len(mis))
    c.leq("R^2(Y1|Z) <= R^2(Y1|X2) (linear, perfectly aligned, on the sample)", np.array(r2z),
          np.array(r2x2) / up, slack=1e-10, draws=len(mis))
    # population: Z = s (the common part) attains the cap, R^2(Y1|s) = R^2(Y1|X2), since X2 = A2 [s; u2] is an
    # invertible function of (s, u2) and u2 is independent of Y1
    S11, S12, S22, c1y, c2y, vy = model.blocks()
    r2_x2_pop = float(c2y @ torch.linalg.solve(S22, c2y) / vy)
    c.leq("population: R^2(Y1|s) <= R^2(Y1|X2) (equality: s is all X2 knows about Y1)", model.redundancy / float(vy),
          r2_x2_pop / up, slack=1e-12, tight=True)
    r2x1 = lin_r2(d.Y1, d.X1)
    c.true(f"Y1 is readable from X1 (R^2 = {r2x1:.3f}) but not from Z", r2x1 > 0.95 and max(r2z) < 0.5,
           value=max(r2z))
    return c


# ----------------------------------------------------------------------------------------------
# T4.2: the quantitative trade-off inequality
# ----------------------------------------------------------------------------------------------
@check("thm-tradeoff-inequality", title="The alignment/prediction trade-off inequality", kind="theorem",
       status="reconstructed", source="Thoreau et al. 2025 (the alignment/prediction conflict, made quantitative)")
def _thm_tradeoff_inequality(scale, seed, device):
    c = Comparisons()
    r = rng(seed)
    # Equality (exercise ex-tradeoff-tight): X2 a function of X1, Y1 a function of X1, v = 1 and
    # Z = E[Y1|X2] + t (Y1 - E[Y1|X2]) for t in [0, 1]. False variant: the constant 1 in front of
    # ||v|| sqrt(L*) replaced by 0.99.
    kv = c.constant("1 in front of ||v|| sqrt(L*)", 1.0, stronger="smaller")
    draws = 200
    # (a) exact finite laws, arbitrary encoders h1 and read-outs v
    L, Rt = [], []
    for k in range(draws):
        P, x1, x2, _ = _finite_joint(r, common=False)
        if k % 4 == 0:  # the equality family
            x2 = x1 // 2
            Y = r.standard_normal(x1.max() + 1)[x1][:, None]
            m = _cond_mean(P, Y, x2)
            Z = m + r.uniform(0.0, 1.0) * (Y - m)
            v = np.ones(1)
        else:
            Y = r.standard_normal((P.size, 1))
            width = int(r.integers(1, 4))
            Z = (r.standard_normal((x1.max() + 1, width)) * 10 ** r.uniform(-1, 1))[x1]
            v = r.standard_normal(width) * 10 ** r.uniform(-1, 1)
        risk = float(P @ (Y[:, 0] - Z @ v) ** 2)
        lal = float(P @ ((Z - _cond_mean(P, Z, x2)) ** 2).sum(1))
        L.append(math.sqrt(risk))
        Rt.append(math.sqrt(_mmse(P, Y, x2)) - kv * np.linalg.norm(v) * math.sqrt(lal))
    c.geq("sqrt(risk) >= sqrt(mmse(Y|X2)) - |v| sqrt(L*) (finite laws; equality family of ex-tradeoff-tight)",
          np.array(L), np.array(Rt), slack=1e-12, draws=draws, tight=True)
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
        rhs.append(math.sqrt(mm2) - kv * float(torch.linalg.vector_norm(v)) * math.sqrt(lal))
        lal_all.append(lal)
        risk_all.append(risk)
    # the equality family on the empirical measure: Y = X1 beta, X2' = X1 B (a linear function of X1),
    # Z = P Y + t (Y - P Y) with P the least-squares projection onto [1, X2'], v = 1
    lhs_eq, rhs_eq = [], []
    for t in np.linspace(0.0, 1.0, 6):
        beta = torch.as_tensor(r.standard_normal((model.p1, 1)), dtype=F64, device=X1.device)
        X2p = X1 @ torch.as_tensor(r.standard_normal((model.p1, 3)), dtype=F64, device=X1.device)
        Yl = X1 @ beta
        fit = Yl - lin_residual(Yl, X2p)
        Z = fit + float(t) * (Yl - fit)
        risk = float(((Yl - Yl.mean() - (Z - Z.mean())) ** 2).mean())
        lhs_eq.append(math.sqrt(risk))
        rhs_eq.append(math.sqrt(lin_mmse(Yl, X2p)) - kv * math.sqrt(alignment_loss(Z, X2p)))
    c.geq("same, linear encoders, empirical measure (with the equality family)", np.array(lhs + lhs_eq),
          np.array(rhs + rhs_eq), slack=1e-10, draws=draws + len(lhs_eq), tight=True)
    mm1 = lin_mmse(Y1, X1)
    vy = float(Y1.var(unbiased=False))
    c.true(f"specific target: mmse(Y1|X1) = {mm1:.3f} << mmse(Y1|X2) = {mm2:.3f} (Var {vy:.3f})", mm1 < 0.1 * mm2,
           value=mm1 / mm2)
    c.attach(TradeoffDraws(risk=np.array(risk_all), align=np.array(lal_all), mmse_x1=mm1, mmse_x2=mm2, var_y=vy))
    return c


@check("rem-tradeoff-empirical", title="The empirical trade-off inequality holds step by step", kind="remark",
       status="new", source="")
def _rem_tradeoff_empirical(scale, seed, device):
    c = Comparisons()
    r = rng(seed)
    # the three steps of the remark on samples, each with an equality instance; false variant: the
    # Cauchy-Schwarz step with ||v|| replaced by 0.99 ||v||
    kv = c.constant("1 in ||(I-P)Zv|| <= ||v|| ||(I-P)Z||_F", 1.0, stronger="smaller")
    model = TwoModalityModel.make(redundancy=0.0, seed=seed, device=device)
    d = model.sample(pick(scale, test=500, book=2000, full=20000), seed=seed + 1)
    X1, X2, y = d.X1, d.X2, d.Y1[:, 0]
    n = X1.shape[0]
    proj = lambda M: M - lin_residual(M if M.dim() == 2 else M[:, None], X2).reshape(M.shape)  # noqa: E731
    s1l, s1r, s2l, s2r, s3l, s3r = [], [], [], [], [], []
    for t in range(40):
        width = int(r.integers(1, 5))
        Z = X1 @ torch.as_tensor(r.standard_normal((model.p1, width)), dtype=F64, device=X1.device)
        v = torch.as_tensor(r.standard_normal(width), dtype=F64, device=X1.device)
        cc = float(r.standard_normal())
        if t % 4 == 0:  # (i) equality: y - c1 - Zv = (I-P)y, with c = mean(y) and Zv = Py - mean(y)
            Z = torch.cat([(proj(y) - y.mean())[:, None], Z[:, 1:]], 1)
            v = torch.zeros(width, dtype=F64, device=X1.device)
            v[0] = 1.0
            cc = float(y.mean())
        if t % 4 == 1:  # (ii) and (iii) equality: Z of rank one along (I-P)y, v along it
            Z = (y - proj(y))[:, None] * torch.as_tensor(r.standard_normal(width), dtype=F64, device=X1.device)[None, :]
            v = Z[0] / Z[0].norm() * float(r.uniform(0.1, 0.5))
        e = y - cc - Z @ v
        Qe = e - proj(e)
        s1l.append(float(e.norm()))
        s1r.append(float(Qe.norm()))
        Qy, QZv = y - proj(y), Z @ v - proj(Z @ v)
        s2l.append(float((Qy - QZv).norm()))
        s2r.append(float(Qy.norm() - QZv.norm()))
        QZ = Z - proj(Z)
        s3l.append(float(QZv.norm()))
        s3r.append(kv * float(v.norm() * QZ.norm()))
    c.geq("||y - c1 - Zv|| >= ||(I-P)(y - Zv)|| (equality: P(y - c1 - Zv) = 0)", s1l, s1r, slack=1e-10, draws=40,
          tight=True)
    c.geq("||(I-P)(y - Zv)|| >= ||(I-P)y|| - ||(I-P)Zv|| (equality: parallel)", s2l, s2r, slack=1e-10, draws=40,
          tight=True)
    c.leq("||(I-P)Zv|| <= ||v|| ||(I-P)Z||_F (equality: rank one, v aligned)", s3l, s3r, slack=1e-10, draws=40,
          tight=True)
    return c
