"""Tests of the trade-off chapter's code: data model, linear tools, penalised path, InfoNCE, plots."""
import math

import matplotlib
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from alignbook.theory.tradeoff import symbolic as sym
from alignbook.data import TwoModalityModel
from alignbook.experiments import tradeoff as ex
from alignbook.plots import tradeoff as pt
from alignbook.models.contrastive import TwoTower, symmetric_infonce_loss, train_two_tower
from alignbook.theory.tradeoff.redundancy import RedundancySweeps

matplotlib.use("Agg")
F64 = torch.float64


# ---------------------------------------------------------------- InfoNCE
def _infonce_by_hand(z1, z2, t):
    S = (z1 @ z2.T / t).double()
    n = S.shape[0]
    row = -(S.diag() - torch.logsumexp(S, 1)).mean()
    col = -(S.diag() - torch.logsumexp(S, 0)).mean()
    assert n >= 2
    return 0.5 * (row + col)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 12), d=st.integers(1, 6), t=st.floats(0.05, 5.0), seed=st.integers(0, 10_000))
def test_infonce_matches_formula_is_symmetric_and_nonnegative(n, d, t, seed):
    g = torch.Generator().manual_seed(seed)
    z1, z2 = torch.randn(n, d, generator=g, dtype=F64), torch.randn(n, d, generator=g, dtype=F64)
    val = symmetric_infonce_loss(z1, z2, t)
    assert torch.allclose(val, _infonce_by_hand(z1, z2, t), rtol=1e-12, atol=1e-12)
    assert torch.allclose(val, symmetric_infonce_loss(z2, z1, t), rtol=1e-12, atol=1e-12)
    assert val >= 0


def test_infonce_closed_form_for_aligned_orthonormal_embeddings():
    B, t = 5, 0.2
    z = torch.eye(B, dtype=F64)
    expected = math.log(math.exp(1 / t) + B - 1) - 1 / t
    assert abs(float(symmetric_infonce_loss(z, z, t)) - expected) < 1e-12


@pytest.mark.parametrize("bad, match", [
    (dict(z1=torch.zeros(3, 2), z2=torch.zeros(3, 3)), "equal shapes"),
    (dict(z1=torch.zeros(1, 2), z2=torch.zeros(1, 2)), "at least 2"),
    (dict(z1=torch.zeros(3, 2), z2=torch.zeros(3, 2), temperature=0.0), "temperature"),
])
def test_infonce_rejects_bad_input(bad, match):
    with pytest.raises(ValueError, match=match):
        symmetric_infonce_loss(**bad)


def test_two_tower_training_is_deterministic_and_learns():
    m = TwoModalityModel.make(redundancy=1.0, seed=3)
    d = m.sample(256, seed=4)
    X1, X2, Y1, Y2 = (v.float() for v in (d.X1, d.X2, d.Y1, d.Y2))
    net = TwoTower((10, 10), dim=4, hidden=(16,))
    h1 = train_two_tower(net, X1, X2, Y1, Y2, alpha=1.0, epochs=15, batch_size=64, seed=1, device="cpu")
    z_a = net.embed(X1, 0).detach().clone()
    h2 = train_two_tower(net, X1, X2, Y1, Y2, alpha=1.0, epochs=15, batch_size=64, seed=1, device="cpu")
    assert h1 == h2 and torch.equal(z_a, net.embed(X1, 0).detach())
    assert h1[-1] < h1[0]
    norms = torch.linalg.vector_norm(z_a, dim=1)
    assert torch.allclose(norms, torch.ones_like(norms), atol=1e-6)
    with pytest.raises(ValueError, match="alpha"):
        train_two_tower(net, X1, X2, Y1, Y2, alpha=1.5)
    with pytest.raises(ValueError, match="reshape"):
        train_two_tower(net, X1, X2, Y1[:, 0], Y2, alpha=0.5)


# ---------------------------------------------------------------- linear tools
@settings(max_examples=30, deadline=None)
@given(n=st.integers(8, 60), p=st.integers(1, 5), t=st.integers(1, 3), seed=st.integers(0, 10_000))
def test_lin_mmse_equals_numpy_lstsq_with_intercept(n, p, t, seed):
    g = np.random.default_rng(seed)
    X, Y = g.standard_normal((n, p)), g.standard_normal((n, t)) + 3.0
    A = np.hstack([np.ones((n, 1)), X])
    coef = np.linalg.lstsq(A, Y, rcond=None)[0]
    ref = float(((Y - A @ coef) ** 2).sum(1).mean())
    assert abs(ex.lin_mmse(torch.from_numpy(Y), torch.from_numpy(X)) - ref) <= 1e-10 * max(1.0, ref)
    # any other affine map does at least as badly
    B = coef + g.standard_normal(coef.shape) * 0.1
    assert ex.lin_mmse(torch.from_numpy(Y), torch.from_numpy(X)) <= float(((Y - A @ B) ** 2).sum(1).mean()) + 1e-12


