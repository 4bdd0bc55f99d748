"""Chunked pairwise routes equal the unchunked measures, whatever the block size."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import alignbook as ab
from alignbook.scale import (
    cka_chunked,
    distance_correlation_chunked,
    hsic_chunked,
    median_sq_distance,
    mutual_knn_chunked,
    rsa_chunked,
)


def _data(n=53, d1=6, d2=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d1, generator=g, dtype=torch.float64)
    Y = torch.tanh(X[:, :d2]) + 0.4 * torch.randn(n, d2, generator=g, dtype=torch.float64)
    return X, Y


@pytest.mark.parametrize("kernel", ["rbf", "distance", "linear"])
@pytest.mark.parametrize("est", ["biased", "unbiased"])
def test_cka_and_hsic_equal_unchunked(kernel, est):
    X, Y = _data()
    for block in (1, 7, 53, 100):
        assert abs(float(cka_chunked(X, Y, kernel, est, block=block)) - float(ab.cka(X, Y, kernel, est))) < 1e-12
    assert abs(float(hsic_chunked(X, Y, kernel, est, block=10)) - float(ab.hsic(X, Y, kernel, est))) < 1e-12


def test_rbf_options_bandwidth_sigma_median():
    X, Y = _data(seed=1)
    for kw in ({"bandwidth": 0.5}, {"sigma": 2.0}, {"median": "offdiag"}):
        assert abs(cka_chunked(X.numpy(), Y.numpy(), "rbf", block=9, **kw) - ab.cka(X.numpy(), Y.numpy(), "rbf", **kw)) < 1e-12


@settings(max_examples=15, deadline=None)
@given(n=st.integers(2, 40), d=st.integers(1, 3), block=st.integers(1, 50),
       include=st.booleans(), ties=st.booleans())
def test_median_is_exact_numpy_median(n, d, block, include, ties):
    g = np.random.default_rng(n * 100 + d)
    X = g.integers(0, 3, size=(n, d)).astype(float) if ties else g.normal(size=(n, d))
    Xc = X - X.mean(0)
    D2 = ((Xc[:, None, :] - Xc[None, :, :]) ** 2).sum(-1)
    vals = D2.ravel() if include else D2[np.triu_indices(n, 1)]
    got = median_sq_distance(X, include, block=block)
    assert abs(got - np.median(vals)) <= 1e-12 * max(1.0, np.median(vals))


def test_median_needs_many_passes_when_the_bracket_misses():
    # a tiny first-guess sample (seed) cannot bracket the median of a heavily tied, skewed set;
    # the histogram passes must still land on the exact value
    X = np.concatenate([np.zeros((30, 1)), np.arange(1, 31, dtype=float)[:, None] ** 3])
    D2 = (X - X.T) ** 2
    for seed in range(3):
        assert median_sq_distance(X, block=4, seed=seed) == pytest.approx(np.median(D2), rel=1e-12, abs=0)


@pytest.mark.parametrize("est", ["biased", "unbiased"])
def test_distance_correlation_equals_unchunked_incl_duplicates(est):
    X, Y = _data(seed=2)
    X[5] = X[9]  # a duplicate pair: recomputed from differences, never a negative square
    for squared in (False, True):
        if est == "unbiased" and not squared:
            continue
        got = float(distance_correlation_chunked(X, Y, est, squared=squared, block=8))
        assert abs(got - float(ab.distance_correlation(X, Y, est, squared=squared))) < 1e-12


@pytest.mark.parametrize("rdm", ["euclidean", "sqeuclidean", "correlation", "cosine"])
def test_rsa_equals_unchunked(rdm):
    X, Y = _data(seed=3)
    assert abs(float(rsa_chunked(X, Y, rdm, block=6)) - float(ab.rsa(X, Y, rdm))) < 1e-12


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_mutual_knn_equals_unchunked_even_with_ties(metric):
    X, Y = _data(n=80, seed=4)
    Xi = torch.randint(0, 3, (80, 3), generator=torch.Generator().manual_seed(0)).double() + 1
    Yi = torch.randint(0, 3, (80, 3), generator=torch.Generator().manual_seed(1)).double() + 1
    for A, B in ((X, Y), (Xi, Yi)):
        for k in (1, 5, 79):
            assert float(mutual_knn_chunked(A, B, k, metric, block=13)) == float(ab.mutual_knn(A, B, k, metric))


def test_self_similarity_and_bounds():
    X, _ = _data(seed=5)
    assert abs(float(cka_chunked(X, 2 * X + 1, "rbf", block=5)) - 1.0) < 1e-12
    assert abs(float(distance_correlation_chunked(X, X, block=5)) - 1.0) < 1e-12
    assert float(mutual_knn_chunked(X, X, 4)) == 1.0


def test_errors():
    X, Y = _data(n=10)
    with pytest.raises(ValueError, match="kernel"):
        cka_chunked(X, Y, "precomputed")
    with pytest.raises(ValueError, match="constant"):
        cka_chunked(torch.ones(10, 2, dtype=torch.float64), Y)
    with pytest.raises(ValueError, match="spearman"):
        rsa_chunked(X, Y, compare="spearman")
    with pytest.raises(ValueError, match="k="):
        mutual_knn_chunked(X, Y, k=10)
    with pytest.raises(ValueError, match="n >= 4"):
        cka_chunked(X[:3], Y[:3], estimator="unbiased")
    with pytest.raises(TypeError):
        cka_chunked(X.numpy(), Y)
    with pytest.raises(ValueError, match="block"):
        cka_chunked(X, Y, block=0)


@pytest.mark.parametrize("lo,hi,cap", [(100.0, 200.0, 10), (-5.0, -1.0, 10), (0.1, 0.2, 3), (-1.0, 2.0, 2)])
def test_selection_recovers_from_bad_brackets_and_small_caps(lo, hi, cap):
    from alignbook.scale.chunked import _kth_values

    v = torch.tensor(np.random.default_rng(0).random(1001) ** 3, dtype=torch.float64)
    v[::7] = 0.25  # many ties

    def blocks():
        yield from v.split(97)

    srt = torch.sort(v).values
    for ranks in ([1], [501], [500, 501], [1001]):
        got = _kth_values(blocks, ranks, v.numel(), lo, hi, cap, v.device)
        assert got == [float(srt[r - 1]) for r in ranks]
