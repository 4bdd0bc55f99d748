"""Kernel-alignment chapter, section *HSIC, CKA, MMD and distance correlation*, with the bias of the
estimators and the permutation null (``prop-hsic-linear``, ``thm-cka-hsic``, ``err-hsic-uncentred``,
``thm-hsic-mmd``, ``thm-dcor-cka``, ``thm-hsic-unbiased``, ``prop-cka-permutation-null``)."""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import torch
from scipy.spatial.distance import cdist

from ...device import REDUCTION_DTYPE, generator, pick, rng
from ...measures import cka, cka_permutation_mean, distance_correlation, gram, hsic, kernel_alignment
from .._registry import Comparisons, check, draws_for_power
from ._routes import _H, _ka_direct, _pair, _rbf, _random_joint_cov, _enumerate

__all__ = ["HSICEstimates", "PermutationNull"]


@dataclass
class HSICEstimates:
    r"""Monte Carlo HSIC estimates on Gaussian samples (``thm-hsic-unbiased``'s payload).

    Attributes
    ----------
    truth : float
        Population HSIC :math:`\|\Sigma_{xy}\|_F^2` (linear kernels).
    exact_biased_mean : float
        The exact expectation of the biased estimator.
    unbiased, biased : numpy.ndarray
        The U-statistic and biased estimates, one per sample.
    n : int
        Size of each sample.

    Examples
    --------
    >>> from alignbook.theory import run
    >>> est = run("thm-hsic-unbiased", scale="test", device="cpu").payload
    >>> est.unbiased.shape == est.biased.shape, est.n
    (True, 10)
    """

    truth: float
    exact_biased_mean: float
    unbiased: np.ndarray
    biased: np.ndarray
    n: int


@dataclass
class PermutationNull:
    r"""CKA of unrelated wide representations under row permutations (``prop-cka-permutation-null``'s payload).

    Attributes
    ----------
    null : numpy.ndarray
        Biased linear CKA after each random permutation of the rows of Y.
    exact_mean : float
        The exact permutation mean :math:`\sqrt{\beta_X\beta_Y}/(n-1)`.
    observed : float
        CKA of the unpermuted pair.
    n : int
        Number of samples.
    beta_x, beta_y : float
        Effective ranks of the two covariance spectra.

    Examples
    --------
    >>> from alignbook.theory import run
    >>> null = run("prop-cka-permutation-null", scale="test", device="cpu").payload
    >>> null.null.size, round(null.exact_mean, 2) == round(float(null.null.mean()), 2)
    (200, True)
    """

    null: np.ndarray
    exact_mean: float
    observed: float
    n: int
    beta_x: float
    beta_y: float




# ============================================================================================
# HSIC, CKA, MMD, distance correlation
# ============================================================================================

@check("prop-hsic-linear", title="Linear-kernel HSIC is the squared Frobenius norm of the cross-covariance",
       kind="proposition", status="standard", source="Gretton et al. 2005")
def _prop_hsic_linear(scale, seed, device):
    r, c = rng(seed), Comparisons()
    biased = c.alternative("the 1/n covariance in place of 1/(n-1)", False, True)  # normalisations must match
    draws = pick(scale, test=10, book=50, full=200)
    lib_f, lib_s, cov = [], [], []
    for _ in range(draws):
        n = int(r.integers(8, 120))
        X, F1, F2 = _pair(r, n)
        F1 = F1 + 3.0  # nonzero means: centring is part of the statement
        lib_f.append(hsic(F1, F2, route="features"))
        lib_s.append(hsic(F1, F2, route="samples"))
        S = np.cov(F1.T, F2.T, bias=biased)         # numpy's (n-1)-normalised covariance
        cov.append(np.sum(S[: F1.shape[1], F1.shape[1]:] ** 2))
    c.close("HSIC_b (feature route) vs ‖Cov(X, Y)‖_F^2 (numpy cov)", lib_f, cov, tol=1e-10, draws=draws)
    c.close("HSIC_b (sample route, n x n Grams) vs ‖Cov(X, Y)‖_F^2", lib_s, cov, tol=1e-10, draws=draws)
    return c


@check("thm-cka-hsic", title="CKA is normalised HSIC and the alignment of centred kernels", kind="theorem",
       status="standard", source="Cortes et al. 2012; Kornblith et al. 2019")
