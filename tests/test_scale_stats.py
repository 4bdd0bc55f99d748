"""Permutation test, bootstrap CI, calibrated score and the layer-pair matrix."""
from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import torch

import alignbook as ab
from alignbook.scale import bootstrap_ci, calibrated_score, layer_matrix, permutation_null, permutation_test


def _data(n=40, seed=0, related=True):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 3, generator=g, dtype=torch.float64)
    noise = torch.randn(n, 2, generator=g, dtype=torch.float64)
    Y = (X[:, :2] + 0.3 * noise) if related else noise
    return X, Y


def _corr0(X, Y):  # a cheap measure with a known null: the correlation of the first columns
    return float(np.corrcoef(np.asarray(X)[:, 0], np.asarray(Y)[:, 0])[0, 1])


def test_permutation_p_value_definition_bounds_and_seed():
    X, Y = _data()
    r = permutation_test(_corr0, X.numpy(), Y.numpy(), n_permutations=199, seed=3)
    assert r.p_value == (1 + np.sum(r.null >= r.statistic)) / 200
    assert r.p_value == 1 / 200  # strongly related: nothing in the null reaches it
    again = permutation_test(_corr0, X.numpy(), Y.numpy(), n_permutations=199, seed=3)
    assert np.array_equal(again.null, r.null)
    other = permutation_null(_corr0, X.numpy(), Y.numpy(), n_permutations=199, seed=4)
    assert not np.array_equal(other, r.null)
    # a measure that ignores the pairing: every permutation ties, p = 1
    assert permutation_test(lambda a, b: 0.5, X, Y, n_permutations=20).p_value == 1.0
    less = permutation_test(_corr0, X.numpy(), Y.numpy(), n_permutations=199, seed=3, alternative="less")
    assert less.p_value == (1 + np.sum(r.null <= r.statistic)) / 200
    two = permutation_test(_corr0, X.numpy(), Y.numpy(), n_permutations=199, seed=3, alternative="two-sided")
    assert two.p_value == min(1.0, 2 * min(r.p_value, less.p_value))


def test_permutation_null_is_calibrated_under_independence():
    # under H0 the p-value is (super-)uniform: across independent data sets about 10% fall below 0.1
    ps = [permutation_test(_corr0, *(a.numpy() for a in _data(30, seed=s, related=False)),
                           n_permutations=99, seed=s).p_value for s in range(60)]
    assert 0.0 < np.mean(np.array(ps) <= 0.1) <= 0.25
    assert 0.35 < np.mean(ps) < 0.65


def test_calibrated_score_centres_the_null():
    X, Y = _data(n=30, related=False, seed=1)
    Xw = torch.cat([X, torch.randn(30, 40, dtype=torch.float64)], 1)  # wide: biased CKA is large under H0
    c = calibrated_score(ab.cka, Xw, Y, n_permutations=50, seed=0)
    assert c.null_mean > 0.1  # the raw score is inflated by width
    assert abs(c.score) < 3 * c.null_std  # calibrated: near 0 under independence
    assert c.score == pytest.approx(c.statistic - c.null.mean(), abs=1e-15)
    Xr, Yr = _data(n=30, seed=1)
    assert calibrated_score(ab.cka, Xr, Yr, n_permutations=30).score > 0.3


def test_bootstrap_interval_properties():
    X, Y = _data(n=50)
    b = bootstrap_ci(_corr0, X.numpy(), Y.numpy(), n_boot=200, level=0.9, seed=0, method="percentile")
    assert b.resample_size == 50 and b.low <= b.statistic <= b.high
    assert (b.samples >= b.low).mean() == pytest.approx(0.95, abs=0.02)
    narrow = bootstrap_ci(_corr0, X.numpy(), Y.numpy(), n_boot=200, level=0.5, seed=0, method="percentile")
    assert b.low <= narrow.low <= narrow.high <= b.high
    basic = bootstrap_ci(_corr0, X.numpy(), Y.numpy(), n_boot=200, level=0.9, seed=0, method="basic")
    assert basic.low == pytest.approx(2 * b.statistic - b.high) and basic.high == pytest.approx(2 * b.statistic - b.low)
    tb = bootstrap_ci(ab.cka, X, Y, n_boot=20, seed=1)  # torch inputs and 0-d tensor results work
    assert tb.low <= tb.high


