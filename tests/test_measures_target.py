"""Label alignment (Imani et al.), kernel-target alignment and the spectral family (theory §5.2, P5.5)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import alignbook as ab


pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


SETTINGS = settings(max_examples=20, deadline=None, derandomize=True)


def rep(seed, n=60, k=5):
    r = np.random.default_rng(seed)
    Phi = r.standard_normal((n, k)) * np.exp(r.uniform(-1, 1, k))
    y = np.sign(Phi @ r.standard_normal(k) + r.standard_normal(n))
    y[y == 0] = 1
    return Phi, y


@SETTINGS
@given(st.integers(0, 2**31), st.floats(0.0, 20.0))
def test_label_alignment_bounds_monotonicity_and_projection(seed, tau):
    Phi, y = rep(seed)
    a = ab.label_alignment(Phi, y, tau)
    assert -1e-12 <= a <= y @ y + 1e-9
    assert ab.label_alignment(Phi, y, tau + 0.5) <= a + 1e-12
    proj = Phi @ np.linalg.lstsq(Phi, y, rcond=None)[0]
    assert abs(ab.label_alignment(Phi, y, 0.0) - proj @ proj) <= 1e-9
    assert abs(ab.label_alignment(Phi, y, tau, normalized=True) - a / (y @ y)) <= 1e-12


def test_label_alignment_definition_and_imani_conventions():
    Phi, y = rep(1)
    U, S, _ = np.linalg.svd(Phi, full_matrices=False)
    for tau in (0.5, 3.0, 8.0):
        assert abs(ab.label_alignment(Phi, y, tau) - ((U.T @ y) ** 2 * (S >= tau)).sum()) < 1e-10
    Z = np.hstack([Phi, np.ones((60, 1))])
    Z /= np.linalg.norm(Z, axis=1, keepdims=True)
    U, S, _ = np.linalg.svd(Z, full_matrices=False)
    assert abs(ab.label_alignment(Phi, y, 2.0, conventions="imani") - ((U.T @ y) ** 2 * (S >= 2.0)).sum()) < 1e-10
    assert ab.label_alignment(Phi, y, 0.0, conventions="imani") == y @ y  # the demo's tau = 0 point
    taus, vals = ab.label_alignment_curve(Phi, y, conventions="imani")
    assert len(taus) == 62 and taus[-1] == 30.0 and vals[0] == y @ y
    assert np.all(np.diff(vals) <= 1e-12)
    assert np.allclose(vals[1:5], [ab.label_alignment(Phi, y, t, conventions="imani") for t in taus[1:5]])
    taus, vals = ab.label_alignment_curve(torch.tensor(Phi), torch.tensor(y))
    assert isinstance(vals, torch.Tensor) and len(vals) == 50


def test_label_alignment_not_invariant_to_general_linear_maps():
    Phi, y = rep(2)
    A = np.diag([10.0, 0.1, 1.0, 3.0, 0.3])
    assert abs(ab.label_alignment(Phi @ A, y, 3.0) - ab.label_alignment(Phi, y, 3.0)) > 1e-3


@SETTINGS
@given(st.integers(0, 2**31))
def test_spectral_family_members_agree_with_their_direct_formulas(seed):
    """P5.5: Imani, KTA, cumulative power and Arora's complexity from one SVD vs direct formulas."""
    Phi, y = rep(seed)
    K = Phi @ Phi.T
    kta = y @ K @ y / (np.linalg.norm(K) * (y @ y))
    assert abs(ab.kernel_target_alignment(Phi, y) - kta) <= 1e-12
    assert abs(ab.kernel_target_alignment(K, y, kernel="precomputed") - kta) <= 1e-12
    assert abs(ab.spectral_alignment(Phi, y, "kta") - kta) <= 1e-12
    assert abs(ab.kernel_target_alignment(Phi, y[:, None]) - ab.kernel_alignment(Phi, y[:, None])) <= 1e-12
    assert abs(ab.spectral_alignment(Phi, y, "imani", tau=4.0) - ab.label_alignment(Phi, y, 4.0)) <= 1e-12
    arora = y @ np.linalg.pinv(K, hermitian=True) @ y
    assert abs(ab.spectral_alignment(Phi, y, "arora") - arora) <= 1e-8 * arora
    S = np.linalg.svd(Phi, compute_uv=False)
    tau = (S[2] + S[3]) / 2  # k_tau = 3 modes (a threshold between sigma_3 and sigma_4)
    c3 = ab.spectral_alignment(Phi, y, "cumulative", k=3)
    assert abs(ab.label_alignment(Phi, y, tau) / ab.label_alignment(Phi, y, 0.0) - c3) <= 1e-12
    assert abs(ab.spectral_alignment(Phi, y, lambda s: (s >= tau).double()) - ab.label_alignment(Phi, y, tau)) <= 1e-12


def test_centred_kta_is_cortes_alignment():
    Phi, y = rep(3)
    Phi = Phi + 2.0
    H = np.eye(60) - 1 / 60
    Kc, Yc = H @ Phi @ Phi.T @ H, H @ np.outer(y, y) @ H
    want = (Kc * Yc).sum() / (np.linalg.norm(Kc) * np.linalg.norm(Yc))
    assert abs(ab.kernel_target_alignment(Phi, y, centered=True) - want) < 1e-12
    assert abs(ab.kernel_target_alignment(Phi, y, kernel="rbf", centered=True)
               - ab.kernel_target_alignment(ab.gram(Phi, "rbf"), y, kernel="precomputed", centered=True)) < 1e-12
    # centred KTA with a linear target kernel is CKA between Phi and y
    assert abs(ab.kernel_target_alignment(Phi, y, centered=True) - ab.cka(Phi, y[:, None])) < 1e-12


def test_target_errors():
    Phi, y = rep(4)
    with pytest.raises(ValueError, match="y has 59 entries"):
        ab.label_alignment(Phi, y[:59], 1.0)
    with pytest.raises(TypeError, match="same kind"):
        ab.label_alignment(torch.tensor(Phi), y, 1.0)
    with pytest.raises(ValueError, match="needs the threshold tau"):
        ab.spectral_alignment(Phi, y, "imani")
    with pytest.raises(ValueError, match="y is all zeros"):
        ab.kernel_target_alignment(Phi, 0 * y)
    with pytest.raises(ValueError, match="conventions='demo' is not one of"):
        ab.label_alignment(Phi, y, 1.0, conventions="demo")