def _thm_cka_hsic(scale, seed, device):
    r, c = rng(seed), Comparisons()
    unc = c.alternative("uncentred kernels K in place of HKH", False, True)
    n = pick(scale, test=50, book=150, full=500)
    X, F1, F2 = _pair(r, n)
    F1 = F1 + 2.0
    H = _H(n)
    for kernel in ("linear", "rbf", "distance"):
        cka_value = cka(F1, F2, kernel=kernel)
        ratio = hsic(F1, F2, kernel=kernel) / math.sqrt(hsic(F1, F1, kernel=kernel) * hsic(F2, F2, kernel=kernel))
        K1, K2 = gram(F1, kernel), gram(F2, kernel)
        centered = _ka_direct(K1, K2) if unc else _ka_direct(H @ K1 @ H, H @ K2 @ H)
        c.close(f"{kernel}: CKA vs HSIC_12 / sqrt(HSIC_11 HSIC_22)", cka_value, ratio, tol=1e-10)
        c.close(f"{kernel}: CKA vs KA(H K1 H, H K2 H)", cka_value, centered, tol=1e-10)
        c.close(f"{kernel}: KA(centered=True) vs CKA", kernel_alignment(F1, F2, kernel=kernel, centered=True), cka_value,
                tol=1e-10)
    S = np.cov(F1.T, F2.T)
    d = F1.shape[1]
    rv = np.trace(S[:d, d:] @ S[d:, :d]) / math.sqrt(np.trace(S[:d, :d] @ S[:d, :d]) * np.trace(S[d:, d:] @ S[d:, d:]))
    c.close("linear CKA vs RV coefficient (numpy covariances)", cka(F1, F2), rv, tol=1e-10)
    return c


@check("thm-hsic-mmd", title="HSIC is the MMD between the joint law and the product of its marginals",
       kind="theorem", status="standard", source="Gretton et al. 2005; Gretton et al. 2012")
def _thm_hsic_mmd(scale, seed, device):
    r, c = rng(seed), Comparisons()
    two = c.constant("2 in MMD^2 = jj + pp - 2 jp", 2.0)
    n = pick(scale, test=25, book=40, full=80)
    X, F1, F2 = _pair(r, n)
    for name, K, L in (("rbf", _rbf(F1, 2.0), _rbf(F2, 1.0)), ("linear", F1 @ F1.T, F2 @ F2.T)):
        # joint: n atoms (x_i, y_i); product: n^2 atoms (x_k, y_l); product kernel K(x,x') L(y,y')
        jj = np.einsum("ij,ij->", K, L) / n**2
        pp = np.einsum("ik,jl->", K, L) / n**4
        jp = np.einsum("ik,il->", K, L) / n**3
        mmd2 = jj + pp - two * jp
        hsic_v = hsic(K, L, kernel="precomputed") * (n - 1) ** 2 / n**2
        c.close(f"{name}: MMD^2(joint, product) vs HSIC_V = tr(KHLH)/n^2", mmd2, hsic_v, tol=1e-12)
    # an explicit product-law sample: evaluate the MMD with the n^2 product atoms listed one by one
    m = 12
    Xs, Ys = F1[:m], F2[:m]
    P = np.array([np.concatenate([Xs[k], Ys[l]]) for k in range(m) for l in range(m)])
    J = np.concatenate([Xs, Ys], axis=1)
    d = Xs.shape[1]

    def prod_kernel(A, B):
        return _rbf(np.vstack([A, B])[:, :d], 2.0)[: len(A), len(A):] * (
            np.vstack([A, B])[:, d:] @ np.vstack([A, B])[:, d:].T)[: len(A), len(A):]

    mmd_atoms = prod_kernel(J, J).mean() + prod_kernel(P, P).mean() - two * prod_kernel(J, P).mean()
    hv = hsic(_rbf(Xs, 2.0), Ys @ Ys.T, kernel="precomputed") * (m - 1) ** 2 / m**2
    c.close("listing the m^2 product atoms: MMD^2 vs HSIC_V", mmd_atoms, hv, tol=1e-12)
    return c


@check("thm-dcor-cka", title="Squared distance correlation is CKA with the distance-induced kernel",
       kind="theorem", status="standard", source="Szekely et al. 2007; Sejdinovic et al. 2013")