def test_linear_tools_reject_bad_input():
    with pytest.raises(ValueError, match="reshape"):
        ex.lin_mmse(torch.zeros(5), torch.zeros(5, 2))
    with pytest.raises(ValueError, match="paired"):
        ex.lin_mmse(torch.zeros(5, 1), torch.zeros(4, 2))
    with pytest.raises(ValueError, match="NaN"):
        ex.lin_mmse(torch.full((5, 1), float("nan")), torch.zeros(5, 2))
    with pytest.raises(TypeError, match="tensor"):
        ex.lin_mmse([[1.0]], torch.zeros(1, 1))
    with pytest.raises(ValueError, match="redundancy"):
        TwoModalityModel.make(redundancy=1.5)
    with pytest.raises(ValueError, match="identifiable"):
        TwoModalityModel.make(p1=3, ks=2, k1=2)


def test_population_covariance_matches_a_large_sample():
    m = TwoModalityModel.make(redundancy=0.4, seed=5)
    d = m.sample(100_000, seed=6)
    V = torch.cat([d.X1, d.X2, d.Y1, d.Y2], 1)
    emp = torch.cov(V.T, correction=0)
    S = m.covariance()
    # entries are O(1) with standard error <= ~ sqrt(2/n) * max variance ~ 0.01
    assert float((emp - S).abs().max()) < 0.03
    assert torch.allclose(S, S.T)
    assert abs(float(S[-2, -2]) - (1 + m.y_noise ** 2)) < 1e-12


# ---------------------------------------------------------------- penalised path
def test_penalised_path_matches_direct_minimisation():
    from scipy.optimize import minimize

    m = TwoModalityModel.make(p1=4, p2=3, ks=1, k1=2, k2=1, redundancy=0.5, seed=2)
    S11, S12, S22, c1y, _, vy = (t.cpu() for t in m.blocks())
    p1, p2 = 4, 3
    for lam in (0.0, 0.3, 5.0):
        def J(x):
            w, u = x[:p1], x[p1:]
            risk = float(vy) - 2 * w @ c1y.numpy() + w @ S11.numpy() @ w
            al = w @ S11.numpy() @ w - 2 * w @ S12.numpy() @ u + u @ S22.numpy() @ u
            return risk + lam * al
        x = minimize(J, np.zeros(p1 + p2), method="BFGS", options=dict(gtol=1e-12)).x
        path = ex.penalised_path(S11, S12, S22, c1y, float(vy), [lam])
        assert np.allclose(path.w[0].numpy(), x[:p1], atol=1e-6)
        assert abs(float(path.objective[0]) - J(x)) < 1e-10


def test_sympy_derivation():
    d = sym.derive()
    c, kappa, lam, w = sym.symbols()
    assert d.envelope == 0
    assert sym.sp.simplify(d.w_star - c / (1 + lam * kappa)) == 0
    assert d.risk_limit_pos == 0 and d.align_limit_pos == 0
    assert sym.sp.simplify(d.risk_limit_zero + c ** 2) == 0
    with pytest.raises(ValueError, match="kappa"):
        sym.front([1.0], [-0.1], 1.0, [1.0])


# ---------------------------------------------------------------- sweeps, real data, plots
def test_contrastive_sweep_orders_redundant_before_complementary():
    r = ex.contrastive_sweep(levels=(1.0, 0.0), alphas=(0.0, 1.0), scale="test", seeds=[0], device="cpu")
    assert r.knn_risk.shape == (2, 2)
    assert r.knn_loss[0] < r.knn_loss[1]


def test_digits_halves_targets():
    d = ex.digits_halves()
    assert d.X1_train.shape[0] == d.Y1_train.shape[0] == d.y_train.shape[0]
    assert ex.lin_mmse(d.Y1_train, d.X1_train) < 1e-20  # ink of the left half is linear in the left half
    assert float(d.X1_train.std(0).min()) > 0
    diag = ex.redundancy_diagnostics(d.X1_train, d.X2_train, d.Y1_train)
    assert 0 < diag.r2_x2 < 1 and np.all(np.diff(diag.rho) <= 1e-12)


def test_plots_have_labelled_axes():
    lin = ex.linear_sweep(levels=(1.0, 0.0))
    for fig in (pt.pareto_plot(lin), pt.risk_vs_weight(RedundancySweeps(linear=lin))):
        for ax in fig.axes:
            assert ax.get_xlabel() and ax.get_ylabel()
        matplotlib.pyplot.close(fig)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(10, 80), p1=st.integers(1, 5), p2=st.integers(1, 5), r=st.integers(1, 4),
       log_scale=st.floats(-2, 2), seed=st.integers(0, 10_000))
def test_tradeoff_inequality_holds_on_any_sample(n, p1, p2, r, log_scale, seed):
    # T4.2 on the empirical measure of arbitrary (even non-Gaussian, tiny) samples
    g = np.random.default_rng(seed)
    X1, X2 = torch.from_numpy(g.standard_normal((n, p1))), torch.from_numpy(g.exponential(size=(n, p2)))
    Y = torch.from_numpy(g.standard_normal((n, 1))) + X1[:, :1] ** 2
    W = torch.from_numpy(g.standard_normal((p1, r)) * 10 ** log_scale)
    v = torch.from_numpy(g.standard_normal(r))
    Z = X1 @ W
    risk = float(((Y[:, 0] - Y[:, 0].mean() - (Z - Z.mean(0)) @ v) ** 2).mean())
    rhs = math.sqrt(ex.lin_mmse(Y, X2)) - float(torch.linalg.vector_norm(v)) * math.sqrt(ex.alignment_loss(Z, X2))
    assert math.sqrt(risk) >= rhs - 1e-9 * (1 + abs(rhs))
