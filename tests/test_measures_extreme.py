"""Extreme magnitudes: a scale-invariant measure gives the same value at any representable scale,
and a measure that is not scale invariant raises instead of returning inf, NaN or a wrong number."""
import numpy as np
import pytest
import torch

import alignbook as ab
from alignbook.measures import MEASURES

SCALES = [1e-150, 1e-80, 1e-30, 1e30, 1e80, 1e150]
INVARIANT = sorted(n for n, s in MEASURES.items() if "isotropic_scaling" in s.invariances and not s.target)


def _data(seed=0, n=40):
    g = np.random.default_rng(seed)
    X = g.normal(size=(n, 6))
    return X, np.tanh(X @ g.normal(size=(6, 4))) + 0.5 * g.normal(size=(n, 4))


def test_there_are_scale_invariant_measures():
    assert {"cka_linear", "cka_linear_unbiased", "cka_rbf", "distance_correlation"} <= set(INVARIANT)


@pytest.mark.parametrize("name", INVARIANT)
@pytest.mark.parametrize("scale", SCALES)
def test_invariant_measures_survive_extreme_scales(name, scale):
    X, Y = _data()
    fn = MEASURES[name].fn
    ref = fn(X, Y)
    assert np.isclose(fn(scale * X, Y), ref, rtol=1e-9, atol=1e-12)
    assert np.isclose(fn(X, scale * Y), ref, rtol=1e-9, atol=1e-12)


def test_rescaling_is_exact_and_differentiable():
    from alignbook.core.guards import pow2_rescale

    X = torch.randn(10, 3, dtype=torch.float64, requires_grad=True)
    Z = pow2_rescale(3.7e200 * X)
    ratio = Z / (3.7e200 * X)
    assert torch.all(ratio == ratio.flatten()[0])  # one exact power of two
    assert 0.5 <= float(Z.detach().abs().max()) < 1
    ab.cka(1e120 * X, torch.randn(10, 2, dtype=torch.float64)).backward()
    assert torch.isfinite(X.grad).all()


def test_non_invariant_hsic_raises_instead_of_inf():
    X, Y = _data()
    with pytest.raises(ValueError, match="not finite"):
        ab.hsic(1e90 * X, 1e90 * Y)  # true value ~1e360 overflows float64


def test_hsic_underflow_is_the_correct_rounding():
    X, Y = _data()
    h = ab.hsic(X, Y)
    assert ab.hsic(1e-90 * X, 1e-90 * Y) == pytest.approx(h * 1e-360, abs=1e-300)  # i.e. 0.0


def test_fixed_sigma_rbf_is_not_rescaled():
    X, Y = _data()
    a = ab.cka(X, Y, kernel="rbf", sigma=2.0)
    b = ab.cka(2 * X, Y, kernel="rbf", sigma=2.0)
    assert not np.isclose(a, b)  # a fixed bandwidth is not scale invariant, and we do not pretend it is


@pytest.mark.parametrize("name", ["cka_chunked", "distance_correlation_chunked", "rsa_chunked", "mutual_knn_chunked"])
@pytest.mark.parametrize("scale", [1e-150, 1e150])
def test_chunked_routes_survive_extreme_scales(name, scale):
    from alignbook import scale as sc

    X, Y = _data()
    fn = getattr(sc, name)
    kw = {"k": 5} if name == "mutual_knn_chunked" else {}
    assert np.isclose(fn(scale * X, Y, block=7, **kw), fn(X, Y, block=7, **kw), rtol=1e-9, atol=1e-12)
