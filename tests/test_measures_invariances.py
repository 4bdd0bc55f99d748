"""Registry-driven property tests: every declared invariance holds on every draw, every undeclared
one is broken for some input, symmetry is as declared, and all measures ignore the order of
the (paired) samples."""
from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import alignbook as ab
from alignbook.measures import INVARIANCES, MEASURES


pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


N, D1, D2 = 30, 4, 3
SEEDS = st.integers(0, 2**31)
SETTINGS = settings(max_examples=8, deadline=None, derandomize=True)


def data(seed, spec):
    r = np.random.default_rng(seed)
    X = r.standard_normal((N, D1)) * np.exp(r.uniform(-1, 1, D1)) + r.standard_normal(D1)
    if spec.target:
        Y = np.sign(X @ r.standard_normal(D1) + 0.5 * r.standard_normal(N))
        Y[Y == 0] = 1.0
    else:
        Y = np.tanh(X @ r.standard_normal((D1, D2))) + 0.5 * r.standard_normal((N, D2))
    return X, Y


def _orth(r, d):
    Q, R = np.linalg.qr(r.standard_normal((d, d)))
    return Q * np.sign(np.diag(R))


def transform(name, X, seed):
    r = np.random.default_rng(seed + 1)
    d = X.shape[1]
    if name == "orthogonal":
        return X @ _orth(r, d)
    if name == "isotropic_scaling":
        return X * np.exp(r.uniform(-3, 3))
    if name == "translation":
        return X + 3.0 * r.standard_normal(d)
    if name == "invertible_linear":
        return X @ (_orth(r, d) * np.exp(r.uniform(-2.5, 2.5, d))) @ _orth(r, d)
    if name == "permutation":
        return X[:, r.permutation(d)]
    raise AssertionError(name)


def close(a, b):
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


CASES = [(m, inv) for m, spec in MEASURES.items() for inv in INVARIANCES if inv in spec.invariances]
NON = [(m, inv) for m, spec in MEASURES.items() for inv in INVARIANCES if inv not in spec.invariances]


def test_registry_metadata_is_complete():
    assert len(MEASURES) >= 15
    for name, spec in MEASURES.items():
        assert spec.name == name and spec.direction in ("similarity", "distance")
        assert spec.formula and spec.cost and spec.reference
        assert callable(spec.fn)


@pytest.mark.parametrize("measure,invariance", CASES)
@SETTINGS
@given(seed=SEEDS)
def test_declared_invariance_holds(measure, invariance, seed):
    spec = MEASURES[measure]
    X, Y = data(seed, spec)
    assert close(spec.fn(transform(invariance, X, seed), Y), spec.fn(X, Y))


@pytest.mark.parametrize("measure,invariance", NON)
def test_undeclared_invariance_is_broken_for_some_input(measure, invariance):
    spec = MEASURES[measure]
    diffs = []
    for seed in range(12):
        X, Y = data(seed, spec)
        diffs.append(abs(spec.fn(transform(invariance, X, seed), Y) - spec.fn(X, Y)))
    assert max(diffs) > 1e-6, f"{measure} looks invariant to {invariance}: declare it"


@pytest.mark.parametrize("measure", [m for m, s in MEASURES.items() if not s.target])
@SETTINGS
@given(seed=SEEDS)
def test_symmetry_as_declared(measure, seed):
    spec = MEASURES[measure]
    X, Y = data(seed, spec)
    if spec.symmetric:
        assert close(spec.fn(X, Y), spec.fn(Y, X))


@pytest.mark.parametrize("measure", list(MEASURES))
@SETTINGS
@given(seed=SEEDS)
def test_joint_sample_permutation_changes_nothing(measure, seed):
    spec = MEASURES[measure]
    X, Y = data(seed, spec)
    p = np.random.default_rng(seed).permutation(N)
    assert close(spec.fn(X[p], Y[p]), spec.fn(X, Y))


@pytest.mark.parametrize("name", ab.measures.__all__)
def test_every_public_function_documents_its_formula(name):
    obj = getattr(ab, name)
    if name != "register" and (inspect.isfunction(obj) or name == "Procrustes"):
        doc = inspect.getdoc(obj) or ""
        assert len(doc) > 80, f"{name} needs a docstring with its formula"


@pytest.mark.parametrize("measure", [m for m, s in MEASURES.items() if s.differentiable])
def test_declared_differentiable_measures_give_finite_gradients(measure):
    spec = MEASURES[measure]
    X, Y = data(3, spec)
    Xt = torch.tensor(X, requires_grad=True)
    v = spec.fn(Xt, torch.tensor(Y))
    assert isinstance(v, torch.Tensor) and v.requires_grad
    (g,) = torch.autograd.grad(v, Xt)
    assert torch.isfinite(g).all() and g.abs().sum() > 0
