"""Digits loader and MLP: shapes, determinism, split hygiene, training actually learns."""
import pytest
import torch

from alignbook.data import load_digits
from alignbook.models import MLP, accuracy, train_classifier


def test_digits_split_is_stratified_disjoint_and_standardised():
    s = load_digits(test_fraction=0.25, seed=0)
    assert s.X_train.shape[1] == 64 and s.n_classes == 10
    assert s.X_train.shape[0] + s.X_test.shape[0] == 1797
    # stratified: every class present in both splits in roughly the same proportion
    for c in range(10):
        frac = (s.y_test == c).sum() / ((s.y_train == c).sum() + (s.y_test == c).sum())
        assert abs(float(frac) - 0.25) < 0.02
    mu = s.X_train.double().mean(0)
    assert mu.abs().max() < 1e-5  # training split is centred
    # disjoint: no test image appears in the training split
    tr = {tuple(r) for r in s.X_train.numpy().round(5)}
    dup = sum(tuple(r) in tr for r in s.X_test.numpy().round(5))
    assert dup < 5  # digits has a handful of genuine duplicate images, not a leak


def test_digits_is_deterministic_per_seed():
    a, b, c = load_digits(seed=1), load_digits(seed=1), load_digits(seed=2)
    assert torch.equal(a.X_train, b.X_train) and not torch.equal(a.X_train, c.X_train)


def test_bad_test_fraction():
    with pytest.raises(ValueError, match="test_fraction"):
        load_digits(test_fraction=1.5)


def test_mlp_representations_and_head():
    m = MLP(64, (32, 16), 10)
    x = torch.randn(7, 64)
    reps = m.representations(x)
    assert [r.shape[1] for r in reps] == [64, 32, 16, 10]
    assert torch.allclose(reps[-1], m(x))
    for layer in range(len(reps) - 1):
        assert torch.allclose(m.head(layer)(reps[layer]), m(x), atol=1e-6)
    # the Lipschitz bound really bounds the head's expansion on random pairs
    z1, z2 = torch.randn(50, 32), torch.randn(50, 32)
    h = m.head(1)
    with torch.no_grad():
        ratio = (h(z1) - h(z2)).norm(dim=1) / (z1 - z2).norm(dim=1)
    assert float(ratio.max()) <= m.head_lipschitz_bound(1) + 1e-6


def test_training_learns_and_is_reproducible():
    s = load_digits(seed=0)
    m1, m2 = MLP(64, (32,), 10), MLP(64, (32,), 10)
    l1 = train_classifier(m1, s.X_train, s.y_train, epochs=8, lr=3e-3, seed=4, device="cpu")
    l2 = train_classifier(m2, s.X_train, s.y_train, epochs=8, lr=3e-3, seed=4, device="cpu")
    assert l1 == l2 and l1[-1] < l1[0]
    assert accuracy(m1, s.X_test, s.y_test) > 0.85


def test_mismatched_rows():
    with pytest.raises(ValueError, match="paired"):
        train_classifier(MLP(4, (3,), 2), torch.randn(5, 4), torch.zeros(6, dtype=torch.long), epochs=1)


def test_constant_training_columns_become_exactly_zero():
    import numpy as np

    from alignbook.data import make_split

    X = np.random.default_rng(0).normal(size=(40, 3))
    X[:, 1] = 0.1  # 0.1 is not exact in binary: a computed std would be ~1e-17, not 0
    y = np.repeat([0, 1], 20)
    s = make_split(X, y, 0.25, 0, True, "toy", 2)
    assert torch.all(s.X_train[:, 1] == 0) and torch.all(s.X_test[:, 1] == 0)
