r"""Checks for the chapter "Model stitching and its bounds" (Insulla, Huang & Rosasco 2025, Section 4).

Conventions: one sample per row; ``Z1`` (n x d1) and ``Z2`` (n x d2) are the two representations,
``Y`` (n x d) the targets; a linear head is ``Z @ W`` and a linear stitcher ``Z1 @ S``; all
expectations are empirical means, all arithmetic float64 on the requested device. Minima over
``S`` are computed two ways where possible: by a closed form and by a generic least-squares
solve on the vectorised problem (the Kronecker route), which shares nothing with the closed form.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
import torch

from ..data import load_digits
from ..device import REDUCTION_DTYPE, generator, pick
from ..experiments.stitching import stitch_all, train_nets
from ..measures import cka
from ..models import MLP, LinearStitcher, StitchedModel, least_squares_stitcher, reset_parameters, stitch_residual
from ._random import randn
from ._registry import Comparisons, check

F64 = REDUCTION_DTYPE

__all__ = ["BoundSlack", "ConditionSweep"]


@dataclass
class BoundSlack:
    """How loose Theorem 1's bound is on each draw (``thm-stitch-bound``'s payload).

    Attributes
    ----------
    kappa : numpy.ndarray
        Lipschitz constant of the head of each draw.
    ratio : numpy.ndarray
        Bound over the actual stitched risk, per draw (>= 1).

    Examples
    --------
    >>> from alignbook.theory import run
    >>> slack = run("thm-stitch-bound", scale="test", device="cpu").payload
    >>> slack.kappa.shape == slack.ratio.shape, bool((slack.ratio >= 1).all())
    (True, True)
    """

    kappa: np.ndarray
    ratio: np.ndarray


@dataclass
class ConditionSweep:
    """CKA of ``F1`` and ``F1 M`` as the condition number of ``M`` grows (``rem-ka-stitch``'s payload).

    Stitching between the two is exact at every point.

    Attributes
    ----------
    condition : numpy.ndarray
        Condition numbers of the invertible maps ``M``.
    cka : numpy.ndarray
        Linear CKA of ``F1`` and ``F1 M``.
    dim : int
        Width of ``F1`` (CKA tends to ``1 / sqrt(dim)``).

    Examples
    --------
    >>> from alignbook.theory import run
    >>> sweep = run("rem-ka-stitch", scale="test", device="cpu").payload
    >>> sweep.condition.tolist(), sweep.dim
    ([1.0, 3.3333333333333335, 10.0, 33.333333333333336, 100.0], 10)
    """

    condition: np.ndarray
    cka: np.ndarray
    dim: int


def _risk(P: torch.Tensor, Y: torch.Tensor) -> float:
    """Empirical square-loss risk (1/n) sum_k ||p_k - y_k||^2."""
    return float(((P - Y) ** 2).sum() / Y.shape[0])


def _ols(Z: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    """The minimum-norm least-squares W with Z @ W ~ Y (no intercept)."""
    return torch.linalg.pinv(Z) @ Y


def _min_stitch_kron(Z1: torch.Tensor, W2: torch.Tensor, Y: torch.Tensor) -> tuple[float, torch.Tensor]:
    """min_S (1/n)||Z1 S W2 - Y||^2 by least squares on vec(S): row-major vec(Z1 S W2) = (Z1 kron W2^T) vec(S)."""
    d1, d2 = Z1.shape[1], W2.shape[0]
    M = torch.kron(Z1.contiguous(), W2.T.contiguous())
    s = torch.linalg.pinv(M) @ Y.reshape(-1)
    S = s.reshape(d1, d2)
    return _risk(Z1 @ S @ W2, Y), S


def _linear_setup(g, n, d1, d2, d, device, noise=0.5):
    """Correlated Gaussian representations and a target linear in a latent (not exactly in Z1)."""
    X = randn(g, n, 8)
    Z1 = X @ randn(g, 8, d1) + 0.3 * randn(g, n, d1)
    Z2 = X @ randn(g, 8, d2) + 0.3 * randn(g, n, d2)
    Y = X @ randn(g, 8, d) + noise * randn(g, n, d)
    return Z1, Z2, Y


# --------------------------------------------------------------------------------------------
@check("def-stitching", title="Stitching: the stitched model and the least-squares stitcher", kind="definition")
def _def_stitching(scale, seed, device):
    c = Comparisons()
    g = generator(seed, device)
    draws = pick(scale, test=5, book=20, full=100)
    id_err, normal_eq, orth_err = [], [], []
    ls_res, other_res, orth_res = [], [], []
    for _ in range(draws):
        init_seed = int(torch.randint(0, 2**31 - 1, (1,), generator=g, device=device))
        A = reset_parameters(MLP(7, (9, 5), 4), init_seed).to(device).to(F64)
        x = randn(g, 60, 7)
        for i, w in enumerate(A.widths):
            st = LinearStitcher.from_matrix(torch.eye(w, dtype=F64, device=device), torch.zeros(w, dtype=F64, device=device))
            with torch.no_grad():
                id_err.append(float((StitchedModel(A, i, st, A, i)(x) - A(x)).abs().max()))
        Z1 = randn(g, 60, 6)
        Z1[:, 5] = Z1[:, 0] - Z1[:, 1]  # rank-deficient on purpose
        Z2 = torch.tanh(Z1 @ randn(g, 6, 4)) + 0.1 * randn(g, 60, 4)
        ls = least_squares_stitcher(Z1, Z2)
        Z1a = torch.cat([Z1, torch.ones(60, 1, dtype=F64, device=device)], 1)
        grad = Z1a.T @ (ls(Z1) - Z2)  # normal equations of the affine fit
        normal_eq.append(float(grad.detach().abs().max() / (Z1a.abs().max() * Z2.abs().max() * 60)))
        ls_res.append(stitch_residual(ls, Z1, Z2))
        pert = LinearStitcher.from_matrix(ls.S + 0.05 * randn(g, 6, 4), ls.b + 0.05 * randn(g, 4))
        other_res.append(stitch_residual(pert, Z1, Z2))
        orth = least_squares_stitcher(Z1, Z2, orthogonal=True)
        orth_err.append(float((orth.S.T @ orth.S - torch.eye(4, dtype=F64, device=device)).detach().abs().max()))
        orth_res.append(stitch_residual(orth, Z1, Z2))
    c.close("identity stitcher into the same layer = the network", torch.tensor(id_err), torch.zeros(len(id_err)), tol=1e-12, draws=len(id_err))
    c.close("least-squares stitcher solves the normal equations", torch.tensor(normal_eq), torch.zeros(draws), tol=1e-12, draws=draws)
    c.leq("LS residual <= residual of a perturbed stitcher", ls_res, other_res, draws=draws)
    c.leq("LS residual <= residual of the orthogonal fit", ls_res, orth_res, draws=draws)
    c.close("orthogonal stitcher: S^T S = I", torch.tensor(orth_err), torch.zeros(draws), tol=1e-12, draws=draws)
    return c


# --------------------------------------------------------------------------------------------
@check("lem-stitch-linear", title="Lemma 2 (corrected): linear heads, full-row-rank W2", kind="lemma")
def _lem_stitch_linear(scale, seed, device):
    c = Comparisons()
    g = generator(seed, device)
    draws = pick(scale, test=20, book=100, full=400)
    n, d1, d2, d = pick(scale, test=120, book=200, full=400), 6, 5, 3
    full_kron, full_closed, r1s, deficient, formula, step1_lhs, step1_rhs = [], [], [], [], [], [], []
    for _ in range(draws):
        Z1, _, Y = _linear_setup(g, n, d1, d2, d, device)
        W1 = _ols(Z1, Y)
        R1 = _risk(Z1 @ W1, Y)
        # full row rank d (paper's convention W2: d x d2; here W2: d2 x d with rank d)
        W2 = randn(g, d2, d)
        rk, _ = _min_stitch_kron(Z1, W2, Y)
        S_star = W1 @ torch.linalg.pinv(W2)
        full_kron.append(rk)
        full_closed.append(_risk(Z1 @ S_star @ W2, Y))
        r1s.append(R1)
        # proof, step 1: R(Z1 S W2) = ||Z1 (S W2 - W1)||^2 / n + R1 for any S
        S = randn(g, d1, d2)
        step1_lhs.append(_risk(Z1 @ S @ W2, Y))
        step1_rhs.append(float(((Z1 @ (S @ W2 - W1)) ** 2).sum() / n) + R1)
        # rank-deficient W2 (rank 2 < d = 3): the excess is tr(P W1^T Sigma11 W1 P), P = I - W2^+ W2
        W2d = randn(g, d2, 2) @ randn(g, 2, d)
        rd, _ = _min_stitch_kron(Z1, W2d, Y)
        P = torch.eye(d, dtype=F64, device=device) - torch.linalg.pinv(W2d) @ W2d
        Sig11 = Z1.T @ Z1 / n
        deficient.append(rd - R1)
        formula.append(float(torch.trace(P @ W1.T @ Sig11 @ W1 @ P)))
    c.close("min_S R(Z1 S W2) [Kronecker LS] = R1(H1)", full_kron, r1s, tol=1e-10, draws=draws)
    c.close("R(Z1 W1 W2^+ W2) [closed form] = R1(H1)", full_closed, r1s, tol=1e-10, draws=draws)
    c.close("proof step 1: R(S) = ||Z1(SW2 - W1)||^2 + R1", step1_lhs, step1_rhs, tol=1e-10, draws=draws)
    c.close("rank-deficient W2: excess = tr(P W1' S11 W1 P)", deficient, formula, tol=1e-9, draws=draws)
    c.leq("rank-deficient excess > 0 (strictly)", [0.0] * draws, formula, slack=-1e-8, draws=draws)
    return c


@check("err-lem2-rank", title="Erratum: Lemma 2 as printed fails without full row rank", kind="erratum")
def _err_lem2_rank(scale, seed, device):
    c = Comparisons()
    g = generator(seed, device)
    draws = pick(scale, test=20, book=100, full=400)
    n, d1, d = 150, 6, 3
    printed, truth, printed_n, truth_n = [], [], [], []
    for _ in range(draws):
        Z1, _, Y = _linear_setup(g, n, d1, 5, d, device)
        R1 = _risk(Z1 @ _ols(Z1, Y), Y)
        W2 = randn(g, 5, 2) @ randn(g, 2, d)  # rank 2 < d
        printed.append(R1)
        truth.append(_min_stitch_kron(Z1, W2, Y)[0])
        W2n = randn(g, 2, d)  # B's layer narrower (d2 = 2) than the output (d = 3)
        printed_n.append(R1)
        truth_n.append(_min_stitch_kron(Z1, W2n, Y)[0])
    c.differ("printed R_stitch = R1 vs true min (rank W2 = 2 < d)", printed, truth, tol=1e-6, draws=draws)
    c.differ("printed R_stitch = R1 vs true min (d2 = 2 < d = 3)", printed_n, truth_n, tol=1e-6, draws=draws)
    return c


# --------------------------------------------------------------------------------------------
def _tanh_setup(g, n, device, p=6, d1=8, d2=7, d=4, w_gain=1.0):
    X = randn(g, n, p)
    F1 = torch.tanh(X @ randn(g, p, d1))
    F2 = torch.tanh(X @ randn(g, p, d2) + 0.2 * randn(g, n, d2))
    W = w_gain * randn(g, d2, d) / math.sqrt(d2)
    Y = torch.tanh(F2 @ W) + 0.3 * randn(g, n, d)
    return F1, F2, W, Y


def _mercer_terms(F1, F2):
    """eta2 (eigenvalues of Sigma22) and C12 in the eigenbases of Sigma11, Sigma22 (uncentred)."""
    n = F1.shape[0]
    e1, U1 = torch.linalg.eigh(F1.T @ F1 / n)
    e2, U2 = torch.linalg.eigh(F2.T @ F2 / n)
    S12 = F1.T @ F2 / n
    C12 = (U1.T @ S12 @ U2) / torch.sqrt(e1)[:, None] / torch.sqrt(e2)[None, :]
    return e2, C12


@check("thm-stitch-bound", title="Theorem 1: stitching risk <= (sqrt(R2) + kappa2 sqrt(A2))^2", kind="theorem")
def _thm_stitch_bound(scale, seed, device):
    c = Comparisons()
    g = generator(seed, device)
    draws = pick(scale, test=40, book=200, full=1000)
    n = pick(scale, test=300, book=1000, full=4000)
    risk, bound, expanded, lip_l, lip_r, a_ls, a_mer, ratios, kappas = [], [], [], [], [], [], [], [], []
    for k in range(draws):
        w_gain = [0.25, 0.5, 1.0, 2.0, 4.0][k % 5]
        F1, F2, W, Y = _tanh_setup(g, n, device, w_gain=w_gain)
        kappa = float(torch.linalg.matrix_norm(W, ord=2))
        S = _ols(F1, F2)
        A2 = float(((F1 @ S - F2) ** 2).sum() / n)
        R2 = _risk(torch.tanh(F2 @ W), Y)
        Rs = _risk(torch.tanh(F1 @ S @ W), Y)
        b = (math.sqrt(R2) + kappa * math.sqrt(A2)) ** 2
        risk.append(Rs)
        bound.append(b)
        expanded.append(R2 + kappa**2 * A2 + 2 * kappa * math.sqrt(A2 * R2))
        lip_l.append(float(((torch.tanh(F1 @ S @ W) - torch.tanh(F2 @ W)) ** 2).sum() / n))
        lip_r.append(kappa**2 * A2)
        e2, C12 = _mercer_terms(F1, F2)
        a_ls.append(A2)
        a_mer.append(float(e2.sum() - (C12**2 * e2[None, :]).sum()))
        ratios.append(b / Rs)
        kappas.append(kappa)
    c.leq("stitched risk <= (sqrt(R2) + kappa sqrt(A2))^2", risk, bound, draws=draws)
    c.close("square form = R2 + k^2 A2 + 2k sqrt(A2 R2)", bound, expanded, tol=1e-12, draws=draws)
    c.leq("proof: E||g(SF1) - g(F2)||^2 <= kappa^2 A2", lip_l, lip_r, draws=draws)
    c.close("A2 by regression = ||I||^2_eta2 - ||C12||^2_eta2", a_ls, a_mer, tol=1e-9, draws=draws)
    c.attach(BoundSlack(kappa=np.array(kappas), ratio=np.array(ratios)))
    return c


@check("err-stitch-alignment-term", title="Erratum: the alignment term of Theorem 1 and Remark 4 as printed",
       kind="erratum")
def _err_alignment_term(scale, seed, device):
    c = Comparisons()
    g = generator(seed, device)
    draws = pick(scale, test=20, book=100, full=400)
    truth, printed_t1, printed_r4, corrected_r4, quad = [], [], [], [], []
    for _ in range(draws):
        F1, F2, _, _ = _tanh_setup(g, 400, device)
        S = _ols(F1, F2)
        truth.append(float(((F1 @ S - F2) ** 2).sum() / 400))
        e2, C12 = _mercer_terms(F1, F2)
        sq = float((C12**2 * e2[None, :]).sum())  # ||C12||^2_eta2 = ||C12 diag(eta2)^{1/2}||_F^2
        printed_t1.append(math.sqrt(float(e2.sum())) - sq)  # ||I||_eta2 without the square
        printed_r4.append(float((C12 * e2[None, :]).pow(2).sum()))  # ||C12 diag(eta2)||_F^2 as printed
        corrected_r4.append(float((C12 * e2.sqrt()[None, :]).pow(2).sum()))
        quad.append(sq)
    c.differ("printed ||I||_eta2 - ||C12||^2_eta2 vs true A2", printed_t1, truth, tol=1e-3, draws=draws)
    c.differ("printed ||C12 diag(eta2)||_F^2 vs ||C12||^2_eta2", printed_r4, quad, tol=1e-3, draws=draws)
    c.close("corrected ||C12 diag(eta2)^(1/2)||_F^2 = ||C12||^2_eta2", corrected_r4, quad, tol=1e-12, draws=draws)
    return c


# --------------------------------------------------------------------------------------------
@check("lem-stitch-forward", title="Lemma 3: stitching forward cannot beat model 1", kind="lemma")
def _lem_stitch_forward(scale, seed, device):
    c = Comparisons()
    g = generator(seed, device)
    draws = pick(scale, test=20, book=100, full=400)
    per = pick(scale, test=10, book=20, full=50)
    lhs, rhs, mins = [], [], []
    for _ in range(draws):
        Z1, _, Y = _linear_setup(g, 150, 6, 5, 3, device)
        R1 = _risk(Z1 @ _ols(Z1, Y), Y)
        W2 = randn(g, 5, 3)
        for _ in range(per):
            S = randn(g, 6, 5)
            lhs.append(_risk(Z1 @ S @ W2, Y))
            rhs.append(R1)
        mins.append((_min_stitch_kron(Z1, W2, Y)[0], R1))
    c.geq("R(W2 S f1) >= R1(H1) for random S", lhs, rhs, draws=len(lhs))
    c.geq("min_S R(W2 S f1) >= R1(H1)", [m[0] for m in mins], [m[1] for m in mins], slack=1e-10, draws=draws)
    return c


@check("thm-stitch-gap", title="Theorem 2: R(H1) - R(H2) <= excess stitching risk <= alignment term", kind="theorem")
def _thm_stitch_gap(scale, seed, device):
    c = Comparisons()
    g = generator(seed, device)
    draws = pick(scale, test=20, book=100, full=400)
    gap, excess, upper, sym_l, sym_r = [], [], [], [], []
    for k in range(draws):
        # d2 = 5 >= d = 3: W2 has full row rank and the left inequality is Lemma 2's equality;
        # d2 = 2 < d: it is strict
        Z1, Z2, Y = _linear_setup(g, 200, 6, 5 if k % 2 == 0 else 2, 3, device)
        W1, W2 = _ols(Z1, Y), _ols(Z2, Y)
        R1, R2 = _risk(Z1 @ W1, Y), _risk(Z2 @ W2, Y)
        Rst, _ = _min_stitch_kron(Z1, W2, Y)
        terms = []
        for (Za, Zb, Wb, Rb) in ((Z1, Z2, W2, R2), (Z2, Z1, W1, R1)):
            k = float(torch.linalg.matrix_norm(Wb, ord=2))
            A = float(((Za @ _ols(Za, Zb) - Zb) ** 2).sum() / Za.shape[0])
            terms.append(k**2 * A + 2 * k * math.sqrt(A * Rb))
        gap.append(R1 - R2)
        excess.append(Rst - R2)
        upper.append(terms[0])
        sym_l.append(abs(R1 - R2))
        sym_r.append(max(terms))
    c.leq("R(H1) - R(H2) <= R_stitch - R(H2)", gap, excess, slack=1e-10, draws=draws)
    c.leq("R_stitch - R(H2) <= k^2 A2 + 2k sqrt(A2 R(H2))", excess, upper, slack=1e-10, draws=draws)
    c.leq("|R(H1) - R(H2)| <= max_i (k_i^2 A_i + 2k_i sqrt(A_i R_i))", sym_l, sym_r, slack=1e-10, draws=draws)
    return c


# --------------------------------------------------------------------------------------------
@check("prop-cka-stitch", title="Proposition: CKA near 1 forces a small stitching residual", kind="proposition")
def _prop_cka_stitch(scale, seed, device):
    c = Comparisons()
    g = generator(seed, device)
    draws = pick(scale, test=40, book=200, full=1000)
    lhs, rhs, exact_res, ckas = [], [], [], []
    for k in range(draws):
        n, d1 = 120, 6
        d2 = d1 if k % 2 == 0 else 4  # equal widths (Q orthogonal) or a narrower F2 (Q a projection)
        F1 = randn(g, n, d1) @ randn(g, d1, d1)
        t = [0.0, 1e-3, 1e-2, 0.1, 0.3, 1.0, 3.0][k % 7]
        Q, _ = torch.linalg.qr(randn(g, d1, d2))
        F2 = 2.5 * F1 @ Q + t * randn(g, n, d2) + 4.0
        F1c, F2c = F1 - F1.mean(0), F2 - F2.mean(0)
        A = float(((F1c @ _ols(F1c, F2c) - F2c) ** 2).sum() / n)
        trS22 = float((F2c**2).sum() / n)
        rho = float(cka(F1, F2))
        if t == 0.0:  # the exact case: CKA = 1 and A2 = 0 up to rounding, checked as identities
            if d2 == d1:
                exact_res.append(A / trS22)
                ckas.append(rho)
            continue
        lhs.append(A / trS22)
        rhs.append(math.sqrt(min(d1 + d2, n)) * math.sqrt(1 - rho**2))
    c.leq("A2 / tr S22 <= sqrt(d1 + d2) sqrt(1 - CKA^2)", lhs, rhs, draws=len(lhs))
    c.close("F2 = c F1 Q + m: CKA = 1", ckas, [1.0] * len(ckas), tol=1e-12, draws=len(ckas))
    c.close("F2 = c F1 Q + m: A2 = 0", exact_res, [0.0] * len(exact_res), tol=1e-12, draws=len(exact_res))
    return c


@check("rem-ka-stitch", title="Remark 5: perfect stitching with low CKA (the converse fails)", kind="remark")
def _rem_ka_stitch(scale, seed, device):
    c = Comparisons()
    g = generator(seed, device)
    d = 10
    eps = [1.0, 0.3, 0.1, 0.03, 0.01]
    ckas, resid = [], []
    F1 = randn(g, 2000, d)
    for e in eps:
        Q, _ = torch.linalg.qr(randn(g, d, d))
        M = Q @ torch.diag(torch.tensor([1.0] + [e] * (d - 1), dtype=F64, device=device)) @ Q.T
        F2 = F1 @ M
        ckas.append(float(cka(F1, F2)))
        F1c, F2c = F1 - F1.mean(0), F2 - F2.mean(0)
        resid.append(float(((F1c @ _ols(F1c, F2c) - F2c) ** 2).sum() / float((F2c**2).sum())))
    c.close("F2 = F1 M (M invertible): relative stitching residual = 0", resid, [0.0] * len(eps), tol=1e-12, draws=len(eps))
    c.true("CKA(F1, F1 M) decreases as cond(M) grows", all(a > b for a, b in zip(ckas, ckas[1:])), value=ckas[-1])
    c.leq("CKA at cond(M) = 100 is below 0.45", ckas[-1], 0.45)
    # a ReLU network and a function-identical copy whose hidden layer 1 is rescaled by D > 0
    A = reset_parameters(MLP(8, (16, 16), 5), int(seed)).to(device).to(F64)
    B = copy.deepcopy(A)
    D = torch.logspace(0, -3, 16, dtype=F64, device=device)  # condition number 1000
    with torch.no_grad():
        B.layers[0].weight.mul_(D[:, None])
        B.layers[0].bias.mul_(D)
        B.layers[1].weight.div_(D[None, :])
    x = randn(g, 500, 8)
    with torch.no_grad():
        za, zb = A.representations(x)[1], B.representations(x)[1]
    st = least_squares_stitcher(za, zb)
    with torch.no_grad():
        diff = float((StitchedModel(A, 1, st, B, 1)(x) - A(x)).abs().max() / A(x).abs().max())
        same = float((B(x) - A(x)).abs().max() / A(x).abs().max())
    c.close("ReLU net vs rescaled copy: B(x) = A(x) (relative)", same, 0.0, tol=1e-12)
    c.close("stitched A->B at layer 1 reproduces the outputs", diff, 0.0, tol=1e-9)
    c.leq("yet CKA(layer 1 of A, layer 1 of B) < 0.6", float(cka(za, zb)), 0.6)
    c.attach(ConditionSweep(condition=1 / np.array(eps), cka=np.array(ckas), dim=d))
    return c


# --------------------------------------------------------------------------------------------
@check("lem-softmax-lipschitz", title="Lemma: the softmax is 1/2-Lipschitz (so 1-Lipschitz) in the Euclidean norm",
       kind="lemma")
def _lem_softmax(scale, seed, device):
    c = Comparisons()
    g = generator(seed, device)
    draws = pick(scale, test=200, book=2000, full=20000)
    u = 3 * randn(g, draws, 10)
    w = u + randn(g, draws, 10) * torch.exp(randn(g, draws, 1))
    lhs = torch.linalg.vector_norm(torch.softmax(u, 1) - torch.softmax(w, 1), dim=1)
    rhs = 0.5 * torch.linalg.vector_norm(u - w, dim=1)
    p = torch.softmax(u, 1)
    J = torch.diag_embed(p) - p[:, :, None] * p[:, None, :]
    jn = torch.linalg.matrix_norm(J, ord=2)
    c.leq("||softmax(u) - softmax(w)|| <= ||u - w|| / 2", lhs, rhs, draws=draws)
    c.leq("||diag(p) - p p^T||_2 <= max_i p_i", jn, p.max(1).values, draws=draws)
    c.leq("max_i p_i <= 1", p.max(1).values, torch.ones(draws), draws=draws)
    return c


@check("prop-stitch-bound-mlp", title="Theorem 1 on trained ReLU networks (digits), every layer pair",
       kind="proposition")
def _prop_stitch_mlp(scale, seed, device):
    c = Comparisons()
    split = load_digits(seed=seed)
    nets = train_nets(split, seeds=pick(scale, test=[seed, seed + 1], book=[seed, seed + 1, seed + 2],
                                        full=list(range(seed, seed + 5))),
                      widths=pick(scale, test=[12], book=[16, 32], full=[32, 64, 128]),
                      epochs=pick(scale, test=3, book=8, full=30), lr=3e-3, batch_size=256, device=device)
    res = stitch_all(nets, split, device=device)
    c.leq("Brier risk of stitched model <= Theorem 1 bound", res.risk_stitch, res.bound, draws=len(res))
    same = res.mask(same_net=True) & (res.i == res.j)
    c.close("A into itself at the same layer: A2 = 0 (relative)", res.A_tilde[same] / (1 + res.A_tilde[same]),
            0.0 * res.A_tilde[same], tol=1e-10, draws=int(same.sum()))
    c.attach(res)
    return c