def _thm_dcor_cka(scale, seed, device):
    r, c = rng(seed), Comparisons()
    four = c.constant("4 in dCov^2 = 4 HSIC_V", 4.0)
    draws = pick(scale, test=5, book=20, full=100)
    expl, lib, ckad, dcov, hv4 = [], [], [], [], []
    for _ in range(draws):
        n = int(r.integers(10, 100))
        X, F1, F2 = _pair(r, n)
        D1, D2 = cdist(F1, F1), cdist(F2, F2)
        H = _H(n)
        A, B = H @ D1 @ H, H @ D2 @ H                     # double-centred distance matrices
        dcov2 = np.sum(A * B) / n**2
        expl.append(dcov2 / math.sqrt((np.sum(A * A) / n**2) * (np.sum(B * B) / n**2)))
        lib.append(distance_correlation(F1, F2) ** 2)
        ckad.append(cka(F1, F2, kernel="distance"))
        dcov.append(dcov2)
        hv4.append(four * hsic(F1, F2, kernel="distance") * (n - 1) ** 2 / n**2)
    c.close("dCor^2 (Szekely, explicit HDH) vs library dCor^2", expl, lib, tol=1e-10, draws=draws)
    c.close("dCor^2 vs CKA with k = (‖x‖ + ‖x'‖ - ‖x - x'‖)/2", expl, ckad, tol=1e-10, draws=draws)
    c.close("dCov^2_n vs 4 HSIC_V(distance kernel)", dcov, hv4, tol=1e-10, draws=draws)
    return c


@check("err-hsic-uncentred", title="Erratum: HSIC needs the centred cross-moment", kind="erratum", status="corrected",
       source="Insulla et al. 2025, Sec. 3.2")
def _err_hsic_uncentered(scale, seed, device):
    r, c = rng(seed), Comparisons()
    # false variants: zero means (then the printed uncentred form is right and the disagreement rows must
    # fail), and the cross term -2 1'KL1/n^3 dropped from the centred expansion
    n = pick(scale, test=200, book=1000, full=5000)
    # independent x and y with nonzero means: population HSIC = 0
    m1, m2 = np.array([1.0, -2.0, 0.5]), np.array([3.0, 1.0])
    m1, m2 = c.alternative("zero means (where the printed form is right)", (m1, m2), (0 * m1, 0 * m2))
    X = m1 + r.standard_normal((n, 3))
    Y = m2 + r.standard_normal((n, 2))
    K, L = X @ X.T, Y @ Y.T
    uncentered_pop = float(np.sum(np.outer(m1, m2) ** 2))  # |E[x y^T]|_F^2 = |m1|^2 |m2|^2 for independent x, y
    c.differ("printed ‖E[K_x1 (x) K_x2]‖^2 (population) vs HSIC = 0 (independent)", uncentered_pop, 0.0, tol=1.0)
    uncentered_emp = np.sum(K * L) / n**2
    c.differ("printed, empirical: tr(KL)/n^2 vs HSIC_V", uncentered_emp, hsic(X, Y) * (n - 1) ** 2 / n**2, tol=1.0)
    # corrected: |E[K (x) L] - E K (x) E L|^2 expands to tr(KL)/n^2 - 2 1'KL1/n^3 + 1'K1 1'L1/n^4
    one = np.ones(n)
    expanded = (np.sum(K * L) / n**2 - c.term("2 1'KL1/n^3", 2.0 * (one @ K @ L @ one) / n**3)
                + (one @ K @ one) * (one @ L @ one) / n**4)
    Cxy = (X - X.mean(0)).T @ (Y - Y.mean(0)) / n
    c.close("corrected (centred) expansion vs ‖(1/n) sum (x - xbar)(y - ybar)^T‖_F^2", expanded, np.sum(Cxy**2),
            tol=1e-10)
    c.close("corrected (centred) expansion vs library HSIC_V", expanded, hsic(X, Y) * (n - 1) ** 2 / n**2, tol=1e-10)
    return c


def _discrete_law(r, m=3):
    """A joint law on m atoms (x_a, y_a) in R^2 x R^2 with probabilities p."""
    Xa = r.standard_normal((m, 2))
    Ya = np.tanh(Xa @ r.standard_normal((2, 2))) + 0.3 * r.standard_normal((m, 2))
    p = r.dirichlet(2.0 * np.ones(m))
    return Xa, Ya, p


