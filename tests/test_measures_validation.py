"""Bad input raises a clear error naming the argument and the fix; output types follow input types."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import alignbook as ab


pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


r = np.random.default_rng(0)
X = r.standard_normal((12, 3))
Y = r.standard_normal((12, 2))

PAIR_FNS = {
    "cka": ab.cka,
    "hsic": ab.hsic,
    "kernel_alignment": ab.kernel_alignment,
    "distance_correlation": ab.distance_correlation,
    "distance_misalignment": ab.distance_misalignment,
    "rsa": ab.rsa,
    "procrustes_distance": ab.procrustes_distance,
    "cca_similarity": ab.cca_similarity,
    "svcca": ab.svcca,
    "kernel_cca": ab.kernel_cca,
    "mutual_knn": lambda a, b: ab.mutual_knn(a, b, k=3),
}
FNS = list(PAIR_FNS.values())
IDS = list(PAIR_FNS)


@pytest.mark.parametrize("fn", FNS, ids=IDS)
def test_numpy_gives_float_and_torch_gives_0d_float64_tensor(fn):
    v = fn(X, Y)
    assert type(v) is float
    t = fn(torch.tensor(X, dtype=torch.float32), torch.tensor(Y, dtype=torch.float32))
    assert isinstance(t, torch.Tensor) and t.ndim == 0 and t.dtype == torch.float64
    assert abs(float(t) - v) < 1e-5  # float32 input is upcast before any reduction


@pytest.mark.parametrize("fn", FNS, ids=IDS)
def test_mixing_numpy_and_torch_is_a_type_error(fn):
    with pytest.raises(TypeError, match="both as NumPy arrays or both as torch tensors"):
        fn(X, torch.tensor(Y))


@pytest.mark.parametrize("fn", FNS, ids=IDS)
def test_mismatched_rows(fn):
    with pytest.raises(ValueError, match=r"X has 12 rows but Y has 11"):
        fn(X, Y[:11])


@pytest.mark.parametrize("fn", FNS, ids=IDS)
def test_one_dimensional_input_says_reshape(fn):
    with pytest.raises(ValueError, match=r"Y is 1-D .*reshape\(-1, 1\)"):
        fn(X, Y[:, 0])


@pytest.mark.parametrize("fn", FNS, ids=IDS)
def test_empty_input(fn):
    with pytest.raises(ValueError, match="X is empty"):
        fn(np.zeros((0, 3)), np.zeros((0, 2)))
    with pytest.raises(ValueError, match="Y is empty"):
        fn(X, np.zeros((12, 0)))


@pytest.mark.parametrize("fn", FNS, ids=IDS)
def test_nan_and_inf_are_counted_and_named(fn):
    Yb = Y.copy()
    Yb[0, 0], Yb[3, 1] = np.nan, np.inf
    with pytest.raises(ValueError, match=r"Y has 2 non-finite entries \(1 NaN, 1 infinite\)"):
        fn(X, Yb)


DEFINED_FOR_CONSTANTS = ("hsic", "distance_misalignment", "kernel_alignment")  # 0, a distance, uncentred KA


@pytest.mark.parametrize("fn", [f for i, f in PAIR_FNS.items() if i not in DEFINED_FOR_CONSTANTS],
                         ids=[i for i in IDS if i not in DEFINED_FOR_CONSTANTS])
def test_constant_representation_is_refused(fn):
    C = np.ones((12, 2)) * 3.0
    with pytest.raises(ValueError, match="Y|constant|undefined"):
        fn(X, C)


def test_constant_representation_messages_are_specific():
    C = np.full((12, 2), 3.0)
    for fn in (ab.cka, ab.distance_correlation, ab.cca_similarity):
        with pytest.raises(ValueError, match=r"Y is constant .*undefined"):
            fn(X, C)
    with pytest.raises(ValueError, match="Gram matrix of X is zero"):
        ab.kernel_alignment(np.zeros((12, 2)), Y)
    assert ab.kernel_alignment(C, C + 1) == 1.0  # uncentred KA of constants is defined
    assert ab.hsic(X, C) == 0.0 and ab.hsic(X, C, estimator="unbiased") == 0.0


def test_constant_column_is_fine():
    Xc = X.copy()
    Xc[:, 1] = 7.0
    for fn in FNS:
        assert np.isfinite(fn(Xc, Y))
    assert abs(ab.cka(Xc, Y) - ab.cka(Xc[:, [0, 2]], Y)) < 1e-14


def test_unbiased_estimators_need_four_samples():
    for fn in (ab.cka, ab.hsic, ab.distance_correlation):
        with pytest.raises(ValueError, match=r"needs n >= 4 .*estimator='biased'"):
            fn(X[:3], Y[:3], estimator="unbiased")
    assert np.isfinite(ab.cka(X[:4], Y[:4], estimator="unbiased"))


def test_zero_unbiased_self_hsic_is_refused_with_advice():
    e = np.zeros((6, 1))
    e[0] = 1.0  # K has zero off-diagonal: the U-centred Gram vanishes, HSIC_u(X, X) = 0
    assert np.isfinite(ab.cka(e, Y[:6]))
    with pytest.raises(ValueError, match=r"unbiased self-HSIC of X is .*<= 0 up to rounding.*estimator='biased'"):
        ab.cka(e, Y[:6], estimator="unbiased")


def test_bad_option_values_list_the_choices():
    with pytest.raises(ValueError, match=r"kernel='gauss' is not one of \('linear', 'rbf', 'distance', 'precomputed'\)"):
        ab.cka(X, Y, kernel="gauss")
    with pytest.raises(ValueError, match="estimator='song' is not one of"):
        ab.cka(X, Y, estimator="song")
    with pytest.raises(ValueError, match="route='fast' is not one of"):
        ab.cka(X, Y, route="fast")
    with pytest.raises(ValueError, match="route='features' needs kernel='linear'"):
        ab.cka(X, Y, kernel="rbf", route="features")
    with pytest.raises(ValueError, match="metric=.raw. is not one of"):
        ab.procrustes_distance(X, Y, metric="raw")
    with pytest.raises(ValueError, match="rdm='manhattan' is not one of"):
        ab.rsa(X, Y, rdm="manhattan")
    with pytest.raises(ValueError, match=r"k=12 must be between 1 and 11"):
        ab.mutual_knn(X, Y, k=12)
    with pytest.raises(ValueError, match="bandwidth=0"):
        ab.cka(X, Y, kernel="rbf", bandwidth=0)
    with pytest.raises(ValueError, match="dtype='float16' is not supported"):
        ab.cka(X, Y, dtype="float16")


def test_precomputed_and_callable_kernels_are_checked():
    with pytest.raises(ValueError, match="square"):
        ab.cka(X, Y, kernel="precomputed")
    K = X @ X.T
    with pytest.raises(ValueError, match="symmetric"):
        ab.cka(K + np.triu(np.ones((12, 12)), 1), K, kernel="precomputed")
    with pytest.raises(ValueError, match=r"must return an \(n, n\) torch tensor"):
        ab.cka(X, Y, kernel=lambda A: A)
    lin = ab.cka(X, Y, kernel=lambda A: A @ A.T)
    assert abs(lin - ab.cka(X, Y)) < 1e-14


def test_zero_median_distance_is_refused_with_the_fix():
    D = np.zeros((12, 2))
    D[:3] = r.standard_normal((3, 2))  # most rows identical: median distance 0
    with pytest.raises(ValueError, match="median pairwise distance of X is 0.*sigma="):
        ab.cka(D, Y, kernel="rbf")
    assert np.isfinite(ab.cka(D, Y, kernel="rbf", sigma=1.0))


def test_complex_and_object_input_are_type_errors():
    with pytest.raises(TypeError, match="complex"):
        ab.cka(X.astype(complex), Y)
    with pytest.raises(TypeError, match="numeric"):
        ab.cka(np.array([[1, "a"]], dtype=object), Y)


def test_integer_and_list_input_are_accepted():
    Xi = (X * 10).astype(int)
    assert abs(ab.cka(Xi, Y) - ab.cka(Xi.astype(float), Y)) == 0
    assert abs(ab.cka(Xi.tolist(), Y.tolist()) - ab.cka(Xi, Y)) == 0


def test_rsa_needs_three_samples_and_a_nonconstant_rdm():
    with pytest.raises(ValueError, match="at least 3"):
        ab.rsa(X[:2], Y[:2])
    E = np.eye(3)  # equidistant samples: constant RDM
    with pytest.raises(ValueError, match="all entries of the RDM of X are equal"):
        ab.rsa(E, Y[:3])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_devices_must_match():
    with pytest.raises(ValueError, match="move them to one device"):
        ab.cka(torch.tensor(X, device="cuda"), torch.tensor(Y))


def test_negative_unbiased_dcor_squared_is_returned_but_its_root_is_refused():
    rr = np.random.default_rng(1)
    for _ in range(50):
        A, B = rr.standard_normal((8, 2)), rr.standard_normal((8, 2))
        v = ab.distance_correlation(A, B, "unbiased", squared=True)
        if v < 0:
            break
    assert v < 0  # independent samples: the bias-corrected estimate straddles 0
    with pytest.raises(ValueError, match="square root is undefined; pass squared=True"):
        ab.distance_correlation(A, B, "unbiased")