def test_errors():
    X, Y = _data(n=10)
    with pytest.raises(TypeError, match="callable"):
        permutation_test("cka", X, Y)
    with pytest.raises(ValueError, match="alternative"):
        permutation_test(ab.cka, X, Y, alternative="bigger")
    with pytest.raises(ValueError, match="level"):
        bootstrap_ci(ab.cka, X, Y, level=95)
    with pytest.raises(ValueError, match="rows"):
        permutation_test(ab.cka, X, Y[:5])
    with pytest.raises(ValueError, match="finite"):
        permutation_test(lambda a, b: float("nan"), X, Y, n_permutations=3)
    with pytest.raises(ValueError, match="n_permutations"):
        permutation_test(ab.cka, X, Y, n_permutations=0)


@pytest.mark.parametrize("est", ["biased", "unbiased"])
def test_layer_matrix_equals_pairwise_measure(est):
    g = torch.Generator().manual_seed(0)
    n = 30
    Xs = [torch.randn(n, d, generator=g, dtype=torch.float64) for d in (2, 50)]
    Ys = [torch.tanh(Xs[0] @ torch.randn(2, d, generator=g, dtype=torch.float64)) for d in (3, 4, 60)]
    for route in ("features", "samples"):
        M = layer_matrix(Xs, Ys, estimator=est, route=route)
        R = np.array([[float(ab.cka(x, y, "linear", est)) for y in Ys] for x in Xs])
        assert np.abs(M - R).max() < 1e-12
    for name, kernel in (("rbf_cka", "rbf"), ("distance_cka", "distance")):
        M = layer_matrix(Xs, Ys, name, estimator=est)
        R = np.array([[float(ab.cka(x, y, kernel, est)) for y in Ys] for x in Xs])
        assert np.abs(M - R).max() < 1e-12
    S = layer_matrix(Ys, estimator=est)
    assert np.allclose(S, S.T, rtol=0, atol=0) and np.all(np.diag(S) == 1.0)
    C = layer_matrix(Xs, Ys, functools.partial(ab.cka, estimator=est), progress=False)
    assert np.abs(C - layer_matrix(Xs, Ys, estimator=est)).max() < 1e-12


def test_layer_matrix_errors():
    X = torch.randn(10, 3, dtype=torch.float64)
    with pytest.raises(TypeError, match="list"):
        layer_matrix(X, [X])
    with pytest.raises(ValueError, match="rows"):
        layer_matrix([X], [X[:5]])
    with pytest.raises(ValueError, match="measure"):
        layer_matrix([X], [X], "cka")
    with pytest.raises(ValueError, match="max_bytes"):
        layer_matrix([X], [X], "rbf_cka", max_bytes=10)


def test_plots_draw_labelled_axes():
    import matplotlib

    matplotlib.use("Agg")
    from alignbook.plots.scale import layer_heatmap, null_histogram

    ax = layer_heatmap(np.arange(6.0).reshape(2, 3), title="t")
    assert ax.get_xlabel() and ax.get_ylabel() and len(ax.texts) == 6
    X, Y = _data(n=20)
    ax2 = null_histogram(permutation_test(_corr0, X.numpy(), Y.numpy(), n_permutations=20))
    assert ax2.get_xlabel() == "measure value"
    with pytest.raises(ValueError, match="2-D"):
        layer_heatmap(np.arange(3.0))
    with pytest.raises(TypeError):
        null_histogram(0.5)