def _population_hsic(K, L, p):
    """|E[phi (x) psi] - E phi (x) E psi|^2 for a discrete joint law with atom Grams K, L and weights p."""
    return float(p @ (K * L) @ p - 2.0 * np.sum(p * (K @ p) * (L @ p)) + (p @ K @ p) * (p @ L @ p))


def _hsic_batched(K: torch.Tensor, L: torch.Tensor, three: int = 3):
    """Biased and unbiased HSIC of a batch of Grams (b, n, n), straight from the printed formulas
    (``three`` is the 3 of 1/(n(n-3)))."""
    n = K.shape[-1]
    H = torch.eye(n, dtype=K.dtype, device=K.device) - 1.0 / n
    hb = torch.einsum("bij,bji->b", H @ K @ H, L) / (n - 1) ** 2      # tr(KHLH)/(n-1)^2
    eye = torch.eye(n, dtype=torch.bool, device=K.device)
    Kt, Lt = K.masked_fill(eye, 0.0), L.masked_fill(eye, 0.0)
    one = torch.ones(n, dtype=K.dtype, device=K.device)
    tr = torch.einsum("bij,bji->b", Kt, Lt)
    s_k, s_l = Kt.sum(dim=(1, 2)), Lt.sum(dim=(1, 2))
    kl = torch.einsum("i,bij,bjk,k->b", one, Kt, Lt, one)
    hu = (tr + s_k * s_l / ((n - 1) * (n - 2)) - 2.0 * kl / (n - 2)) / (n * (n - three))
    return hb, hu


@check("thm-hsic-unbiased", title="The U-statistic HSIC is unbiased; the V-statistic is not", kind="theorem",
       status="standard", source="Song et al. 2012 (unbiased HSIC); Gretton et al. 2005 (biased)")
