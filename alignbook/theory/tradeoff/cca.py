"""Trade-off chapter, section *The linear-Gaussian model: what CCA keeps* (``prop-cca-cost``,
``thm-cca-shared-subspace``)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ...data import TwoModalityModel
from ...device import REDUCTION_DTYPE, pick, rng
from ...experiments.tradeoff import lin_r2
from ...measures import cca
from .._registry import Comparisons, check
from ._routes import _whitened_svd, _projector

F64 = REDUCTION_DTYPE

__all__ = ["SharedSubspace"]


@dataclass
class SharedSubspace:
    """What CCA recovers in the linear-Gaussian model (``thm-cca-shared-subspace``'s payload).

    Attributes
    ----------
    rho_population, rho_sample : numpy.ndarray
        Population and sample canonical correlations.
    r2_cca, r2_s, r2_x1 : float
        R^2 of ``Y1`` from the sample CCA representation, from the shared latent ``s`` (an
        oracle) and from all of ``X1``.
    share : float
        The population share of ``Var Y1`` carried by ``s``.
    floor : numpy.ndarray
        Mean of the noise-floor canonical correlations at each sample size.
    ns : numpy.ndarray
        Those sample sizes.

    Examples
    --------
    >>> from alignbook.theory import run
    >>> sub = run("thm-cca-shared-subspace", scale="test", device="cpu").payload
    >>> bool(sub.r2_cca < sub.r2_x1), sub.ns.tolist()
    (True, [400, 1600, 6400])
    """

    rho_population: np.ndarray
    rho_sample: np.ndarray
    r2_cca: float
    share: float
    r2_s: float
    r2_x1: float
    floor: np.ndarray
    ns: np.ndarray



# ----------------------------------------------------------------------------------------------
# R3.6: the CCA cost
# ----------------------------------------------------------------------------------------------
@check("prop-cca-cost", title="The CCA alignment cost equals 2 * sum(1 - rho) (plus the mean term)",
       kind="proposition", status="standard", source="Hotelling 1936; the cost form as in Thoreau et al. 2025")
def _prop_cca_cost(scale, seed, device):
    c = Comparisons()
    r = rng(seed)
    # false variants: the 2 of 2 sum(1 - rho) nudged, and the mean term ||W1'm1 - W2'm2||^2 dropped (the
    # statement without zero means). Near equality: feasible pairs close to the canonical pair.
    two = c.constant("2 in 2 sum(1 - rho)", 2.0)
    model = TwoModalityModel.make(p1=8, p2=6, ks=2, k1=3, k2=2, redundancy=0.5, seed=seed, device=device)
    d = model.sample(pick(scale, test=1000, book=5000, full=50000), seed=seed + 1)
    X1c, X2c = d.X1 - d.X1.mean(0), d.X2 - d.X2.mean(0)
    n = X1c.shape[0]
    S11, S12, S22 = X1c.T @ X1c / n, X1c.T @ X2c / n, X2c.T @ X2c / n
    I1, I2, U, rho, Vh = _whitened_svd(S11, S12, S22)
    res = cca(d.X1, d.X2)
    rho_pkg = torch.as_tensor(res.rho).to(F64)
    c.close("canonical correlations: alignbook.cca = whitening + SVD", rho_pkg, rho.cpu(), tol=1e-10)
    draws = 200
    costs, bounds, exact, formula = [], [], [], []
    for k in range(1, rho.numel() + 1):
        # the CCA pair with unit (1/n) covariance, from the package's scores
        Z1 = torch.as_tensor(res.x_scores)[:, :k] * math.sqrt(n / (n - 1))
        Z2 = torch.as_tensor(res.y_scores)[:, :k] * math.sqrt(n / (n - 1))
        exact.append(float(((Z1 - Z2) ** 2).sum(1).mean()))
        formula.append(two * float((1 - rho_pkg[:k]).sum()))
    c.close("E||W1'x1 - W2'x2||^2 at the CCA pair = 2 sum(1 - rho), k = 1..min(p)", np.array(exact),
            np.array(formula), tol=1e-10, draws=len(exact))
    # with means m1, m2 the same weights cost 2 sum(1 - rho) + ||W1'm1 - W2'm2||^2
    m1 = torch.as_tensor(r.standard_normal(model.p1) * 3, dtype=F64)
    m2 = torch.as_tensor(r.standard_normal(model.p2) * 3, dtype=F64)
    A_w, B_w = torch.as_tensor(res.x_weights) * math.sqrt(n / (n - 1)), torch.as_tensor(res.y_weights) * math.sqrt(
        n / (n - 1))
    Xs1, Xs2 = d.X1.cpu() + m1, d.X2.cpu() + m2
    raw = float(((Xs1 @ A_w - Xs2 @ B_w) ** 2).sum(1).mean())
    mean_term = float(((m1 + d.X1.cpu().mean(0)) @ A_w - (m2 + d.X2.cpu().mean(0)) @ B_w).pow(2).sum())
    c.close("non-zero means: cost = 2 sum(1 - rho) + ||W1'm1 - W2'm2||^2", raw,
            two * float((1 - rho_pkg).sum()) + c.term("||W1'm1 - W2'm2||^2 (the mean term)", mean_term), tol=1e-10)
    I1c, I2c = I1.cpu(), I2.cpu()
    Uc, Vc = U.cpu(), Vh.T.cpu()
    for t in range(draws):  # feasible pairs: W_i' S_ii W_i = I
        k = int(r.integers(1, rho.numel() + 1))
        Q1 = torch.linalg.qr(torch.as_tensor(r.standard_normal((model.p1, k)), dtype=F64))[0]
        Q2 = torch.linalg.qr(torch.as_tensor(r.standard_normal((model.p2, k)), dtype=F64))[0]
        if t % 2:  # near the canonical pair: (U_k, V_k) rotated by a small random orthogonal map
            eps = 10.0 ** (-1 - 4 * (t % 10) / 9)
            Q1 = torch.linalg.qr(Uc[:, :k] + eps * torch.as_tensor(r.standard_normal((model.p1, k)), dtype=F64))[0]
            Q2 = torch.linalg.qr(Vc[:, :k] + eps * torch.as_tensor(r.standard_normal((model.p2, k)), dtype=F64))[0]
            Q1 = Q1 * torch.sign(torch.sum(Q1 * Uc[:, :k], 0))
            Q2 = Q2 * torch.sign(torch.sum(Q2 * Vc[:, :k], 0))
        W1, W2 = I1c @ Q1, I2c @ Q2
        Z1, Z2 = X1c.cpu() @ W1, X2c.cpu() @ W2
        costs.append(float(((Z1 - Z2) ** 2).sum(1).mean()))
        bounds.append(two * float((1 - rho[:k].cpu()).sum()))
    c.leq("2 sum_{l<=k}(1 - rho_l) <= cost of any feasible pair (some near the canonical pair)", np.array(bounds),
          np.array(costs), slack=1e-10, draws=draws, tight=True)
    return c


@check("thm-cca-shared-subspace", title="CCA recovers exactly the shared subspace (linear-Gaussian model)",
       kind="theorem", status="reconstructed", source="Thoreau et al. 2025 (what alignment keeps), in the linear-Gaussian model")
def _thm_cca_shared_subspace(scale, seed, device):
    c = Comparisons()
    # false variant: k_s + 1 canonical components in place of k_s (the span and the limit then differ)
    extra = c.alternative("k_s + 1 components in place of k_s", 0, 1)
    model = TwoModalityModel.make(redundancy=0.5, seed=seed, device=device)
    ks = model.ks
    kk = ks + extra
    S11, S12, S22, c1y, _, vy = model.blocks()
    I1, _, U, rho, _ = _whitened_svd(S11, S12, S22)
    c.close(f"population rho_{ks + 1}.. are zero", rho[ks:], torch.zeros_like(rho[ks:]), tol=1e-10)
    c.true(f"population rho_1..rho_{ks} are positive", bool((rho[:ks] > 0.5).all()), value=float(rho[ks - 1]))
    W1 = I1 @ U[:, :kk]
    target = torch.linalg.solve(S11, model.A1[:, :ks])  # E[s | X1] = (S11^{-1} A1s)' X1
    c.close("span(CCA weights) = span of E[s|X1] (projectors)", _projector(W1), _projector(target), tol=1e-10)
    # R^2 of Y1 from the CCA representation tends to the shared share as the noise vanishes
    share = model.redundancy / float(vy)
    gaps = []
    for noise in (0.3, 0.1, 0.03, 0.01):
        m = TwoModalityModel(model.A1, model.A2, model.b_s, model.b_1, model.b_2, ks, noise, model.y_noise,
                             model.redundancy, model.device)
        T11, T12, T22, t1y, _, ty = m.blocks()
        J1, _, V, _, _ = _whitened_svd(T11, T12, T22)
        Wc = J1 @ V[:, :kk]  # unit-variance canonical variates: R^2 = ||Cov(Y, Z)||^2 / Var Y
        gaps.append(abs(float((t1y @ Wc).pow(2).sum() / ty) - share))
    c.true("|R^2(Y1|Z_CCA) - share| decreases as noise -> 0 and is below 1e-3 at noise 0.01",
           bool(np.all(np.diff(gaps) < 0)) and gaps[-1] < 1e-3, value=gaps[-1])
    # noise 0, square mixing: the limit is attained exactly
    m0 = TwoModalityModel.make(p1=4, p2=4, ks=2, k1=2, k2=2, noise=0.0, redundancy=0.5, seed=seed, device=device)
    T11, T12, T22, t1y, _, ty = m0.blocks()
    J1, _, V, r0, _ = _whitened_svd(T11, T12, T22)
    c.close("noise 0: rho = (1, 1, 0, 0)", r0, torch.tensor([1.0, 1.0, 0.0, 0.0], dtype=F64, device=r0.device))
    c.close("noise 0: R^2(Y1|Z_CCA) = share", float((t1y @ (J1 @ V[:, :2 + extra])).pow(2).sum() / ty),
            m0.redundancy / float(ty), tol=1e-10)
    # finite samples with the package's CCA. A sample canonical correlation has standard deviation
    # (1 - rho^2)/sqrt(n) (Gaussian data, Anderson 2003, Sec. 12.4); the in-sample R^2 of the CCA
    # representation scatters around the population R^2 of the population representation, and its
    # O(k_s (1 - R^2)/n) in-sample bias is below 0.2 standard errors of the mean at every scale.
    n = pick(scale, test=2000, book=5000, full=50000)
    reps = pick(scale, test=16, book=20, full=200)
    r2_pop = float((c1y @ (I1 @ U[:, :kk])).pow(2).sum() / vy)
    rho_hat, r2s, r2x1 = [], [], []
    for rep in range(reps):
        d = model.sample(n, seed=seed + 1 + rep)
        res = cca(d.X1, d.X2)
        rho_hat.append(torch.as_tensor(res.rho).to(F64).cpu())
        r2s.append(lin_r2(d.Y1, torch.as_tensor(res.x_scores)[:, :kk]))
        r2x1.append(lin_r2(d.Y1, d.X1))
    rho_hat = torch.stack(rho_hat)
    rp = rho[:ks].cpu()
    c.within("sample rho_1..k_s vs population (4 SD = 4 (1 - rho^2)/sqrt(n))", rho_hat[0, :ks], rp,
             (1 - rp**2) / math.sqrt(n), draws=ks)
    r2s = np.array(r2s)
    c.within(f"mean in-sample R^2(Y1 | sample CCA rep) vs population R^2 (4 SE, {reps} samples)", r2s.mean(), r2_pop,
             r2s.std(ddof=1) / math.sqrt(reps), draws=reps)
    c.true("R^2(Y1 | CCA rep) stays near the shared share, far below R^2(Y1 | X1) (by > 0.3)",
           bool(r2s.max() + 0.3 < min(r2x1)), value=float(min(r2x1) - r2s.max()), draws=reps)
    ns = np.array(pick(scale, test=[400, 1600, 6400], book=[400, 1600, 6400], full=[200, 800, 3200, 12800]))
    floor_reps = pick(scale, test=8, book=20, full=200)
    floor = []
    for nn in ns:
        vals = [float(torch.as_tensor(cca(dd.X1, dd.X2).rho)[ks:].mean())
                for dd in (model.sample(int(nn), seed=seed + 100 + rep) for rep in range(floor_reps))]
        floor.append(np.mean(vals))
    slope = float(np.polyfit(np.log(ns), np.log(floor), 1)[0])
    c.true("noise-floor correlations shrink like n^-1/2 (slope in [-0.6, -0.4])", -0.6 <= slope <= -0.4, value=slope)
    d = model.sample(n, seed=seed + 1)
    res = cca(d.X1, d.X2)
    c.attach(SharedSubspace(rho_population=rho.cpu().numpy(), rho_sample=rho_hat[0].numpy(), r2_cca=float(r2s[0]),
                            share=share, r2_s=lin_r2(d.Y1, d.S), r2_x1=float(r2x1[0]), floor=np.array(floor), ns=ns))
    return c
