"""The kernel object, Gram validation, the tie rules, the n-by-n routes and the renamed API."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import alignbook as ab
from alignbook import Kernel
from alignbook.core.hsic import center, gram_sums, hsic_from_sums
from alignbook.scale import LinearAccumulator, cka_chunked, hsic_chunked, mutual_knn_chunked

pytestmark = pytest.mark.usefixtures("one_thread")
SETTINGS = settings(max_examples=15, deadline=None, derandomize=True)


def pair(seed, n=30, d1=4, d2=3):
    r = np.random.default_rng(seed)
    X = r.normal(size=(n, d1))
    return X, np.tanh(X @ r.normal(size=(d1, d2))) + 0.4 * r.normal(size=(n, d2))


# ----------------------------------------------------------------------------- the Kernel object
def test_constructors_repr_equality_and_degree():
    assert Kernel.rbf(0.5) == Kernel.resolve("rbf", bandwidth=0.5) == Kernel("rbf", bandwidth=0.5)
    assert Kernel.rbf(sigma=2.0) != Kernel.rbf(2.0)
    assert repr(Kernel.rbf(median="offdiag")) == "Kernel.rbf(bandwidth=1.0, median='offdiag')"
    assert [Kernel.linear().degree, Kernel.distance().degree, Kernel.rbf().degree, Kernel.rbf(sigma=1.0).degree,
            Kernel.precomputed().degree, Kernel.from_callable(lambda A: A @ A.T).degree] == [2, 1, 0, None, 1, None]
    assert Kernel.resolve(Kernel.linear()) == Kernel.linear()
    f = lambda A: A @ A.T  # noqa: E731
    assert Kernel.resolve(f) == Kernel.from_callable(f)


@pytest.mark.parametrize("bad,match", [
    (dict(kernel="linear", bandwidth=0.5), "only applies to the RBF kernel"),
    (dict(kernel="distance", sigma=1.0), "only applies to the RBF kernel"),
    (dict(kernel="rbf", bandwidth=0.5, sigma=1.0), "not both"),
    (dict(kernel="rbf", sigma=1.0, median="offdiag"), "no effect with a fixed sigma"),
    (dict(kernel=Kernel.rbf(), bandwidth=2.0), "cannot be combined"),
    (dict(kernel="gaussian"), "is not one of"),
])
def test_shorthands_are_interpreted_in_one_place_and_never_ignored(bad, match):
    X, Y = pair(0)
    with pytest.raises(ValueError, match=match):
        Kernel.resolve(**bad)
    with pytest.raises(ValueError, match=match):
        ab.cka(X, Y, **bad)  # the measures use the same rules
    if bad.get("kernel") in ("linear", "rbf", "gaussian") or isinstance(bad.get("kernel"), Kernel):
        with pytest.raises(ValueError, match=match):
            cka_chunked(X, Y, **bad)


@pytest.mark.parametrize("spec", [Kernel.linear(), Kernel.rbf(0.7), Kernel.rbf(sigma=1.5), Kernel.distance(),
                                  Kernel.rbf(median="offdiag")])
def test_every_kernel_is_accepted_wherever_kernel_is_an_argument(spec):
    X, Y = pair(1)
    ref = ab.cka(X, Y, spec)
    name = {"linear": "linear", "rbf": "rbf", "distance": "distance"}[spec.name]
    kw = {} if spec.name != "rbf" else ({"sigma": spec.sigma} if spec.sigma else {"bandwidth": spec.bandwidth,
                                                                                   "median": spec.median})
    assert abs(ab.cka(X, Y, name, **kw) - ref) < 1e-14
    assert abs(cka_chunked(X, Y, spec, block=7) - ref) < 1e-12
    assert abs(ab.scale.layer_matrix([X], [Y], spec)[0, 0] - ref) < 1e-12
    assert abs(hsic_chunked(X, Y, spec, block=5) - ab.hsic(X, Y, spec)) <= 1e-12 * max(1, abs(ab.hsic(X, Y, spec)))
    assert np.allclose(ab.gram(X, spec), spec.gram(torch.tensor(X)).numpy(), rtol=1e-13, atol=1e-13)
    assert np.isfinite(ab.kernel_cca(X, Y, spec)) and np.isfinite(ab.kernel_target_alignment(X, Y[:, 0], spec))


def test_one_default_kernel_in_every_route():
    X, Y = pair(2)
    assert cka_chunked(X, Y) == pytest.approx(ab.cka(X, Y), abs=1e-12)
    assert hsic_chunked(X, Y) == pytest.approx(ab.hsic(X, Y), rel=1e-12)
    assert ab.scale.layer_matrix([X], [Y])[0, 0] == pytest.approx(ab.cka(X, Y), abs=1e-12)


@SETTINGS
@given(st.integers(0, 2**31 - 1), st.sampled_from(["linear", "rbf", "distance"]), st.integers(4, 25))
def test_blocks_are_the_full_gram_and_the_hsic_form_changes_no_estimator(seed, name, n):
    X, _ = pair(seed, n=n)
    Xt = torch.tensor(X) + 1e3  # an offset: the HSIC-equivalent forms remove it
    b = Kernel.resolve(name).bind(Xt)
    K = b.gram()
    assert torch.equal(torch.cat([b.block(0, 3), b.block(3, n)]), K) or torch.allclose(
        torch.cat([b.block(0, 3), b.block(3, n)]), K, rtol=1e-14, atol=1e-14 * float(K.abs().max()))
    assert torch.allclose(b.block(2, 5, 1, 4), K[2:5, 1:4], rtol=1e-13, atol=1e-13 * float(K.abs().max()))
    Kh = b.hsic_gram()
    # K and its HSIC-equivalent form differ by f_i + f_j + c: the same centred Gram, the same estimators
    scale = float(center(K).abs().max())
    assert torch.allclose(center(K), center(Kh), rtol=0, atol=1e-9 * scale)
    L = Kernel.linear().bind(torch.tensor(pair(seed + 1, n=n)[0])).gram()
    for unbiased, est in ((False, "biased"), (True, "unbiased")):
        h1 = hsic_from_sums(gram_sums(K, L, unbiased), est)
        h2 = hsic_from_sums(gram_sums(Kh, L, unbiased), est)
        assert abs(float(h1 - h2)) <= 1e-8 * float(torch.linalg.matrix_norm(center(K)) * torch.linalg.matrix_norm(center(L))) / n


def test_rbf_hsic_form_keeps_digits_for_a_huge_bandwidth():
    """As sigma -> inf, H(K - 1)H -> -H D^2 H / (2 sigma^2) = H X X' H / sigma^2: RBF CKA tends to
    linear CKA. Computing K - 1 by expm1 keeps that limit; exp(.) and centring would lose all digits."""
    X, Y = pair(3)
    lin = ab.cka(X, Y)
    for fn in (lambda: ab.cka(X, Y, "rbf", sigma=1e7), lambda: cka_chunked(X, Y, "rbf", sigma=1e7, block=7),
               lambda: ab.scale.layer_matrix([X], [Y], Kernel.rbf(sigma=1e7))[0, 0]):
        assert abs(fn() - lin) < 1e-9
    naive_K = np.exp(-((X[:, None] - X[None]) ** 2).sum(-1) / 2e14)
    naive_L = np.exp(-((Y[:, None] - Y[None]) ** 2).sum(-1) / 2e14)
    assert abs(ab.cka(naive_K, naive_L, "precomputed") - lin) > 1e-6  # the naive Gram has lost digits


# ----------------------------------------------------------------------------- precomputed Grams
def test_precomputed_grams_are_validated_the_same_way_everywhere():
    X, Y = pair(4)
    K, L = X @ X.T, Y @ Y.T
    calls = [lambda A, B: ab.cka(A, B, kernel="precomputed"), lambda A, B: ab.hsic(A, B, kernel="precomputed"),
             lambda A, B: ab.kernel_alignment(A, B, kernel="precomputed"),
             lambda A, B: ab.kernel_cca(A, B, kernel="precomputed"),
             lambda A, B: ab.kernel_target_alignment(A, Y[:, 0], kernel="precomputed"),
             lambda A, B: ab.cka_permutation_mean(A, B, kernel="precomputed")]
    for call in calls:
        assert np.isfinite(call(K, L))
        for bad, match in ((-K, "not positive semi-definite"), (K + np.triu(np.ones_like(K), 1), "not symmetric"),
                           (K[:, :5], "square")):
            with pytest.raises(ValueError, match=match):
                call(bad, L)
    for fn in (ab.cka, ab.kernel_alignment):  # callables returning an indefinite matrix: the same check
        with pytest.raises(ValueError, match="not positive semi-definite"):
            fn(X, Y, kernel=lambda A: -(A @ A.T))


def test_rounding_level_asymmetry_and_negativity_are_accepted():
    """A Gram computed in float32 (rank-deficient, asymmetric and indefinite at rounding level) passes."""
    r = np.random.default_rng(5)
    F = r.normal(size=(200, 10)).astype(np.float32)
    K32 = F @ F.T  # rank 10 of 200: eigenvalues 0 up to float32 rounding
    assert np.linalg.eigvalsh(K32.astype(np.float64))[0] < 0  # indefinite by rounding
    assert 0.999 < ab.cka(K32, K32.copy(), kernel="precomputed") <= 1.0
    K = F.astype(np.float64) @ F.astype(np.float64).T
    with pytest.raises(ValueError, match="not positive semi-definite"):
        ab.cka(K - 1e-3 * np.abs(K).max() * np.eye(200), K, kernel="precomputed")


# ----------------------------------------------------------------------------- ties
@SETTINGS
@given(st.integers(0, 2**31 - 1), st.sampled_from(["cosine", "euclidean"]), st.integers(1, 6))
def test_mutual_knn_on_tied_data_depends_on_values_only(seed, metric, k):
    r = np.random.default_rng(seed)
    X = r.integers(0, 3, size=(25, 2)).astype(float) + 1
    Y = r.integers(0, 3, size=(25, 2)).astype(float) + 1
    X[5], Y[5] = X[9], Y[9]  # duplicates too
    v = ab.mutual_knn(X, Y, k, metric)
    p = r.permutation(25)
    assert ab.mutual_knn(X[p], Y[p], k, metric) == v  # exact: no dependence on the row order
    assert ab.mutual_knn(X, Y, k, metric, block=4) == v
    assert mutual_knn_chunked(X[p], Y[p], k, metric, block=3) == v
    assert ab.mutual_knn(X, X, k, metric) <= 1.0 and ab.mutual_knn(1e200 * X, 1e-200 * Y, k, metric) == v


def test_the_tie_rule_is_the_expectation_under_random_tie_breaking():
    """Brute force: average the usual score over every way of breaking the ties."""
    import itertools

    X = np.array([[0.0], [1.0], [2.0], [3.0], [5.0]])  # sample 2's neighbours 1 and 3 are tied, etc.
    Y = np.array([[0.0], [1.0], [3.0], [2.0], [4.0]])

    def neighbour_sets(Z, k):
        D = np.abs(Z - Z.T) + np.diag(np.full(len(Z), np.inf))
        out = []
        for i in range(len(Z)):
            kth = np.sort(D[i])[k - 1]
            strict = [j for j in range(len(Z)) if D[i, j] < kth]
            tied = [j for j in range(len(Z)) if D[i, j] == kth]
            out.append([set(strict) | set(c) for c in itertools.combinations(tied, k - len(strict))])
        return out

    for k in (1, 2, 3):
        sx, sy = neighbour_sets(X, k), neighbour_sets(Y, k)
        want = np.mean([np.mean([len(a & b) for a in sx[i] for b in sy[i]]) / k for i in range(5)])
        assert ab.mutual_knn(X, Y, k, "euclidean") == pytest.approx(want, abs=1e-15)


def test_knn_indices_break_ties_by_index_whatever_the_block():
    X = np.array([[0.0], [1.0], [-1.0], [2.0], [-2.0], [3.0]])
    idx = ab.knn_indices(X, k=1, metric="euclidean")
    assert idx[0, 0] == 1  # 1 and 2 are tied for sample 0: the smaller index
    for block in (1, 2, 4):
        assert np.array_equal(ab.knn_indices(X, k=3, metric="euclidean", block=block),
                              ab.knn_indices(X, k=3, metric="euclidean"))


def test_spearman_ties_within_rounding():
    """Two-feature rows: correlation RDMs are 0 or 2; rounding noise on the zeros decides no rank."""
    X = np.random.default_rng(6).normal(size=(12, 2))
    v = ab.rsa(X, 3.0 * X + 1.0, rdm="correlation", compare="spearman")  # the same RDM
    assert v == pytest.approx(1.0, abs=1e-12)
    assert ab.rsa(1e300 * X, 1e-300 * X, rdm="correlation", compare="spearman") == pytest.approx(1.0, abs=1e-12)


# ----------------------------------------------------------------------------- n-by-n routes
def test_ridge_cca_on_wide_data_matches_the_covariance_formula():
    r = np.random.default_rng(7)
    n, d1, d2, lam = 15, 40, 30, 0.3
    X, Y = r.normal(size=(n, d1)), r.normal(size=(n, d2))
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)

    def inv_sqrt(C):
        w, V = np.linalg.eigh(C)
        return (V / np.sqrt(w)) @ V.T

    M = inv_sqrt(Xc.T @ Xc / (n - 1) + lam * np.eye(d1)) @ (Xc.T @ Yc / (n - 1)) @ inv_sqrt(Yc.T @ Yc / (n - 1) + lam * np.eye(d2))
    want = np.linalg.svd(M, compute_uv=False)[: n - 1]  # the rest are exactly 0 (rank n - 1)
    got = ab.cca(X, Y, reg=lam).rho
    assert got.shape == (n - 1,) and np.allclose(got, want, atol=1e-10)
    assert ab.cca_similarity(X, Y, reg=lam) == pytest.approx(want.mean(), abs=1e-10)
    res = ab.cca(X, Y, reg=lam)  # the ridge weights: W'(Sigma + lam I)W = I
    assert np.allclose(res.x_weights.T @ (Xc.T @ Xc / (n - 1) + lam * np.eye(d1)) @ res.x_weights, np.eye(n - 1), atol=1e-9)


def test_procrustes_and_accumulator_n_routes_match_the_d_routes_on_wide_data():
    r = np.random.default_rng(8)
    X, Y = r.normal(size=(12, 50)), r.normal(size=(12, 35))
    for metric in ("angular", "euclidean", "disparity"):
        a = ab.procrustes_distance(X, Y, metric, route="features")
        assert ab.procrustes_distance(X, Y, metric) == pytest.approx(a, abs=1e-12)
    p, q = ab.Procrustes(route="features").fit(X, Y), ab.Procrustes().fit(X, Y)
    assert q.score(X, Y) == pytest.approx(p.score(X, Y), abs=1e-12)
    assert q.residual(X, Y) == pytest.approx(p.residual(X, Y), abs=1e-10)
    assert np.allclose(q.W_.T @ q.W_, np.eye(35), atol=1e-12)  # orthonormal columns, also off the data's span
    assert np.allclose(q.singular_values_, p.singular_values_, atol=1e-10)
    acc = LinearAccumulator().update(X, Y)
    assert np.allclose(acc.canonical_correlations().numpy(), acc.canonical_correlations(route="features").numpy(), atol=1e-8)
    assert np.allclose(acc.canonical_correlations().numpy(), ab.cca(X, Y).rho, atol=1e-8)


# ----------------------------------------------------------------------------- renames
def test_renamed_names_still_work_with_a_warning():
    X, Y = pair(9)
    with pytest.warns(DeprecationWarning, match="distance_misalignment"):
        assert ab.distance_alignment(X, Y) == ab.distance_misalignment(X, Y)
    with pytest.warns(DeprecationWarning, match="metric"):
        assert ab.procrustes_distance(X, Y, kind="euclidean") == ab.procrustes_distance(X, Y, metric="euclidean")
    with pytest.warns(DeprecationWarning, match="metric"):
        assert np.array_equal(ab.rdm(X, kind="cosine"), ab.rdm(X, metric="cosine"))
    with pytest.warns(DeprecationWarning, match="summary"):
        assert ab.cca_similarity(X, Y, kind="mean_squared") == ab.cca_similarity(X, Y, summary="mean_squared")
    with pytest.warns(DeprecationWarning, match="scaling"):
        assert ab.Procrustes(scale=True).fit(X, Y).scaling_ == ab.Procrustes(scaling=True).fit(X, Y).scaling_
    with pytest.raises(TypeError, match="got both"):
        ab.procrustes_distance(X, Y, kind="angular", metric="angular")
    assert not hasattr(ab.measures.MEASURES["cka_linear"], "kind")
    assert ab.measures.MEASURES["distance_misalignment"].direction == "distance"