def _thm_hsic_unbiased(scale, seed, device):
    r, c = rng(seed), Comparisons()
    T = lambda a: torch.as_tensor(a, dtype=REDUCTION_DTYPE, device=device)  # noqa: E731
    # false variants: the term ||Sigma_xy||^2/(n-1) dropped from E[HSIC_b] (the Monte Carlo part is sized to
    # reject it, below), and the 1/(n(n-3)) of the U-statistic replaced by 1/(n(n-2))
    nm3 = c.alternative("1/(n(n-2)) in place of 1/(n(n-3)) in HSIC_u", 3, 2)
    # (1) exact: enumerate every sample of size n from a 3-atom joint law
    n = pick(scale, test=5, book=6, full=7)
    Xa, Ya, p = _discrete_law(r)
    sigma = 1.0
    K, L = _rbf(Xa, sigma), _rbf(Ya, sigma)
    truth = _population_hsic(K, L, p)
    idx, prob = _enumerate(3, n, p)
    Kb = T(K)[T(idx).long()[:, :, None], T(idx).long()[:, None, :]]
    Lb = T(L)[T(idx).long()[:, :, None], T(idx).long()[:, None, :]]
    hb, hu = (v.cpu().numpy() for v in _hsic_batched(Kb, Lb, nm3))
    some = r.choice(len(idx), size=8, replace=False)
    c.close("library HSIC_u vs printed U-statistic formula (8 samples)",
            [hsic(Xa[idx[i]], Ya[idx[i]], kernel="rbf", sigma=sigma, estimator="unbiased") for i in some], hu[some],
            tol=1e-12, draws=8)
    c.close(f"exact E[HSIC_u] over all 3^{n} samples vs population HSIC", float(prob @ hu), truth, tol=1e-12,
            draws=len(idx))
    c.differ(f"exact E[HSIC_b] over all 3^{n} samples vs population HSIC", float(prob @ hb), truth, tol=1e-4,
             draws=len(idx))
    # (2) Monte Carlo, Gaussian, linear kernel: HSIC = |S_xy|^2 and, from the Wishart second moments,
    #     E[HSIC_b] = |S_xy|^2 + (tr S11 tr S22 + |S_xy|^2)/(n-1). The nearest plausible wrong formula drops
    #     |S_xy|^2/(n-1): a gap of truth/(n-1). Power: with the standard deviation sd of one HSIC_b (a pilot
    #     of 2000 draws), draws_for_power(gap, sd) draws put that formula 8 standard errors away, so it is
    #     rejected (|mean - formula| > 4 SE) while the right one is accepted (within 4 SE).
    #     A strongly dependent whitened pair in dimension 2 + 2 (canonical correlations in [0.7, 0.95]) and
    #     samples of n = 10 make the gap large against sd: a few thousand draws suffice.
    nn_ = 10
    S11, S12, S22, _ = _random_joint_cov(r, 2, 2, whitened=True, rho=np.sort(r.uniform(0.7, 0.95, 2))[::-1])
    S = np.block([[S11, S12], [S12.T, S22]])
    R = T(np.linalg.cholesky(S))
    truth_g = float(np.sum(S12**2))
    cross = c.term("||Sigma_xy||^2/(n-1) in E[HSIC_b]", truth_g / (nn_ - 1))
    exact_b = truth_g + np.trace(S11) * np.trace(S22) / (nn_ - 1) + cross
    wrong_b = truth_g + np.trace(S11) * np.trace(S22) / (nn_ - 1)
    g = generator(seed + 3, device)

    def draw(m):
        Z = torch.randn(m, nn_, 4, generator=g, dtype=REDUCTION_DTYPE, device=device) @ R.T
        Xz, Yz = Z[..., :2], Z[..., 2:]
        return Xz, Yz, [v.cpu().numpy() for v in _hsic_batched(Xz @ Xz.transpose(1, 2), Yz @ Yz.transpose(1, 2), nm3)]

    _, _, (pilot_b, pilot_u) = draw(2000)
    need = draws_for_power(truth_g / (nn_ - 1), float(max(pilot_b.std(ddof=1), pilot_u.std(ddof=1))))
    draws = min(max(need, pick(scale, test=1000, book=20000, full=200000)), 100_000)
    Xz, Yz, (hb, hu) = draw(draws)
    c.close("library HSIC_u (feature route) vs printed formula (8 draws)",
            [hsic(Xz[i], Yz[i], estimator="unbiased").item() for i in range(8)], hu[:8], tol=1e-10, draws=8)
    se_u, se_b = hu.std(ddof=1) / math.sqrt(draws), hb.std(ddof=1) / math.sqrt(draws)
    c.true(f"power: {draws} draws >= draws_for_power(gap {truth_g / (nn_ - 1):.3g}, sd {pilot_b.std(ddof=1):.3g})",
           draws >= need, value=float(need), draws=draws)
    c.within("Gaussian MC: mean HSIC_u ~ ‖Sigma_xy‖^2 (4 SE)", hu.mean(), truth_g, se_u, draws=draws)
    c.within("Gaussian MC: mean HSIC_b ~ ‖S‖^2 + (tr S11 tr S22 + ‖S‖^2)/(n-1) (4 SE)", hb.mean(), exact_b, se_b,
             draws=draws)
    c.apart("... and not ‖S‖^2 + tr S11 tr S22/(n-1) (the formula without its last term)", hb.mean(), wrong_b, se_b,
            draws=draws)
    c.apart("Gaussian MC: mean HSIC_b is biased away from ‖Sigma_xy‖^2", hb.mean(), truth_g, se_b, draws=draws)
    c.attach(HSICEstimates(truth=truth_g, exact_biased_mean=float(exact_b), unbiased=hu, biased=hb, n=nn_))
    return c


@check("prop-cka-permutation-null", title="The permutation null of CKA: exact mean (biased) and zero mean (unbiased)",
       kind="proposition", status="new", source="")
