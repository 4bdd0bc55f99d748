"""LinearAccumulator: streamed statistics finalise to the full-data values (two independent routes)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import alignbook as ab
from alignbook.scale import LinearAccumulator, linear_cka, linear_hsic

TOL = 1e-10


def _data(n=61, d1=5, d2=4, seed=0, offset=0.0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d1, generator=g, dtype=torch.float64)
    Y = torch.tanh(X[:, :1] * torch.ones(1, d2, dtype=torch.float64)) + 0.5 * torch.randn(n, d2, generator=g, dtype=torch.float64)
    return X + offset, Y - 0.5 * offset


def _gram_hsic(K, L, est):
    """Full n-by-n reference written from the definitions (independent of both libraries)."""
    n = K.shape[0]
    if est == "biased":
        H = torch.eye(n, dtype=K.dtype) - 1.0 / n
        return float(torch.trace(K @ H @ L @ H)) / (n - 1) ** 2
    Kt, Lt = K - torch.diag(torch.diag(K)), L - torch.diag(torch.diag(L))
    one = torch.ones(n, dtype=K.dtype)
    val = torch.trace(Kt @ Lt) + (one @ Kt @ one) * (one @ Lt @ one) / ((n - 1) * (n - 2)) - 2.0 / (n - 2) * (one @ Kt @ Lt @ one)
    return float(val) / (n * (n - 3))


def _stream(X, Y, cuts):
    acc = LinearAccumulator()
    bounds = [0, *sorted(set(cuts)), X.shape[0]]
    for a, b in zip(bounds[:-1], bounds[1:]):
        if b > a:
            acc.update(X[a:b], Y[a:b])
    return acc


def _rel(a, b):
    return abs(a - b) / max(1.0, abs(b))


@pytest.mark.parametrize("est", ["biased", "unbiased"])
def test_hsic_and_cka_equal_full_gram_formula(est):
    X, Y = _data()
    acc = _stream(X, Y, [7, 20, 21, 50])
    K, L = X @ X.T, Y @ Y.T
    hxy, hxx, hyy = _gram_hsic(K, L, est), _gram_hsic(K, K, est), _gram_hsic(L, L, est)
    assert _rel(acc.hsic(est), hxy) < TOL
    assert abs(acc.cka(est) - hxy / math.sqrt(hxx * hyy)) < TOL
    # and the measures library (its n-by-n route) agrees
    assert abs(acc.cka(est) - float(ab.cka(X, Y, "linear", est, route="samples"))) < TOL


@settings(max_examples=12, deadline=None)
@given(
    cuts=st.lists(st.integers(1, 39), max_size=6),
    offset=st.sampled_from([0.0, 3.0, -50.0, 1e6]),
    est=st.sampled_from(["biased", "unbiased"]),
)
def test_any_batch_split_gives_the_full_data_value(cuts, offset, est):
    """Statistics kept about the running mean: far-from-origin data and any split are exact."""
    X, Y = _data(n=40, d1=3, d2=6, seed=1, offset=offset)
    full = float(ab.cka(X - X.mean(0), Y - Y.mean(0), "linear", est, route="samples"))
    assert abs(_stream(X, Y, cuts).cka(est) - full) < TOL


def test_sorted_drifting_batches_are_exact():
    """Batches whose means drift far apart (sorted data) still give the full-data values."""
    X, Y = _data(n=120, seed=8)
    order = np.argsort(X[:, 0].numpy())  # sorted rows: every batch has a different mean
    Xs, Ys = X[order] + 1e5, Y[order] - 1e5
    acc = _stream(Xs, Ys, [10, 20, 40, 80])
    for est in ("biased", "unbiased"):
        assert abs(acc.cka(est) - float(ab.cka(Xs, Ys, "linear", est))) < 1e-9
    assert torch.allclose(acc.canonical_correlations(), ab.cca(Xs, Ys).rho, rtol=0, atol=1e-8)


def test_deprecated_shift_is_accepted_and_changes_nothing():
    X, Y = _data(n=30, offset=5.0, seed=9)
    with pytest.warns(DeprecationWarning, match="shift"):
        acc = LinearAccumulator(shift=None).update(X, Y)
    assert abs(acc.cka("unbiased") - LinearAccumulator().update(X, Y).cka("unbiased")) < 1e-12


@settings(max_examples=8, deadline=None)
@given(split=st.integers(1, 49), far=st.booleans())
def test_merge_is_exact_whatever_the_split(split, far):
    X, Y = _data(n=50, offset=7.0, seed=2)
    if far:  # the second part far from the first: merging moves both outward to the joint mean
        X, Y = X.clone(), Y.clone()
        X[split:] += 1e5
    a = LinearAccumulator().update(X[:split], Y[:split])
    b = LinearAccumulator().update(X[split:], Y[split:])
    whole = LinearAccumulator().update(X, Y)
    m = a.merge(b)
    assert m.n == 50
    for est in ("biased", "unbiased"):
        assert _rel(m.hsic(est), whole.hsic(est)) < TOL
        assert abs(m.cka(est) - whole.cka(est)) < TOL
    assert abs((b + a).kernel_alignment() - whole.kernel_alignment()) < TOL
    assert abs(m.merge(LinearAccumulator()).cka() - m.cka()) < TOL
    assert abs(LinearAccumulator().merge(m).cka() - m.cka()) < TOL


def test_large_offset_is_harmless():
    X, Y = _data(n=200, seed=3)
    ref = LinearAccumulator().update(X, Y)
    far = LinearAccumulator().update(X[:100] + 1e6, Y[:100] - 1e6).update(X[100:] + 1e6, Y[100:] - 1e6)
    for est in ("biased", "unbiased"):
        assert abs(far.cka(est) - ref.cka(est)) < 1e-9


def test_kernel_alignment_covariances_procrustes_cca():
    X, Y = _data(n=80, offset=2.0, seed=4)
    acc = _stream(X, Y, [30, 31, 64])
    assert abs(acc.kernel_alignment() - float(ab.kernel_alignment(X, Y))) < TOL
    assert abs(acc.kernel_alignment(centered=True) - float(ab.cka(X, Y))) < TOL
    gxx, gyy, cxy = acc.covariances()
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    assert torch.allclose(cxy, Xc.T @ Yc, rtol=0, atol=1e-10)
    assert torch.allclose(gxx, Xc.T @ Xc, rtol=0, atol=1e-10)
    for kind in ("angular", "euclidean", "disparity"):
        assert abs(acc.procrustes_distance(kind) - float(ab.procrustes_distance(X, Y, kind))) < TOL
    assert torch.allclose(acc.canonical_correlations(), ab.cca(X, Y).rho, rtol=0, atol=1e-10)


def test_helpers_match_measures_for_numpy_torch_and_float32():
    X, Y = _data(n=300, d1=8, d2=3, seed=5)
    for est in ("biased", "unbiased"):
        ref = float(ab.cka(X, Y, "linear", est))
        assert abs(linear_cka(X.numpy(), Y.numpy(), est, batch_size=64) - ref) < TOL
        assert abs(linear_cka(X, Y, est, batch_size=7) - ref) < TOL
        assert _rel(linear_hsic(X, Y, est, batch_size=100), float(ab.hsic(X, Y, "linear", est))) < TOL
    # float32 batches are upcast: the result is the float64 value of the float32 data
    Xf, Yf = X.float(), Y.float()
    assert abs(linear_cka(Xf, Yf) - float(ab.cka(Xf.double(), Yf.double()))) < TOL


def test_self_cka_is_one_and_invariances():
    X, _ = _data(n=90, seed=6)
    acc = LinearAccumulator().update(X, X)
    assert abs(acc.cka() - 1.0) < 1e-12 and abs(acc.cka("unbiased") - 1.0) < 1e-12
    Q, _ = torch.linalg.qr(torch.randn(5, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(0)))
    Y = 3.0 * X @ Q + 2.0
    assert abs(LinearAccumulator().update(X, Y).cka("unbiased") - 1.0) < 1e-10


def test_all_reduce_single_process_group(tmp_path):
    import torch.distributed as dist

    X, Y = _data(n=40, seed=7)
    acc = LinearAccumulator().update(X, Y)
    before = acc.cka("unbiased")
    assert acc.all_reduce() is acc  # no process group: a no-op
    if not dist.is_available():  # pragma: no cover
        pytest.skip("torch.distributed not available")
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1)
    try:
        acc2 = LinearAccumulator().update(X[:15], Y[:15]).update(X[15:], Y[15:])
        acc2.all_reduce()
        assert acc2.n == 40
        assert abs(acc2.cka("unbiased") - before) < TOL
    finally:
        dist.destroy_process_group()


def test_errors_are_clear():
    X, Y = _data(n=10)
    with pytest.raises(ValueError, match="empty"):
        LinearAccumulator().cka()
    acc = LinearAccumulator().update(X[:3], Y[:3])
    with pytest.raises(ValueError, match="n >= 4"):
        acc.cka("unbiased")
    with pytest.raises(ValueError, match="same widths"):
        acc.update(X[:, :2], Y)
    with pytest.raises(ValueError, match="estimator"):
        acc.cka("gretton")
    with pytest.raises(ValueError, match="constant"):
        LinearAccumulator().update(torch.ones(10, 2, dtype=torch.float64), Y).cka()
    bad = X.clone()
    bad[0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        LinearAccumulator().update(bad, Y)
    with pytest.raises(TypeError):
        LinearAccumulator().update(X.numpy(), Y)
    with pytest.raises(TypeError):
        acc.merge(3)
    with pytest.raises(ValueError, match="merge"):
        acc.merge(LinearAccumulator().update(X, Y[:, :2]))
    with pytest.raises(ValueError, match="shift"):
        LinearAccumulator(shift="mean")
