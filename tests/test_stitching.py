"""Stitchers (alignbook.models.stitch), the stitching sweep (alignbook.experiments.stitching) and its plots."""
from __future__ import annotations

import copy
import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from alignbook.data import load_digits
from alignbook.experiments import stitching as E
from alignbook.models import MLP
from alignbook.models.stitch import (
    LinearStitcher,
    StitchedModel,
    least_squares_stitcher,
    stitch_residual,
    train_stitcher,
)

F64 = torch.float64


def _pair(seed, n, d1, d2, rank=None):
    g = torch.Generator().manual_seed(seed)
    Z1 = torch.randn(n, d1, generator=g, dtype=F64)
    if rank is not None and rank < d1:
        Z1 = Z1[:, :rank] @ torch.randn(rank, d1, generator=g, dtype=F64)
    Z2 = torch.tanh(Z1 @ torch.randn(d1, d2, generator=g, dtype=F64)) + 0.3 * torch.randn(n, d2, generator=g, dtype=F64)
    return Z1, Z2


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(12, 60), d1=st.integers(1, 8), d2=st.integers(1, 6),
       deficient=st.booleans())
def test_least_squares_matches_lstsq_on_augmented_matrix(seed, n, d1, d2, deficient):
    Z1, Z2 = _pair(seed, n, d1, d2, rank=max(1, d1 - 2) if deficient else None)
    st_ = least_squares_stitcher(Z1, Z2)
    # second route: SVD-based least squares on [Z1, 1]; residuals agree (the minimiser may not be unique)
    Za = torch.cat([Z1, torch.ones(n, 1, dtype=F64)], 1)
    sol = torch.linalg.lstsq(Za, Z2, driver="gelsd").solution
    r_ref = float(((Za @ sol - Z2) ** 2).sum() / n)
    r = stitch_residual(st_, Z1, Z2)
    assert r == pytest.approx(r_ref, rel=1e-9, abs=1e-12)
    # optimality: any perturbation does not reduce the residual
    pert = LinearStitcher.from_matrix(st_.S + 1e-3 * torch.randn_like(st_.S), st_.b.detach().clone())
    assert stitch_residual(pert, Z1, Z2) >= r - 1e-12


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10**6), d1=st.integers(1, 7), d2=st.integers(1, 7))
def test_orthogonal_stitcher_is_a_partial_isometry_and_no_better(seed, d1, d2):
    Z1, Z2 = _pair(seed, 40, d1, d2)
    o = least_squares_stitcher(Z1, Z2, orthogonal=True)
    S = o.S.detach()
    k = min(d1, d2)
    gram = S.T @ S if d1 >= d2 else S @ S.T
    torch.testing.assert_close(gram, torch.eye(k, dtype=F64), rtol=0, atol=1e-12)
    assert stitch_residual(least_squares_stitcher(Z1, Z2), Z1, Z2) <= stitch_residual(o, Z1, Z2) + 1e-12


def test_no_bias_stitcher_is_uncentred_regression():
    Z1, Z2 = _pair(3, 50, 4, 3)
    s = least_squares_stitcher(Z1, Z2, bias=False)
    assert s.linear.bias is None and torch.all(s.b == 0)
    torch.testing.assert_close(s.S.detach(), torch.linalg.pinv(Z1) @ Z2, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "args, exc, match",
    [
        ((torch.zeros(5, 2), torch.zeros(4, 2)), ValueError, "paired rows"),
        ((torch.zeros(5), torch.zeros(5, 2)), ValueError, "Z1 must have shape"),
        ((np.zeros((5, 2)), torch.zeros(5, 2)), TypeError, "Z1 must be a torch.Tensor"),
        ((torch.tensor([[float("nan")], [1.0]]), torch.zeros(2, 1)), ValueError, "non-finite"),
    ],
)
def test_stitcher_input_errors(args, exc, match):
    with pytest.raises(exc, match=match):
        least_squares_stitcher(*args)


def test_stitched_model_identity_and_errors():
    torch.manual_seed(0)
    A = MLP(5, (7, 4), 3).double()
    x = torch.randn(20, 5, dtype=F64)
    for i, w in enumerate(A.widths):
        ident = LinearStitcher.from_matrix(torch.eye(w, dtype=F64), torch.zeros(w, dtype=F64))
        with torch.no_grad():
            torch.testing.assert_close(StitchedModel(A, i, ident, A, i)(x), A(x), rtol=0, atol=1e-14)
    with pytest.raises(ValueError, match="width"):
        StitchedModel(A, 1, LinearStitcher(7, 7), A, 2)
    with pytest.raises(ValueError, match="i=4"):
        StitchedModel(A, 4, LinearStitcher(7, 7), A, 1)
    with pytest.raises(ValueError, match="input of width"):
        LinearStitcher(3, 2)(torch.zeros(2, 4))


