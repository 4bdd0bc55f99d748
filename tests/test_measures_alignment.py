"""Procrustes, CCA / SVCCA / kernel CCA, RSA and mutual k-NN against closed forms and SciPy."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import scipy.spatial
import scipy.stats
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import alignbook as ab


pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


SETTINGS = settings(max_examples=20, deadline=None, derandomize=True)
SEEDS = st.integers(0, 2**31)


def pair(seed, n, d1, d2, noise=0.5):
    r = np.random.default_rng(seed)
    X = r.standard_normal((n, d1))
    Y = np.tanh(X @ r.standard_normal((d1, d2)) / np.sqrt(d1)) + noise * r.standard_normal((n, d2))
    return X, Y


def orth(r, d):
    Q, R = np.linalg.qr(r.standard_normal((d, d)))
    return Q * np.sign(np.diag(R))


def nuc(M):
    return np.linalg.svd(M, compute_uv=False).sum()


def unit(X):
    Xc = X - X.mean(0)
    return Xc / np.linalg.norm(Xc)


# ---------------------------------------------------------------- Procrustes
@SETTINGS
@given(SEEDS, st.integers(3, 30), st.integers(1, 6), st.integers(1, 6))
def test_procrustes_distance_closed_forms(seed, n, d1, d2):
    X, Y = pair(seed, n, d1, d2)
    nu = nuc(unit(X).T @ unit(Y))
    assert abs(ab.procrustes_distance(X, Y) - np.arccos(nu)) <= 1e-7  # arccos is ill-conditioned near nu = 1
    assert abs(ab.procrustes_distance(X, Y, metric="euclidean") - np.sqrt(2 - 2 * nu)) <= 1e-7
    assert abs(ab.procrustes_distance(X, Y, metric="disparity") - (1 - nu**2)) <= 1e-12
    assert ab.procrustes_distance(X, Y) == pytest.approx(ab.procrustes_distance(Y, X), abs=1e-12)


@SETTINGS
@given(SEEDS, st.integers(6, 30), st.integers(1, 5), st.integers(1, 5))
def test_procrustes_fit_is_the_closed_form_optimum(seed, n, d1, d2):
    """Residual^2 of the narrower-into-wider fit = ||X||^2 + ||Y||^2 - 2||X^T Y||_*, and no random
    admissible map does better."""
    X, Y = pair(seed, n, d1, d2)
    p = ab.Procrustes().fit(X, Y)
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    W = p.W_
    d = max(d1, d2)
    Xp = np.hstack([Xc, np.zeros((n, d - d1))])  # zero-pad the narrower input
    Yp = np.hstack([Yc, np.zeros((n, d - d2))])
    opt = (Xc**2).sum() + (Yc**2).sum() - 2 * nuc(Xc.T @ Yc)
    Wp = np.zeros((d, d))
    Wp[:d1, :d2] = W
    if d1 <= d2:
        assert np.allclose(W @ W.T, np.eye(d1), atol=1e-12)
        assert abs(p.residual(X, Y) ** 2 - opt) <= 1e-9 * max(1, opt)
    else:
        assert np.allclose(W.T @ W, np.eye(d2), atol=1e-12)
    # the padded problem: W completes to a square orthogonal map attaining the optimum
    U, _, Vt = np.linalg.svd(Xp.T @ Yp)
    assert abs(np.linalg.norm(Xp @ (U @ Vt) - Yp) ** 2 - opt) <= 1e-9 * max(1, opt)
    r = np.random.default_rng(seed)
    for _ in range(20):
        assert np.linalg.norm(Xp @ orth(r, d) - Yp) ** 2 >= opt - 1e-9 * max(1, opt)
    assert abs(p.score(X, Y) - nuc(unit(X).T @ unit(Y))) <= 1e-12


def test_procrustes_matches_scipy_and_recovers_a_planted_map():
    r = np.random.default_rng(1)
    X = r.standard_normal((40, 5))
    Q = orth(r, 5)
    Y = 2.5 * X @ Q + 3.0
    R, _ = scipy.linalg.orthogonal_procrustes(X - X.mean(0), Y - Y.mean(0))
    p = ab.Procrustes(scaling=True).fit(X, Y)
    assert np.allclose(p.W_, R, atol=1e-12) and np.allclose(p.W_, Q, atol=1e-12)
    assert abs(p.scaling_ - 2.5) < 1e-12
    assert np.allclose(p.transform(X), Y, atol=1e-12)
    assert ab.procrustes_distance(X, Y) < 1e-7 and ab.procrustes_distance(X, Y, metric="euclidean") < 1e-12
    Z = r.standard_normal((40, 5))
    assert abs(ab.procrustes_distance(X, Z, metric="disparity") - scipy.spatial.procrustes(X, Z)[2]) < 1e-12


def test_procrustes_unequal_widths_embed_isometrically():
    r = np.random.default_rng(2)
    X = r.standard_normal((30, 3))
    E = orth(r, 5)[:3]  # 3 x 5, orthonormal rows
    Y = X @ E
    p = ab.Procrustes().fit(X, Y)
    assert np.allclose(p.W_, E, atol=1e-12) and np.allclose(p.transform(X), Y, atol=1e-12)
    assert ab.procrustes_distance(X, Y, metric="euclidean") < 1e-12
    # d1 > d2 equals the zero-padding definition (square orthogonal map on padded Y)
    Z = r.standard_normal((30, 2))
    pad = np.hstack([unit(Z), np.zeros((30, 1))])
    R, _ = scipy.linalg.orthogonal_procrustes(unit(X), pad)
    assert abs(ab.procrustes_distance(X, Z, metric="euclidean") - np.linalg.norm(unit(X) @ R - pad)) < 1e-12


def test_procrustes_object_errors_and_torch():
    with pytest.raises(RuntimeError, match="not fitted"):
        ab.Procrustes().transform(np.ones((3, 2)))
    X, Y = pair(0, 10, 3, 2)
    p = ab.Procrustes().fit(torch.tensor(X), torch.tensor(Y))
    with pytest.raises(ValueError, match="fitted with 3"):
        p.transform(torch.ones(4, 2, dtype=torch.float64))
    assert isinstance(p.transform(torch.tensor(X)), torch.Tensor)


# ---------------------------------------------------------------- CCA family
@SETTINGS
@given(SEEDS, st.integers(12, 40), st.integers(1, 5), st.integers(1, 5))
def test_cca_matches_the_eigenvalue_route(seed, n, d1, d2):
    X, Y = pair(seed, n, d1, d2)
    res = ab.cca(X, Y)
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    Sxx, Syy, Sxy = Xc.T @ Xc, Yc.T @ Yc, Xc.T @ Yc
    ev = np.sort(np.linalg.eigvals(np.linalg.solve(Sxx, Sxy) @ np.linalg.solve(Syy, Sxy.T)).real)[::-1]
    k = min(d1, d2)
    assert np.allclose(res.rho, np.sqrt(np.clip(ev[:k], 0, None)), atol=1e-8)
    # scores: unit variance, paired correlations rho, uncorrelated within a set
    Cx = res.x_scores.T @ res.x_scores / (n - 1)
    assert np.allclose(Cx, np.eye(k), atol=1e-10)
    assert np.allclose(np.diag(res.x_scores.T @ res.y_scores) / (n - 1), res.rho, atol=1e-10)
    assert np.allclose(Xc @ res.x_weights, res.x_scores, atol=1e-10)


def test_cca_with_width_at_least_n_gives_all_ones():
    """Kornblith et al. Thm 1: every invertible-linear-invariant index is saturated when p >= n."""
    r = np.random.default_rng(0)
    for n, d1, d2 in ((20, 25, 30), (15, 14, 40)):
        rho = ab.cca(r.standard_normal((n, d1)), r.standard_normal((n, d2))).rho
        assert rho.shape == (n - 1,) and np.allclose(rho, 1.0, atol=1e-10)
        assert abs(ab.cca_similarity(r.standard_normal((n, d1)), r.standard_normal((n, d2)), "mean_squared") - 1) < 1e-10


def test_ridge_cca_shrinks_and_svcca_reduces_to_cca():
    X, Y = pair(3, 50, 4, 3)
    r0 = ab.cca(X, Y).rho
    r1 = ab.cca(X, Y, reg=0.1).rho
    assert np.all(r1 <= r0 + 1e-12) and np.any(r1 < r0 - 1e-4)
    assert np.allclose(ab.cca(X, Y, reg=1e-12).rho, r0, atol=1e-9)
    assert abs(ab.svcca(X, Y, keep=1.0) - r0.mean()) < 1e-12
    assert abs(ab.svcca(X, Y, keep=4) - r0.mean()) < 1e-12
    assert abs(ab.cca_similarity(X, Y) - r0.mean()) < 1e-12 and ab.cca(X, Y, k=2).rho.shape == (2,)


def _kcca_ref(K, L, kappa):
    """Independent route: sv of R_x^{+1/2} (K_c L_c / n) R_y^{+1/2}, R = K_c^2/n + kappa K_c."""
    n = len(K)
    Hn = np.eye(n) - 1 / n
    Kc, Lc = Hn @ K @ Hn, Hn @ L @ Hn
    Rx, Ry = Kc @ Kc / n + kappa * Kc, Lc @ Lc / n + kappa * Lc
    Px = scipy.linalg.sqrtm(np.linalg.pinv(Rx, hermitian=True)).real
    Py = scipy.linalg.sqrtm(np.linalg.pinv(Ry, hermitian=True)).real
    return np.linalg.svd(Px @ (Kc @ Lc / n) @ Py, compute_uv=False)


@pytest.mark.parametrize("kappa", [0.02, 0.5])
def test_kernel_cca_matches_the_generalised_eigenproblem(kappa):
    X, Y = pair(5, 25, 2, 2)
    K, L = ab.gram(X, "rbf"), ab.gram(Y, "rbf")
    want = _kcca_ref(K, L, kappa)
    got = ab.kernel_cca(X, Y, reg=kappa, return_all=True)
    assert abs(got[0] - want[0]) < 1e-7
    assert abs(ab.kernel_cca(K, L, kernel="precomputed", reg=kappa) - want[0]) < 1e-7


def test_kernel_cca_linear_unregularised_is_linear_cca_and_reg_shrinks():
    X, Y = pair(6, 40, 3, 2)
    assert np.allclose(ab.kernel_cca(X, Y, kernel="linear", reg=0.0, return_all=True)[:2], ab.cca(X, Y).rho, atol=1e-10)
    vals = [ab.kernel_cca(X, Y, reg=k) for k in (0.001, 0.01, 0.1, 1.0)]
    assert all(a >= b for a, b in zip(vals, vals[1:])) and 0 <= vals[-1] and vals[0] <= 1 + 1e-12


# ---------------------------------------------------------------- RSA
@SETTINGS
@given(SEEDS, st.integers(3, 25), st.sampled_from(["euclidean", "sqeuclidean", "correlation", "cosine"]),
       st.sampled_from(["pearson", "spearman"]))
def test_rsa_matches_scipy(seed, n, rdm, compare):
    X, Y = pair(seed, n, 4, 3)
    a, b = scipy.spatial.distance.pdist(X, rdm), scipy.spatial.distance.pdist(Y, rdm)
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return
    want = (scipy.stats.pearsonr if compare == "pearson" else scipy.stats.spearmanr)(a, b)[0]
    assert abs(ab.rsa(X, Y, rdm=rdm, compare=compare) - want) <= 1e-9
    assert np.allclose(ab.rdm(X, rdm), a, atol=1e-10)


def test_spearman_handles_ties_like_scipy():
    X = np.array([[0.0], [1.0], [2.0], [3.0], [5.0]])
    Y = np.array([[0.0], [2.0], [1.0], [3.0], [4.0]])
    a, b = scipy.spatial.distance.pdist(X), scipy.spatial.distance.pdist(Y)
    assert len(set(a)) < len(a)  # ties present
    assert abs(ab.rsa(X, Y, compare="spearman") - scipy.stats.spearmanr(a, b)[0]) < 1e-12


# ---------------------------------------------------------------- mutual kNN
def _mknn_ref(X, Y, k, metric):
    def nn(Z):
        if metric == "cosine":
            Z = Z / np.linalg.norm(Z, axis=1, keepdims=True)
            S = Z @ Z.T
        else:
            S = -((Z[:, None] - Z[None]) ** 2).sum(-1)
        np.fill_diagonal(S, -np.inf)
        return [set(np.argsort(-S[i], kind="stable")[:k]) for i in range(len(Z))]
    a, b = nn(X), nn(Y)
    return np.mean([len(a[i] & b[i]) / k for i in range(len(X))])


@SETTINGS
@given(SEEDS, st.integers(5, 40), st.sampled_from(["cosine", "euclidean"]), st.integers(1, 4))
def test_mutual_knn_matches_brute_force(seed, n, metric, k):
    X, Y = pair(seed, n, 4, 3)
    assert ab.mutual_knn(X, Y, k=k, metric=metric, block=7) == pytest.approx(_mknn_ref(X, Y, k, metric), abs=1e-15)


def test_mutual_knn_extremes():
    X, Y = pair(0, 20, 3, 3)
    assert ab.mutual_knn(X, 3 * X) == 1.0 and ab.mutual_knn(X, Y, k=19) == 1.0
    idx = ab.knn_indices(X, k=2)
    assert idx.shape == (20, 2) and not np.any(idx == np.arange(20)[:, None])
