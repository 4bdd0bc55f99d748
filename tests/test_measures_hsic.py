"""HSIC / CKA / KA / dCor / distance alignment: known values, closed forms, identities, routes."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import alignbook as ab
from alignbook.core.hsic import u_center as _u_center


pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


SETTINGS = settings(max_examples=25, deadline=None, derandomize=True)


def pair(seed, n, d1, d2, noise=0.5):
    r = np.random.default_rng(seed)
    X = r.standard_normal((n, d1))
    Y = np.tanh(X @ r.standard_normal((d1, d2)) / np.sqrt(d1)) + noise * r.standard_normal((n, d2))
    return X, Y


# ---------------------------------------------------------------- independent references (NumPy)
def H(n):
    return np.eye(n) - np.ones((n, n)) / n


def hsic_b_ref(K, L):
    n = len(K)
    return np.trace(K @ H(n) @ L @ H(n)) / (n - 1) ** 2


def hsic_u_ref(K, L):
    """Song et al. (2012) written literally with zero-diagonal matrices and explicit products."""
    n = len(K)
    Kt, Lt = K - np.diag(np.diag(K)), L - np.diag(np.diag(L))
    one = np.ones(n)
    return (np.trace(Kt @ Lt) + (one @ Kt @ one) * (one @ Lt @ one) / ((n - 1) * (n - 2))
            - 2 / (n - 2) * one @ Kt @ Lt @ one) / (n * (n - 3))


def dcor_ref(X, Y):
    """Székely, Rizzo & Bakirov (2007) from double-centred distance matrices (explicit loops of means)."""
    def dc(Z):
        D = np.sqrt(((Z[:, None, :] - Z[None, :, :]) ** 2).sum(-1))
        return D - D.mean(0)[None, :] - D.mean(1)[:, None] + D.mean()
    A, B = dc(X), dc(Y)
    v = (A * B).mean()
    return np.sqrt(v / np.sqrt((A * A).mean() * (B * B).mean()))


# ---------------------------------------------------------------- known values
def test_kornblith_colab_known_values():
    """The three published values of the Kornblith et al. colab (np.random.seed(1337))."""
    np.random.seed(1337)
    X = np.random.randn(100, 10)
    Y = X + np.random.randn(100, 10)
    assert round(ab.cka(X, Y), 5) == 0.55761
    assert round(ab.cka(X, Y, kernel="rbf", bandwidth=0.5), 5) == 0.65483
    assert round(ab.cka(X, Y, estimator="unbiased"), 5) == 0.51346
    # the other median convention is a different number (so the convention is really applied)
    assert abs(ab.cka(X, Y, kernel="rbf", bandwidth=0.5, median="offdiag") - 0.65483) > 1e-4


# ---------------------------------------------------------------- routes and closed forms
@SETTINGS
@given(st.integers(0, 2**31), st.integers(4, 40), st.integers(1, 12), st.integers(1, 12),
       st.sampled_from(["biased", "unbiased"]))
def test_feature_and_sample_routes_agree(seed, n, d1, d2, estimator):
    X, Y = pair(seed, n, d1, d2)
    X = X * 10.0 ** np.random.default_rng(seed).integers(-3, 4) + 5.0  # scale and offset
    f = ab.hsic(X, Y, estimator=estimator, route="features")
    s = ab.hsic(X, Y, estimator=estimator, route="samples")
    assert abs(f - s) <= 1e-10 * max(abs(s), np.sqrt(ab.hsic(X, X) * ab.hsic(Y, Y)))
    if np.ptp(X, axis=0).max() > 0 and np.ptp(Y, axis=0).max() > 0:
        try:
            cf = ab.cka(X, Y, estimator=estimator, route="features")
        except ValueError:  # unbiased self-HSIC <= 0 can happen at tiny n: both routes must agree
            with pytest.raises(ValueError):
                ab.cka(X, Y, estimator=estimator, route="samples")
            return
        assert abs(cf - ab.cka(X, Y, estimator=estimator, route="samples")) <= 1e-10


@SETTINGS
@given(st.integers(0, 2**31), st.integers(4, 25), st.sampled_from(["linear", "rbf", "distance"]))
def test_hsic_matches_literal_formulas(seed, n, kernel):
    X, Y = pair(seed, n, 3, 2)
    K, L = ab.gram(X, kernel), ab.gram(Y, kernel)
    for est, ref in (("biased", hsic_b_ref), ("unbiased", hsic_u_ref)):
        got = ab.hsic(X, Y, kernel=kernel, estimator=est)
        want = ref(K, L)
        assert abs(got - want) <= 1e-10 * max(1.0, abs(want))
        assert abs(ab.hsic(K, L, kernel="precomputed", estimator=est) - want) <= 1e-10 * max(1.0, abs(want))
    # Song's estimator = inner product of U-centred Grams / (n(n-3)) (Székely & Rizzo), a second route
    Ku, Lu = _u_center(torch.tensor(K)), _u_center(torch.tensor(L))
    assert abs(float((Ku * Lu).sum()) / (n * (n - 3)) - ab.hsic(X, Y, kernel=kernel, estimator="unbiased")) \
        <= 1e-10 * max(1.0, abs(hsic_u_ref(K, L)))


def test_centre_gram_both_conventions():
    X, _ = pair(3, 9, 3, 2)
    K = ab.gram(X, "rbf")
    assert np.allclose(ab.center_gram(K), H(9) @ K @ H(9), atol=1e-13)
    U = ab.center_gram(K, unbiased=True)
    assert np.allclose(np.diag(U), 0) and np.allclose(U.sum(0), 0, atol=1e-12)  # U-centred: zero row sums


@SETTINGS
@given(st.integers(0, 2**31), st.integers(3, 20))
def test_biased_hsic_is_mmd_between_joint_and_product(seed, n):
    """MMD^2_V(joint, product of marginals) under the product kernel = tr(KHLH)/n^2."""
    X, Y = pair(seed, n, 2, 3)
    K, L = ab.gram(X, "rbf"), ab.gram(Y, "rbf")
    joint = (K * L).sum() / n**2
    prod = K.sum() * L.sum() / n**4
    cross = (K @ L).sum() / n**3  # sum_{ijk} K_ij L_ik
    mmd2 = joint + prod - 2 * cross
    assert abs(ab.hsic(X, Y, kernel="rbf") * (n - 1) ** 2 / n**2 - mmd2) <= 1e-12


@SETTINGS
@given(st.integers(0, 2**31), st.integers(4, 30))
def test_dcor_squared_is_distance_cka_and_matches_szekely(seed, n):
    X, Y = pair(seed, n, 3, 2)
    d = ab.distance_correlation(X, Y)
    assert abs(d - dcor_ref(X, Y)) <= 1e-10
    assert abs(d**2 - ab.cka(X, Y, kernel="distance")) <= 1e-12
    assert abs(ab.distance_correlation(X, Y, squared=True) - d**2) <= 1e-12
    # unbiased dCor^2 = unbiased distance CKA (U-centring kills the additive terms of the kernel)
    Dx, Dy = ab.pairwise_distances(torch.tensor(X)), ab.pairwise_distances(torch.tensor(Y))
    A, B = _u_center(Dx), _u_center(Dy)
    ref = float((A * B).sum() / torch.sqrt((A * A).sum() * (B * B).sum()))
    assert abs(ab.distance_correlation(X, Y, "unbiased", squared=True) - ref) <= 1e-10


def test_dcor_of_independent_samples_is_small_and_of_a_function_is_large():
    r = np.random.default_rng(0)
    X = r.standard_normal((400, 2))
    assert ab.distance_correlation(X, r.standard_normal((400, 2))) < 0.2
    assert ab.distance_correlation(X, X**2) > 0.3  # uncorrelated but dependent: dCor sees it
    assert abs(ab.cka(X, X**2)) < 0.1


def test_unbiased_hsic_is_unbiased_and_biased_is_not():
    """Monte-Carlo mean of HSIC_u within 3 SE of ||Cov(X, Y)||_F^2; the V-statistic is far off."""
    r = np.random.default_rng(7)
    d1, d2, n, reps = 3, 2, 10, 1500
    A = r.standard_normal((d1, d2)) * 0.5
    pop = (A * A).sum()  # X ~ N(0, I), Y = XA + E  =>  Cov(X, Y) = A
    X = torch.tensor(r.standard_normal((reps, n, d1)))
    Y = X @ torch.tensor(A) + torch.tensor(r.standard_normal((reps, n, d2)))
    u = np.array([ab.hsic(X[i].numpy(), Y[i].numpy(), estimator="unbiased") for i in range(reps)])
    b = np.array([ab.hsic(X[i].numpy(), Y[i].numpy()) for i in range(reps)])
    se = u.std(ddof=1) / np.sqrt(reps)
    assert abs(u.mean() - pop) < 3 * se
    assert abs(b.mean() - pop) > 10 * b.std(ddof=1) / np.sqrt(reps)


# ---------------------------------------------------------------- normalisation properties
@SETTINGS
@given(st.integers(0, 2**31), st.integers(4, 30), st.integers(1, 8),
       st.sampled_from(["linear", "rbf", "distance"]), st.sampled_from(["biased", "unbiased"]))
def test_self_similarity_is_exactly_one(seed, n, d, kernel, estimator):
    X, _ = pair(seed, n, d, 1)
    try:
        v = ab.cka(X, X.copy(), kernel=kernel, estimator=estimator)
    except ValueError as err:  # only the documented unbiased failure is allowed
        assert estimator == "unbiased" and "<= 0" in str(err)
        return
    assert v == 1.0
    assert ab.kernel_alignment(X, X.copy(), kernel=kernel) == 1.0


@pytest.mark.parametrize("c", [1e-6, 1e-3, 1e3, 1e6])
def test_cka_is_exactly_scale_invariant_no_epsilon(c):
    X, Y = pair(1, 50, 8, 6)
    for est in ("biased", "unbiased"):
        for route in ("features", "samples"):
            a = ab.cka(X, Y, estimator=est, route=route)
            assert abs(ab.cka(c * X, Y, estimator=est, route=route) - a) <= 1e-12
            assert abs(ab.cka(X, c * Y, estimator=est, route=route) - a) <= 1e-12


@SETTINGS
@given(st.integers(0, 2**31), st.integers(2, 30), st.integers(1, 6), st.integers(1, 6))
def test_biased_cka_and_ka_lie_in_unit_interval(seed, n, d1, d2):
    X, Y = pair(seed, n, d1, d2)
    X += np.random.default_rng(seed).standard_normal(d1)  # a mean, so KA != CKA
    if np.ptp(X, 0).max() == 0 or np.ptp(Y, 0).max() == 0:
        return
    for v in (ab.cka(X, Y), ab.cka(X, Y, kernel="rbf"), ab.kernel_alignment(X, Y), ab.distance_correlation(X, Y)):
        assert 0.0 <= v <= 1.0 + 1e-15


def test_unbiased_cka_can_be_negative_and_is_not_clamped():
    r = np.random.default_rng(0)
    vals = [ab.cka(r.standard_normal((20, 3)), r.standard_normal((20, 3)), estimator="unbiased") for _ in range(40)]
    assert min(vals) < 0  # independent inputs: the unbiased estimate straddles 0


def test_kernel_alignment_closed_forms():
    X, Y = pair(5, 40, 4, 3)
    X = X + 3.0
    K, L = X @ X.T, Y @ Y.T
    want = (K * L).sum() / np.sqrt((K * K).sum() * (L * L).sum())
    for route in ("features", "samples"):
        assert abs(ab.kernel_alignment(X, Y, route=route) - want) <= 1e-12
    assert abs(ab.kernel_alignment(K, L, kernel="precomputed") - want) <= 1e-12
    assert abs(ab.kernel_alignment(X, Y, centered=True) - ab.cka(X, Y)) <= 1e-14
    # D1.3: the representation form with uncentred second moments
    S12, S11, S22 = X.T @ Y / 40, X.T @ X / 40, Y.T @ Y / 40
    assert abs(want - (S12**2).sum() / np.sqrt((S11**2).sum() * (S22**2).sum())) <= 1e-12


def test_rbf_bandwidth_is_the_documented_median():
    X, _ = pair(2, 11, 3, 1)
    D2 = ((X[:, None] - X[None]) ** 2).sum(-1)
    assert abs(ab.median_bandwidth(X) - np.sqrt(np.median(D2))) <= 1e-12
    iu = np.triu_indices(11, 1)
    assert abs(ab.median_bandwidth(X, include_diagonal=False) - np.sqrt(np.median(D2[iu]))) <= 1e-12
    s = 0.7 * np.sqrt(np.median(D2))
    assert np.allclose(ab.gram(X, "rbf", bandwidth=0.7), np.exp(-D2 / (2 * s * s)), atol=1e-14)
    assert np.allclose(ab.gram(X, "rbf", sigma=2.0), np.exp(-D2 / 8.0), atol=1e-14)
    assert np.allclose(ab.distance_gram(X), 0.5 * (np.linalg.norm(X, axis=1)[:, None]
                       + np.linalg.norm(X, axis=1)[None] - np.sqrt(D2)), atol=1e-12)


# ---------------------------------------------------------------- distance alignment
@SETTINGS
@given(st.integers(0, 2**31), st.integers(2, 30), st.integers(1, 6), st.integers(1, 6))
def test_distance_misalignment_routes_and_definition(seed, n, d1, d2):
    X, Y = pair(seed, n, d1, d2)
    Dx = ((X[:, None] - X[None]) ** 2).sum(-1)
    Dy = ((Y[:, None] - Y[None]) ** 2).sum(-1)
    want = ((Dx - Dy) ** 2).mean()
    for route in ("features", "samples"):
        assert abs(ab.distance_misalignment(X, Y, route=route) - want) <= 1e-10 * max(1.0, want)
    assert ab.distance_misalignment(X, X.copy()) == 0.0


def test_ka_da_identity_on_the_sphere():
    """R1.2: for unit-norm rows, D = 4(c1^2 + c2^2 - 2 c1 c2 KA), c_q = ||K_q||_F / n."""
    X, Y = pair(4, 60, 5, 3)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    Y /= np.linalg.norm(Y, axis=1, keepdims=True)
    c1, c2 = np.linalg.norm(X @ X.T) / 60, np.linalg.norm(Y @ Y.T) / 60
    assert abs(ab.distance_misalignment(X, Y) - 4 * (c1**2 + c2**2 - 2 * c1 * c2 * ab.kernel_alignment(X, Y))) <= 1e-12


# ---------------------------------------------------------------- torch, gradients, float32
def test_torch_in_torch_out_float64_and_differentiable():
    X, Y = (torch.tensor(a, dtype=torch.float32) for a in pair(0, 30, 4, 3))
    X.requires_grad_(True)
    for fn in (ab.cka, lambda a, b: ab.cka(a, b, estimator="unbiased"), lambda a, b: ab.cka(a, b, kernel="rbf"),
               ab.hsic, ab.kernel_alignment, ab.distance_correlation, ab.distance_misalignment):
        v = fn(X, Y)
        assert isinstance(v, torch.Tensor) and v.ndim == 0 and v.dtype == torch.float64
        (g,) = torch.autograd.grad(v, X)
        assert torch.isfinite(g).all() and g.abs().sum() > 0
    assert isinstance(ab.cka(X.detach().numpy(), Y.numpy()), float)


def test_gradcheck_linear_cka_both_routes():
    X, Y = (torch.tensor(a) for a in pair(1, 12, 3, 2))
    X.requires_grad_(True)
    for route in ("features", "samples"):
        for est in ("biased", "unbiased"):
            assert torch.autograd.gradcheck(lambda a: ab.cka(a, Y, estimator=est, route=route), (X,))


def test_float32_agrees_with_float64_within_documented_tolerance():
    """dtype='float32' computes in single precision; documented tolerance 1e-5 at this size."""
    X, Y = pair(3, 1000, 32, 32)
    for kw in ({}, {"estimator": "unbiased"}, {"kernel": "rbf"}):
        v64 = ab.cka(X, Y, **kw)
        v32 = ab.cka(X, Y, dtype="float32", **kw)
        assert abs(v32 - v64) < 1e-5
    t = ab.cka(torch.tensor(X, dtype=torch.float32), torch.tensor(Y, dtype=torch.float32), dtype="float32")
    assert t.dtype == torch.float32
    X, Y = pair(4, 400, 16, 8)
    for name, spec in ab.MEASURES.items():  # every pair measure offers dtype="float32"
        if spec.target:
            continue
        v64, v32 = spec.fn(X, Y), spec.fn(X, Y, dtype="float32")
        assert abs(v32 - v64) < 1e-5 * max(1.0, abs(v64)), name


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_stays_on_cuda_and_agrees():
    X, Y = pair(3, 500, 32, 16)
    Xc, Yc = torch.tensor(X, device="cuda"), torch.tensor(Y, device="cuda")
    for fn in (ab.cka, ab.distance_correlation, ab.procrustes_distance, ab.rsa):
        v = fn(Xc, Yc)
        assert v.device.type == "cuda"
        assert abs(float(v) - fn(X, Y)) < 1e-10
    assert abs(float(ab.cka(Xc.float(), Yc.float(), dtype="float32")) - ab.cka(X, Y)) < 1e-4


def test_linear_measures_never_build_n_by_n_when_n_exceeds_d():
    """At n = 10^6 an n x n float64 matrix would need 8 TB: these calls only succeed on the
    feature route (d x d products, column sums and row norms)."""
    r = np.random.default_rng(0)
    X = r.standard_normal((1_000_000, 2))
    Y = X @ np.array([[1.0, 0.5], [0.0, 1.0]]) + r.standard_normal((1_000_000, 2))
    small = slice(0, 2000)
    for fn in (ab.cka, lambda a, b: ab.cka(a, b, estimator="unbiased"), ab.hsic, ab.kernel_alignment,
               ab.distance_misalignment, ab.procrustes_distance, ab.cca_similarity):
        v = fn(X, Y)
        assert np.isfinite(v)
        assert abs(fn(X[small], Y[small]) - v) < 0.2 * max(1.0, abs(v))  # same quantity, smaller sample
    assert np.isfinite(ab.kernel_target_alignment(X, Y[:, 0])) and np.isfinite(ab.label_alignment(X, Y[:, 0], 10.0))


@pytest.mark.parametrize("kernel", ["linear", "rbf", "distance"])
def test_cka_permutation_mean_equals_the_average_over_all_permutations(kernel):
    import itertools

    g = np.random.default_rng(3)
    X = g.normal(size=(5, 3))
    Y = X[:, :2] ** 2 + 0.3 * g.normal(size=(5, 2))
    perms = list(itertools.permutations(range(5)))
    for est in ("biased", "unbiased"):
        mean = np.mean([ab.cka(X, Y[list(p)], kernel, est) for p in perms])
        assert abs(ab.cka_permutation_mean(X, Y, kernel, est) - mean) < 1e-12
    # both linear routes, and torch in / tensor out
    if kernel == "linear":
        assert abs(ab.cka_permutation_mean(X, Y, route="samples") - ab.cka_permutation_mean(X, Y, route="features")) < 1e-14
    t = ab.cka_permutation_mean(torch.tensor(X), torch.tensor(Y), kernel)
    assert isinstance(t, torch.Tensor) and t.ndim == 0


def test_cka_permutation_mean_is_the_centre_of_a_monte_carlo_null_and_validates():
    from alignbook.scale import calibrated_score

    g = np.random.default_rng(4)
    X, Y = g.normal(size=(80, 30)), g.normal(size=(80, 20))
    cal = calibrated_score(ab.cka, X, Y, n_permutations=300, seed=1, progress=False)
    exact = ab.cka_permutation_mean(X, Y)
    assert abs(cal.null_mean - exact) < 4 * cal.null_std / np.sqrt(300)
    assert exact > 0.1  # width alone makes unrelated representations look aligned
    with pytest.raises(ValueError, match="constant"):
        ab.cka_permutation_mean(np.ones((6, 2)), Y[:6])
    with pytest.raises(ValueError, match="n >= 4"):
        ab.cka_permutation_mean(X[:3], Y[:3], estimator="unbiased")