def test_train_stitcher_keeps_networks_frozen_and_orthogonal():
    split = load_digits(seed=0)
    torch.manual_seed(0)
    A, B = MLP(64, (12, 12), 10), MLP(64, (12, 12), 10)
    before = [p.detach().clone() for p in (*A.parameters(), *B.parameters())]
    s = train_stitcher(A, 1, B, 2, split.X_train[:300], split.y_train[:300], epochs=2, orthogonal=True, device="cpu")
    after = list(A.parameters()) + list(B.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, after))
    W = s.linear.weight.detach()
    torch.testing.assert_close(W @ W.T, torch.eye(12), rtol=0, atol=1e-5)
    assert s.method == "task-orthogonal"
    with pytest.raises(ValueError, match="init"):
        train_stitcher(A, 1, B, 1, split.X_train[:10], split.y_train[:10], init="zeros")
    with pytest.raises(ValueError, match="y must be"):
        train_stitcher(A, 1, B, 1, split.X_train[:10], split.y_train[:9])


@pytest.fixture(scope="module")
def tiny():
    split = load_digits(seed=0)
    nets = E.train_nets(split, seeds=[0, 1], widths=[10], epochs=2, lr=3e-3, batch_size=256, device="cpu")
    return split, nets, E.stitch_all(nets, split, task_pairs=1, task_epochs=1, device="cpu")


def test_sweep_shape_and_bound(tiny):
    split, nets, res = tiny
    L = len(nets[0].model.layers) + 1
    assert len(res) == len(nets) ** 2 * L**2
    res.assert_bound()
    assert res.bound_violations.size == 0
    assert np.all(res.bound >= res.risk_B - 1e-15)
    assert np.all((res.cka >= -1e-12) & (res.cka <= 1 + 1e-12))
    same = res.mask(same_net=True) & (res.i == res.j)
    assert np.all(res.A_tilde[same] <= 1e-18 * (1 + res.A_tilde.max()) + 1e-20)
    assert np.all(np.abs(res.penalty[same]) <= 1e-12)  # A into itself at the same layer: no penalty
    np.testing.assert_allclose(res.cka[same], 1.0, atol=1e-12)
    assert np.isfinite(res.acc_task).sum() == 1
    assert "bound holds on" in res.summary()


def test_sweep_matches_stitcher_module(tiny):
    """The sweep's Gram-based stitcher and the package's pinv-based one give the same fit (two routes)."""
    split, nets, res = tiny
    a, b, i, j = 0, 1, 1, 2
    k = np.flatnonzero(res.mask(a=a, b=b, i=i, j=j))[0]
    ma, mb = (copy.deepcopy(n.model).double() for n in nets)
    X = split.X_train.double()
    with torch.no_grad():
        za, zb = ma.representations(X)[i], mb.representations(X)[j]
        s = least_squares_stitcher(za, zb)
        assert res.A_tilde[k] == pytest.approx(stitch_residual(s, za, zb), rel=1e-8)
        p = torch.softmax(mb.head(j)(s(za)), 1)
        onehot = torch.nn.functional.one_hot(split.y_train, 10).double()
        assert res.risk_stitch[k] == pytest.approx(float(((p - onehot) ** 2).sum() / len(X)), rel=1e-8)
    assert res.kappa[k] == pytest.approx(
        math.prod(float(torch.linalg.matrix_norm(mb.layers[t].weight.detach(), ord=2)) for t in range(j, len(mb.layers))), rel=1e-12)


def test_assert_bound_reports_violations(tiny):
    _, _, res = tiny
    bad = res.replace()
    bad.risk_stitch[3] = bad.bound[3] * 2
    assert res.bound_violations.size == 0  # the copy is independent of the original
    with pytest.raises(AssertionError, match="fails on 1 of"):
        bad.assert_bound()


def test_brier_risk_and_spearman():
    logits = torch.tensor([[0.0, 0.0], [100.0, -100.0]], dtype=F64)
    y = torch.tensor([0, 0])
    # first row: p = (1/2, 1/2) -> 1/4 + 1/4; second: p = (1, 0) exactly in float64 -> 0
    assert E.brier_risk(logits, y, 2) == pytest.approx(0.25, abs=1e-15)
    from scipy.stats import spearmanr

    g = np.random.default_rng(0)
    x, z = g.normal(size=30), g.integers(0, 5, size=30).astype(float)  # ties in z
    from alignbook.experiments._ranks import spearman

    assert spearman(x, z) == pytest.approx(spearmanr(x, z).statistic, abs=1e-12)


def test_config_errors_and_scales():
    with pytest.raises(ValueError, match="dataset"):
        E.config("cifar")
    t, b = E.config("digits", "test"), E.config("digits", "book")
    assert len(t.seeds) * len(t.widths) < len(b.seeds) * len(b.widths)
    assert E.config("fashion-mnist", "full").n_train is None


def test_plots_have_labelled_axes(tiny):
    from alignbook.plots import stitching as P
    from alignbook.theory.stitching import ConditionSweep

    _, _, res = tiny
    figs = [P.penalty_heatmap([res, res]), P.bound_vs_actual(res), P.cka_vs_penalty(res),
            P.cka_vs_condition(ConditionSweep(np.array([1, 10, 100]), np.array([1.0, 0.6, 0.4]), dim=10))]
    import matplotlib.pyplot as plt

    for fig in figs:
        for ax in fig.axes:
            if ax.get_label() == "<colorbar>":
                continue
            assert ax.get_xlabel() and ax.get_ylabel()
        plt.close(fig)