def _prop_cka_permutation_null(scale, seed, device):
    r, c = rng(seed), Comparisons()
    # false variant: 1/n in place of 1/(n-1) in the exact permutation mean
    nm1 = c.alternative("1/n in place of 1/(n-1) in the permutation mean", 1, 0)
    T = lambda a: torch.as_tensor(a, dtype=REDUCTION_DTYPE, device=device)  # noqa: E731
    # (1) exact: average over all n! permutations, each CKA from the printed formulas, batched
    n = pick(scale, test=6, book=7, full=8)
    X = r.normal(size=(n, 3))
    Y = np.tanh(X[:, :2]) + 0.5 * r.normal(size=(n, 2))
    perms = T(np.array(list(itertools.permutations(range(n))))).long()
    for kernel in ("linear", "rbf", "distance"):
        K, L = T(gram(X, kernel)), T(gram(Y, kernel))
        Lp = L[perms[:, :, None], perms[:, None, :]]  # P L P^T for every permutation
        Kb = K.expand_as(Lp)
        hb, hu = _hsic_batched(Kb, Lp)
        sb, su = _hsic_batched(torch.stack([K, L]), torch.stack([K, L]))  # self-HSICs: permutation invariant
        cka_b, cka_u = hb / torch.sqrt(sb[0] * sb[1]), hu / torch.sqrt(su[0] * su[1])
        i = int(r.integers(len(perms)))
        c.close(f"{kernel}: printed-formula CKA vs library on one permuted sample",
                [float(cka_b[i]), float(cka_u[i])],
                [cka(X, Y[perms[i].cpu().numpy()], kernel), cka(X, Y[perms[i].cpu().numpy()], kernel, "unbiased")],
                tol=1e-12, draws=1)
        Kc, Lc = _H(n) @ (K.cpu().numpy()) @ _H(n), _H(n) @ (L.cpu().numpy()) @ _H(n)
        formula = np.trace(Kc) * np.trace(Lc) / ((n - nm1) * np.linalg.norm(Kc) * np.linalg.norm(Lc))
        c.close(f"{kernel}: mean biased CKA over all {n}! permutations vs tr·tr/((n-1)‖·‖‖·‖)",
                float(cka_b.mean()), formula, tol=1e-12, draws=len(perms))
        c.close(f"{kernel}: mean unbiased CKA over all {n}! permutations vs 0", float(cka_u.mean()), 0.0, tol=1e-12,
                draws=len(perms))
        c.close(f"{kernel}: library cka_permutation_mean vs the exact averages",
                [cka_permutation_mean(X, Y, kernel), cka_permutation_mean(X, Y, kernel, "unbiased")],
                [float(cka_b.mean()), float(cka_u.mean())], tol=1e-12, draws=len(perms))
    # (2) wide unrelated representations: the biased null mean is large and equals the effective-rank form
    nn_, P = pick(scale, test=60, book=200, full=1000), pick(scale, test=200, book=400, full=1000)
    A = r.normal(size=(nn_, nn_ // 2)) * np.linspace(1.0, 0.2, nn_ // 2)
    B = r.normal(size=(nn_, nn_ // 3))
    lam = lambda Z: np.linalg.eigvalsh(np.cov(Z, rowvar=False))  # noqa: E731
    beta = lambda Z: lam(Z).sum() ** 2 / (lam(Z) ** 2).sum()  # noqa: E731
    exact = cka_permutation_mean(A, B)
    c.close("linear: cka_permutation_mean vs sqrt(beta_X beta_Y)/(n-1) from eigenvalues", exact,
            math.sqrt(beta(A) * beta(B)) / (nn_ - nm1), tol=1e-10)
    g = generator(seed, "cpu")
    null = np.array([cka(A, B[torch.randperm(nn_, generator=g).numpy()]) for _ in range(P)])
    se = null.std(ddof=1) / math.sqrt(P)
    c.within(f"Monte Carlo: mean of {P} permuted CKAs ~ exact mean (4 SE)", null.mean(), exact, se, draws=P)
    c.true("the biased null mean of unrelated wide representations exceeds 0.2", exact > 0.2, value=exact)
    c.attach(PermutationNull(null=null, exact_mean=exact, observed=cka(A, B), n=nn_, beta_x=beta(A), beta_y=beta(B)))
    return c


# ============================================================================================
# Independence: characteristic kernels, and the null of distance covariance
# ============================================================================================

def _min_pos_eig(K: np.ndarray) -> tuple[float, np.ndarray]:
    """Smallest eigenvalue of HKH on the subspace orthogonal to 1, and its eigenvector."""
    m = K.shape[0]
    B = np.linalg.qr(np.column_stack([np.ones(m), np.eye(m)[:, : m - 1]]))[0][:, 1:]  # basis of 1-perp
    w, V = np.linalg.eigh(B.T @ K @ B)
    return float(w[0]), B @ V[:, 0]


@check("thm-hsic-characteristic", title="HSIC = 0 iff independence, for characteristic kernels", kind="theorem",
       status="standard", source="Gretton et al. 2005; Fukumizu et al. 2008; Sriperumbudur et al. 2010")
def _thm_hsic_characteristic(scale, seed, device):
    r, c = rng(seed), Comparisons()
    # Finite laws on m1 x m2 distinct atoms with a Gaussian kernel (strictly positive definite, so
    # characteristic there). With D = P - p q' (zero row and column sums) population HSIC is tr(D'KDL) and
    #   HSIC >= lambda+(K) lambda+(L) ||D||_F^2,
    # lambda+ the smallest eigenvalue of K on the complement of 1; equality for D = eps u v' with u, v those
    # eigenvectors. So HSIC = 0 iff D = 0, i.e. iff independence. The linear kernel is not characteristic:
    # for (u, u^2) with u symmetric, linear HSIC is 0 although u^2 is a function of u.
    # False variants: the bound 1 % stronger, and the linear kernel in place of the Gaussian.
    up = c.constant("lambda+(K) lambda+(L) in the lower bound", 1.0, stronger="larger")
    linear = c.alternative("the linear kernel in place of the Gaussian (not characteristic)", False, True)
    draws = pick(scale, test=20, book=100, full=400)
    indep, lhs, rhs, tr_route, pop_route = [], [], [], [], []
    for t in range(draws):
        m1, m2 = int(r.integers(2, 6)), int(r.integers(2, 6))
        xa, ya = r.standard_normal((m1, 2)), r.standard_normal((m2, 1))
        K = xa @ xa.T if linear else _rbf(xa, 1.0)
        L = ya @ ya.T if linear else _rbf(ya, 1.0)
        p, q = r.dirichlet(np.ones(m1)), r.dirichlet(np.ones(m2))
        Kj, Lj = np.kron(K, np.ones((m2, m2))), np.kron(np.ones((m1, m1)), L)  # kernels on the joint atoms
        indep.append(_population_hsic(Kj, Lj, np.outer(p, q).ravel()))
        lk, u = _min_pos_eig(K)
        ll, v = _min_pos_eig(L)
        if t % 2:  # the equality case: D along the bottom eigenvectors, as large as positivity allows
            D = np.outer(u, v)
            D *= 0.9 * np.min(np.outer(p, q) / np.maximum(np.abs(D), 1e-300))
        else:
            P = r.dirichlet(np.ones(m1 * m2)).reshape(m1, m2)
            D = P - np.outer(P.sum(1), P.sum(0))
            tr_route.append(float(np.trace(D.T @ K @ D @ L)))
            pop_route.append(_population_hsic(Kj, Lj, P.ravel()))
        lhs.append(float(np.trace(D.T @ K @ D @ L)))
        rhs.append(up * max(lk, 0.0) * max(ll, 0.0) * float(np.sum(D * D)))
    c.close("independent laws: population HSIC (joint-atom formula) = 0", indep, np.zeros(draws), tol=1e-14,
            draws=draws)
    c.close("dependent laws: tr(D'KDL) = population HSIC (joint-atom formula)", tr_route, pop_route, tol=1e-14,
            draws=len(tr_route))
    c.geq("dependent laws: HSIC >= lambda+(K) lambda+(L) ‖P - pq'‖_F^2 > 0 (equality: D along eigenvectors)", lhs,
          rhs, slack=1e-15, draws=draws, tight=True)
    # the linear kernel misses a dependence that the Gaussian kernel sees: x = u, y = u^2, u uniform on
    # {-2, -1, 1, 2}
    ua = np.array([-2.0, -1.0, 1.0, 2.0])[:, None]
    w = np.full(4, 0.25)
    hs_lin = _population_hsic(ua @ ua.T, (ua**2) @ (ua**2).T, w)
    hs_rbf = _population_hsic(ua @ ua.T if linear else _rbf(ua, 1.0), (ua**2) @ (ua**2).T if linear else
                              _rbf(ua**2, 1.0), w)
    c.close("(u, u^2): linear-kernel HSIC = 0 though Y is a function of X", hs_lin, 0.0, tol=1e-14)
    c.true("(u, u^2): Gaussian-kernel HSIC > 0 (a characteristic kernel detects it)", hs_rbf > 1e-3, value=hs_rbf)
    return c


@check("prop-dcov-null", title="Under independence E[dCov^2_n] = (n-1)/n^2 E‖X-X'‖ E‖Y-Y'‖, so dCor^2 decays like 1/n",
       kind="proposition", status="standard", source="Szekely et al. 2007, Theorem 5 (exact finite-n mean: this book)")
def _prop_dcov_null(scale, seed, device):
    r, c = rng(seed), Comparisons()
    # Proof route: A = H D_X H and B = H D_Y H are independent under independence, E D_X = a(11' - I), so
    # E A = -a H, E B = -b H and E sum A_ij B_ij = ab tr H^2 = ab (n - 1). Checked (1) exactly by enumerating
    # every sample of a discrete product law, (2) by Monte Carlo on Gaussians: the mean of n dCov^2_n is
    # (n-1)/n ab at every n (4 SE), and the log-log slope of mean dCor^2 is about -1.
    # False variant: (n-1)/n^2 replaced by 1/n (the large-n limit used as if exact).
    nm1 = c.alternative("1/n in place of (n-1)/n^2", False, True)
    coef = (lambda n: 1.0 / n) if nm1 else (lambda n: (n - 1) / n**2)
    xa, ya = r.standard_normal((3, 2)), r.standard_normal((2, 1))
    p, q = r.dirichlet(np.ones(3)), r.dirichlet(np.ones(2))
    a = float(p @ cdist(xa, xa) @ p)
    b = float(q @ cdist(ya, ya) @ q)
    Dx, Dy = cdist(xa, xa), cdist(ya, ya)
    exact, formula = [], []
    for n in (2, 3, 4, pick(scale, test=5, book=6, full=7)):
        ix, px = _enumerate(3, n, p)
        iy, py = _enumerate(2, n, q)
        H = _H(n)
        vx = np.stack([(H @ Dx[np.ix_(i, i)] @ H).ravel() for i in ix])     # every X-sample
        vy = np.stack([(H @ Dy[np.ix_(j, j)] @ H).ravel() for j in iy])     # every Y-sample
        exact.append(float(px @ vx @ vy.T @ py) / n**2)                     # independent: product weights
        formula.append(coef(n) * a * b)
    c.close("exact E[dCov^2_n] over every sample of a product law vs (n-1)/n^2 E‖X-X'‖ E‖Y-Y'‖", exact, formula,
            tol=1e-12, draws=4)
    g = generator(seed + 5, device)
    ns = pick(scale, test=[10, 40, 160], book=[10, 40, 160, 640], full=[10, 40, 160, 640, 2560])
    reps = pick(scale, test=400, book=400, full=2000)
    ab = 4.0 / math.pi  # E|X - X'| = 2/sqrt(pi) for X ~ N(0, 1), likewise Y
    means, ses, targets, dcor = [], [], [], []
    dc = lambda D: D - D.mean(1, keepdim=True) - D.mean(2, keepdim=True) + D.mean((1, 2), keepdim=True)  # noqa: E731
    for n in ns:
        chunk = max(1, 2_000_000 // n**2)  # samples per batch: about 16 MB per n x n float64 batch
        dcov, dcr = [], []
        for start in range(0, reps, chunk):
            m = min(chunk, reps - start)
            X = torch.randn(m, n, 1, generator=g, dtype=REDUCTION_DTYPE, device=device)
            Y = torch.randn(m, n, 1, generator=g, dtype=REDUCTION_DTYPE, device=device)
            A = dc((X - X.transpose(1, 2)).abs())  # H D H without forming H
            B = dc((Y - Y.transpose(1, 2)).abs())
            dv = (A * B).sum((1, 2)) / n**2
            dcov.append(dv)
            dcr.append(dv / torch.sqrt((A * A).sum((1, 2)) * (B * B).sum((1, 2)) / n**4))
        v = (n * torch.cat(dcov)).cpu().numpy()
        means.append(v.mean())
        ses.append(v.std(ddof=1) / math.sqrt(reps))
        targets.append(n * coef(n) * ab)
        dcor.append(float(torch.cat(dcr).mean()))
    c.within("Gaussian MC: mean n dCov^2_n ~ n (n-1)/n^2 E‖X-X'‖ E‖Y-Y'‖ at every n (4 SE)", means, targets, ses,
             draws=reps * len(ns))
    slope = float(np.polyfit(np.log(ns), np.log(dcor), 1)[0])
    c.true("log-log slope of mean dCor^2_n under independence in [-1.1, -0.9]", -1.1 <= slope <= -0.9, value=slope,
           draws=reps * len(ns))
    return c