def test_bootstrap_warns_when_duplicates_inflate_a_dependence_measure():
    """Independent data: bootstrap samples repeat rows, which inflates CKA above its estimate."""
    import warnings

    import numpy as np

    import alignbook as ab
    from alignbook.scale import bootstrap_ci

    g = np.random.default_rng(0)
    X, Y = g.normal(size=(300, 30)), g.normal(size=(300, 20))
    with pytest.warns(UserWarning, match="repeats rows"):
        res = bootstrap_ci(ab.cka, X, Y, n_boot=40, seed=0, method="percentile", progress=False)
    assert res.low > res.statistic  # the documented failure, shown
    Z = X[:, :20] + 0.1 * g.normal(size=(300, 20))  # strong relation: the interval covers the estimate
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = bootstrap_ci(ab.cka, X, Z, n_boot=40, seed=0, method="percentile", progress=False)
        # half-sampling never repeats a row, so it does not warn on the independent pair
        half = bootstrap_ci(ab.cka, X, Y, n_boot=40, seed=0, progress=False)
    assert res.low <= res.statistic <= res.high
    assert half.method == "subsample" and half.resample_size == 150
    # ... and it is bias-corrected: the interval covers the population CKA of independent data (0),
    # below the biased estimate (about d/n here)
    assert half.low <= 0.0 <= half.high < half.statistic


def _np_linear_cka(X, Y):
    """Biased linear CKA from centred feature products (a route independent of alignbook)."""
    X = X - X.mean(0)
    Y = Y - Y.mean(0)
    return np.sum((X.T @ Y) ** 2) / (np.linalg.norm(X.T @ X) * np.linalg.norm(Y.T @ Y))


def test_half_sampling_interval_definition():
    """The subsample interval is the estimate minus the rescaled quantiles of the deviations."""
    X, Y = _data(n=41)
    res = bootstrap_ci(_np_linear_cka, X.numpy(), Y.numpy(), n_boot=64, level=0.8, seed=3, subsample_size=30)
    assert res.method == "subsample" and res.resample_size == 30 and res.samples.shape == (64,)
    c = math.sqrt(30 / 11)
    qlo, qhi = np.quantile(res.samples, [0.1, 0.9])
    assert res.low == pytest.approx(res.statistic - c * (qhi - res.statistic), abs=1e-14)
    assert res.high == pytest.approx(res.statistic - c * (qlo - res.statistic), abs=1e-14)
    again = bootstrap_ci(_np_linear_cka, X.numpy(), Y.numpy(), n_boot=64, level=0.8, seed=3, subsample_size=30)
    np.testing.assert_array_equal(res.samples, again.samples)
    with pytest.raises(ValueError, match="subsample_size"):
        bootstrap_ci(_np_linear_cka, X.numpy(), Y.numpy(), subsample_size=41)
    with pytest.raises(ValueError, match="only used by method='subsample'"):
        bootstrap_ci(_np_linear_cka, X.numpy(), Y.numpy(), method="percentile", subsample_size=10)
    with pytest.raises(ValueError, match="n >= 4"):
        bootstrap_ci(_np_linear_cka, X.numpy()[:3], Y.numpy()[:3])


def test_half_sampling_covers_population_cka_where_the_bootstrap_does_not():
    """Coverage against the closed-form population CKA of a Gaussian linear model.

    X ~ N(0, I_5), Y = X A + s E: population linear CKA = ||A||_F^2 / (sqrt(5) ||A^T A + s^2 I||_F).
    With weak dependence, repeated rows push the classical bootstrap up and its 90% interval
    covers the truth in about 60% of data sets; half-sampling covers it near the nominal rate.
    """
    g = np.random.default_rng(1)
    A = g.normal(size=(5, 4))
    s = 3.0
    truth = np.sum(A * A) / (np.sqrt(5) * np.linalg.norm(A.T @ A + s * s * np.eye(4)))
    cover = {"subsample": 0, "percentile": 0}
    R = 150
    for r in range(R):
        X = g.normal(size=(60, 5))
        Y = X @ A + s * g.normal(size=(60, 4))
        for method in cover:
            res = bootstrap_ci(_np_linear_cka, X, Y, n_boot=150, level=0.9, seed=r, method=method,
                               progress=False)
            cover[method] += res.low <= truth <= res.high
    assert cover["subsample"] / R >= 0.78, cover
    assert cover["percentile"] / R <= 0.72, cover


