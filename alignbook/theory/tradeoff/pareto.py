"""Trade-off chapter, section *Trading alignment for prediction: the exact Pareto front*
(``thm-pareto-front``)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ...data import TwoModalityModel
from ...device import REDUCTION_DTYPE, pick, rng
from ...experiments.tradeoff import penalised_path
from .._registry import Comparisons, check
from ._routes import _canonical_data
from .symbolic import derive, front

F64 = REDUCTION_DTYPE

__all__ = ["ParetoFront"]


@dataclass
class ParetoFront:
    """The exact Pareto front of the penalised objective on a sample (``thm-pareto-front``'s payload).

    Attributes
    ----------
    lambdas : numpy.ndarray
        Penalty weights.
    risk, align : numpy.ndarray
        Prediction risk and alignment loss of the minimiser, over ``Var Y1``.
    rho : numpy.ndarray
        Sample canonical correlations (padded with zeros to ``p1``).

    Examples
    --------
    >>> import numpy as np
    >>> from alignbook.theory import run
    >>> front = run("thm-pareto-front", scale="test", device="cpu").payload
    >>> bool(np.all(np.diff(front.risk) >= -1e-12) and np.all(np.diff(front.align) <= 1e-12))
    True
    """

    lambdas: np.ndarray
    risk: np.ndarray
    align: np.ndarray
    rho: np.ndarray



@check("thm-pareto-front", title="Exact minimisers of the penalised objective trace a monotone Pareto front",
       kind="theorem", status="new", source="")
def _thm_pareto_front(scale, seed, device):
    c = Comparisons()
    # false variants: kappa_i = 1 - rho_i (unsquared) in the closed form, and the 2 of (1 + 2 lambda kappa)
    # nudged. Near equality: perturbations of the minimiser down to 1e-4, and the collapse bound, whose
    # ratio to the truth is 1 - O(1/(lambda kappa)) at lambda = 1e8.
    unsq = c.alternative("kappa_i = 1 - rho_i (not squared) in the closed form", False, True)
    two = c.constant("2 in (1 + 2 lambda kappa)/(1 + lambda kappa)^2", 2.0)
    lambdas = np.concatenate([[0.0], np.logspace(-3, 4, pick(scale, test=29, book=57, full=113))])
    model = TwoModalityModel.make(redundancy=0.5, seed=seed, device=device)
    # exact on the empirical measure: sample covariances (1/n)
    d = model.sample(pick(scale, test=2000, book=5000, full=50000), seed=seed + 1)
    X1c, X2c, Yc = (v - v.mean(0) for v in (d.X1, d.X2, d.Y1))
    n = X1c.shape[0]
    S11, S12, S22 = X1c.T @ X1c / n, X1c.T @ X2c / n, X2c.T @ X2c / n
    c1y, vy = (X1c.T @ Yc / n)[:, 0], float((Yc ** 2).mean())
    path = penalised_path(S11, S12, S22, c1y, vy, lambdas)
    risk, align = path.risk.cpu().numpy(), path.align.cpu().numpy()
    # route 2: the sympy closed form in canonical coordinates
    cc, kappa, rho = _canonical_data(S11, S12, S22, c1y)
    kappa_f = 1 - rho if unsq else kappa
    fr = front(cc, kappa_f, vy, lambdas)
    risk_two = vy - (cc[:, None] ** 2 * (1 + two * lambdas[None, :] * kappa_f[:, None])
                     / (1 + lambdas[None, :] * kappa_f[:, None]) ** 2).sum(0)
    c.close("risk: normal equations = sympy closed form", risk, fr.risk, tol=1e-10, draws=lambdas.size)
    c.close("risk: normal equations = Var Y1 - sum c^2 (1 + 2 l k)/(1 + l k)^2 (printed form)", risk, risk_two,
            tol=1e-10, draws=lambdas.size)
    c.close("alignment: normal equations = sympy closed form", align, fr.align, tol=1e-10, draws=lambdas.size)
    # route 3: the objective evaluated on the data at the minimiser (w, u) agrees
    w, u = path.w, path.u
    emp_risk = ((Yc[:, 0:1] - X1c @ w.T) ** 2).mean(0).cpu().numpy()
    emp_al = ((X1c @ w.T - X2c @ u.T) ** 2).mean(0).cpu().numpy()
    c.close("risk recomputed on the sample at (w, u)", emp_risk, risk, tol=1e-10)
    c.close("alignment recomputed on the sample at (w, u)", emp_al, align, tol=1e-10)
    c.leq("risk is non-decreasing in lambda", risk[:-1], risk[1:] + 1e-12 * vy, draws=lambdas.size - 1)
    c.leq("alignment is non-increasing in lambda", align[1:], align[:-1] + 1e-12 * vy, draws=lambdas.size - 1)
    # the slope of the front is -lambda (envelope identity), derivatives checked by finite differences
    d_sym = derive()
    c.true("sympy: d risk/d lambda + lambda d align/d lambda simplifies to 0", d_sym.envelope == 0)
    mid = lambdas[1:-1]
    h = 1e-6 * mid
    pp = penalised_path(S11, S12, S22, c1y, vy, mid + h)
    pm = penalised_path(S11, S12, S22, c1y, vy, mid - h)
    fd = ((pp.risk - pm.risk).cpu().numpy() / (2 * h))
    drisk_max = np.abs(fr.drisk[1:-1]).max()
    c.close("d risk/d lambda: sympy vs finite differences (/max)", fd / drisk_max, fr.drisk[1:-1] / drisk_max, tol=1e-5)
    c.close("slope of the front: d risk = -lambda d align", fr.drisk[1:-1] / drisk_max,
            -mid * fr.dalign[1:-1] / drisk_max, tol=1e-10)
    # optimality: random (w, u) never beat the minimiser's objective at its lambda
    r = rng(seed)
    draws = 200
    gap = []
    for _ in range(draws):
        k = int(r.integers(1, lambdas.size))
        lam = lambdas[k]
        e = 10 ** r.uniform(-4, 0) if _ % 2 else 10 ** r.uniform(-6, -4)
        wr = path.w[k] + torch.as_tensor(r.standard_normal(model.p1) * e, dtype=F64, device=path.w.device)
        ur = path.u[k] + torch.as_tensor(r.standard_normal(model.p2) * e, dtype=F64, device=path.w.device)
        J = float(((Yc[:, 0] - X1c @ wr) ** 2).mean() + lam * ((X1c @ wr - X2c @ ur) ** 2).mean())
        gap.append((float(path.objective[k]), J))
    gap = np.array(gap)
    c.leq("J(minimiser) <= J(perturbed (w, u)) (perturbations down to 1e-6)", gap[:, 0], gap[:, 1], slack=1e-12 * vy,
          draws=draws, tight=True)
    # lambda -> infinity: with noise, no canonical correlation is 1, so w -> 0 (collapse); without
    # noise the limit is the best predictor from the shared latent (the intersection of the spans)
    # |risk(lam) - limit| <= sum_{kappa_i > 0} 2 c_i^2 / (lam kappa_i), since (1+2x)/(1+x)^2 <= 2/x
    lam_big = 1e8
    big = penalised_path(S11, S12, S22, c1y, vy, [lam_big])
    c.leq("noisy data: |risk(1e8) - Var Y1| <= sum 2c^2/(lam kappa) (collapse; ratio 1 - O(1/(lam kappa)))",
          abs(float(big.risk[0]) - vy), float((two * cc ** 2 / (lam_big * kappa)).sum()), slack=1e-9 * vy, tight=True)
    m0 = TwoModalityModel.make(p1=4, p2=4, noise=0.0, redundancy=0.5, seed=seed, device=device)
    T11, T12, T22, t1y, _, ty = m0.blocks()
    big0 = penalised_path(T11, T12, T22, t1y, float(ty), [lam_big])
    c0, k0, _ = _canonical_data(T11, T12, T22, t1y)  # kappa = (0, 0, 1, 1) here (see the CCA check)
    # limit: the best predictor from the shared latent s, mmse(Y1 | s) = Var Y1 - redundancy
    c.leq("noise 0: |risk(1e8) - mmse(Y1|s)| <= sum 2c^2/(lam kappa) (ratio 1 - O(1/(lam kappa)))",
          abs(float(big0.risk[0]) - (float(ty) - m0.redundancy)),
          float((two * c0[m0.ks:] ** 2 / (lam_big * k0[m0.ks:])).sum()), slack=1e-9 * float(ty), tight=True)
    c.attach(ParetoFront(lambdas=lambdas, risk=risk / vy, align=align / vy, rho=rho))
    return c
