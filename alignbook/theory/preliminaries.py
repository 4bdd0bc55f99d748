"""Checks for the Preliminaries chapter: Gram matrices, centring, spectra, RKHS.

Every check compares two independent computations of the same object in float64 on the device
it is given (random draws, and scikit-learn's digits where that makes sense). The ids are the
``:label:`` of the matching statement in ``chapters/preliminaries.md``.

The chapter's running example (the digits and a random ReLU feature map of them) is built by
:mod:`alignbook.experiments.preliminaries`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ..device import REDUCTION_DTYPE, generator, pick, rng
from ..experiments.preliminaries import digits_representations
from ..measures import center_gram, gram
from ._random import orthogonal, randint, randn
from ._registry import Comparisons, check

DT = REDUCTION_DTYPE

__all__ = ["SingularSpectra", "SpectrumConvergence", "poly2_features"]


# --------------------------------------------------------------------------------------------
# typed payloads: what the chapter's figures draw from a check's result
# --------------------------------------------------------------------------------------------
@dataclass
class SingularSpectra:
    """Singular values of the digit representations (``thm-eckart-young``'s payload).

    Attributes
    ----------
    spectra : dict of str to numpy.ndarray
        Name of the representation (``"pixels"``, ``"ReLU features"``) to its singular values,
        descending.
    n : int
        Number of images (rows).

    Examples
    --------
    >>> from alignbook.theory import run
    >>> spec = run("thm-eckart-young", scale="test", device="cpu").payload
    >>> sorted(spec.spectra), spec.n
    (['ReLU features', 'pixels'], 300)
    """

    spectra: dict
    n: int


@dataclass
class SpectrumConvergence:
    """Mean eigenvalue error of ``K/n`` against the population operator (``prop-empirical-operator``'s payload).

    Attributes
    ----------
    sizes : list of int
        Sample sizes ``n``.
    mean_error : list of float
        Mean over repetitions of ``max_j |lambda_j(K/n) - lambda_j(L_k)|`` at each size.
    population : numpy.ndarray
        Eigenvalues of the population operator.
    slope : float
        Fitted log-log slope of ``mean_error`` against ``sizes``.

    Examples
    --------
    >>> from alignbook.theory import run
    >>> conv = run("prop-empirical-operator", scale="test", device="cpu").payload
    >>> conv.sizes, -0.65 <= conv.slope <= -0.35
    ([50, 200, 800], True)
    """

    sizes: list
    mean_error: list
    population: np.ndarray
    slope: float


# --------------------------------------------------------------------------------------------
# small building blocks (float64, on the device of their inputs)
# --------------------------------------------------------------------------------------------
def _center_columns(X: torch.Tensor) -> torch.Tensor:
    """Subtract each column's mean (feature-space centring; no n x n matrix)."""
    return X - X.mean(dim=0, keepdim=True)


def _centering_matrix(n: int, device) -> torch.Tensor:
    """H = I - 11'/n as an explicit n x n matrix."""
    return torch.eye(n, device=device, dtype=DT) - torch.full((n, n), 1.0 / n, device=device, dtype=DT)


def _sq_dists_broadcast(X: torch.Tensor) -> torch.Tensor:
    """||x_i - x_j||^2 from explicit differences (independent of any Gram matrix)."""
    diff = X.unsqueeze(1) - X.unsqueeze(0)
    return (diff * diff).sum(-1)


def poly2_features(X: torch.Tensor, c: float = 1.0, root2: float = math.sqrt(2.0)) -> torch.Tensor:
    """Explicit feature map of the kernel (x'z + c)^2 on R^p.

    Coordinates: x_i^2 (p of them), sqrt(2) x_i x_j for i < j, sqrt(2c) x_i, and c; so that
    <phi(x), phi(z)> = (x'z)^2 + 2c x'z + c^2 = (x'z + c)^2.

    Parameters
    ----------
    X : torch.Tensor
        Points, shape ``(n, p)``.
    c : float
        The kernel's offset.
    root2 : float
        The weight of the cross terms (``sqrt(2)``; the checks nudge it to see a false feature map fail).

    Returns
    -------
    torch.Tensor
        Features, shape ``(n, p(p+1)/2 + p + 1)``.

    Examples
    --------
    >>> import torch
    >>> from alignbook.theory.preliminaries import poly2_features
    >>> X = torch.tensor([[1.0, 2.0], [0.5, -1.0]], dtype=torch.float64)
    >>> Phi = poly2_features(X, c=1.0)
    >>> Phi.shape, bool(torch.allclose(Phi @ Phi.T, (X @ X.T + 1.0) ** 2))
    (torch.Size([2, 6]), True)
    """
    n, p = X.shape
    iu = torch.triu_indices(p, p, 1, device=X.device)
    cross = root2 * X[:, iu[0]] * X[:, iu[1]]
    const = torch.full((n, 1), float(c), device=X.device, dtype=X.dtype)
    return torch.cat([X * X, cross, math.sqrt(2.0 * c) * X, const], dim=1)


def _poly2_kernel(X: torch.Tensor, Z: torch.Tensor, c: float = 1.0) -> torch.Tensor:
    return (X @ Z.T + c) ** 2



# --------------------------------------------------------------------------------------------
# Section 2: Gram and kernel matrices
# --------------------------------------------------------------------------------------------
@check("prop-frobenius-routes", title="Sample route = feature route: <XX', YY'>_F = ‖X'Y‖²_F",
       kind="proposition", status="standard", source="cyclic property of the trace")
def _prop_frobenius_routes(scale, seed, device):
    c = Comparisons()
    g = generator(seed, device)
    # the statement's exponent: a plausible slip is ||X'Y||_F without the square (or a nudged power)
    two = c.constant("the square in ‖X'Y‖²_F", 2.0)
    draws = pick(scale, test=30, book=200, full=1000)
    sample_route, feature_route = [], []
    for _ in range(draws):
        n, d1, d2 = randint(g, 2, 60), randint(g, 1, 40), randint(g, 1, 40)
        X = randn(g, n, d1) + randn(g, 1, d1)  # non-zero means too
        Y = randn(g, n, d2)
        sample_route.append(((X @ X.T) * (Y @ Y.T)).sum())
        feature_route.append(torch.linalg.matrix_norm(X.T @ Y) ** two)
    c.close("<XX',YY'>_F vs ‖X'Y‖²_F (random n, d1, d2)", torch.stack(sample_route),
            torch.stack(feature_route), tol=1e-10, draws=draws)
    X, Y, _ = digits_representations(pick(scale, test=200, book=1000, full=None), seed=seed, device=device)
    c.close(f"same, digits pixels vs ReLU features (n={X.shape[0]})", ((X @ X.T) * (Y @ Y.T)).sum(),
            torch.linalg.matrix_norm(X.T @ Y) ** two, tol=1e-10)
    return c


def _distance_kernel(X: torch.Tensor, half: float = 0.5) -> torch.Tensor:
    """k(x, x') = (||x|| + ||x'|| - ||x - x'||)/2 from explicit norms; ``half`` is the weight of ||x - x'||."""
    nrm = torch.linalg.vector_norm(X, dim=1)
    return 0.5 * (nrm[:, None] + nrm[None, :]) - half * torch.sqrt(_sq_dists_broadcast(X).clamp_min(0))


@check("prop-psd-kernels", title="Linear, RBF, polynomial and distance-induced Gram matrices are PSD",
       kind="proposition", status="standard", source="Schur product theorem; Szekely et al. 2007, Lemma 1")
def _prop_psd_kernels(scale, seed, device):
    c = Comparisons()
    g = generator(seed, device)
    # false variants: the weight of ||x - x'|| in the distance kernel (0.45 or 0.505 instead of 1/2;
    # with a point at the origin both give a negative eigenvalue), and a Schur *difference* in place
    # of the Schur product (not PSD)
    half = c.constant("1/2 of ‖x - x'‖ in the distance kernel", 0.5)
    draws = pick(scale, test=10, book=60, full=300)
    n = pick(scale, test=40, book=80, full=200)
    ratios = {"linear XX'": [], "RBF (median bandwidth)": [], "polynomial (x'z+1)^2": [],
              "distance-induced": [], "Schur product RBF o linear": []}
    quad, neg_dist = [], []
    for t in range(draws):
        d = randint(g, 1, 12)
        X = randn(g, n, d) * torch.exp(randn(g, 1, d))
        # tight instances: a repeated point (every Gram matrix is singular) and a point at the
        # origin (the distance kernel's row of zeros), so that lambda_min = 0 is attained
        X[1] = X[0]
        X[2] = 0.0
        L = X @ X.T
        Ks = {"linear XX'": L, "RBF (median bandwidth)": gram(X, "rbf"),
              "polynomial (x'z+1)^2": _poly2_kernel(X, X), "distance-induced": _distance_kernel(X, half)}
        Ks["Schur product RBF o linear"] = c.alternative("RBF - linear in place of the Schur product",
                                                         Ks["RBF (median bandwidth)"] * L, Ks["RBF (median bandwidth)"] - L)
        for name, K in Ks.items():
            ev = torch.linalg.eigvalsh(K)
            ratios[name].append(ev[0] / ev[-1].abs())
        # second route for the distance kernel: v'Kv = ||sum_i v_i phi(x_i)||^2 >= 0 for random v
        v = randn(g, n)
        if t % 2:  # the null direction of the repeated point: v'Kv = 0 exactly
            v = torch.zeros(n, device=device, dtype=DT)
            v[0], v[1] = 1.0, -1.0
        Kd = Ks["distance-induced"]
        quad.append(v @ Kd @ v / (v @ v) / torch.linalg.eigvalsh(Kd)[-1])
        neg_dist.append(torch.linalg.eigvalsh(-torch.sqrt(_sq_dists_broadcast(X).clamp_min(0)))[0])
    for name, r in ratios.items():
        c.geq(f"lambda_min / lambda_max, {name}", torch.stack(r), 0.0, slack=1e-12, scale=1.0, tight=True)
    c.geq("Rayleigh quotient v'Kv/v'v/lambda_max, distance kernel", torch.stack(quad), 0.0, slack=1e-12, scale=1.0,
          tight=True)
    neg = torch.stack(neg_dist)
    c.true("-‖x - x'‖ alone is NOT PSD (lambda_min < 0 on every draw)", bool((neg < 0).all()),
           value=float(neg.max()), draws=draws)
    X, _, _ = digits_representations(pick(scale, test=150, book=500, full=None), seed=seed, device=device)
    X = torch.cat([X, X[:1]])  # one image twice: the RBF Gram of the digits is singular, lambda_min = 0
    ev = torch.linalg.eigvalsh(gram(X, "rbf"))
    c.geq(f"lambda_min / lambda_max, RBF on digits, one image repeated (n={X.shape[0]})", ev[0] / ev[-1], 0.0,
          slack=1e-12, scale=1.0, tight=True)
    return c


# --------------------------------------------------------------------------------------------
# Section 3: centring
# --------------------------------------------------------------------------------------------
@check("prop-centering-projector", title="H = I - 11'/n is a symmetric idempotent of rank n - 1",
       kind="proposition", status="standard", source="linear algebra; the centring matrix of every chapter")
def _prop_centering_projector(scale, seed, device):
    c = Comparisons()
    g = generator(seed, device)
    # the statement rests on the weight 1/n of 11' (false variants: 0.9/n and 1.01/n)
    k = c.constant("1/n in H = I - 11'/n", 1.0)
    sizes = pick(scale, test=[2, 3, 10, 50], book=[2, 3, 10, 50, 200, 500], full=[2, 3, 10, 100, 1000, 2000])
    sym, idem, kill, traces, ranks, spec, rowc = [], [], [], [], [], [], []
    for n in sizes:
        H = torch.eye(n, device=device, dtype=DT) - torch.full((n, n), k / n, device=device, dtype=DT)
        ones = torch.ones(n, device=device, dtype=DT)
        sym.append(torch.linalg.matrix_norm(H - H.T, ord=torch.inf))
        idem.append(torch.linalg.matrix_norm(H @ H - H, ord=torch.inf))
        kill.append(torch.linalg.vector_norm(H @ ones, ord=torch.inf))
        traces.append((torch.trace(H), n - 1))
        ranks.append(int(torch.linalg.matrix_rank(H)) == n - 1)
        ev = torch.linalg.eigvalsh(H)
        target = torch.ones(n, device=device, dtype=DT)
        target[0] = 0.0
        spec.append(torch.max(torch.abs(ev - target)))
        X = randn(g, n, 7) + 3.0
        rowc.append(torch.max(torch.abs(H @ X - _center_columns(X))))
    z = np.zeros(len(sizes))
    c.close("H' - H = 0 (max entry, all n)", torch.stack(sym), z, tol=1e-12, draws=len(sizes))
    c.close("HH - H = 0 (max row sum)", torch.stack(idem), z, tol=1e-12, draws=len(sizes))
    c.close("H 1 = 0", torch.stack(kill), z, tol=1e-12, draws=len(sizes))
    c.close("tr H = n - 1", torch.stack([t for t, _ in traces]), [m for _, m in traces], tol=1e-12,
            draws=len(sizes))
    c.true(f"rank H = n - 1 for n in {sizes}", all(ranks), value=float(sum(ranks)), draws=len(sizes))
    c.close("eigenvalues of H = (0, 1, ..., 1)", torch.stack(spec), z, tol=1e-12, draws=len(sizes))
    c.close("HX = X - 1 xbar' (matrix vs column means)", torch.stack(rowc), z, tol=1e-12, draws=len(sizes))
    return c


@check("prop-centered-gram", title="HKH is the Gram matrix of the column-centred features",
       kind="proposition", status="standard", source="linear algebra (Scholkopf et al. 1998, kernel PCA centring)")
def _prop_centered_gram(scale, seed, device):
    c = Comparisons()
    g = generator(seed, device)
    k = c.constant("1/n in H = I - 11'/n", 1.0)  # the centring weight: 0.9/n or 1.01/n must fail
    draws = pick(scale, test=20, book=100, full=500)
    e_gram, e_entry, e_hsic, e_shift = [], [], [], []
    for _ in range(draws):
        n, d1, d2 = randint(g, 2, 60), randint(g, 1, 30), randint(g, 1, 30)
        X = randn(g, n, d1) + 5.0 * randn(g, 1, d1)
        Y = torch.relu(randn(g, n, d2))  # non-negative, large means
        H = torch.eye(n, device=device, dtype=DT) - torch.full((n, n), k / n, device=device, dtype=DT)
        K, L = X @ X.T, Y @ Y.T
        HKH = H @ K @ H
        Xc, Yc = _center_columns(X), _center_columns(Y)
        magnitude = K.abs().max().clamp_min(1.0)
        e_gram.append((HKH - Xc @ Xc.T).abs().max() / magnitude)
        # the package's O(n^2) route: K_ij - rowmean_i - colmean_j + grandmean, no H formed
        e_entry.append((HKH - center_gram(K)).abs().max() / magnitude)
        lhs = torch.trace(K @ H @ L @ H)
        rhs = torch.linalg.matrix_norm(Xc.T @ Yc) ** 2
        e_hsic.append((lhs - rhs).abs() / rhs.abs().clamp_min(1.0))
        b = 10.0 * randn(g, 1, d1)
        Ks = (X + b) @ (X + b).T
        e_shift.append((H @ Ks @ H - HKH).abs().max() / magnitude)
    z = np.zeros(draws)
    c.close("HKH vs (HX)(HX)' (relative, max entry)", torch.stack(e_gram), z, tol=1e-10, draws=draws)
    c.close("HKH vs center_gram(K) (means removed)", torch.stack(e_entry), z, tol=1e-10, draws=draws)
    c.close("tr(KHLH) vs ‖Xc'Yc‖²_F (relative)", torch.stack(e_hsic), z, tol=1e-10, draws=draws)
    c.close("HKH unchanged by X -> X + 1b'", torch.stack(e_shift), z, tol=1e-9, draws=draws)
    return c


@check("prop-double-centering", title="-1/2 H D^(2) H = HXX'H; classical MDS recovers the distances",
       kind="proposition", status="standard", source="Torgerson 1952; Gower 1966 (classical scaling)")
def _prop_double_centering(scale, seed, device):
    c = Comparisons()
    g = generator(seed, device)
    half = c.constant("-1/2 in -1/2 H D2 H", -0.5)
    draws = pick(scale, test=10, book=50, full=200)
    e_b, e_mds = [], []

    def one(X):
        n = X.shape[0]
        H = _centering_matrix(n, device)
        D2 = _sq_dists_broadcast(X)
        B = half * H @ D2 @ H
        Xc = _center_columns(X)
        s = D2.abs().max().clamp_min(1.0)
        err_b = (B - Xc @ Xc.T).abs().max() / s
        # classical MDS: coordinates from the top eigenpairs of B reproduce every distance
        ev, U = torch.linalg.eigh(B)
        keep = ev > 1e-9 * ev[-1]
        Z = U[:, keep] * torch.sqrt(ev[keep])
        err_mds = (_sq_dists_broadcast(Z) - D2).abs().max() / s
        return err_b, err_mds

    for _ in range(draws):
        n, d = randint(g, 3, 50), randint(g, 1, 10)
        eb, em = one(randn(g, n, d) + 4.0)
        e_b.append(eb)
        e_mds.append(em)
    z = np.zeros(draws)
    c.close("-1/2 H D2 H vs Xc Xc' (relative)", torch.stack(e_b), z, tol=1e-10, draws=draws)
    c.close("distances of MDS coordinates vs D2", torch.stack(e_mds), z, tol=1e-9, draws=draws)
    X, _, _ = digits_representations(pick(scale, test=100, book=300, full=1000), seed=seed, device=device)
    eb, em = one(X)
    c.close(f"-1/2 H D2 H vs Xc Xc', digits (n={X.shape[0]})", eb, 0.0, tol=1e-10)
    c.close(f"MDS distances vs D2, digits (n={X.shape[0]})", em, 0.0, tol=1e-9)
    return c


# --------------------------------------------------------------------------------------------
# Section 4: SVD and spectra
# --------------------------------------------------------------------------------------------
@check("prop-gram-spectrum", title="XX' and X'X share their non-zero eigenvalues, the sigma_i^2",
       kind="proposition", status="standard", source="singular value decomposition")
def _prop_gram_spectrum(scale, seed, device):
    c = Comparisons()
    g = generator(seed, device)
    two = c.constant("the square in sigma_i^2", 2.0)
    draws = pick(scale, test=20, book=100, full=500)
    e_nd, e_sv, e_zero, e_tr = [], [], [], []
    for _ in range(draws):
        n, d = randint(g, 1, 50), randint(g, 1, 50)
        X = randn(g, n, d)
        m = min(n, d)
        big = torch.linalg.eigvalsh(X @ X.T).flip(0)  # n eigenvalues, descending
        small = torch.linalg.eigvalsh(X.T @ X).flip(0)  # d eigenvalues, descending
        sv2 = torch.linalg.svdvals(X) ** two
        top = big[0].clamp_min(1.0)
        e_nd.append((big[:m] - small[:m]).abs().max() / top)
        e_sv.append((big[:m] - sv2).abs().max() / top)
        rest = torch.cat([big[m:], small[m:]])
        e_zero.append(rest.abs().max() / top if rest.numel() else torch.zeros((), device=device, dtype=DT))
        e_tr.append((torch.trace(X @ X.T) - sv2.sum()).abs() / sv2.sum().clamp_min(1.0))
    z = np.zeros(draws)
    c.close("eig(XX') vs eig(X'X), top min(n,d) (relative)", torch.stack(e_nd), z, tol=1e-10, draws=draws)
    c.close("eig(XX') vs sigma_i(X)^2 from the SVD", torch.stack(e_sv), z, tol=1e-10, draws=draws)
    c.close("remaining abs(n - d) eigenvalues are 0", torch.stack(e_zero), z, tol=1e-10, draws=draws)
    c.close("tr K = ‖X‖²_F = sum sigma_i^2", torch.stack(e_tr), z, tol=1e-10, draws=draws)
    X, Y, _ = digits_representations(pick(scale, test=200, book=500, full=None), seed=seed, device=device)
    for name, M in (("digits pixels", X), ("ReLU features", Y)):
        m = min(M.shape)
        big = torch.linalg.eigvalsh(M @ M.T).flip(0)[:m]
        c.close(f"eig(XX') vs sigma^2, {name} ({M.shape[0]}x{M.shape[1]})", big,
                torch.linalg.svdvals(M) ** two, tol=1e-10)
    return c


@check("prop-orthogonal-invariance",
       title="Singular values, Frobenius norm and Gram matrix ignore orthogonal maps",
       kind="proposition", status="standard", source="singular value decomposition")
def _prop_orthogonal_invariance(scale, seed, device):
    c = Comparisons()
    g = generator(seed, device)
    # the hypothesis: Q and R orthogonal. A map that is 1 % off orthogonal (1.01 Q) must be caught,
    # and so must |a| replaced by a in the isotropic rule (a < 0 half of the time)
    q = c.constant("scale of the orthogonal maps (1)", 1.0)
    draws = pick(scale, test=20, book=100, full=500)
    e_sv, e_fro, e_gram, e_iso, gap = [], [], [], [], []
    for _ in range(draws):
        n, d = randint(g, 2, 40), randint(g, 2, 20)
        X = randn(g, n, d)
        Q, R = q * orthogonal(g, n), q * orthogonal(g, d)
        s = torch.linalg.svdvals(X)
        e_sv.append((torch.linalg.svdvals(Q @ X @ R) - s).abs().max() / s[0])
        e_fro.append((torch.linalg.matrix_norm(Q @ X @ R) - torch.linalg.matrix_norm(X)).abs()
                     / torch.linalg.matrix_norm(X))
        XR = X @ R
        e_gram.append((XR @ XR.T - X @ X.T).abs().max() / (X @ X.T).abs().max())
        a = float(torch.exp(randn(g, ()))) * (1.0 if randint(g, 0, 1) else -1.0)
        e_iso.append((torch.linalg.svdvals(a * X) - c.alternative("a in place of |a|", abs(a), a) * s).abs().max()
                     / (abs(a) * s[0]))
        # contrast: an anisotropic diagonal map changes the *normalised* spectrum
        A = torch.diag(torch.linspace(0.2, 5.0, d, device=device, dtype=DT))
        sa = torch.linalg.svdvals(X @ A)
        gap.append(torch.linalg.vector_norm(sa / sa.norm() - s / s.norm()))
    z = np.zeros(draws)
    c.close("sigma(QXR) vs sigma(X), Q, R orthogonal", torch.stack(e_sv), z, tol=1e-10, draws=draws)
    c.close("Frobenius norm of QXR vs of X", torch.stack(e_fro), z, tol=1e-10, draws=draws)
    c.close("Gram of XR vs Gram of X", torch.stack(e_gram), z, tol=1e-10, draws=draws)
    c.close("sigma(aX) vs abs(a) sigma(X) (isotropic scaling)", torch.stack(e_iso), z, tol=1e-10, draws=draws)
    c.differ("normalised sigma(X diag(0.2..5)) vs sigma(X)", torch.stack(gap), z, tol=1e-3, draws=draws)
    return c


@check("thm-eckart-young", title="Eckart-Young: the best rank-k error is the tail sum of sigma_i^2",
       kind="theorem", status="standard", source="Eckart and Young 1936; Mirsky 1960")
def _thm_eckart_young(scale, seed, device):
    c = Comparisons()
    g = generator(seed, device)
    # false variant: the tail starts one index late (sum_{i > k+1}), a classic off-by-one
    start = c.alternative("tail sum_{i > k+1} sigma_i^2 (off by one)", 0, 1)
    draws = pick(scale, test=10, book=40, full=200)
    competitors = pick(scale, test=10, book=30, full=100)
    e_fro, e_op, opt, tails = [], [], [], []
    for _ in range(draws):
        n, d = randint(g, 5, 60), randint(g, 5, 30)
        m = min(n, d)
        # a matrix with a decaying spectrum: U diag(s) V'
        U = torch.linalg.qr(randn(g, n, m))[0]
        V = torch.linalg.qr(randn(g, d, m))[0]
        s = torch.sort(torch.exp(-0.3 * torch.arange(m, device=device, dtype=DT)
                                 + 0.3 * randn(g, m)), descending=True).values
        X = U * s @ V.T
        k = randint(g, 1, m - 1)
        Uh, sh, Vh = torch.linalg.svd(X, full_matrices=False)
        Xk = Uh[:, :k] * sh[:k] @ Vh[:k]
        tail = (sh[k + start:] ** 2).sum()
        e_fro.append(((torch.linalg.matrix_norm(X - Xk) ** 2 - tail) / tail))
        e_op.append((torch.linalg.matrix_norm(X - Xk, ord=2) - sh[k + start]) / sh[k])
        for j in range(competitors):
            if j % 2 == 0:  # best approximation inside a random k-dimensional row space
                P = torch.linalg.qr(randn(g, d, k))[0]
                B = X @ P @ P.T
            else:  # a small perturbation of the optimum that keeps rank k
                eps = 10.0 ** (-1 - 3 * (j / competitors))
                B = (Uh[:, :k] + eps * randn(g, n, k)) * sh[:k] @ (
                    Vh[:k] + eps * randn(g, k, d))
            opt.append(torch.linalg.matrix_norm(X - B) ** 2)
            tails.append(tail)
    z = np.zeros(draws)
    c.close("‖X - X_k‖²_F vs sum_{i>k} sigma_i^2 (relative)", torch.stack(e_fro), z, tol=1e-10, draws=draws)
    c.close("‖X - X_k‖₂ vs sigma_{k+1} (relative)", torch.stack(e_op), z, tol=1e-10, draws=draws)
    c.geq("‖X - B‖²_F >= tail for rank-k competitors B (some within 1e-4 of X_k)", torch.stack(opt),
          torch.stack(tails), slack=1e-10, draws=len(opt), tight=True)
    # digits: the identity on real data, and the spectra for the chapter's figure
    X, Y, _ = digits_representations(pick(scale, test=300, book=1347, full=None), seed=seed, device=device)
    spectra = {}
    for name, M in (("pixels", X), ("ReLU features", Y)):
        Uh, sh, Vh = torch.linalg.svd(M, full_matrices=False)
        k = 10
        Mk = Uh[:, :k] * sh[:k] @ Vh[:k]
        c.close(f"‖M - M_10‖²_F vs tail, digits {name}", torch.linalg.matrix_norm(M - Mk) ** 2,
                (sh[k + start:] ** 2).sum(), tol=1e-10)
        spectra[name] = sh.cpu().numpy()
    c.attach(SingularSpectra(spectra=spectra, n=int(X.shape[0])))
    return c


@check("thm-von-neumann", title="von Neumann's trace inequality: abs tr(A'B) <= sum_i sigma_i(A) sigma_i(B)",
       kind="theorem", status="standard", source="von Neumann 1937; Mirsky 1975")
def _thm_von_neumann(scale, seed, device):
    c = Comparisons()
    g = generator(seed, device)
    # false variants: the bound 1 % stronger, and the singular values paired in opposite orders
    # (sum_i sigma_i(A) sigma_{m+1-i}(B), the smallest pairing); equality needs shared singular vectors
    k = c.constant("1 in abs tr(A'B) <= sum sigma_i(A) sigma_i(B)", 1.0, stronger="smaller")
    reverse = c.alternative("sigma_i(A) sigma_(m+1-i)(B) (reversed pairing)", False, True)
    draws = pick(scale, test=40, book=200, full=1000)
    lhs, rhs, nuc_l, nuc_r = [], [], [], []
    for t in range(draws):
        n, m = randint(g, 2, 20), randint(g, 2, 20)
        A = randn(g, n, m)
        if t % 2:  # a random B
            B = randn(g, n, m) * torch.exp(randn(g, 1, m))
        else:  # B = U diag(t) V' with A's singular vectors: equality
            U, sa, Vh = torch.linalg.svd(A, full_matrices=False)
            tb = torch.sort(torch.exp(randn(g, sa.numel())), descending=True).values
            B = U * tb @ Vh
        sa, sb = torch.linalg.svdvals(A), torch.linalg.svdvals(B)
        if reverse:
            sb = sb.flip(0)
        lhs.append(torch.trace(A.T @ B).abs())
        rhs.append(k * (sa * sb).sum())
        # the corollary used in proofs (Hoelder): |tr(PM)| <= ||P||_2 ||M||_*, equality for P = I, M PSD
        M = randn(g, n, n)
        M = M @ M.T if t % 2 == 0 else M
        P = torch.eye(n, device=device, dtype=DT) if t % 2 == 0 else randn(g, n, n)
        nuc_l.append(torch.trace(P @ M).abs())
        nuc_r.append(k * torch.linalg.matrix_norm(P, ord=2) * torch.linalg.matrix_norm(M, ord="nuc"))
    c.leq("abs tr(A'B) <= sum sigma_i(A) sigma_i(B) (equality: shared singular vectors)", torch.stack(lhs),
          torch.stack(rhs), slack=1e-10, draws=draws, tight=True)
    c.leq("abs tr(PM) <= ‖P‖₂ ‖M‖_* (equality: P = I, M PSD)", torch.stack(nuc_l), torch.stack(nuc_r), slack=1e-10,
          draws=draws, tight=True)
    return c


@check("prop-column-projector", title="UU' = X X^+ is the orthogonal projector onto col(X)",
       kind="proposition", status="standard", source="Moore-Penrose pseudo-inverse (Penrose 1955)")
def _prop_column_projector(scale, seed, device):
    c = Comparisons()
    g = generator(seed, device)
    # false variant: the Gram matrix X X' (no inverse) in place of the projector X X^+
    use_gram = c.alternative("X X' in place of X X^+", False, True)
    draws = pick(scale, test=20, book=100, full=400)
    e_pinv, e_normal, e_idem, e_sym, e_tr, e_fix, e_ls = [], [], [], [], [], [], []
    for _ in range(draws):
        n, d = randint(g, 4, 50), randint(g, 2, 20)
        r = randint(g, 1, min(n, d) - 1)
        X = randn(g, n, r) @ randn(g, r, d)  # rank r < d
        U, s, _ = torch.linalg.svd(X, full_matrices=False)
        Ur = U[:, : int((s > 1e-10 * s[0]).sum())]
        P = Ur @ Ur.T
        if use_gram:
            P = X @ X.T
        e_pinv.append((P - X @ torch.linalg.pinv(X)).abs().max())
        e_idem.append((P @ P - P).abs().max())
        e_sym.append((P - P.T).abs().max())
        e_tr.append((torch.trace(P) - r).abs())
        e_fix.append((P @ X - X).abs().max() / X.abs().max())
        # full column rank: the normal-equations formula, and least squares
        F = randn(g, n, min(d, n - 1))
        Uf = torch.linalg.svd(F, full_matrices=False)[0]
        Pf = F @ torch.linalg.solve(F.T @ F, F.T)
        e_normal.append((Uf @ Uf.T - Pf).abs().max())
        y = randn(g, n)
        beta = torch.linalg.lstsq(F, y.unsqueeze(1)).solution.squeeze(1)
        res_ls = torch.linalg.vector_norm(y - F @ beta) ** 2
        res_p = torch.linalg.vector_norm(y - Uf @ (Uf.T @ y)) ** 2
        e_ls.append((res_ls - res_p).abs() / res_p.clamp_min(1.0))
    z = np.zeros(draws)
    c.close("U_r U_r' vs X X^+ (rank-deficient X)", torch.stack(e_pinv), z, tol=1e-9, draws=draws)
    c.close("PP - P = 0", torch.stack(e_idem), z, tol=1e-10, draws=draws)
    c.close("P' - P = 0", torch.stack(e_sym), z, tol=1e-12, draws=draws)
    c.close("tr P = rank X", torch.stack(e_tr), z, tol=1e-10, draws=draws)
    c.close("PX = X", torch.stack(e_fix), z, tol=1e-10, draws=draws)
    c.close("UU' vs X(X'X)^(-1)X' (full column rank)", torch.stack(e_normal), z, tol=1e-9, draws=draws)
    c.close("min_b ‖y - Xb‖^2 vs ‖y - Py‖^2", torch.stack(e_ls), z, tol=1e-10, draws=draws)
    return c


# --------------------------------------------------------------------------------------------
# Section 5: RKHS in brief
# --------------------------------------------------------------------------------------------
@check("prop-reproducing-property", title="Reproducing property for (x'z + 1)^2 with explicit features",
       kind="proposition", status="standard", source="Aronszajn 1950; Scholkopf and Smola 2002, ch. 2")
def _prop_reproducing_property(scale, seed, device):
    c = Comparisons()
    g = generator(seed, device)
    # false variants: the sqrt(2) of the cross terms (the feature map must reproduce the kernel),
    # and the Cauchy-Schwarz bound 1 % stronger (attained at z = x_1 by f = k(x_1, .))
    root2 = c.constant("sqrt(2) of the cross terms of phi", math.sqrt(2.0))
    cs = c.constant("1 in |f(z)| <= ‖f‖ sqrt(k(z,z))", 1.0, stronger="smaller")
    draws = pick(scale, test=20, book=100, full=500)
    e_k, e_eval, e_norm, lhs_cs, rhs_cs = [], [], [], [], []
    for t in range(draws):
        n, p, m = randint(g, 2, 30), randint(g, 2, 8), 20
        X = randn(g, n, p)
        Z = randn(g, m, p)
        a = randn(g, n)
        if t % 2 == 0:  # f = k(x_1, .) evaluated at z = x_1: Cauchy-Schwarz holds with equality
            a = torch.zeros(n, device=device, dtype=DT)
            a[0] = 1.0
            Z[0] = X[0]
        Phi, PhiZ = poly2_features(X, root2=root2), poly2_features(Z, root2=root2)
        K = _poly2_kernel(X, X)
        e_k.append((K - Phi @ Phi.T).abs().max() / K.abs().max())
        f_kernel = _poly2_kernel(Z, X) @ a  # f(z) = sum_i a_i k(x_i, z)
        w = Phi.T @ a  # f = <w, phi(.)>
        f_feature = PhiZ @ w
        e_eval.append((f_kernel - f_feature).abs().max() / f_kernel.abs().max().clamp_min(1.0))
        norm_kernel = a @ K @ a  # ||f||_H^2 = a'Ka
        e_norm.append((norm_kernel - w @ w).abs() / norm_kernel.clamp_min(1.0))
        # |f(z)| = |<f, k_z>_H| <= ||f||_H sqrt(k(z, z))  (Cauchy-Schwarz in H)
        lhs_cs.append(f_kernel.abs())
        rhs_cs.append(torch.sqrt(norm_kernel.clamp_min(0)) * torch.sqrt(_poly2_kernel(Z, Z).diagonal()))
    z = np.zeros(draws)
    c.close("k(x,z) vs <phi(x), phi(z)> (relative)", torch.stack(e_k), z, tol=1e-12, draws=draws)
    c.close("f(z) = sum a_i k(x_i,z) vs <w, phi(z)>", torch.stack(e_eval), z, tol=1e-12, draws=draws)
    c.close("‖f‖²_H: a'Ka vs ‖w‖^2", torch.stack(e_norm), z, tol=1e-12, draws=draws)
    c.leq("abs f(z) <= RKHS norm of f * sqrt(k(z,z)) (equality at f = k(x_1, .), z = x_1)", torch.cat(lhs_cs),
          cs * torch.cat(rhs_cs) * (1 + 1e-12), slack=1e-12, draws=draws, tight=True)
    return c


def _brownian_eigen(k: np.ndarray, half: float = 0.5):
    """Mercer pairs of min(x, y) on [0, 1] with Lebesgue measure: lambda_k = 1/((k - 1/2) pi)^2,
    phi_k(x) = sqrt(2) sin((k - 1/2) pi x) (``half`` is the 1/2)."""
    w = (k - half) * math.pi
    return 1.0 / w**2, w


@check("thm-mercer", title="Mercer's theorem for the Brownian kernel min(x, y) on [0, 1]", kind="theorem",
       status="standard", source="Mercer 1909; Steinwart and Scovel 2012")
def _thm_mercer(scale, seed, device):
    c = Comparisons()
    r = rng(seed)
    # the eigenpairs rest on the 1/2 in (k - 1/2) pi: 0.45 or 0.505 must break every row
    half = c.constant("1/2 in (k - 1/2) pi", 0.5)
    m = pick(scale, test=40, book=200, full=1000)               # number of Mercer terms kept
    kk = np.arange(1, m + 1, dtype=np.float64)
    lam, w = _brownian_eigen(kk, half)
    # (1) the eigen-equation int_0^1 min(x, y) phi_k(y) dy = lambda_k phi_k(x), by Gauss-Legendre on
    #     [0, x] and [x, 1] (the kernel has a kink at y = x), at random x, for the first 12 k
    gx, gw = np.polynomial.legendre.leggauss(80)
    xs = r.uniform(0.0, 1.0, 8)
    err = []
    for x in xs:
        y1, w1 = 0.5 * x * (gx + 1.0), 0.5 * x * gw
        y2, w2 = x + 0.5 * (1.0 - x) * (gx + 1.0), 0.5 * (1.0 - x) * gw
        for j in range(12):
            phi = lambda y: math.sqrt(2.0) * np.sin(w[j] * y)  # noqa: E731
            integral = float(w1 @ (y1 * phi(y1)) + w2 @ (x * phi(y2)))
            err.append(integral - lam[j] * float(phi(np.array(x))))
    c.close("int min(x,y) phi_k(y) dy = lambda_k phi_k(x) (quadrature, 8 x, k <= 12)", np.array(err),
            np.zeros(len(err)), tol=1e-12, draws=len(err))
    # (2) orthonormality in L^2[0, 1] (Gauss-Legendre on 400 nodes is exact to rounding here)
    qx, qw = np.polynomial.legendre.leggauss(400)
    qx, qw = 0.5 * (qx + 1.0), 0.5 * qw
    Phi = math.sqrt(2.0) * np.sin(np.outer(qx, w[:12]))
    c.close("inner products of phi_k, phi_l in L2 = delta_kl (k, l <= 12)", (Phi * qw[:, None]).T @ Phi, np.eye(12), tol=1e-12)
    # (3) trace: sum_k lambda_k = int k(x, x) dx = 1/2, and the uniform error of the m-term sum is at
    #     most its tail 2 sum_{k>m} lambda_k = 1 - 2 sum_{k<=m} lambda_k, attained at x = y = 1
    tail = 1.0 - 2.0 * lam.sum()
    X = np.concatenate([[1.0], r.uniform(0.0, 1.0, 200)])
    Y = np.concatenate([[1.0], r.uniform(0.0, 1.0, 200)])
    Km = 2.0 * (np.sin(np.outer(X, w)) * lam) @ np.sin(np.outer(Y, w)).T
    gap = np.abs(np.minimum.outer(X, Y) - Km)
    c.leq(f"sup abs(min(x,y) - sum_(k<={m}) lambda_k phi_k(x) phi_k(y)) <= 2 sum_(k>{m}) lambda_k (equality at 1, 1)",
          gap.max(), tail, slack=1e-13, draws=gap.size, tight=True)
    # (4) the empirical operator of the grid x_i = i/N has the closed-form spectrum
    #     1 / (4 N^2 sin^2((2k - 1) pi / (4N + 2))) -> lambda_k (a Nystrom check of the eigenvalues)
    N = pick(scale, test=200, book=800, full=2000)
    grid = np.arange(1, N + 1) / N
    ev = np.linalg.eigvalsh(np.minimum.outer(grid, grid) / N)[::-1][:10]
    closed = 1.0 / (4.0 * N**2 * np.sin((2.0 * kk[:10] - 2.0 * half) * math.pi / (4.0 * N + 2.0)) ** 2)
    c.close(f"eig(K/N) on the grid i/N (N = {N}) vs closed form", ev, closed, tol=1e-10, draws=10)
    # lambda_k(N)/lambda_k = (theta/sin theta)^2 (1 + 1/(2N))^2 with theta = (2k-1) pi/(4N+2) -> 0, so the grid
    # overestimates every lambda_k by at least (1 + 1/(2N))^2 - 1 ~ 1/N, and by about that much for small k
    c.geq("(lambda_k(K/N) - lambda_k)/lambda_k >= (1 + 1/(2N))^2 - 1 (k <= 10; near equality for k = 1)",
          (ev - lam[:10]) / lam[:10], (1.0 + 0.5 / N) ** 2 - 1.0, draws=10, tight=True)
    return c


@check("prop-empirical-operator",
       title="Spectrum of K/n = spectrum of the empirical feature covariance; Weyl bound to the population",
       kind="proposition", status="standard", source="Weyl 1912; Rosasco, Belkin and De Vito 2010")
def _prop_empirical_operator(scale, seed, device):
    c = Comparisons()
    g = generator(seed, device)
    # false variants: K/(n-1) against Phi'Phi/n (the normalisations must match), and Weyl's bound
    # 1 % stronger (attained by a perturbation along the top eigenvector)
    denom = c.alternative("K/(n-1) in place of K/n", 0, -1)
    weyl_k = c.constant("1 in Weyl's bound", 1.0, stronger="smaller")
    draws = pick(scale, test=10, book=50, full=200)
    e_spec = []
    for _ in range(draws):
        n, p = randint(g, 5, 60), randint(g, 1, 5)
        X = randn(g, n, p)
        Phi = poly2_features(X)
        D = Phi.shape[1]
        ev_n = torch.linalg.eigvalsh(_poly2_kernel(X, X) / (n + denom)).flip(0)
        ev_d = torch.linalg.eigvalsh(Phi.T @ Phi / n).flip(0)
        m = min(n, D)
        e_spec.append((ev_n[:m] - ev_d[:m]).abs().max() / ev_n[0])
    c.close("eig(K/n) vs eig(Phi'Phi/n), poly kernel (relative)", torch.stack(e_spec), np.zeros(draws),
            tol=1e-10, draws=draws)
    # population: x ~ N(0, C) with the linear kernel; L_k has eigenvalues eig(C)
    d = 5
    lam = torch.tensor([3.0, 2.0, 1.0, 0.5, 0.25], device=device, dtype=DT)
    sizes = pick(scale, test=[50, 200, 800], book=[50, 200, 800, 3200], full=[50, 200, 800, 3200, 12800])
    reps = pick(scale, test=40, book=60, full=200)
    err_eig, weyl, mean_err = [], [], []
    for n in sizes:
        errs = []
        for _ in range(reps):
            X = randn(g, n, d) * torch.sqrt(lam)
            emp = torch.linalg.eigvalsh(X.T @ X / n).flip(0)  # = top d eigenvalues of K/n
            op = torch.linalg.matrix_norm(X.T @ X / n - torch.diag(lam), ord=2)
            e = (emp - lam).abs().max()
            err_eig.append(e)
            weyl.append(op)
            errs.append(float(e))
        mean_err.append(float(np.mean(errs)))
    # equality in Weyl's inequality: Sigma_hat = C + t u u' with u the top eigenvector and t > 0
    for t in (0.1, 1.0, 5.0):
        u = torch.zeros(d, device=device, dtype=DT)
        u[0] = 1.0
        E = t * torch.outer(u, u)
        emp = torch.linalg.eigvalsh(torch.diag(lam) + E).flip(0)
        err_eig.append((emp - lam).abs().max())
        weyl.append(torch.linalg.matrix_norm(E, ord=2))
    c.leq("max_j abs(lambda_j(K/n) - lambda_j(L_k)) <= ‖Sigma_hat - C‖₂ (Weyl; equality along u_1)",
          torch.stack(err_eig), weyl_k * torch.stack(weyl), slack=1e-12, draws=len(err_eig), tight=True)
    slope = float(np.polyfit(np.log(sizes), np.log(mean_err), 1)[0])
    c.true("log-log slope of mean eigenvalue error in [-0.65, -0.35]", -0.65 <= slope <= -0.35, value=slope,
           draws=len(sizes) * reps)
    c.attach(SpectrumConvergence(sizes=list(sizes), mean_error=mean_err, population=lam.cpu().numpy(), slope=slope))
    return c