# ---------------------------------------------------------------- permuted matrices (the fast null)
import functools as _ft  # noqa: E402

from hypothesis import given  # noqa: E402
from hypothesis import strategies as _st  # noqa: E402

from alignbook.scale import stats as _stats  # noqa: E402

_FAST_MEASURES = [
    ab.cka, _ft.partial(ab.cka, estimator="unbiased"), _ft.partial(ab.cka, kernel="rbf"),
    _ft.partial(ab.cka, kernel="rbf", sigma=3.0), _ft.partial(ab.cka, kernel="distance", estimator="unbiased"),
    ab.hsic, _ft.partial(ab.hsic, kernel="rbf", estimator="unbiased"),
    _ft.partial(ab.mutual_knn, k=4), _ft.partial(ab.mutual_knn, k=2, metric="euclidean"),
]


@pytest.mark.parametrize("measure", _FAST_MEASURES, ids=lambda m: f"{getattr(m, 'func', m).__name__}{getattr(m, 'keywords', '')}")
@given(seed=_st.integers(0, 2**16), shift=_st.sampled_from([0.0, 1e5]), tied=_st.booleans())
def test_permuted_matrices_give_the_same_null_as_re_evaluating(measure, seed, shift, tied):
    """The matrices formed once and permuted give the values of the measure on permuted rows."""
    import pytest as _pytest

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(24, 3))
    Y = X @ rng.normal(size=(3, 4)) + rng.normal(size=(24, 4))
    if tied:  # duplicated rows and integer data: tied distances and neighbours
        X, Y = np.round(2 * X) + 0.5, np.round(2 * Y) + 0.5
        X[1], Y[1] = X[0], Y[0]
    X, Y = X + shift, Y - shift
    assert _stats._permuted_evaluator(measure, X, Y) is not None
    fast = _stats.permutation_null(measure, X, Y, n_permutations=6, seed=seed)
    with _pytest.MonkeyPatch.context() as mp:  # the re-evaluating route (hypothesis and fixtures do not mix)
        mp.setattr(_stats, "_permuted_evaluator", lambda *a: None)
        slow = _stats.permutation_null(measure, X, Y, n_permutations=6, seed=seed)
    np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-9)


def test_other_measures_and_options_are_re_evaluated():
    X = np.random.default_rng(0).normal(size=(20, 3))
    assert _stats._permuted_evaluator(ab.rsa, X, X) is None
    assert _stats._permuted_evaluator(_ft.partial(ab.cka, dtype="float32"), X, X) is None
    assert _stats._permuted_evaluator(_ft.partial(ab.cka, kernel="precomputed"), X @ X.T, X @ X.T) is None
    assert _stats._permuted_evaluator(lambda a, b: ab.cka(a, b), X, X) is None
    big = np.random.default_rng(0).normal(size=(_stats.PERMUTE_MATRICES_MAX_N + 1, 2))
    assert _stats._permuted_evaluator(ab.cka, big, big) is None


def test_the_fast_null_keeps_the_p_value_and_its_guards():
    X = np.random.default_rng(1).normal(size=(30, 3))
    r = permutation_test(ab.cka, X, X**3, n_permutations=19, seed=0)
    assert r.p_value == 1 / 20
    with pytest.raises(ValueError, match="constant"):
        permutation_test(ab.cka, X, np.ones((30, 2)), n_permutations=5, seed=0)
